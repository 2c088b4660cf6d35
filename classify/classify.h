/* The classifier: reads one document (by descriptor, never by path) and
 * says which classification level it is marked with, whether the marking
 * is struck through (declassified), which personal data it holds, and why.
 * Every call is bounded by a budget of bytes and time; what cannot be read
 * within it, or at all (encrypted, corrupt), is reported as uninspectable.
 *
 * The agent links this library into its sandboxed scanner process;
 * `wardctl classify` links it directly.  Thread safety: one classify_ctx
 * per thread. */
#ifndef WARD_CLASSIFY_H
#define WARD_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/level.h"

#define CLASSIFY_MAX_PII 8
#define CLASSIFY_MAX_REASONS 8
#define CLASSIFY_MAX_FINGERPRINTS 1024

struct classify_budget {
	uint64_t max_input_bytes;    /* bytes read from the file itself */
	uint64_t max_expanded_bytes; /* bytes produced by decompression, in all */
	uint32_t max_millis;	     /* wall-clock time for the whole call */
	uint32_t max_depth;	     /* archive / attachment nesting */
	uint32_t max_entries;	     /* members inspected across all archives */
	uint32_t max_ratio;	     /* expansion ratio before a member is a bomb */
};

/* Defaults fit the agent: 256 MiB in, 1 GiB expanded, 2 s, depth 4,
 * 10000 entries, ratio 200. */
void classify_budget_default(struct classify_budget *budget);

struct classify_pii {
	char type
	    [32]; /* "roc-national-id", "roc-resident-id", "land-register", "household-register" */
	uint32_t count;
};

struct classify_reason {
	char rule[48]; /* e.g. "header-standalone-level", "di-xml-mideng" */
	char where
	    [160]; /* e.g. "styles.xml header", "page 3 last lines", "a.zip:b.odt content.xml" */
	char text[96]; /* the marking as found, UTF-8, truncated */
};

struct classify_result {
	char mime[96]; /* from libmagic, of the outer file */
	enum ward_level level;
	bool declassified;  /* the only markings found were struck through */
	bool uninspectable; /* some content could not be read: see reason */
	char uninspectable_reason[128];
	struct classify_pii pii[CLASSIFY_MAX_PII];
	uint32_t n_pii;
	struct classify_reason reasons[CLASSIFY_MAX_REASONS];
	uint32_t n_reasons;
	unsigned char sha256[32]; /* of the whole file as read */
	uint64_t size;
	/* Winnowed fingerprints of its text (classify/winnow.h): sorted,
	 * distinct 32-bit hashes, never the text; a long text keeps only
	 * those whose low fingerprint_shift bits are zero. */
	uint32_t fingerprints[CLASSIFY_MAX_FINGERPRINTS];
	uint32_t n_fingerprints;
	uint8_t fingerprint_shift;
};

struct classify_ctx;

/* Creates a classifier with the default English mapping (TOP SECRET →
 * 絕對機密, SECRET → 極機密, CONFIDENTIAL → 機密, RESTRICTED → 密).
 * Returns NULL and sets *err (static text) on failure, e.g. no magic db. */
struct classify_ctx *classify_new(const char **err);
void classify_free(struct classify_ctx *ctx);

/* Loads now what the classifier would load on first use (the CJK tables
 * of PDF fonts, the OCR engine and its language data), for a process
 * about to enter a sandbox that cannot open files.  Returns 0, or -errno
 * and *err (static text); the classifier works either way, without what
 * could not be loaded (such documents are then read without it or
 * reported uninspectable). */
int classify_preload(struct classify_ctx *ctx, const char **err);

/* Maps an English marking word to a level (any case; spaces, '-' and '_'
 * ignored, so "Top-Secret" is "TOP SECRET"); WARD_LEVEL_NONE removes the
 * word.  Returns 0, -EINVAL (no letters, level out of range) or -ENOSPC
 * (more than 16 words). */
int classify_set_english(struct classify_ctx *ctx, const char *word, enum ward_level level);

/* Classify the file open at fd (read from offset 0 with pread; the offset is
 * not changed).  name_hint is used only in reasons, never to pick a format.
 * Returns 0 when the result is filled (including uninspectable results), or
 * -errno when fd could not be read at all (-EISDIR, -EINVAL for anything
 * but a regular file). */
int classify_fd(struct classify_ctx *ctx, int fd, const char *name_hint,
		const struct classify_budget *budget, struct classify_result *out);

/* The same for bytes in memory (fuzzing, tests). */
int classify_buffer(struct classify_ctx *ctx, const void *data, size_t len, const char *name_hint,
		    const struct classify_budget *budget, struct classify_result *out);

/* A cheap test for the agent's hot path: true when the first len bytes of a
 * file certainly hold no marking and no personal data and are not a
 * container (zip, OLE, PDF, gzip, ...) that needs a full look.  False means
 * "classify fully", never "marked". */
bool classify_quick_clean(const void *data, size_t len);

/* The one serializer of a result: a jansson object (path, type, level,
 * declassified, uninspectable[_reason], pii[], reasons[], sha256, size),
 * the caller's to json_decref; NULL on no memory.  Anything that writes a
 * result as JSON starts from it. */
struct json_t;
struct json_t *classify_result_json(const char *path, const struct classify_result *res);
/* That object on one line (no trailing newline), as `wardctl classify
 * --json` prints it. */
void classify_result_write_json(FILE *out, const char *path, const struct classify_result *res);

/* Validate a result that came from another process (the sandbox): every
 * string NUL-terminated, counts and level in range.  Returns false if not. */
bool classify_result_sane(const struct classify_result *res);

#endif
