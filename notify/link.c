#define _GNU_SOURCE
#include "notify/link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util.h"

static int check_directory(const char *path, char *err, size_t errsize)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	if (!str_copy(dir, sizeof(dir), path) || !(slash = strrchr(dir, '/'))) {
		snprintf(err, errsize, "%s: not an absolute socket path", path);
		return -EINVAL;
	}
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) < 0) {
		snprintf(err, errsize, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errsize, "%s is not root's alone: not trusting a socket in it", dir);
		return -EPERM;
	}
	return 0;
}

int notify_link_connect(const char *path, char *err, size_t errsize)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t len = sizeof(cred);
	int fd, r = check_directory(path, err, errsize);

	if (r < 0)
		return r;
	str_copy(sa.sun_path, sizeof(sa.sun_path), path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errsize, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	/* The listener's credentials, as the kernel recorded them. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		snprintf(err, errsize, "%s answers as uid %d, not as root: not wardd", path,
			 (int)cred.uid);
		close(fd);
		return -EPERM;
	}
	return fd;
}
