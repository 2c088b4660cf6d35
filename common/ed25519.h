/* Ed25519 keys, signatures and their encodings (PEM, JWK): keys, PEM and
 * checks on OpenSSL 3's EVP interface, signing with libsodium.  One owner
 * for every signature Ward makes or checks: records, heartbeats,
 * checkpoints, approval tokens.
 *
 * A key keeps its EVP_PKEY (PEM, verification) and, when it has the
 * private half, libsodium's expanded form: Ed25519 is deterministic, so both
 * give the same signature, and libsodium's costs about 60% of OpenSSL 3.0's
 * (measured on the signed record log, the hot path). */
#ifndef WARD_ED25519_H
#define WARD_ED25519_H

#include <stdbool.h>
#include <stddef.h>

#define ED25519_KEY_BYTES 32
#define ED25519_SIG_BYTES 64
/* libsodium's secret key: the 32-byte seed then the public key. */
#define ED25519_SECRET_BYTES 64
/* {"crv":"Ed25519","kty":"OKP","x":"<43 chars>"} plus slack. */
#define ED25519_JWK_MAX 96

struct ed25519_key {
	void *pkey; /* EVP_PKEY *, private or public only */
	unsigned char pub[ED25519_KEY_BYTES];
	unsigned char secret[ED25519_SECRET_BYTES]; /* with has_private only */
	bool has_private;
};

/* A new random key pair.  Returns 0 or -EIO. */
int ed25519_generate(struct ed25519_key *key);
/* The key pair whose private half is the 32-byte seed (RFC 8032). */
int ed25519_from_seed(const unsigned char seed[ED25519_KEY_BYTES], struct ed25519_key *key);
/* The same key pair for signing only: no OpenSSL object, so neither
 * ed25519_verify nor the PEM functions take it (verify with
 * ed25519_verify_raw and its pub). */
int ed25519_signer_from_seed(const unsigned char seed[ED25519_KEY_BYTES], struct ed25519_key *key);
/* A public key from its 32 raw bytes. */
int ed25519_from_public(const unsigned char pub[ED25519_KEY_BYTES], struct ed25519_key *key);
/* Frees the key and wipes what OpenSSL held of it. */
void ed25519_free(struct ed25519_key *key);

int ed25519_sign(const struct ed25519_key *key, const void *msg, size_t len,
		 unsigned char sig[ED25519_SIG_BYTES]);
bool ed25519_verify(const struct ed25519_key *key, const void *msg, size_t len,
		    const unsigned char sig[ED25519_SIG_BYTES]);
/* The same with a raw public key (set up for one check). */
bool ed25519_verify_raw(const unsigned char pub[ED25519_KEY_BYTES], const void *msg, size_t len,
			const unsigned char sig[ED25519_SIG_BYTES]);

/* PEM files: private keys as PKCS#8 (written 0600 through a temporary file
 * and rename), public keys as SubjectPublicKeyInfo.  Return 0 or -errno;
 * -EINVAL for a file that holds no Ed25519 key. */
int ed25519_load_private_pem(const char *path, struct ed25519_key *key);
int ed25519_load_public_pem(const char *path, struct ed25519_key *key);
int ed25519_save_private_pem(const struct ed25519_key *key, const char *path);
/* As ed25519_save_private_pem, but -EEXIST when path exists (created meanwhile). */
int ed25519_create_private_pem(const struct ed25519_key *key, const char *path);
int ed25519_save_public_pem(const struct ed25519_key *key, const char *path);
/* The public key as PEM text, heap.  NULL on no memory. */
char *ed25519_public_pem(const struct ed25519_key *key);
/* Parses a public key from PEM text. */
int ed25519_parse_public_pem(const char *pem, size_t len, struct ed25519_key *key);

/* RFC 8037 JWK of the public half, members sorted:
 * {"crv":"Ed25519","kty":"OKP","x":"..."}.  out has ED25519_JWK_MAX bytes. */
void ed25519_jwk(const unsigned char pub[ED25519_KEY_BYTES], char out[ED25519_JWK_MAX]);
/* Reads the "x" of a JWK object (a jansson json_t *) after checking kty
 * and crv.  Returns 0 or -EINVAL. */
int ed25519_jwk_parse(const void *json_jwk, unsigned char pub[ED25519_KEY_BYTES]);

#endif
