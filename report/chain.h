/* Checking one record against the chain it claims to extend
 * (docs/protocol.md §2.2, "Verification rule").  Shared by the agent's
 * recovery, `wardctl verify` and the collector's ingestion:
 *
 *   record_parse  split the JWS, read the members the chain needs
 *   chain_check   is it the next record of this chain, and if not, why
 *   chain_advance take it as the new head (and its next_key, if any)
 *
 * Nothing here does I/O or keeps history; callers that must tell a
 * duplicate from a fork keep the hashes they have seen. */
#ifndef WARD_REPORT_CHAIN_H
#define WARD_REPORT_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ed25519.h"
#include "common/jws.h"
#include "report/identity.h"
#include "report/record.h"

/* What the chain needs from one record. */
struct record_info {
	uint64_t seq;
	uint64_t ratchet;
	unsigned char prev[32];
	bool has_next;
	unsigned char next_pub[ED25519_KEY_BYTES];
	char agent_id[AGENT_ID_CHARS + 1];
	char kind[32];
	unsigned char hash[32]; /* SHA-256 of the exact JWS bytes */
	struct jws jws;		/* points into the text given to record_parse */
};

/* Parses a record: a compact JWS whose payload has v 1, a 32-hex agent_id,
 * seq >= 1, a 64-hex prev, ratchet >= 1, a kind, and a kid that is
 * "<agent_id>/r<ratchet>"; next_key when present an OKP/Ed25519 JWK.  text
 * must outlive info.  Returns 0 or -EINVAL with *why. */
int record_parse(const char *text, size_t len, struct record_info *info, const char **why);
void record_info_free(struct record_info *info);

/* What a verifier knows of one agent's chain. */
struct chain_state {
	char agent_id[AGENT_ID_CHARS + 1];
	struct chain_head head;		      /* seq 0: nothing yet */
	uint64_t key_index;		      /* ratchet index of the key for head.seq + 1 */
	unsigned char key[ED25519_KEY_BYTES]; /* its public half */
};

enum chain_verdict {
	CHAIN_NEXT,    /* verifies as head.seq + 1 */
	CHAIN_GAP,     /* seq > head.seq + 1: records are missing before it */
	CHAIN_OLD,     /* seq <= head.seq: a duplicate or a second version (compare hashes) */
	CHAIN_FORK,    /* seq = head.seq + 1 but prev is not the head's hash */
	CHAIN_FORGED,  /* wrong key index or a signature that does not verify */
	CHAIN_FOREIGN, /* another agent's record */
};

/* A chain that starts at seq 1 with ratchet key 1. */
void chain_start(struct chain_state *st, const char *agent_id,
		 const unsigned char key1[ED25519_KEY_BYTES]);

/* Classifies rec against st (st is not changed).  *why gets a short English
 * reason for anything but CHAIN_NEXT. */
enum chain_verdict chain_check(const struct chain_state *st, const struct record_info *rec,
			       const char **why);

/* rec becomes the head; a next_key it carries becomes the key in force. */
void chain_advance(struct chain_state *st, const struct record_info *rec);

/* "gap", "reorder", "fork", "forgery", ... for messages and JSON. */
const char *chain_verdict_name(enum chain_verdict v);

#endif
