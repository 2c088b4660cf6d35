/* The forward-secure key ratchet (docs/protocol.md §1).  Records are signed
 * with key_i; the last record of a group announces key_(i+1)'s public half;
 * once the group is durable the state on disk moves to (i+1, seed_(i+1))
 * and seed_i is overwritten, so whoever takes the desk later cannot sign
 * anything at or before that group again.
 *
 *   key_i      = HMAC-SHA256(key = seed_i, "ward ratchet key v1")
 *   seed_(i+1) = HMAC-SHA256(key = seed_i, "ward ratchet seed v1")
 *
 * ratchet.state is 56 bytes, overwritten in place (one pwrite at offset 0,
 * inside one disk sector): "WARDRS1\n", index (u64 little-endian), seed
 * (32 bytes), then the first 8 bytes of SHA-256 of the 48 bytes before, so
 * a torn or foreign file is refused rather than misread. */
#ifndef WARD_REPORT_RATCHET_H
#define WARD_REPORT_RATCHET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ed25519.h"

#define RATCHET_SEED_BYTES 32
#define RATCHET_STATE_BYTES 56

/* One step of the ratchet in memory: the key that signs now and the public
 * half of the key that follows it (what next_key announces). */
struct ratchet {
	uint64_t index;
	unsigned char seed[RATCHET_SEED_BYTES]; /* seed_index */
	struct ed25519_key key;			/* key_index, private */
	struct ed25519_key next;		/* key_(index+1), private, not yet used */
	unsigned char next_seed[RATCHET_SEED_BYTES];
	char next_jwk[ED25519_JWK_MAX]; /* JWK of next's public half */
};

/* key_i's private seed and seed_(i+1) from seed_i. */
void ratchet_derive(const unsigned char seed[RATCHET_SEED_BYTES],
		    unsigned char key_seed[ED25519_KEY_BYTES],
		    unsigned char next_seed[RATCHET_SEED_BYTES]);

/* The ratchet at (index, seed): key_index and key_(index+1) set up.
 * Returns 0 or -EIO. */
int ratchet_init(struct ratchet *r, uint64_t index, const unsigned char seed[RATCHET_SEED_BYTES]);
/* Moves to index+1: the current key and seed are wiped. */
int ratchet_step(struct ratchet *r);
/* Wipes everything the ratchet holds. */
void ratchet_wipe(struct ratchet *r);

/* The public half of key_index for a given seed_index (for checks). */
int ratchet_public(const unsigned char seed[RATCHET_SEED_BYTES],
		   unsigned char pub[ED25519_KEY_BYTES]);

/* ratchet.state: encode/decode the 56 bytes; decode returns -EBADMSG for a
 * torn or foreign file. */
void ratchet_state_encode(uint64_t index, const unsigned char seed[RATCHET_SEED_BYTES],
			  unsigned char out[RATCHET_STATE_BYTES]);
int ratchet_state_decode(const unsigned char in[RATCHET_STATE_BYTES], uint64_t *index,
			 unsigned char seed[RATCHET_SEED_BYTES]);
/* Reads / overwrites the state at offset 0 of fd.  Returns 0 or -errno. */
int ratchet_state_read(int fd, uint64_t *index, unsigned char seed[RATCHET_SEED_BYTES]);
int ratchet_state_write(int fd, uint64_t index, const unsigned char seed[RATCHET_SEED_BYTES]);

#endif
