/* One record of the log (docs/protocol.md §2): a JSON payload built with
 * jansson, sealed into its place in the chain (seq, prev, ratchet,
 * next_key) and signed as a compact JWS.  The JWS bytes are what is
 * stored, sent and verified; nothing serialises a payload twice.
 *
 * record_new fills what does not depend on the chain, so callers build
 * payloads in parallel; record_seal adds the chain members and signs, and
 * is the only step the log's writer runs in order. */
#ifndef WARD_REPORT_RECORD_H
#define WARD_REPORT_RECORD_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/record_id.h"
#include "report/identity.h"
#include "report/ratchet.h"

struct buf;

#define RECORD_VERSION 1
#define RFC3339_MAX 32
#define SHA256_HEX_CHARS 64

/* What every record of this desk says about where it comes from. */
struct record_origin {
	char agent_id[AGENT_ID_CHARS + 1];
	char host[256];
	char boot_id[RECORD_ID_LEN];
};

/* The end of a chain: the last record's seq (0 before the first) and the
 * SHA-256 of its exact JWS bytes (zeros before the first). */
struct chain_head {
	uint64_t seq;
	unsigned char hash[32];
};

/* Host name and boot id of this machine, and agent_id.  Returns 0 or -errno. */
int record_origin_init(struct record_origin *o, const char *agent_id);

/* A new payload: v, kind, agent_id, host, boot_id, record_id (a fresh
 * UUID v4) and observed_at (when, or now if NULL).  NULL on no memory. */
json_t *record_new(const struct record_origin *o, const char *kind, const struct timespec *when);

/* UTC RFC 3339 with milliseconds: 2022-01-25T02:00:00.123Z. */
void rfc3339_ms(const struct timespec *t, char out[RFC3339_MAX]);

/* What sealing keeps from record to record (one per signer): the buffer
 * the canonical payload is built in, and a SHA-256 context whose digest
 * was fetched once (a fetch per record cost more than the hash). */
struct record_sealer {
	struct buf *scratch;
	EVP_MD_CTX *sha256;
};
/* Returns 0 or -ENOMEM. */
int record_sealer_init(struct record_sealer *s);
void record_sealer_free(struct record_sealer *s);

/* Seals payload at head.seq + 1 under ratchet key r->index (announcing
 * r's next key when announce) and signs it: the JWS and a newline are
 * appended to out; *head moves to the new record.  The chain members are
 * written into the canonical payload, not set in payload, which is left
 * as it was.  Returns 0, -ENOMEM, -EINVAL (too large) or -EIO; out is
 * left as it was on error. */
int record_seal(const json_t *payload, const struct ratchet *r, bool announce,
		struct chain_head *head, struct record_sealer *s, struct buf *out);

/* SHA-256 of a record's exact JWS bytes. */
void record_hash(const char *jws, size_t len, unsigned char out[32]);

#endif
