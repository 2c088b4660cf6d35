/* The log's files (docs/protocol.md §2): <log_dir>/seg-<first seq, 20
 * digits>.jws, one compact JWS per line, and <log_dir>/durable, one line
 * "seq sha256hex" of the last record known durable.  Naming, listing,
 * reading lines and the durable marker; the writer is log.c. */
#ifndef WARD_REPORT_SEGMENT_H
#define WARD_REPORT_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "report/record.h"

#define SEGMENT_NAME_MAX 32 /* "seg-" + 20 digits + ".jws" + NUL */
#define SEGMENT_DEFAULT_MAX_BYTES (16u << 20)
#define DURABLE_NAME "durable"
#define ACKED_NAME "acked"

/* Gives fd to group gid (-1: leaves it) unless it has it already, as a
 * file made in the log's setgid directory does, and makes it readable by
 * that group whatever the umask.  Returns 0 or -errno. */
int group_of(int fd, gid_t gid);

/* Replaces dir_fd/name with data through name.tmp (a stale one removed
 * first, then created O_EXCL | O_NOFOLLOW, so a planted link is never
 * followed) and rename: readers see the old file or the new one, whole.
 * Group gid unless -1; with sync the file and the directory are fsynced.
 * Returns 0 or -errno. */
int report_write_file(int dir_fd, const char *name, const void *data, size_t len, mode_t mode,
		      gid_t gid, bool sync);

void segment_name(uint64_t first_seq, char out[SEGMENT_NAME_MAX]);
bool segment_parse_name(const char *name, uint64_t *first_seq);

/* The first seqs of log_dir's segments, ascending (heap, *n of them).
 * Returns 0 or -errno. */
int segment_list(const char *log_dir, uint64_t **firsts, size_t *n);

/* Lines of one segment.  A line is a record without its '\n'. */
struct segment_reader {
	FILE *f;
	char *line;
	size_t cap;
	off_t offset; /* of the next line */
	uint64_t line_no;
};

int segment_reader_open(struct segment_reader *sr, const char *log_dir, uint64_t first_seq);
/* The next whole line: returns its length (>0), 0 at the end, -EBADMSG for
 * an unterminated last line (*torn_at set to its offset), -EINVAL for an
 * empty line and -E2BIG for one longer than any record (both skipped over:
 * the next call reads on), or -errno. */
ssize_t segment_reader_next(struct segment_reader *sr, const char **line, off_t *torn_at);
void segment_reader_close(struct segment_reader *sr);

/* Every record of a directory in order, across segments. */
struct log_reader {
	char dir[4096];
	uint64_t *firsts;
	size_t n, i;
	struct segment_reader seg;
	bool open;
};

int log_reader_open(struct log_reader *lr, const char *log_dir);
/* The same, starting with the segment that holds from_seq (the last one
 * whose first seq is at or below it): lines before from_seq still come
 * first, the caller skips them by their seq. */
int log_reader_open_at(struct log_reader *lr, const char *log_dir, uint64_t from_seq);
/* As segment_reader_next, over all segments; *first_seq of the segment the
 * line came from. */
ssize_t log_reader_next(struct log_reader *lr, const char **line, uint64_t *segment_first);
void log_reader_close(struct log_reader *lr);

/* A file of one line "seq sha256hex": the durable marker (log/durable,
 * wardd's) and the acknowledgement (spool/acked, the sender's).  read: 0,
 * -ENOENT, -EBADMSG or -errno.  write goes through name.tmp and rename, so
 * a reader sees the old line or the new one; it is not fsynced (after a
 * crash the writer rewrites it).  gid -1 keeps the file's group. */
int head_file_read(const char *dir, const char *name, struct chain_head *head);
int head_file_write(int dir_fd, const char *name, const struct chain_head *head, gid_t gid);

#endif
