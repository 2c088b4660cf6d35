/* Verifying a whole log, as `wardctl verify` does: every record's
 * signature with the key the ratchet announced, its seq and its prev, and
 * where the chain breaks, with the seq:
 *
 *   gap        records are missing (reported once the input ends, so a
 *              record that only comes later is a reorder, not a gap)
 *   reorder    a record comes after one that should follow it
 *   duplicate  the same record again
 *   fork       a second, different record at a seq, or a prev that is not
 *              the hash of the record before
 *   forgery    a signature that does not verify with the announced key,
 *              or a record signed with another ratchet key
 *   malformed  not a record at all; foreign: another agent's record
 *
 * After a break the verifier resynchronises on the record that follows, so
 * later breaks are found too.  Breaks are reported when the input ends, in
 * seq order: the first is the one to read. */
#ifndef WARD_REPORT_VERIFY_H
#define WARD_REPORT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "report/chain.h"

enum verify_kind {
	VERIFY_GAP,
	VERIFY_REORDER,
	VERIFY_DUPLICATE,
	VERIFY_FORK,
	VERIFY_FORGERY,
	VERIFY_MALFORMED,
	VERIFY_FOREIGN,
};

struct verify_break {
	enum verify_kind kind;
	uint64_t
	    seq; /* the record's seq (malformed: the seq expected there); gap: the first missing */
	uint64_t last;	   /* for a gap: the last missing seq */
	const char *why;   /* short English reason */
	const char *where; /* "file:line" of the record, or NULL */
};

typedef void (*verify_report_fn)(void *ctx, const struct verify_break *b);

struct verify_gap {
	uint64_t first, last;
	char where[64];
};

/* A break held until verifier_finish. */
struct verify_found {
	enum verify_kind kind;
	uint64_t seq, last;
	const char *why;
	char where[64];
	size_t order; /* found in this order: ties in seq keep it */
};

struct verifier {
	struct chain_state st;
	bool started;	   /* a record has been seen */
	bool hash_known;   /* st.head.hash is a record's hash, not lost in a break */
	bool key_known;	   /* st.key is the key in force (not lost in a gap) */
	bool have_key;	   /* a key was given for the first record */
	bool anchored;	   /* the chain is known up to an anchor (verifier_start_at) */
	struct buf hashes; /* 32 bytes a seq from base: what was seen, zeros if nothing */
	uint64_t base;
	struct buf gaps;  /* struct verify_gap: open gaps */
	struct buf found; /* struct verify_found: breaks held until the end */
	uint64_t records, breaks, unverified;
	bool incomplete; /* memory ran out: some break was counted but not listed */
	verify_report_fn report;
	void *ctx;
};

/* agent_id NULL: taken from the first record.  key: the ratchet key in
 * force for the first record fed (key 1 for a log that starts at seq 1),
 * key_index its index (0: the index the first record names); NULL if unknown (records are then checked for
 * their chain only, and counted as unverified). */
void verifier_init(struct verifier *v, const char *agent_id, const unsigned char *key,
		   uint64_t key_index, verify_report_fn report, void *ctx);
/* A log whose first records were deleted (report/anchor.h): its first
 * record must be seq, chained to prev (and key must be the anchor's). */
void verifier_start_at(struct verifier *v, uint64_t seq, const unsigned char prev[32]);

/* One record's bytes (without the newline); where names it in reports. */
void verifier_feed(struct verifier *v, const char *jws, size_t len, const char *where);
/* Reports every break, in seq order (gaps still open included). */
void verifier_finish(struct verifier *v);
void verifier_free(struct verifier *v);

const char *verify_kind_name(enum verify_kind k);

/* Feeds every record of path (one segment file, or a log directory's
 * segments in order) to v.  Returns 0 or -errno (unreadable). */
int verify_path(struct verifier *v, const char *path);

#endif
