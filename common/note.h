/* C2SP signed notes with Ed25519 keys, and the tlog-checkpoint they carry:
 * the collector's signed statement "my log has N records and this root".
 *
 *   <text, lines ending in \n>
 *   \n
 *   — <key name> <base64(4-byte key hash || 64-byte signature)>\n   (one or more)
 *
 * Key hash: the first 4 bytes of SHA-256(name || "\n" || 0x01 || public
 * key), big-endian.  Verifier key string: "<name>+<8 hex>+<base64(0x01 ||
 * public key)>"; Go's signer key string "PRIVATE+KEY+<name>+<8
 * hex>+<base64(0x01 || seed)>" is read too. */
#ifndef WARD_NOTE_H
#define WARD_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ed25519.h"
#include "common/merkle.h"

#define NOTE_NAME_MAX 128
/* The longest note Ward reads (a checkpoint is a few hundred bytes). */
#define NOTE_MAX_BYTES 8192
/* Longest verifier key string: name, '+', 8 hex, '+', 44 base64, NUL. */
#define NOTE_VKEY_MAX (NOTE_NAME_MAX + 56)

struct note_verifier {
	char name[NOTE_NAME_MAX];
	uint32_t hash;
	unsigned char pub[ED25519_KEY_BYTES];
};

/* Is name usable as a key name (non-empty, printable ASCII or UTF-8, no
 * space, no '+')? */
bool note_name_valid(const char *name);
uint32_t note_key_hash(const char *name, const unsigned char pub[ED25519_KEY_BYTES]);

/* The verifier of name's key pub, and its key string (out: NOTE_VKEY_MAX).
 * Return 0 or -EINVAL (bad name). */
int note_verifier_init(struct note_verifier *v, const char *name,
		       const unsigned char pub[ED25519_KEY_BYTES]);
int note_verifier_key(const struct note_verifier *v, char *out, size_t size);
/* Parses a verifier key string; -EINVAL unless it is exactly right (the
 * hash must match the name and key). */
int note_verifier_parse(const char *vkey, struct note_verifier *v);
/* Parses Go's "PRIVATE+KEY+..." signer string into a key pair and its
 * name (NOTE_NAME_MAX). */
int note_signer_parse(const char *skey, struct ed25519_key *key, char *name);

/* Signs text (non-empty, every line ending in \n, no control characters,
 * valid UTF-8) with key under name.  *out: heap, NUL-terminated note.
 * Returns 0, -EINVAL or -ENOMEM / -EIO. */
int note_sign(const char *text, size_t len, const char *name, const struct ed25519_key *key,
	      char **out);

/* Opens a signed note: checks its form and that one signature line is
 * v's and verifies.  *text_len gets the length of the signed text (the
 * note's first bytes).  Returns 0, -EINVAL (malformed), -ENOKEY (no
 * signature by v) or -EBADMSG (v's signature does not verify). */
int note_open(const char *note, size_t len, const struct note_verifier *v, size_t *text_len);

/* A C2SP tlog-checkpoint body. */
struct checkpoint {
	char origin[NOTE_NAME_MAX];
	uint64_t size;
	merkle_hash root;
};

/* The body "origin\nsize\nbase64(root)\n" into out (size bytes).
 * Returns its length or -ENOSPC / -EINVAL (origin empty or with a
 * newline). */
int checkpoint_format(const struct checkpoint *c, char *out, size_t size);
/* Parses a body (extension lines after the root are allowed and
 * ignored).  Returns 0 or -EINVAL. */
int checkpoint_parse(const char *text, size_t len, struct checkpoint *c);
/* Formats and signs c; *out as for note_sign. */
int checkpoint_sign(const struct checkpoint *c, const char *name, const struct ed25519_key *key,
		    char **out);
/* note_open, then checkpoint_parse of the signed text; the origin must
 * equal origin when origin is not NULL.  Returns as note_open, or -EINVAL. */
int checkpoint_open(const char *note, size_t len, const struct note_verifier *v, const char *origin,
		    struct checkpoint *c);

#endif
