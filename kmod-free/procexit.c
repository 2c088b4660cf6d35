/* Exits of processes from the process connector (procexit.h). */
#include "kmod-free/procexit.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"

/* One netlink message: header, connector header, payload. */
struct cn_listen {
	struct nlmsghdr nl;
	struct cn_msg cn;
	enum proc_cn_mcast_op op;
} __attribute__((packed));

int procexit_open(void)
{
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	struct cn_listen msg;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	int r;

	if (fd < 0)
		return -errno;
	memset(&msg, 0, sizeof(msg));
	msg.nl.nlmsg_len = sizeof(msg);
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.nl.nlmsg_pid = (__u32)getpid();
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(msg.op);
	msg.op = PROC_CN_MCAST_LISTEN;
	/* nl_pid 0: the kernel picks a free port. */
	r = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno
								 : write_all(fd, &msg, sizeof(msg));
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The exits in one datagram (a message each). */
static void exits_in(const char *buf, size_t len, void (*fn)(void *, pid_t, pid_t), void *arg)
{
	const struct nlmsghdr *nl = (const struct nlmsghdr *)buf;

	for (; NLMSG_OK(nl, len); nl = NLMSG_NEXT(nl, len)) {
		const struct cn_msg *cn = NLMSG_DATA(nl);
		struct proc_event ev;

		if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(*cn)) ||
		    cn->len <
			offsetof(struct proc_event, event_data) + sizeof(ev.event_data.exit) ||
		    nl->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + cn->len))
			continue;
		/* Copied out: the payload need not be aligned. */
		memset(&ev, 0, sizeof(ev));
		memcpy(&ev, cn->data, cn->len < sizeof(ev) ? cn->len : sizeof(ev));
		/* A thread's exit says nothing of its process. */
		if (ev.what == PROC_EVENT_EXIT &&
		    ev.event_data.exit.process_pid == ev.event_data.exit.process_tgid)
			fn(arg, ev.event_data.exit.process_tgid, ev.event_data.exit.parent_tgid);
	}
}

int procexit_drain(int fd, void (*fn)(void *arg, pid_t pid, pid_t ppid), void *arg)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int result = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			result = -ENOBUFS;
			continue;
		}
		if (n < 0)
			return errno == EAGAIN ? result : -errno;
		if (n == 0)
			return result;
		exits_in(buf, (size_t)n, fn, arg);
	}
}
