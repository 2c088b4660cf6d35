#define _GNU_SOURCE
#include "report/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "report/segment.h"

void agent_id_of(const unsigned char pub[ED25519_KEY_BYTES], char out[AGENT_ID_CHARS + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(pub, ED25519_KEY_BYTES, md);
	hex_encode(md, AGENT_ID_CHARS / 2, out);
}

int keys_dir_make(const char *keys_dir)
{
	if (mkdir(keys_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int key_path(char *out, size_t size, const char *dir, const char *name)
{
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int identity_load_or_create(const char *keys_dir, struct identity *id)
{
	char priv[4096], pub[4096];
	int r;

	memset(id, 0, sizeof(*id));
	if ((r = key_path(priv, sizeof(priv), keys_dir, "identity.key")) < 0 ||
	    (r = key_path(pub, sizeof(pub), keys_dir, "identity.pub")) < 0)
		return r;
	r = ed25519_load_private_pem(priv, &id->key);
	if (r == -ENOENT) {
		r = keys_dir_make(keys_dir);
		if (r == 0)
			r = ed25519_generate(&id->key);
		if (r == 0)
			r = ed25519_save_private_pem(&id->key, priv);
		if (r < 0)
			ed25519_free(&id->key);
	}
	if (r < 0)
		return r;
	/* identity.pub is derived: rewrite it when missing so auditors and
	 * enrollment always find it. */
	if (access(pub, F_OK) != 0 && (r = ed25519_save_public_pem(&id->key, pub)) < 0) {
		ed25519_free(&id->key);
		return r;
	}
	agent_id_of(id->key.pub, id->agent_id);
	return 0;
}

int identity_load_public(const char *keys_dir, struct identity *id)
{
	char pub[4096];
	int r;

	memset(id, 0, sizeof(*id));
	if ((r = key_path(pub, sizeof(pub), keys_dir, "identity.pub")) < 0)
		return r;
	r = ed25519_load_public_pem(pub, &id->key);
	if (r == 0)
		agent_id_of(id->key.pub, id->agent_id);
	return r;
}

void identity_free(struct identity *id)
{
	ed25519_free(&id->key);
}

static int names_key_create(const char *path, unsigned char key[NAMES_KEY_BYTES])
{
	_cleanup_close_ int fd = -1;
	int r;

	if (RAND_priv_bytes(key, NAMES_KEY_BYTES) != 1)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, key, NAMES_KEY_BYTES);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		unlink(path);
	return r;
}

int names_key_load_or_create(const char *keys_dir, unsigned char key[NAMES_KEY_BYTES])
{
	_cleanup_free_ char *data = NULL;
	char path[4096];
	size_t n;
	int r;

	if ((r = key_path(path, sizeof(path), keys_dir, "names.key")) < 0)
		return r;
	r = read_file(AT_FDCWD, path, NAMES_KEY_BYTES, &data, &n);
	if (r == -ENOENT) {
		r = keys_dir_make(keys_dir);
		return r < 0 ? r : names_key_create(path, key);
	}
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	if (n != NAMES_KEY_BYTES) {
		OPENSSL_cleanse(data, n);
		return -EBADMSG;
	}
	memcpy(key, data, NAMES_KEY_BYTES);
	OPENSSL_cleanse(data, n);
	return 0;
}

void names_hmac(const unsigned char key[NAMES_KEY_BYTES], const char *text, char out[65])
{
	unsigned char md[32];
	unsigned int len = sizeof(md);

	HMAC(EVP_sha256(), key, NAMES_KEY_BYTES, (const unsigned char *)text, strlen(text), md,
	     &len);
	hex_encode(md, sizeof(md), out);
	OPENSSL_cleanse(md, sizeof(md));
}

int public_key_file_load(const char *path, unsigned char pub[ED25519_KEY_BYTES])
{
	_cleanup_free_ char *text = NULL;
	struct ed25519_key key;
	json_t *jwk;
	size_t n;
	int r = read_file(AT_FDCWD, path, 8192, &text, &n);

	if (r < 0)
		return r;
	if (strstr(text, "-----BEGIN PUBLIC KEY-----")) {
		r = ed25519_parse_public_pem(text, n, &key);
		if (r == 0) {
			memcpy(pub, key.pub, ED25519_KEY_BYTES);
			ed25519_free(&key);
		}
		return r;
	}
	jwk = wjson_parse(text, n, NULL, 0);
	r = jwk ? ed25519_jwk_parse(jwk, pub) : -EINVAL;
	json_decref(jwk);
	return r;
}
