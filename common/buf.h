/* Ward's one growable buffer: bytes (text read from the kernel, JSON being
 * built) or an array of fixed-size items, grown by doubling.  Every part
 * that grows memory as it goes uses this rather than its own realloc loop.
 *
 *	struct buf b = BUF_INIT;
 *	if (buf_append(&b, data, n) < 0) ...
 *	use b.data, b.len; buf_free(&b);     or  p = buf_take(&b);
 *
 * For an array of T: buf_push(&b, &item, sizeof(item)), the items at
 * (T *)b.data, count b.len / sizeof(T).  data is NULL until the first
 * growth; after any growth there is always room for one more byte, kept
 * zero, so text is NUL-terminated. */
#ifndef WARD_BUF_H
#define WARD_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len; /* bytes in use */
	size_t cap; /* bytes allocated */
	size_t max; /* growth refused beyond this (0: no limit) */
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

/* Room for extra more bytes (and the terminating zero).  Returns 0,
 * -ENOMEM, or -EFBIG past b->max; the contents are kept either way. */
int buf_reserve(struct buf *b, size_t extra);
/* Appends len bytes.  Returns 0 or as buf_reserve. */
int buf_append(struct buf *b, const void *data, size_t len);
/* Appends one item of size bytes (an array element). */
static inline int buf_push(struct buf *b, const void *item, size_t size)
{
	return buf_append(b, item, size);
}
/* Forgets the contents, keeps the memory. */
void buf_reset(struct buf *b);
/* The data, now the caller's (free()); the buffer is empty again. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

static inline void cleanup_buf(struct buf *b)
{
	buf_free(b);
}
#define _cleanup_buf_ __attribute__((cleanup(cleanup_buf)))

#endif
