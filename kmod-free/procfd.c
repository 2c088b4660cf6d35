#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "kmod-free/procfd.h"

static bool dev_in(const struct procfd_query *q, dev_t dev)
{
	for (size_t i = 0; i < q->n_media_devs; i++)
		if (q->media_devs[i] == dev)
			return true;
	return false;
}

/* Open flags of fd N of the process whose /proc/PID/fdinfo is fdinfo_dir,
 * or -1.  fdinfo's "flags:" line is octal. */
static int fdinfo_flags(int fdinfo_dir, const char *name)
{
	_cleanup_close_ int fd = openat(fdinfo_dir, name, O_RDONLY | O_CLOEXEC);
	char buf[256];
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strstr(buf, "flags:");
	if (!p)
		return -1;
	return (int)strtol(p + 6, NULL, 8);
}

int procfd_scan(pid_t pid, const struct procfd_query *query, struct procfd_file *out,
		size_t max_out, size_t *n_out, bool *truncated)
{
	char path[48];
	size_t max_fds = query->max_fds ? query->max_fds : PROCFD_DEFAULT_MAX_FDS;
	size_t seen = 0;
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_close_ int fdinfo = -1;
	struct dirent *de;

	*n_out = 0;
	if (truncated)
		*truncated = false;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	fdinfo = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdinfo < 0)
		return errno == ENOENT ? -ESRCH : -errno;

	int dfd = dirfd(dir);
	while ((de = readdir(dir)) != NULL) {
		struct stat link, st;
		char *end;
		long n;

		if (de->d_name[0] == '.')
			continue;
		n = strtol(de->d_name, &end, 10);
		if (*end != '\0' || n < 0)
			continue;
		if (++seen > max_fds) {
			if (truncated)
				*truncated = true;
			break;
		}
		if ((int)n == query->skip_fd)
			continue;
		/* The link's own mode mirrors the open mode (S_IRUSR when open
		 * for reading, S_IWUSR when for writing): this spares reading
		 * fdinfo for every descriptor. */
		if (fstatat(dfd, de->d_name, &link, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* closed meanwhile */
		bool reading = link.st_mode & S_IRUSR;
		bool writing = link.st_mode & S_IWUSR;
		if (!reading && !writing)
			continue; /* O_PATH */
		/* Following the link costs a second lookup (and for FUSE a
		 * getattr): only for an fd whose mode can match. */
		if (!(writing && (query->want & PROCFD_MEDIA_WRITER)) &&
		    !(reading && (query->want & PROCFD_SOURCE)))
			continue;
		if (fstatat(dfd, de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (query->skip_dev && st.st_dev == query->skip_dev && st.st_ino == query->skip_ino)
			continue;

		enum procfd_kind kind;
		bool on_media = dev_in(query, st.st_dev);
		if (on_media && writing && (query->want & PROCFD_MEDIA_WRITER))
			kind = PROCFD_MEDIA_WRITER;
		else if (!on_media && reading && (query->want & PROCFD_SOURCE))
			kind = PROCFD_SOURCE;
		else
			continue;

		if (*n_out >= max_out) {
			if (truncated)
				*truncated = true;
			break;
		}
		struct procfd_file *f = &out[(*n_out)++];
		f->fd = (int)n;
		f->kind = kind;
		f->flags = fdinfo_flags(fdinfo, de->d_name);
		if (f->flags < 0)
			f->flags = reading && writing ? O_RDWR : writing ? O_WRONLY : O_RDONLY;
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = st.st_size;
		f->mtime = st.st_mtim;
		f->ctime = st.st_ctim;
	}
	return 0;
}

int procfd_path(pid_t pid, int fd, char *buf, size_t size)
{
	char link[48];
	ssize_t n;

	if (size == 0)
		return -ENAMETOOLONG;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(link, buf, size);
	if (n < 0) {
		buf[0] = '\0';
		return errno == ENOENT ? -ESRCH : -errno;
	}
	if ((size_t)n >= size) {
		buf[size - 1] = '\0';
		return -ENAMETOOLONG;
	}
	buf[n] = '\0';
	return 0;
}

int procfd_open(pid_t pid, const struct procfd_file *file)
{
	char path[48];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, file->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(fd, &st) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (st.st_dev != file->dev || st.st_ino != file->ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* Reads /proc/PID/NAME (one small file) into buf, NUL-terminated.
 * Returns the length, -ESRCH when the process is gone, or -errno. */
static ssize_t proc_read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[48];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read_full(fd, buf, size - 1);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return n;
}

pid_t procfd_tgid(pid_t pid)
{
	char buf[1024];
	ssize_t n = proc_read(pid, "status", buf, sizeof(buf));

	if (n < 0)
		return (pid_t)n;
	char *p = strstr(buf, "\nTgid:");
	if (!p)
		return -EPROTO;
	return (pid_t)strtol(p + 6, NULL, 10);
}

pid_t procfd_ppid(pid_t pid)
{
	char buf[512];
	ssize_t n = proc_read(pid, "stat", buf, sizeof(buf));

	if (n < 0)
		return (pid_t)n;
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses, so
	 * parse from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EPROTO;
	return (pid_t)strtol(p + 4, NULL, 10);
}

int procfd_self_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size);

	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

int procfd_locale(pid_t pid, char *out, size_t size)
{
	static const char *const names[] = {"LANGUAGE=", "LC_ALL=", "LC_MESSAGES=", "LANG="};
	_cleanup_free_ char *env = malloc(PROCFD_ENVIRON_MAX);
	const char *found[ARRAY_SIZE(names)] = {NULL};
	ssize_t n;

	if (!env)
		return -ENOMEM;
	n = proc_read(pid, "environ", env, PROCFD_ENVIRON_MAX);
	if (n < 0)
		return (int)n;
	/* NUL-separated NAME=value entries; the last copy of a name wins, as
	 * for getenv() on a process that set it twice. */
	for (const char *e = env; e < env + n; e += strlen(e) + 1)
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strncmp(e, names[i], strlen(names[i])) == 0)
				found[i] = e + strlen(names[i]);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (found[i] && found[i][0]) {
			str_copy(out, size, found[i]);
			return 0;
		}
	}
	return -ENOENT;
}
