#define _GNU_SOURCE
#include "report/segment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/jws.h"
#include "common/util.h"

int group_of(int fd, gid_t gid)
{
	struct stat st;

	if (gid == (gid_t)-1)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_gid != gid && fchown(fd, (uid_t)-1, gid) < 0)
		return -errno;
	/* wardd runs under umask 0077: the mode asked for at creation lost
	 * the group's read bit, which is the whole point of the group. */
	if (!(st.st_mode & S_IRGRP) && fchmod(fd, (st.st_mode & 07777) | S_IRGRP) < 0)
		return -errno;
	return 0;
}

int report_write_file(int dir_fd, const char *name, const void *data, size_t len, mode_t mode,
		      gid_t gid, bool sync)
{
	_cleanup_close_ int fd = -1;
	char tmp[256];
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (unlinkat(dir_fd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = group_of(fd, gid);
	if (r == 0)
		r = write_all(fd, data, len);
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir_fd, tmp, 0);
	else if (sync && fsync(dir_fd) < 0)
		r = -errno;
	return r;
}

void segment_name(uint64_t first_seq, char out[SEGMENT_NAME_MAX])
{
	snprintf(out, SEGMENT_NAME_MAX, "seg-%020" PRIu64 ".jws", first_seq);
}

bool segment_parse_name(const char *name, uint64_t *first_seq)
{
	uint64_t v = 0;

	if (strlen(name) != 28 || strncmp(name, "seg-", 4) != 0 || strcmp(name + 24, ".jws") != 0)
		return false;
	for (int i = 4; i < 24; i++) {
		if (name[i] < '0' || name[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (v == 0)
		return false;
	*first_seq = v;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int segment_list(const char *log_dir, uint64_t **firsts, size_t *n)
{
	_cleanup_closedir_ DIR *d = opendir(log_dir);
	struct buf list = BUF_INIT;
	struct dirent *e;
	uint64_t seq;

	*firsts = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (segment_parse_name(e->d_name, &seq) && buf_push(&list, &seq, sizeof(seq)) < 0) {
			buf_free(&list);
			return -ENOMEM;
		}
	}
	*n = list.len / sizeof(seq);
	if (*n)
		qsort(list.data, *n, sizeof(seq), cmp_u64);
	*firsts = (uint64_t *)buf_take(&list);
	return 0;
}

int segment_reader_open(struct segment_reader *sr, const char *log_dir, uint64_t first_seq)
{
	char path[4096 + SEGMENT_NAME_MAX], name[SEGMENT_NAME_MAX];

	memset(sr, 0, sizeof(*sr));
	segment_name(first_seq, name);
	if (snprintf(path, sizeof(path), "%s/%s", log_dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	sr->f = fopen(path, "re");
	return sr->f ? 0 : -errno;
}

ssize_t segment_reader_next(struct segment_reader *sr, const char **line, off_t *torn_at)
{
	ssize_t n;

	errno = 0;
	n = getline(&sr->line, &sr->cap, sr->f);
	if (n < 0)
		return errno ? -errno : 0;
	if (sr->line[n - 1] != '\n') {
		if (torn_at)
			*torn_at = sr->offset;
		return -EBADMSG;
	}
	sr->offset += n;
	sr->line_no++;
	sr->line[--n] = '\0';
	if (n == 0)
		return -EINVAL;
	if ((size_t)n > JWS_MAX_BYTES)
		return -E2BIG;
	*line = sr->line;
	return n;
}

void segment_reader_close(struct segment_reader *sr)
{
	if (sr->f)
		fclose(sr->f);
	free(sr->line);
	memset(sr, 0, sizeof(*sr));
}

int log_reader_open(struct log_reader *lr, const char *log_dir)
{
	memset(lr, 0, sizeof(*lr));
	if (!str_copy(lr->dir, sizeof(lr->dir), log_dir))
		return -ENAMETOOLONG;
	return segment_list(log_dir, &lr->firsts, &lr->n);
}

int log_reader_open_at(struct log_reader *lr, const char *log_dir, uint64_t from_seq)
{
	int r = log_reader_open(lr, log_dir);

	while (r == 0 && lr->i + 1 < lr->n && lr->firsts[lr->i + 1] <= from_seq)
		lr->i++;
	return r;
}

ssize_t log_reader_next(struct log_reader *lr, const char **line, uint64_t *segment_first)
{
	for (;;) {
		ssize_t n;
		int r;

		if (!lr->open) {
			if (lr->i >= lr->n)
				return 0;
			r = segment_reader_open(&lr->seg, lr->dir, lr->firsts[lr->i]);
			if (r < 0)
				return r;
			lr->open = true;
		}
		n = segment_reader_next(&lr->seg, line, NULL);
		if (n != 0) {
			if (segment_first)
				*segment_first = lr->firsts[lr->i];
			return n;
		}
		segment_reader_close(&lr->seg);
		lr->open = false;
		lr->i++;
	}
}

void log_reader_close(struct log_reader *lr)
{
	if (lr->open)
		segment_reader_close(&lr->seg);
	free(lr->firsts);
	memset(lr, 0, sizeof(*lr));
}

int head_file_read(const char *dir, const char *name, struct chain_head *head)
{
	_cleanup_free_ char *buf = NULL;
	char path[4096 + 64], *end;
	size_t n;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = read_file(AT_FDCWD, path, 128, &buf, &n);
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	errno = 0;
	head->seq = strtoull(buf, &end, 10);
	if (errno || end == buf || *end != ' ' ||
	    n != (size_t)(end - buf) + 1 + SHA256_HEX_CHARS + 1 || buf[n - 1] != '\n' ||
	    !hex_decode(end + 1, SHA256_HEX_CHARS, head->hash, 32))
		return -EBADMSG;
	return 0;
}

int head_file_write(int dir_fd, const char *name, const struct chain_head *head, gid_t gid)
{
	char buf[128], hex[SHA256_HEX_CHARS + 1];
	int n;

	hex_encode(head->hash, sizeof(head->hash), hex);
	n = snprintf(buf, sizeof(buf), "%" PRIu64 " %s\n", head->seq, hex);
	return report_write_file(dir_fd, name, buf, (size_t)n, 0640, gid, false);
}
