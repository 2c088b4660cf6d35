/* Classification results by file version: dev, inode, size, mtime and
 * ctime.  Any write changes mtime/ctime, so a cached result never
 * outlives the content it describes.  Fixed size, direct-mapped: a
 * collision evicts.  Thread-safe (one mutex, held only to copy). */
#ifndef WARD_AGENT_CACHE_H
#define WARD_AGENT_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "classify/classify.h"

struct class_cache;

int class_cache_new(unsigned slots, struct class_cache **out);
void class_cache_free(struct class_cache *c);

bool class_cache_get(struct class_cache *c, const struct stat *st, struct classify_result *out);
void class_cache_put(struct class_cache *c, const struct stat *st,
		     const struct classify_result *res);
/* By content: the same bytes written elsewhere (a copy on a medium) have
 * the same result.  class_cache_put() fills this index too. */
bool class_cache_get_sha(struct class_cache *c, const unsigned char sha256[32], uint64_t size,
			 struct classify_result *out);

/* Forget everything (a policy reload may change what a level means). */
void class_cache_clear(struct class_cache *c);

#endif
