#define _GNU_SOURCE
#include "agent/scanner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define SCANNER_MAGIC 0x57415244u /* "WARD" */

struct scanner_request {
	uint32_t magic;
	uint32_t seq;
	struct classify_budget budget;
	char name_hint[256];
};

struct scanner_reply {
	uint32_t magic;
	uint32_t seq;
	int32_t rc;
	struct classify_result result;
};

struct scanner {
	const struct scanner_ops *ops;
	struct scanner_options opts;
	int sock; /* parent's end; -1 when no child */
	_Atomic pid_t pid;
	uint32_t seq;
	_Atomic uint64_t restarts;
};

/* ---- child ---- */

static int sandbox_drop_user(void)
{
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0; /* already unprivileged (tests run as a user) */
	pw = getpwnam("ward");
	if (!pw)
		pw = getpwnam("nobody");
	uid = pw ? pw->pw_uid : 65534;
	gid = pw ? pw->pw_gid : 65534;
	/* A private, empty network namespace: nothing to talk to even if a
	 * socket were allowed.  Best effort (a container may refuse it):
	 * seccomp refuses socket(2) anyway, so a refusal is only said. */
	if (unshare(CLONE_NEWNET) < 0)
		log_warn("scanner: no private network namespace");
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	if (setuid(0) == 0)
		return -EPERM; /* the drop did not stick */
	return 0;
}

/* A limit the sandbox relies on: failing to set it fails the scanner. */
static int limit(int resource, rlim_t value, const char *what)
{
	struct rlimit rl = {value, value};

	if (setrlimit(resource, &rl) == 0)
		return 0;
	log_warn("scanner: cannot limit %s", what);
	return -errno;
}

static int sandbox_limits(void)
{
	int r = limit(RLIMIT_CORE, 0, "core dumps");

	if (r == 0)
		r = limit(RLIMIT_NOFILE, 16, "open files");
#if !defined(__SANITIZE_ADDRESS__)
	/* Decompression bombs hit this before they hit the machine.
	 * (AddressSanitizer reserves terabytes of address space.) */
	if (r == 0)
		r = limit(RLIMIT_AS, 2ull << 30, "the address space");
#endif
	/* No file may grow through us, stderr included when it is a file:
	 * last, so the messages above still get out, and with SIGXFSZ
	 * ignored so such a write fails instead of killing the scanner. */
	if (r == 0 && signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		r = -errno;
	if (r == 0)
		r = limit(RLIMIT_FSIZE, 0, "file sizes");
	return r;
}

static int sandbox_seccomp(void)
{
	static const int allowed[] = {
	    SCMP_SYS(read),
	    SCMP_SYS(pread64),
	    SCMP_SYS(readv),
	    SCMP_SYS(preadv),
	    SCMP_SYS(lseek),
	    SCMP_SYS(fstat),
	    SCMP_SYS(newfstatat),
	    SCMP_SYS(statx),
	    SCMP_SYS(fgetxattr),
	    SCMP_SYS(mmap),
	    SCMP_SYS(munmap),
	    SCMP_SYS(mremap),
	    SCMP_SYS(mprotect),
	    SCMP_SYS(madvise),
	    SCMP_SYS(brk),
	    SCMP_SYS(recvmsg),
	    SCMP_SYS(sendmsg),
	    SCMP_SYS(sendto),
	    SCMP_SYS(recvfrom),
	    SCMP_SYS(close),
	    SCMP_SYS(exit),
	    SCMP_SYS(exit_group),
	    SCMP_SYS(futex),
	    SCMP_SYS(clock_gettime),
	    SCMP_SYS(clock_getres),
	    SCMP_SYS(gettimeofday),
	    SCMP_SYS(clock_nanosleep),
	    SCMP_SYS(nanosleep),
	    SCMP_SYS(getrandom),
	    SCMP_SYS(rt_sigreturn),
	    SCMP_SYS(rt_sigprocmask),
	    SCMP_SYS(rt_sigaction),
	    SCMP_SYS(sigaltstack),
	    SCMP_SYS(restart_syscall),
	    SCMP_SYS(getpid),
	    SCMP_SYS(gettid),
	    SCMP_SYS(tgkill),
	    SCMP_SYS(sched_yield),
	    SCMP_SYS(sched_getaffinity),
	    SCMP_SYS(set_robust_list),
	    SCMP_SYS(rseq),
	    SCMP_SYS(getuid),
	    SCMP_SYS(geteuid),
	    SCMP_SYS(getgid),
	    SCMP_SYS(getegid),
	    SCMP_SYS(uname),
	    SCMP_SYS(sysinfo),
	    SCMP_SYS(fcntl),
	    SCMP_SYS(dup),
	    SCMP_SYS(prlimit64),
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(allowed) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Diagnostics only: write to stderr, nowhere else. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				     SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(writev), 1,
				     SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO));
	/* Threads (a library's worker threads), never new processes: clone3
	 * hides its flags in memory, so make libc fall back to clone. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int scanner_enter_sandbox(void)
{
	int r;

	r = sandbox_drop_user();
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Not dumpable: other users cannot ptrace it or read its memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	r = sandbox_limits();
	if (r < 0)
		return r;
	return sandbox_seccomp();
}

static void child_serve(int sock, const struct scanner_ops *ops, void *ctx)
{
	for (;;) {
		struct scanner_request req;
		struct scanner_reply rep;
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = {&req, sizeof(req)};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf.buf,
				     .msg_controllen = sizeof(cbuf.buf)};
		struct cmsghdr *cm;
		int fd = -1;
		ssize_t n;

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n == 0)
			return; /* the agent closed its end */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		memset(&rep, 0, sizeof(rep));
		rep.magic = SCANNER_MAGIC;
		rep.seq = req.seq;
		if ((size_t)n != sizeof(req) || req.magic != SCANNER_MAGIC || fd < 0) {
			rep.rc = -EPROTO;
		} else {
			req.name_hint[sizeof(req.name_hint) - 1] = '\0';
			rep.rc = ops->classify(ctx, fd, req.name_hint, &req.budget, &rep.result);
		}
		if (fd >= 0)
			close(fd);
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
			return;
	}
}

void scanner_child_main(int sock, const struct scanner_ops *ops, bool sandbox)
{
	const char *err = NULL;
	void *ctx;

	/* Keep only stdin/out/err and the socket (as fd 3). */
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(120);
		sock = 3;
	}
	close_range(4, ~0u, 0);
	/* The agent may die without telling us: go with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		log_warn("scanner: cannot follow the agent's death");
		_exit(124);
	}
	if (chdir("/") < 0)
		_exit(121);

	ctx = ops->init(&err);
	if (!ctx) {
		log_warnx("scanner: cannot start the classifier: %s", err ? err : "unknown error");
		_exit(122);
	}
	if (sandbox) {
		int r = scanner_enter_sandbox();

		if (r < 0) {
			log_warnx("scanner: cannot enter the sandbox: %s", strerror(-r));
			_exit(123);
		}
	}
	child_serve(sock, ops, ctx);
	/* _exit: no atexit handlers (leak checkers) inside the sandbox. */
	_exit(0);
}

/* ---- parent ---- */

static void scanner_reap(struct scanner *s, int *status);

static int scanner_spawn(struct scanner *s)
{
	int sv[2];
	pid_t pid;
	char fdarg[16];
	char *argv[4];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Everything exec needs is prepared before fork: the child of a
	 * threaded process may only make async-signal-safe calls. */
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	argv[0] = (char *)s->opts.exec_path;
	argv[1] = (char *)"--scanner";
	argv[2] = fdarg;
	argv[3] = NULL;

	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		char go;

		close(sv[0]);
		/* Wait until the parent has published our pid: its fanotify
		 * reader must recognise the opens exec makes as a helper's. */
		if (read(sv[1], &go, 1) != 1)
			_exit(126);
		if (s->opts.exec_path) {
			extern char **environ;

			if (fcntl(sv[1], F_SETFD, 0) < 0)
				_exit(124);
			execve(s->opts.exec_path, argv, environ);
			_exit(125);
		}
		scanner_child_main(sv[1], s->ops, s->opts.sandbox);
	}
	close(sv[1]);
	s->sock = sv[0];
	atomic_store(&s->pid, pid);
	if (send(s->sock, "g", 1, MSG_NOSIGNAL) != 1) {
		int status;

		scanner_reap(s, &status);
		return -ECHILD;
	}
	return 0;
}

static void scanner_reap(struct scanner *s, int *status)
{
	pid_t pid = atomic_load(&s->pid);

	*status = 0;
	if (s->sock >= 0) {
		close(s->sock);
		s->sock = -1;
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	atomic_store(&s->pid, 0);
}

int scanner_start(const struct scanner_ops *ops, const struct scanner_options *opts,
		  struct scanner **out)
{
	_cleanup_free_ struct scanner *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->ops = ops;
	s->opts = *opts;
	s->sock = -1;
	r = scanner_spawn(s);
	if (r < 0)
		return r;
	*out = TAKE_PTR(s);
	return 0;
}

void scanner_stop(struct scanner *s)
{
	int status;

	if (!s)
		return;
	scanner_reap(s, &status);
	free(s);
}

pid_t scanner_pid(const struct scanner *s)
{
	return atomic_load(&s->pid);
}

uint64_t scanner_restarts(const struct scanner *s)
{
	return atomic_load(&s->restarts);
}

static void set_uninspectable(struct classify_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_uninspectable(struct classify_result *out, const char *fmt, ...)
{
	va_list ap;

	memset(out, 0, sizeof(*out));
	out->uninspectable = true;
	va_start(ap, fmt);
	vsnprintf(out->uninspectable_reason, sizeof(out->uninspectable_reason), fmt, ap);
	va_end(ap);
}

/* Kills the child, says why in *out, and starts a fresh one. */
static int scanner_fail(struct scanner *s, int rc, struct classify_result *out, uint32_t timeout_ms)
{
	int status, r;

	scanner_reap(s, &status);
	if (rc == -ETIMEDOUT)
		set_uninspectable(out, "classifier gave no answer within %u ms", timeout_ms);
	else if (rc == -EBADMSG)
		set_uninspectable(out, "classifier returned a malformed result");
	else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		set_uninspectable(out, "classifier crashed (signal %d)", WTERMSIG(status));
	else if (WIFEXITED(status))
		set_uninspectable(out, "classifier exited (status %d)", WEXITSTATUS(status));
	else
		set_uninspectable(out, "classifier unavailable: %s", strerror(-rc));
	atomic_fetch_add(&s->restarts, 1);
	r = scanner_spawn(s);
	if (r < 0)
		log_warnx("scanner: cannot restart the classifier process: %s; will retry",
			  strerror(-r));
	return rc;
}

int scanner_classify(struct scanner *s, int fd, const char *name_hint,
		     const struct classify_budget *budget, uint32_t timeout_ms,
		     struct classify_result *out)
{
	struct scanner_request req;
	struct scanner_reply rep;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {&req, sizeof(req)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf)};
	struct cmsghdr *cm;
	uint64_t deadline = monotonic_ms() + timeout_ms;
	ssize_t n;

	if (s->sock < 0) {
		int r = scanner_spawn(s);

		if (r < 0) {
			set_uninspectable(out, "classifier unavailable: %s", strerror(-r));
			return r;
		}
	}
	memset(&req, 0, sizeof(req));
	req.magic = SCANNER_MAGIC;
	req.seq = ++s->seq;
	req.budget = *budget;
	str_copy(req.name_hint, sizeof(req.name_hint), name_hint ? name_hint : "");
	memset(&cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));

	if (sendmsg(s->sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(req))
		return scanner_fail(s, -ECHILD, out, timeout_ms);

	for (;;) {
		struct pollfd pfd = {s->sock, POLLIN, 0};
		uint64_t now = monotonic_ms();
		int pr;

		if (now >= deadline)
			return scanner_fail(s, -ETIMEDOUT, out, timeout_ms);
		pr = poll(&pfd, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return scanner_fail(s, -errno, out, timeout_ms);
		if (pr == 0)
			continue;
		n = recv(s->sock, &rep, sizeof(rep), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return scanner_fail(s, -ECHILD, out, timeout_ms);
		if ((size_t)n != sizeof(rep) || rep.magic != SCANNER_MAGIC)
			return scanner_fail(s, -EBADMSG, out, timeout_ms);
		if (rep.seq != req.seq)
			continue; /* a late answer to an earlier request */
		break;
	}
	if (rep.rc < 0) {
		set_uninspectable(out, "classifier could not read the file: %s", strerror(-rep.rc));
		return 0;
	}
	if (!s->ops->sane(&rep.result))
		return scanner_fail(s, -EBADMSG, out, timeout_ms);
	*out = rep.result;
	return 0;
}
