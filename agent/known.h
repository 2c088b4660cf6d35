/* What is known of a file's classification, and the one way to learn it:
 * the cache (cache.h) first, by the file's version when it lives on an
 * internal filesystem, by its content anywhere; a scanner on a miss, its
 * answer kept for the next time.  The destination and source sides, the
 * after-write check and pre-classification all go through here.
 *
 * A result is kept by version only when the file's last change was at
 * least KNOWN_VERSION_MARGIN_S before the stat it was read with (seen: a
 * CLOCK_REALTIME reading taken before that stat).  Then any later change
 * gets a later ctime whatever the filesystem's timestamp granularity (a
 * jiffy, or a second), so a version can never name two contents. */
#ifndef WARD_AGENT_KNOWN_H
#define WARD_AGENT_KNOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "classify/classify.h"

struct agent;

#define KNOWN_VERSION_MARGIN_S 2

/* Whether st is on a watched internal filesystem (a cache by version is
 * worth asking). */
bool known_internal(struct agent *a, const struct stat *st);

/* By version only, without touching the file.  Counts a cache hit. */
bool known_by_version(struct agent *a, const struct stat *st, struct classify_result *out);

/* By version, else classified by scanner `scanner` (a worker's index, or
 * AGENT_BACKGROUND_SCANNER) within timeout_ms and kept.  Returns 1 when
 * the cache answered, else what ops->classify returned (out is always
 * filled). */
int known_result(struct agent *a, unsigned scanner, int fd, const struct stat *st,
		 const struct timespec *seen, const char *name, uint32_t timeout_ms,
		 struct classify_result *out);

/* The same with a budget of the caller's (background work may take
 * longer than an opener can wait). */
int known_classify(struct agent *a, unsigned scanner, int fd, const struct stat *st,
		   const struct timespec *seen, const char *name,
		   const struct classify_budget *budget, uint32_t timeout_ms,
		   struct classify_result *out);

/* By content: fd is hashed (read once, SHA-256) and the digest looked up.
 * True on a hit; *sha256 gets the digest in any case when it could be
 * computed (a non-NULL has_digest says so). */
bool known_by_content(struct agent *a, int fd, struct classify_result *out,
		      unsigned char sha256[32], bool *has_digest);

/* The control socket's "known PATH" (wardctl known): what wardd knows
 * of that file by its version now, as one JSON object in reply: {"path",
 * "known", and when known "level", "level_en", "declassified", "pii",
 * "mime"; else "why"}.  Only stats the file (never opens or reads it). */
void known_answer(struct agent *a, const char *path, char *reply, size_t size);

/* What a version needs of a statx (mode, dev, inode, links, size, mtime,
 * ctime) as a struct stat. */
struct statx;
void known_stat_from_statx(const struct statx *sx, struct stat *st);

/* A CLOCK_REALTIME reading, to take before a stat (`seen` above). */
struct timespec known_now(void);

#endif
