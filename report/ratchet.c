#include "report/ratchet.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

static const char STATE_MAGIC[8] = "WARDRS1\n";
static const char KEY_LABEL[] = "ward ratchet key v1";
static const char SEED_LABEL[] = "ward ratchet seed v1";

/* HMAC-SHA256(seed, label).  libsodium's, not OpenSSL's: three of these
 * per ratchet step (once per group) each cost OpenSSL a fetch of the MAC
 * and the digest, more than the hashing itself. */
static void hmac_label(const unsigned char seed[RATCHET_SEED_BYTES], const char *label,
		       unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, seed, RATCHET_SEED_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, strlen(label));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void ratchet_derive(const unsigned char seed[RATCHET_SEED_BYTES],
		    unsigned char key_seed[ED25519_KEY_BYTES],
		    unsigned char next_seed[RATCHET_SEED_BYTES])
{
	hmac_label(seed, KEY_LABEL, key_seed);
	hmac_label(seed, SEED_LABEL, next_seed);
}

/* key_index and seed_(index+1) from seed_index, into key and next_seed. */
static int derive_key(const unsigned char seed[RATCHET_SEED_BYTES], struct ed25519_key *key,
		      unsigned char next_seed[RATCHET_SEED_BYTES])
{
	unsigned char key_seed[ED25519_KEY_BYTES];
	int r;

	ratchet_derive(seed, key_seed, next_seed);
	r = ed25519_signer_from_seed(key_seed, key);
	OPENSSL_cleanse(key_seed, sizeof(key_seed));
	return r;
}

int ratchet_public(const unsigned char seed[RATCHET_SEED_BYTES],
		   unsigned char pub[ED25519_KEY_BYTES])
{
	unsigned char next_seed[RATCHET_SEED_BYTES];
	struct ed25519_key key;
	int r = derive_key(seed, &key, next_seed);

	OPENSSL_cleanse(next_seed, sizeof(next_seed));
	if (r < 0)
		return r;
	memcpy(pub, key.pub, ED25519_KEY_BYTES);
	ed25519_free(&key);
	return 0;
}

/* Sets up next (key_(index+1)) from next_seed, and next_seed := seed_(index+2). */
static int prepare_next(struct ratchet *r)
{
	unsigned char after[RATCHET_SEED_BYTES];
	int e = derive_key(r->next_seed, &r->next, after);

	OPENSSL_cleanse(after, sizeof(after));
	if (e < 0)
		return e;
	ed25519_jwk(r->next.pub, r->next_jwk);
	return 0;
}

int ratchet_init(struct ratchet *r, uint64_t index, const unsigned char seed[RATCHET_SEED_BYTES])
{
	int e;

	memset(r, 0, sizeof(*r));
	r->index = index;
	memcpy(r->seed, seed, RATCHET_SEED_BYTES);
	e = derive_key(r->seed, &r->key, r->next_seed);
	if (e == 0)
		e = prepare_next(r);
	if (e < 0)
		ratchet_wipe(r);
	return e;
}

int ratchet_step(struct ratchet *r)
{
	int e;

	ed25519_free(&r->key);
	r->key = r->next;
	memset(&r->next, 0, sizeof(r->next));
	memcpy(r->seed, r->next_seed, RATCHET_SEED_BYTES);
	hmac_label(r->seed, SEED_LABEL, r->next_seed);
	r->index++;
	e = prepare_next(r);
	if (e < 0)
		ratchet_wipe(r);
	return e;
}

void ratchet_wipe(struct ratchet *r)
{
	ed25519_free(&r->key);
	ed25519_free(&r->next);
	OPENSSL_cleanse(r, sizeof(*r));
}

void ratchet_state_encode(uint64_t index, const unsigned char seed[RATCHET_SEED_BYTES],
			  unsigned char out[RATCHET_STATE_BYTES])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	memcpy(out, STATE_MAGIC, 8);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (unsigned char)(index >> (8 * i));
	memcpy(out + 16, seed, RATCHET_SEED_BYTES);
	SHA256(out, 48, md);
	memcpy(out + 48, md, 8);
}

int ratchet_state_decode(const unsigned char in[RATCHET_STATE_BYTES], uint64_t *index,
			 unsigned char seed[RATCHET_SEED_BYTES])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	uint64_t v = 0;

	SHA256(in, 48, md);
	if (memcmp(in, STATE_MAGIC, 8) != 0 || CRYPTO_memcmp(in + 48, md, 8) != 0)
		return -EBADMSG;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)in[8 + i] << (8 * i);
	if (v == 0)
		return -EBADMSG;
	*index = v;
	memcpy(seed, in + 16, RATCHET_SEED_BYTES);
	return 0;
}

int ratchet_state_read(int fd, uint64_t *index, unsigned char seed[RATCHET_SEED_BYTES])
{
	unsigned char buf[RATCHET_STATE_BYTES];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	int r;

	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(buf))
		return -EBADMSG;
	r = ratchet_state_decode(buf, index, seed);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

int ratchet_state_write(int fd, uint64_t index, const unsigned char seed[RATCHET_SEED_BYTES])
{
	unsigned char buf[RATCHET_STATE_BYTES];
	ssize_t n;

	ratchet_state_encode(index, seed, buf);
	n = pwrite(fd, buf, sizeof(buf), 0);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(buf) ? 0 : -EIO;
}
