/* Winnowed fingerprints of a document's text (Schleimer, Wilkerson and
 * Aiken, "Winnowing: local algorithms for document fingerprinting", 2003):
 * what lets the agent tell that a document shares a significant part with
 * a marked one, without keeping the marked document's text.
 *
 * The text is normalised to its letters, digits and ideographs (ASCII and
 * full-width letters in lower case; spaces, punctuation, symbols and line
 * breaks dropped, so reflowing or re-punctuating a paragraph changes
 * nothing), cut into every run of WINNOW_K characters, each hashed; of every
 * WINNOW_W consecutive hashes the smallest is kept.  Any text shared by two
 * documents over WINNOW_K + WINNOW_W - 1 characters yields at least one
 * fingerprint they share.  Fingerprints are 32-bit hashes: the text cannot
 * be read back from them.
 *
 * A long document keeps at most CLASSIFY_MAX_FINGERPRINTS: past that, only
 * those whose low `shift` bits are zero (a sample both sides of a
 * comparison take alike); past WINNOW_MAX_BYTES of text, nothing more. */
#ifndef WARD_CLASSIFY_WINNOW_H
#define WARD_CLASSIFY_WINNOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

#define WINNOW_K 12 /* characters per hashed run (about a short Chinese phrase) */
#define WINNOW_W 8  /* runs per window */
/* Text fingerprinted per document, at most (the rest is not). */
#define WINNOW_MAX_BYTES (2u << 20)
#define WINNOW_SET (2 * CLASSIFY_MAX_FINGERPRINTS)

/* Derived: at least WINNOW_MIN_SHARED fingerprints shared (about 60
 * characters of common text at the expected density of 2 / (W + 1)), and
 * they make up at least WINNOW_SHARE_OF_MARKED percent of the marked
 * document's fingerprints or WINNOW_SHARE_OF_NEW percent of the new one's. */
#define WINNOW_MIN_SHARED 8
#define WINNOW_SHARE_OF_MARKED 25
#define WINNOW_SHARE_OF_NEW 50

struct winnow {
	uint32_t ring[WINNOW_K]; /* the last K characters */
	size_t ring_at;		 /* the oldest of them */
	uint64_t pow;		 /* BASE^(K-1), to take the oldest character out */
	uint64_t hash;		 /* of the last K characters */
	uint64_t chars;		 /* characters seen */
	uint32_t window[WINNOW_W];
	uint64_t window_pos[WINNOW_W];
	size_t best;	   /* the window's slot holding its smallest */
	uint64_t kept_pos; /* position of the last fingerprint kept, +1 */
	uint64_t bytes;	   /* of text fed */
	unsigned char pending[4];
	size_t n_pending; /* a UTF-8 character split between two calls */
	uint32_t *fp;	  /* CLASSIFY_MAX_FINGERPRINTS */
	/* The fingerprints kept, as a set: each kept once. */
	uint32_t set[WINNOW_SET];
	unsigned char used[WINNOW_SET];
	uint32_t n;
	uint8_t shift;
};

/* fp: room for CLASSIFY_MAX_FINGERPRINTS (the caller's). */
void winnow_init(struct winnow *w, uint32_t *fp);
void winnow_feed(struct winnow *w, const void *utf8, size_t len);
/* Sorts the fingerprints and leaves each once; returns their count. */
uint32_t winnow_finish(struct winnow *w);

/* Fingerprints shared by two sorted sets, each taken at the larger of the
 * two shifts; *n_a and *n_b say how many of each were compared. */
uint32_t winnow_shared(const uint32_t *a, uint32_t na, uint8_t shift_a, const uint32_t *b,
		       uint32_t nb, uint8_t shift_b, uint32_t *n_a, uint32_t *n_b);
/* Whether a document (fingerprints of `doc`) is derived from a marked one
 * (`marked`), by the thresholds above; *shared says how many were. */
bool winnow_derived(const uint32_t *doc, uint32_t n_doc, uint8_t shift_doc, const uint32_t *marked,
		    uint32_t n_marked, uint8_t shift_marked, uint32_t *shared);

#endif
