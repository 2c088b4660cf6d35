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
/* As segment_reader_next, over all segments; *first_seq of the segment the
 * line came from. */
ssize_t log_reader_next(struct log_reader *lr, const char **line, uint64_t *segment_first);
void log_reader_close(struct log_reader *lr);

/* The durable marker.  read: 0, -ENOENT, -EBADMSG or -errno.  write goes
 * through a temporary file and rename, so a reader sees the old line or the
 * new one; it is not fsynced (after a crash wardd rewrites it). */
int durable_read(const char *log_dir, struct chain_head *head);
int durable_write(int dir_fd, const struct chain_head *head, gid_t gid);

#endif
