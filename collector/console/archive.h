/* Archives the console hands out, written in memory with libarchive: a
 * gzip-compressed tar (POSIX pax) of named files. */
#ifndef WARD_CONSOLE_ARCHIVE_H
#define WARD_CONSOLE_ARCHIVE_H

#include <stddef.h>

struct tarball;

/* NULL on no memory. */
struct tarball *tarball_new(void);
/* Adds a regular file (mode 0644) under name.  Returns 0 or -EIO. */
int tarball_add(struct tarball *t, const char *name, const char *data, size_t len);
/* Ends the archive: *out (heap) and *len are the compressed bytes.  The
 * tarball is freed either way.  Returns 0 or -EIO. */
int tarball_finish(struct tarball *t, char **out, size_t *len);

#endif
