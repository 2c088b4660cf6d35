#define _GNU_SOURCE
#include "agent/quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

int quarantine_prepare(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (chmod(dir, 0700) < 0)
		return -errno;
	return 0;
}

static int copy_fd(int from, int to)
{
	char buf[65536];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(from, buf, sizeof(buf), off);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r = write_all(to, buf, (size_t)n);
		if (r < 0)
			return r;
		off += n;
	}
}

int quarantine_store(const char *dir, int fd, const char *meta, size_t meta_len,
		     char id[QUARANTINE_ID_LEN])
{
	char data_path[4096], meta_path[4096];
	unsigned char rnd[6];
	char rhex[13];
	struct tm tm;
	time_t now = time(NULL);
	_cleanup_close_ int out = -1;
	_cleanup_close_ int mfd = -1;
	_cleanup_close_ int dfd = -1;
	int r;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	hex_encode(rnd, sizeof(rnd), rhex);
	gmtime_r(&now, &tm);
	strftime(id, QUARANTINE_ID_LEN, "%Y%m%dT%H%M%SZ-", &tm);
	strncat(id, rhex, QUARANTINE_ID_LEN - strlen(id) - 1);
	snprintf(data_path, sizeof(data_path), "%s/%s.data", dir, id);
	snprintf(meta_path, sizeof(meta_path), "%s/%s.json", dir, id);

	out = open(data_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return -errno;
	r = copy_fd(fd, out);
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	if (r == 0) {
		mfd = open(meta_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (mfd < 0)
			r = -errno;
	}
	if (r == 0) {
		char head[160];

		snprintf(head, sizeof(head), "{\"id\":\"%s\",\"data\":\"%s.data\",", id, id);
		r = write_all(mfd, head, strlen(head));
		if (r == 0)
			r = write_all(mfd, meta, meta_len);
		if (r == 0)
			r = write_all(mfd, "}\n", 2);
		if (r == 0 && fsync(mfd) < 0)
			r = -errno;
	}
	if (r < 0) {
		unlink(data_path);
		unlink(meta_path);
		return r;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

int quarantine_remove_original(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0)
		return -errno;
	if (lstat(path, &b) < 0)
		return -errno;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return -ESTALE;
	if (unlink(path) < 0)
		return -errno;
	return 0;
}
