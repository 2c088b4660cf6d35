/* What marked documents say, kept without their text: the winnowed
 * fingerprints (classify/winnow.h) of every marked document wardd
 * classifies, so that a document made from part of one (a body pasted into
 * a new file, a chapter exported, a table copied out) is recognised as
 * derived when it goes to removable media, though it carries no marking.
 *
 * Kept in memory (the last FPSTORE_MAX_DOCS documents) and in
 * <state_dir>/fingerprints, root's, mode 0600: per document its SHA-256,
 * its level and its fingerprints (32-bit hashes of 12 characters: the text
 * cannot be read back).  Loaded at start; a torn last record is cut off.
 *
 * Threads: any (workers add and match concurrently: a read-write lock). */
#ifndef WARD_AGENT_FPSTORE_H
#define WARD_AGENT_FPSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "classify/classify.h"

#define FPSTORE_MAX_DOCS 4096
#define FPSTORE_FILE "fingerprints"

struct fpstore;

struct fp_match {
	enum ward_level level;	/* the marked document's */
	uint32_t shared;	/* fingerprints the two share */
	const char *sha256_hex; /* the marked document's SHA-256, valid while the store lives */
};

/* Opens (creating) the store file at path and loads it.  Returns 0 or
 * -errno. */
int fpstore_open(const char *path, struct fpstore **out);
void fpstore_free(struct fpstore *s);

/* A document classified: kept when it is marked and has enough
 * fingerprints, once per content.  Returns 0 or -errno (not kept on disk:
 * still kept in memory). */
int fpstore_add(struct fpstore *s, const struct classify_result *res);
/* Whether a document that is not marked is derived from a marked one
 * (winnow_derived); the best match in *out. */
bool fpstore_match(struct fpstore *s, const struct classify_result *res, struct fp_match *out);

/* Marked documents kept in memory. */
unsigned fpstore_count(struct fpstore *s);

#endif
