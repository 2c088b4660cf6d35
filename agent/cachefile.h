/* The classification cache on disk, so wardd knows after a restart what
 * it knew before: <state_dir>/cache/classify.cache, root's (directory
 * 0700, file 0600: no user can write a verdict into it, and a file that is
 * not root's or that others may write is refused).
 *
 * The file names what its verdicts depend on: the classifier (SHA-256 of
 * the scanner program) and the policy (policy_version()); with either
 * changed nothing is loaded.  A file version is kept with its filesystem's
 * id (statfs f_fsid): after a restart a dev that now holds another
 * filesystem keeps only what is known by content.  A file changed while
 * wardd was stopped has another ctime, so its old version never matches.
 * Written whole to a temporary file, synced, renamed over; the last 32
 * bytes are the SHA-256 of the rest, so a torn or damaged file is refused
 * (and wardd starts with an empty cache, saying so).
 *
 * Format (little-endian): "WARDCLS1", u32 format 1, classifier[32],
 * policy[32]; records, each u8 kind (1: version and content, 2: content
 * only), for kind 1 u64 dev, fsid, ino, i64 mtime s, u32 ns, i64 ctime s,
 * u32 ns; then u64 size, sha256[32], u8 level, u8 declassified, u8 MIME
 * length and MIME, u16 detail length and the detail (cache_detail_pack);
 * u8 0, u64 record count, SHA-256 of everything before. */
#ifndef WARD_AGENT_CACHEFILE_H
#define WARD_AGENT_CACHEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct class_cache;

struct cache_identity {
	unsigned char classifier[32]; /* SHA-256 of the scanner program */
	unsigned char policy[32];     /* policy_version() */
};

/* The filesystem id of dev, if it is a watched internal filesystem
 * (written_fsid). */
typedef bool (*cachefile_fsid_fn)(void *arg, dev_t dev, uint64_t *fsid);

#define CACHEFILE_SUBDIR "cache"
#define CACHEFILE_NAME "classify.cache"

/* Adds what path holds to c.  Returns 0 (*loaded entries), -ENOENT (no
 * file), -ESTALE (another classifier or policy: nothing loaded),
 * -EBADMSG (damaged), -EPERM (not root's, or writable by others) or
 * -errno. */
int cachefile_load(struct class_cache *c, const char *path, const struct cache_identity *id,
		   cachefile_fsid_fn fsid, void *arg, size_t *loaded);

/* Writes c to path (through path.tmp).  Returns 0 or -errno. */
int cachefile_save(struct class_cache *c, const char *path, const struct cache_identity *id,
		   cachefile_fsid_fn fsid, void *arg);

#endif
