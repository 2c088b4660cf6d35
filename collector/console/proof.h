/* An incident's evidence status, checked again each time the page is
 * shown, not read from a flag: the record's bytes against the hash kept
 * beside them; its signature with the ratchet key its chain announced
 * (report/chain.h); its place in the chain (the chain row, the link to
 * the record before it, tamper alerts at its seq); and its receipt (an
 * inclusion proof from the stored tree into the latest checkpoint, whose
 * signature is checked with the collector's key). */
#ifndef WARD_CONSOLE_PROOF_H
#define WARD_CONSOLE_PROOF_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/console/web.h"

#define PROOF_WHY 240
/* How far back a signature check walks the chain to find the key. */
#define PROOF_KEY_WALK 512

struct proof {
	bool bytes_ok, sig_ok, chain_ok, receipt_ok;
	bool sig_checked; /* false: the key lies further back than PROOF_KEY_WALK */
	char bytes_why[PROOF_WHY], sig_why[PROOF_WHY], chain_why[PROOF_WHY], receipt_why[PROOF_WHY];
	uint64_t ratchet, tree_size, proof_len;
};

/* Checks the record at leaf (of agent_id, seq).  Returns 0 (p filled,
 * whatever it found) or -EIO. */
int proof_check(struct console *con, struct db *db, int64_t leaf, const char *agent_id, int64_t seq,
		struct proof *p);

/* Only the receipt: the leaf's inclusion in the latest checkpoint
 * (review actions). */
bool proof_receipt(struct console *con, struct db *db, int64_t leaf, const char *raw, size_t len,
		   char why[PROOF_WHY]);

#endif
