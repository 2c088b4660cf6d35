/* One delivered record (protocol §2): its parse, the facts the store
 * keeps beside the exact bytes, and the chain rule a record must meet to
 * extend its agent's chain (signature with the ratcheted key, seq = head
 * + 1, prev = head hash). */
#ifndef WARD_COLLECTOR_RECORD_H
#define WARD_COLLECTOR_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ed25519.h"
#include "common/jws.h"

#define AGENT_ID_LEN 32
#define HASH_HEX_LEN 64

/* What the collector knows of an agent's chain. */
struct chain_head {
	char agent_id[AGENT_ID_LEN + 1];
	int64_t seq;			      /* highest seq verified with no gap */
	char hash[HASH_HEX_LEN + 1];	      /* hex SHA-256 of that record */
	int64_t ratchet_index;		      /* key the next record must use */
	unsigned char key[ED25519_KEY_BYTES]; /* its public half */
};

/* The parsed record.  Strings point into json (owned). */
struct record {
	const char *text;
	size_t len;
	char sha256[HASH_HEX_LEN + 1];
	struct jws jws;
	void *json; /* json_t * of the payload */
	int64_t seq, ratchet;
	const char *prev, *kind, *observed_at, *host, *user, *level, *action, *outcome;
	const char *device_serial, *file_name, *file_sha256, *ref;
	char rule[160];
	bool has_next_key;
	unsigned char next_key[ED25519_KEY_BYTES];
	/* The signature's check, kept: a batch is checked once before the
	 * write lock and again under it, with the same key as a rule. */
	bool sig_checked, sig_ok;
	unsigned char sig_key[ED25519_KEY_BYTES];
};

/* Parses text (len bytes, kept by the caller) as a record of agent_id.
 * Returns 0, or -EINVAL with *why a short reason for people. */
int record_parse(struct record *r, const char *text, size_t len, const char *agent_id,
		 const char **why);
void record_free(struct record *r);

enum chain_verdict {
	CHAIN_OK,
	CHAIN_FORGED,	   /* signature does not verify with the announced key */
	CHAIN_WRONG_KEY,   /* ratchet index is not the announced key's */
	CHAIN_FORK,	   /* prev is not the head's hash */
	CHAIN_BAD_NEXT_KEY /* next_key without a usable key */
};

/* Checks r as the record after head (r->seq must be head->seq + 1);
 * on CHAIN_OK advances head past it (new head, ratchet step).  The
 * signature check is remembered in r. */
enum chain_verdict chain_extend(struct chain_head *head, struct record *r);
const char *chain_verdict_text(enum chain_verdict v);

/* The hex SHA-256 of len bytes. */
void sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

#endif
