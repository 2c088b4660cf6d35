#include "common/note.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/util.h"

/* "— ": U+2014 EM DASH and a space open every signature line. */
static const char SIG_PREFIX[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)
#define ALG_ED25519 0x01
/* Go's limit: more signature lines than this is a malformed note. */
#define NOTE_MAX_SIGS 100
#define NOTE_SIG_BYTES (4 + ED25519_SIG_BYTES)

/* Unicode's white space (what Go's unicode.IsSpace says), which a key
 * name must not contain. */
static bool is_space(unsigned long cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0xa0 ||
	       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

static bool name_valid_n(const char *name, size_t len)
{
	unsigned long cp;
	int k;

	if (len == 0 || len >= NOTE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i += (size_t)k) {
		k = utf8_decode(name + i, len - i, &cp);
		if (k < 0 || cp < 0x20 || cp == 0x7f || is_space(cp) || cp == '+')
			return false;
	}
	return true;
}

bool note_name_valid(const char *name)
{
	return name_valid_n(name, strlen(name));
}

/* Valid UTF-8 with no control character but the newline. */
static bool text_valid(const char *text, size_t len)
{
	unsigned long cp;
	int k;

	for (size_t i = 0; i < len; i += (size_t)k) {
		k = utf8_decode(text + i, len - i, &cp);
		if (k < 0 || (cp < 0x20 && cp != '\n'))
			return false;
	}
	return true;
}

static uint32_t key_hash_n(const char *name, size_t len, const unsigned char pub[ED25519_KEY_BYTES])
{
	unsigned char buf[NOTE_NAME_MAX + 2 + ED25519_KEY_BYTES], md[32];
	size_t n = 0;

	if (len >= NOTE_NAME_MAX)
		return 0;
	memcpy(buf, name, len);
	n = len;
	buf[n++] = '\n';
	buf[n++] = ALG_ED25519;
	memcpy(buf + n, pub, ED25519_KEY_BYTES);
	n += ED25519_KEY_BYTES;
	if (EVP_Digest(buf, n, md, NULL, EVP_sha256(), NULL) != 1)
		return 0;
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
}

uint32_t note_key_hash(const char *name, const unsigned char pub[ED25519_KEY_BYTES])
{
	return key_hash_n(name, strlen(name), pub);
}

int note_verifier_init(struct note_verifier *v, const char *name,
		       const unsigned char pub[ED25519_KEY_BYTES])
{
	memset(v, 0, sizeof(*v));
	if (!note_name_valid(name))
		return -EINVAL;
	str_copy(v->name, sizeof(v->name), name);
	memcpy(v->pub, pub, ED25519_KEY_BYTES);
	v->hash = note_key_hash(name, pub);
	return 0;
}

int note_verifier_key(const struct note_verifier *v, char *out, size_t size)
{
	unsigned char raw[1 + ED25519_KEY_BYTES];
	char b64[48];
	int n;

	raw[0] = ALG_ED25519;
	memcpy(raw + 1, v->pub, ED25519_KEY_BYTES);
	b64_encode(B64_STD, raw, sizeof(raw), b64);
	n = snprintf(out, size, "%s+%08" PRIx32 "+%s", v->name, v->hash, b64);
	return n > 0 && (size_t)n < size ? 0 : -ENOSPC;
}

/* "<name>+<8 lower-case hex>+<base64(0x01 || 32 bytes)>" at s: the name,
 * the hash and the 32 bytes.  Shared by verifier and signer strings. */
static int key_string_parse(const char *s, char *name, uint32_t *hash,
			    unsigned char key[ED25519_KEY_BYTES])
{
	const char *p1 = strchr(s, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	unsigned char raw[1 + ED25519_KEY_BYTES], h[4];

	if (!p2 || !name_valid_n(s, (size_t)(p1 - s)) || p2 - p1 != 9)
		return -EINVAL;
	for (const char *c = p1 + 1; c < p2; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return -EINVAL;
	if (!hex_decode(p1 + 1, 8, h, sizeof(h)))
		return -EINVAL;
	if (b64_decode(B64_STD, p2 + 1, strlen(p2 + 1), raw, sizeof(raw)) != sizeof(raw) ||
	    raw[0] != ALG_ED25519)
		return -EINVAL;
	memcpy(name, s, (size_t)(p1 - s));
	name[p1 - s] = '\0';
	*hash = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	memcpy(key, raw + 1, ED25519_KEY_BYTES);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int note_verifier_parse(const char *vkey, struct note_verifier *v)
{
	memset(v, 0, sizeof(*v));
	if (key_string_parse(vkey, v->name, &v->hash, v->pub) < 0 ||
	    note_key_hash(v->name, v->pub) != v->hash) {
		memset(v, 0, sizeof(*v));
		return -EINVAL;
	}
	return 0;
}

int note_signer_parse(const char *skey, struct ed25519_key *key, char *name)
{
	static const char prefix[] = "PRIVATE+KEY+";
	unsigned char seed[ED25519_KEY_BYTES];
	uint32_t hash;
	int r;

	if (strncmp(skey, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	r = key_string_parse(skey + sizeof(prefix) - 1, name, &hash, seed);
	if (r == 0)
		r = ed25519_from_seed(seed, key);
	OPENSSL_cleanse(seed, sizeof(seed));
	if (r == 0 && note_key_hash(name, key->pub) != hash) {
		ed25519_free(key);
		r = -EINVAL;
	}
	return r;
}

int note_sign(const char *text, size_t len, const char *name, const struct ed25519_key *key,
	      char **out)
{
	unsigned char sig[NOTE_SIG_BYTES];
	uint32_t hash = note_key_hash(name, key->pub);
	size_t nlen = strlen(name), total;
	char *buf;
	int r;

	*out = NULL;
	if (len == 0 || len > NOTE_MAX_BYTES || text[len - 1] != '\n' || !text_valid(text, len) ||
	    !note_name_valid(name))
		return -EINVAL;
	sig[0] = (unsigned char)(hash >> 24);
	sig[1] = (unsigned char)(hash >> 16);
	sig[2] = (unsigned char)(hash >> 8);
	sig[3] = (unsigned char)hash;
	r = ed25519_sign(key, text, len, sig + 4);
	if (r < 0)
		return r;
	total = len + 1 + SIG_PREFIX_LEN + nlen + 1 + b64_encoded_len(B64_STD, sizeof(sig)) + 1;
	buf = malloc(total + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	snprintf(buf + len, total + 1 - len, "\n%s%s ", SIG_PREFIX, name);
	b64_encode(B64_STD, sig, sizeof(sig), buf + len + 1 + SIG_PREFIX_LEN + nlen + 1);
	buf[total - 1] = '\n';
	buf[total] = '\0';
	*out = buf;
	return 0;
}

/* The offset of the last "\n\n" in note, or -1. */
static long last_blank_line(const char *note, size_t len)
{
	for (size_t i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n')
			return (long)(i - 2);
	return -1;
}

/* One signature line (without its \n): is it well formed, and is it v's?
 * Returns 1 (v's, verifies), 0 (someone else's), -EINVAL, -EBADMSG. */
static int sig_line_check(const char *line, size_t len, const struct note_verifier *v,
			  const char *text, size_t text_len)
{
	/* Other keys' signatures (cosigners, other algorithms) may be longer. */
	unsigned char sig[4 + 512];
	const char *name, *space, *end = line + len;
	uint32_t hash;
	ssize_t n;

	if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return -EINVAL;
	name = line + SIG_PREFIX_LEN;
	space = memchr(name, ' ', (size_t)(end - name));
	if (!space || !name_valid_n(name, (size_t)(space - name)))
		return -EINVAL;
	n = b64_decode(B64_STD, space + 1, (size_t)(end - space - 1), sig, sizeof(sig));
	if (n < 5)
		return -EINVAL;
	hash = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
	if (hash != v->hash || (size_t)(space - name) != strlen(v->name) ||
	    memcmp(name, v->name, (size_t)(space - name)) != 0)
		return 0;
	if (n != NOTE_SIG_BYTES || !ed25519_verify_raw(v->pub, text, text_len, sig + 4))
		return -EBADMSG;
	return 1;
}

int note_open(const char *note, size_t len, const struct note_verifier *v, size_t *text_len)
{
	long split;
	size_t pos, lines = 0;
	bool verified = false;

	*text_len = 0;
	if (len > NOTE_MAX_BYTES || !text_valid(note, len))
		return -EINVAL;
	split = last_blank_line(note, len);
	if (split < 0 || (size_t)split + 2 >= len || note[len - 1] != '\n')
		return -EINVAL;
	for (pos = (size_t)split + 2; pos < len;) {
		const char *nl = memchr(note + pos, '\n', len - pos);
		int r = sig_line_check(note + pos, (size_t)(nl - note - pos), v, note,
				       (size_t)split + 1);

		if (r < 0)
			return r;
		if (++lines > NOTE_MAX_SIGS)
			return -EINVAL;
		verified |= r == 1;
		pos = (size_t)(nl - note) + 1;
	}
	if (!verified)
		return -ENOKEY;
	*text_len = (size_t)split + 1;
	return 0;
}

int checkpoint_format(const struct checkpoint *c, char *out, size_t size)
{
	char root[48];
	int n;

	if (!c->origin[0] || strchr(c->origin, '\n'))
		return -EINVAL;
	b64_encode(B64_STD, c->root, MERKLE_HASH_BYTES, root);
	n = snprintf(out, size, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, root);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

/* The line at *pos (without its \n) as [*line, *line_len); advances *pos.
 * False when no \n ends it. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line,
		      size_t *line_len)
{
	const char *nl = *pos < len ? memchr(text + *pos, '\n', len - *pos) : NULL;

	if (!nl)
		return false;
	*line = text + *pos;
	*line_len = (size_t)(nl - *line);
	*pos = (size_t)(nl - text) + 1;
	return true;
}

static bool parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

int checkpoint_parse(const char *text, size_t len, struct checkpoint *c)
{
	const char *line;
	size_t pos = 0, n;

	memset(c, 0, sizeof(*c));
	if (!next_line(text, len, &pos, &line, &n) || n == 0 || n >= sizeof(c->origin))
		return -EINVAL;
	memcpy(c->origin, line, n);
	if (!next_line(text, len, &pos, &line, &n) || !parse_size(line, n, &c->size))
		return -EINVAL;
	if (!next_line(text, len, &pos, &line, &n) ||
	    b64_decode(B64_STD, line, n, c->root, sizeof(c->root)) != MERKLE_HASH_BYTES)
		return -EINVAL;
	/* Extension lines: opaque here, but never empty. */
	while (pos < len)
		if (!next_line(text, len, &pos, &line, &n) || n == 0)
			return -EINVAL;
	return 0;
}

int checkpoint_sign(const struct checkpoint *c, const char *name, const struct ed25519_key *key,
		    char **out)
{
	char body[NOTE_NAME_MAX + 96];
	int n = checkpoint_format(c, body, sizeof(body));

	*out = NULL;
	if (n < 0)
		return n;
	return note_sign(body, (size_t)n, name, key, out);
}

int checkpoint_open(const char *note, size_t len, const struct note_verifier *v, const char *origin,
		    struct checkpoint *c)
{
	size_t text_len;
	int r = note_open(note, len, v, &text_len);

	memset(c, 0, sizeof(*c));
	if (r < 0)
		return r;
	r = checkpoint_parse(note, text_len, c);
	if (r == 0 && origin && strcmp(c->origin, origin) != 0)
		r = -EINVAL;
	return r;
}
