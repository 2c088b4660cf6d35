/* Truncate in place, then remove every name by device and inode (evict.h). */
#define _GNU_SOURCE
#include "agent/evict.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/walk.h"
#include "common/util.h"

struct hunt {
	int fd;
	dev_t dev;
	ino_t ino;
	struct evict_result *out;
};

static nlink_t links_left(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_nlink : 1;
}

/* One entry of the walk: the file's own inode loses this name. */
static bool remove_if_ours(void *arg, int dirfd, const char *name, const struct stat *st)
{
	struct hunt *h = arg;

	if (st->st_ino != h->ino || st->st_dev != h->dev)
		return true;
	if (unlinkat(dirfd, name, 0) == 0) {
		h->out->removed++;
		str_copy(h->out->name, sizeof(h->out->name), name);
	} else if (errno != ENOENT && h->out->unlink_error == 0) {
		h->out->unlink_error = -errno;
	}
	/* Every name found: no need to look further. */
	return links_left(h->fd) > 0;
}

/* Zeros over the file's bytes where they lie, made durable: truncation
 * alone frees the blocks without clearing them, and a raw read of the
 * stick would still find the text. */
static int wipe(int fd)
{
	static const char zeros[64 * 1024];
	struct stat st;
	off_t off = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	while (off < st.st_size) {
		size_t n = st.st_size - off < (off_t)sizeof(zeros) ? (size_t)(st.st_size - off)
								   : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += w;
	}
	return fdatasync(fd) < 0 ? -errno : 0;
}

int evict_file(int fd, int root_fd, struct evict_result *out)
{
	struct stat st;
	struct hunt h = {.fd = fd, .out = out};

	memset(out, 0, sizeof(*out));
	/* The bytes first: whatever happens to the names, nothing of the
	 * content stays readable on the medium. */
	out->wiped = wipe(fd);
	if (ftruncate(fd, 0) < 0 || fdatasync(fd) < 0)
		out->truncated = -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	h.dev = st.st_dev;
	h.ino = st.st_ino;
	while (st.st_nlink > 0 && out->walks < EVICT_WALKS) {
		int r = walk_tree(root_fd, h.dev, remove_if_ours, &h);

		out->walks++;
		if (r < 0)
			return r;
		out->unreadable += r;
		if (fstat(fd, &st) < 0)
			return -errno;
	}
	out->size_after = st.st_size;
	out->nlink_after = st.st_nlink;
	if (out->truncated < 0)
		return out->truncated;
	if (st.st_nlink > 0)
		return out->unlink_error < 0 ? out->unlink_error : -EBUSY;
	return st.st_size == 0 ? 0 : -EIO;
}
