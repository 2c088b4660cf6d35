#define _GNU_SOURCE
#include "agent/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util.h"

static int fill_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (!str_copy(sun->sun_path, sizeof(sun->sun_path), path))
		return -ENAMETOOLONG;
	return 0;
}

int control_listen(const char *path)
{
	struct sockaddr_un sun;
	int fd, r;
	mode_t old;

	r = fill_addr(&sun, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* Root-only from the moment it exists. */
	old = umask(0077);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

void control_serve_one(int listen_fd, control_answer_fn answer, void *arg)
{
	char req[256], reply[CONTROL_MAX_MSG];
	struct timeval tv = {0, 200000};
	int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;

	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(c, req, sizeof(req) - 1, 0);
	if (n > 0) {
		req[n] = '\0';
		req[strcspn(req, "\r\n")] = '\0';
		answer(req, reply, sizeof(reply), arg);
		send(c, reply, strlen(reply), MSG_NOSIGNAL);
	}
	close(c);
}

int control_query(const char *path, const char *request, char *buf, size_t size, int timeout_ms)
{
	struct sockaddr_un sun;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd, r;
	ssize_t n;

	r = fill_addr(&sun, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	n = recv(fd, buf, size - 1, 0);
	r = n < 0 ? -errno : (int)n;
	close(fd);
	if (n < 0)
		return r == -EAGAIN ? -ETIMEDOUT : r;
	buf[n] = '\0';
	return (int)n;
}
