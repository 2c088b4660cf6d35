/* What wardd knows of documents' classifications, kept two ways:
 *
 *   by file version  dev, inode, size, mtime and ctime of a file on an
 *                    internal filesystem.  Only there: the kernel keeps
 *                    ctime, so any change to the file (a write, a truncate,
 *                    a rename over it, `touch -d` back in time, an xattr)
 *                    gives a version never seen before.  On removable
 *                    media, FUSE or network filesystems a stat proves
 *                    nothing (exFAT keeps seconds, a FUSE server says what
 *                    it likes): the caller vouches for the filesystem
 *                    (written_watches()).
 *   by content       SHA-256 and size: the same bytes anywhere (a copy on a
 *                    stick) have the same classification.
 *
 * Bounded: at most max_entries; when full, one that was not used since the
 * clock hand last passed goes.  Compact: a clean document costs about 100
 * bytes (level, flags, an interned MIME type, its SHA-256); reasons and
 * personal-data counts are packed only for documents that have them.
 * Persisted by cachefile.c.  Only answers that would come again are
 * kept: not an uninspectable one that time or memory decided (it may not
 * repeat); one that says "too large" is kept by version only (its digest
 * is of the part read).  Nor is an answer in which an extended attribute
 * label counted known by content (a copy of the bytes has no label).
 *
 * Thread-safe: one mutex, held to copy in or out. */
#ifndef WARD_AGENT_CACHE_H
#define WARD_AGENT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "classify/classify.h"

/* A file's version, as a stat says it. */
struct file_version {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static inline struct file_version file_version_of(const struct stat *st)
{
	return (struct file_version){st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim};
}

bool file_version_equal(const struct file_version *a, const struct file_version *b);

struct class_cache;

#define CACHE_DEFAULT_ENTRIES 65536

int class_cache_new(size_t max_entries, struct class_cache **out);
void class_cache_free(struct class_cache *c);

/* By version (an internal filesystem's file, see above). */
bool class_cache_get(struct class_cache *c, const struct file_version *v,
		     struct classify_result *out);
/* Keeps res for version v and for its content. */
void class_cache_put(struct class_cache *c, const struct file_version *v,
		     const struct classify_result *res);
/* The inode was written: whatever version was known is no longer it (what
 * its content was stays known by content). */
void class_cache_forget(struct class_cache *c, dev_t dev, ino_t ino);

/* By content. */
bool class_cache_get_sha(struct class_cache *c, const unsigned char sha256[32], uint64_t size,
			 struct classify_result *out);
void class_cache_put_content(struct class_cache *c, const struct classify_result *res);

/* Forget everything (another classifier or policy). */
void class_cache_clear(struct class_cache *c);

struct cache_stats {
	uint64_t entries;  /* now */
	uint64_t versions; /* of those, known by file version too */
	uint64_t evicted;  /* since start */
	uint64_t changes;  /* puts and forgets since start: the persistent copy is behind */
};
void class_cache_get_stats(struct class_cache *c, struct cache_stats *out);

/* ---- for cachefile.c: entries out and in ---- */

/* Text fingerprints kept with a cached answer, at most: a document with more
 * keeps a consistent sample of them (one more bit of winnow shift at a time),
 * so a cached answer can still be compared with the marked documents learnt
 * later (fill_policy_event's derived check), in 1 KiB an entry at most. */
#define CACHE_FINGERPRINTS_MAX 256
/* the packed reasons, personal data and fingerprints at most */
#define CACHE_DETAIL_MAX (3072 + 3 + 4 * CACHE_FINGERPRINTS_MAX)

struct cache_item {
	bool has_version;
	struct file_version v;
	struct classify_result res;
};

/* Copies up to max entries from *cursor on (start at 0) and advances it;
 * 0 when done.  Entries that change meanwhile may be seen twice or not at
 * all: each copied one is whole. */
size_t class_cache_export(struct class_cache *c, size_t *cursor, struct cache_item *out,
			  size_t max);
/* Adds an entry as put would.  Returns false if it cannot be kept. */
bool class_cache_import(struct class_cache *c, const struct cache_item *item);

/* Reasons and personal-data counts packed (the in-memory and on-disk
 * form), and back.  pack returns the length (0: nothing to pack, -1: does
 * not fit); unpack returns false on malformed input. */
int cache_detail_pack(const struct classify_result *res, unsigned char *buf, size_t size);
bool cache_detail_unpack(const unsigned char *buf, size_t len, struct classify_result *res);

#endif
