/* The desk's long-term identity (docs/protocol.md §1): an Ed25519 key in
 * <state_dir>/keys/identity.key (PKCS#8 PEM, 0600) and identity.pub
 * (SubjectPublicKeyInfo PEM, for enrollment and auditors), and the agent id
 * derived from it.  Also the desk-local key for keyed hashes of file names
 * (`report file-names no`), names.key: 32 random bytes, 0600.
 *
 * Only wardd holds the private key; it signs heartbeats and the
 * enrollment request, never records (those use the ratchet). */
#ifndef WARD_REPORT_IDENTITY_H
#define WARD_REPORT_IDENTITY_H

#include <stddef.h>

#include "common/ed25519.h"

#define AGENT_ID_CHARS 32
#define NAMES_KEY_BYTES 32

struct identity {
	struct ed25519_key key;
	char agent_id[AGENT_ID_CHARS + 1];
};

/* Lower-case hex of the first 16 bytes of SHA-256 of the raw public key. */
void agent_id_of(const unsigned char pub[ED25519_KEY_BYTES], char out[AGENT_ID_CHARS + 1]);

/* Creates keys_dir (0700) when missing.  Returns 0 or -errno. */
int keys_dir_make(const char *keys_dir);

/* Loads keys_dir/identity.key, or generates it (and identity.pub) when
 * absent.  Returns 0 or -errno (-EINVAL: the file holds no Ed25519 key). */
int identity_load_or_create(const char *keys_dir, struct identity *id);
/* The public half only, from identity.pub. */
int identity_load_public(const char *keys_dir, struct identity *id);
void identity_free(struct identity *id);

/* A public key from a file holding either PEM (SubjectPublicKeyInfo) or an
 * RFC 8037 JWK, as auditors and enrollment pass them around.  Returns 0,
 * -EINVAL (neither) or -errno. */
int public_key_file_load(const char *path, unsigned char pub[ED25519_KEY_BYTES]);

/* Loads keys_dir/names.key, or creates it.  Returns 0 or -errno. */
int names_key_load_or_create(const char *keys_dir, unsigned char key[NAMES_KEY_BYTES]);

/* Lower-case hex HMAC-SHA256 of text under the names key (65 bytes). */
void names_hmac(const unsigned char key[NAMES_KEY_BYTES], const char *text, char out[65]);

#endif
