/* Files larger than the input budget, read for what the rules need rather
 * than cut at the budget (bigfile.c): zip-based documents by their central
 * directory, media files by their container's structure.  Internal to
 * classify/. */
#ifndef WARD_CLASSIFY_BIGFILE_H
#define WARD_CLASSIFY_BIGFILE_H

#include <stdint.h>

#include "classify/classify.h"

/* Classifies the file at fd (size bytes, more than the budget's input)
 * when it is a zip or a media file whose structure spans it.  Returns 1
 * when out is filled, 0 when the caller should read it the usual way
 * (truncated), or -errno. */
int classify_big_fd(struct classify_ctx *ctx, int fd, uint64_t size,
		    const struct classify_budget *budget, struct classify_result *out);

#endif
