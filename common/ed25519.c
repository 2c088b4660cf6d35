#define _GNU_SOURCE
#include "common/ed25519.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

/* libsodium's form of the private half: seed then public key. */
static int secret_take(EVP_PKEY *pkey, struct ed25519_key *key)
{
	size_t len = ED25519_KEY_BYTES;

	if (sodium_init() < 0)
		return -EIO;
	if (EVP_PKEY_get_raw_private_key(pkey, key->secret, &len) != 1 || len != ED25519_KEY_BYTES)
		return -EINVAL;
	memcpy(key->secret + ED25519_KEY_BYTES, key->pub, ED25519_KEY_BYTES);
	return 0;
}

static int key_take(EVP_PKEY *pkey, bool has_private, struct ed25519_key *key)
{
	size_t len = ED25519_KEY_BYTES;
	int r;

	memset(key, 0, sizeof(*key));
	if (!pkey)
		return -EIO;
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, key->pub, &len) != 1 || len != ED25519_KEY_BYTES) {
		EVP_PKEY_free(pkey);
		return -EINVAL;
	}
	if (has_private && (r = secret_take(pkey, key)) < 0) {
		EVP_PKEY_free(pkey);
		sodium_memzero(key, sizeof(*key));
		return r;
	}
	key->pkey = pkey;
	key->has_private = has_private;
	return 0;
}

int ed25519_generate(struct ed25519_key *key)
{
	return key_take(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), true, key);
}

/* The public half comes from libsodium and is handed to OpenSSL with the
 * seed, so the scalar multiplication is done once, by the faster of the
 * two (a ratchet derives a key per group commit). */
int ed25519_from_seed(const unsigned char seed[ED25519_KEY_BYTES], struct ed25519_key *key)
{
	unsigned char pub[ED25519_KEY_BYTES], secret[ED25519_SECRET_BYTES];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	if (sodium_init() < 0 || crypto_sign_seed_keypair(pub, secret, seed) != 0)
		return -EIO;
	sodium_memzero(secret, sizeof(secret));
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, (void *)seed,
					      ED25519_KEY_BYTES),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, ED25519_KEY_BYTES),
	    OSSL_PARAM_construct_end()};
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL);
	if (ctx && (EVP_PKEY_fromdata_init(ctx) != 1 ||
		    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1))
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key_take(pkey, true, key);
}

/* The ratchet derives a key per group commit and only ever signs with it:
 * libsodium's key pair alone, without the OpenSSL object (whose set-up,
 * provider look-up and allocations cost as much as a signature). */
int ed25519_signer_from_seed(const unsigned char seed[ED25519_KEY_BYTES], struct ed25519_key *key)
{
	memset(key, 0, sizeof(*key));
	if (sodium_init() < 0 || crypto_sign_seed_keypair(key->pub, key->secret, seed) != 0) {
		sodium_memzero(key, sizeof(*key));
		return -EIO;
	}
	key->has_private = true;
	return 0;
}

int ed25519_from_public(const unsigned char pub[ED25519_KEY_BYTES], struct ed25519_key *key)
{
	return key_take(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_KEY_BYTES),
			false, key);
}

void ed25519_free(struct ed25519_key *key)
{
	/* EVP_PKEY_free clears the private key material OpenSSL held. */
	EVP_PKEY_free(key->pkey);
	sodium_memzero(key, sizeof(*key));
}

int ed25519_sign(const struct ed25519_key *key, const void *msg, size_t len,
		 unsigned char sig[ED25519_SIG_BYTES])
{
	if (!key->has_private)
		return -EINVAL;
	return crypto_sign_detached(sig, NULL, msg, len, key->secret) == 0 ? 0 : -EIO;
}

bool ed25519_verify(const struct ed25519_key *key, const void *msg, size_t len,
		    const unsigned char sig[ED25519_SIG_BYTES])
{
	EVP_MD_CTX *ctx;
	bool ok;

	if (!key->pkey)
		return false;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, ED25519_SIG_BYTES, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

bool ed25519_verify_raw(const unsigned char pub[ED25519_KEY_BYTES], const void *msg, size_t len,
			const unsigned char sig[ED25519_SIG_BYTES])
{
	struct ed25519_key key;
	bool ok;

	if (ed25519_from_public(pub, &key) < 0)
		return false;
	ok = ed25519_verify(&key, msg, len, sig);
	ed25519_free(&key);
	return ok;
}

/* A key file is a few hundred bytes; anything much larger is not one. */
#define PEM_FILE_MAX (64u << 10)

static int load_pem(const char *path, bool private, struct ed25519_key *key)
{
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = read_file(AT_FDCWD, path, PEM_FILE_MAX, &pem, &len);
	BIO *bio;
	EVP_PKEY *pkey;

	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return -ENOMEM;
	pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
		       : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey)
		return -EINVAL;
	return key_take(pkey, private, key);
}

int ed25519_load_private_pem(const char *path, struct ed25519_key *key)
{
	return load_pem(path, true, key);
}

int ed25519_load_public_pem(const char *path, struct ed25519_key *key)
{
	return load_pem(path, false, key);
}

/* Writes through path.tmp (mode) and renames, so a crash leaves the old
 * file or the new one, never half of one. */
/* exclusive: the key is linked into place and -EEXIST returned when another
 * process created it first, so two processes never each believe their own
 * key is the one on disk. */
static int save_pem(const struct ed25519_key *key, const char *path, bool private, bool exclusive)
{
	char tmp[4096];
	int fd, r = 0;
	FILE *f;

	if (!key->pkey || (private && !key->has_private))
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd =
	    open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, private ? 0600 : 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	if ((private ? PEM_write_PrivateKey(f, key->pkey, NULL, NULL, 0, NULL, NULL)
		     : PEM_write_PUBKEY(f, key->pkey)) != 1)
		r = -EIO;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		r = r ? r : -errno;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r && exclusive) {
		if (link(tmp, path) != 0)
			r = -errno;
		unlink(tmp);
		return r;
	}
	if (!r && rename(tmp, path) != 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int ed25519_save_private_pem(const struct ed25519_key *key, const char *path)
{
	return save_pem(key, path, true, false);
}

int ed25519_create_private_pem(const struct ed25519_key *key, const char *path)
{
	return save_pem(key, path, true, true);
}

int ed25519_save_public_pem(const struct ed25519_key *key, const char *path)
{
	return save_pem(key, path, false, false);
}

char *ed25519_public_pem(const struct ed25519_key *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long n;

	if (!bio)
		return NULL;
	if (key->pkey && PEM_write_bio_PUBKEY(bio, key->pkey) == 1) {
		n = BIO_get_mem_data(bio, &data);
		out = n > 0 ? strndup(data, (size_t)n) : NULL;
	}
	BIO_free(bio);
	return out;
}

int ed25519_parse_public_pem(const char *pem, size_t len, struct ed25519_key *key)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pkey;

	if (!bio || len > 1 << 16) {
		BIO_free(bio);
		return -EINVAL;
	}
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey)
		return -EINVAL;
	return key_take(pkey, false, key);
}

void ed25519_jwk(const unsigned char pub[ED25519_KEY_BYTES], char out[ED25519_JWK_MAX])
{
	char x[44]; /* 43 characters for 32 bytes */

	b64_encode(B64_URL, pub, ED25519_KEY_BYTES, x);
	snprintf(out, ED25519_JWK_MAX, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
}

int ed25519_jwk_parse(const void *json_jwk, unsigned char pub[ED25519_KEY_BYTES])
{
	const json_t *jwk = json_jwk;
	const char *kty = wjson_str(jwk, "kty"), *crv = wjson_str(jwk, "crv");
	const char *x = wjson_str(jwk, "x");

	if (!json_is_object(jwk) || !kty || !crv || !x || strcmp(kty, "OKP") != 0 ||
	    strcmp(crv, "Ed25519") != 0 || json_object_get(jwk, "d"))
		return -EINVAL;
	if (b64_decode(B64_URL, x, strlen(x), pub, ED25519_KEY_BYTES) != ED25519_KEY_BYTES)
		return -EINVAL;
	return 0;
}
