/* Encrypted PDFs that open without a password (ISO 32000-1 7.6.3 and
 * 32000-2 7.6.4): many offices publish with an owner password only, to
 * forbid copying or printing; the user password is empty and any reader
 * may decrypt.  The standard security handler, revisions 2 to 6: RC4 (40
 * to 128 bits), AES-128 and AES-256, the empty user password checked
 * against /U before any key is used.  A file that needs a password, or
 * another handler, is poppler's to report.
 *
 * MD5, SHA-2 and AES are OpenSSL's.  RC4 is written here: OpenSSL 3 keeps
 * it in its legacy provider, which a sandboxed scanner cannot load. */
#include <string.h>

#include <openssl/evp.h>

#include "classify/pdf.h"

#define PDF_KEY_MAX 32

struct pdf_crypt {
	int revision;
	bool aes;	/* AESV2/AESV3 for streams and strings, else RC4 */
	bool metadata;	/* /EncryptMetadata */
	size_t key_len; /* bytes */
	unsigned char key[PDF_KEY_MAX];
};

static const unsigned char padding[32] = {
    0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
    0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a};

/* RC4, the stream cipher of revisions 2 to 4 (in place). */
static void rc4(const unsigned char *key, size_t key_len, unsigned char *data, size_t n)
{
	unsigned char s[256];
	unsigned i = 0, j = 0;

	for (i = 0; i < 256; i++)
		s[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		unsigned char t = s[i];

		j = (j + t + key[i % key_len]) & 0xff;
		s[i] = s[j];
		s[j] = t;
	}
	i = j = 0;
	for (size_t k = 0; k < n; k++) {
		i = (i + 1) & 0xff;
		j = (j + s[i]) & 0xff;
		unsigned char t = s[i];
		s[i] = s[j];
		s[j] = t;
		data[k] ^= s[(s[i] + s[j]) & 0xff];
	}
}

/* A digest of up to three pieces. */
static bool digest(const EVP_MD *md, const void *a, size_t na, const void *b, size_t nb,
		   const void *c, size_t nc, unsigned char *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		  EVP_DigestUpdate(ctx, a, na) == 1 &&
		  (nb == 0 || EVP_DigestUpdate(ctx, b, nb) == 1) &&
		  (nc == 0 || EVP_DigestUpdate(ctx, c, nc) == 1) &&
		  EVP_DigestFinal_ex(ctx, out, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* AES-CBC without padding of n bytes (a multiple of 16): decrypt, or
 * encrypt when enc. */
static bool aes_cbc(const EVP_CIPHER *cipher, const unsigned char *key, const unsigned char *iv,
		    const unsigned char *in, size_t n, unsigned char *out, bool enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok = ctx != NULL && EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc) == 1 &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
		  EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
		  EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 && (size_t)(len + fin) == n;

	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* Revisions 2 to 4 (algorithms 2, 4 and 5) with the empty password. */
static bool key_rc4_era(struct pdf_doc *doc, struct pdf_crypt *c, const struct pdf_obj *enc,
			const struct pdf_obj *id0)
{
	const struct pdf_obj *o = pdf_dict_get(doc, enc, "O"), *u = pdf_dict_get(doc, enc, "U");
	int64_t p = pdf_int(pdf_dict_get(doc, enc, "P"), 0);
	unsigned char pbytes[4] = {(unsigned char)p, (unsigned char)(p >> 8),
				   (unsigned char)(p >> 16), (unsigned char)(p >> 24)};
	unsigned char hash[16], check[32];
	const unsigned char ff[4] = {0xff, 0xff, 0xff, 0xff};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	if (o->kind != PDF_STRING || o->len < 32 || u->kind != PDF_STRING || u->len < 16) {
		EVP_MD_CTX_free(ctx);
		return false;
	}
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, padding, 32) == 1 && EVP_DigestUpdate(ctx, o->u.s, 32) == 1 &&
	     EVP_DigestUpdate(ctx, pbytes, 4) == 1 &&
	     (id0->kind != PDF_STRING || EVP_DigestUpdate(ctx, id0->u.s, id0->len) == 1) &&
	     (c->revision < 4 || c->metadata || EVP_DigestUpdate(ctx, ff, 4) == 1) &&
	     EVP_DigestFinal_ex(ctx, hash, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	for (int i = 0; ok && c->revision >= 3 && i < 50; i++)
		ok = digest(EVP_md5(), hash, c->key_len, NULL, 0, NULL, 0, hash);
	if (!ok)
		return false;
	memcpy(c->key, hash, c->key_len);
	/* The empty password is the user password when /U says so. */
	if (c->revision == 2) {
		memcpy(check, padding, 32);
		rc4(c->key, c->key_len, check, 32);
		return memcmp(check, u->u.s, 32) == 0;
	}
	if (!digest(EVP_md5(), padding, 32, id0->kind == PDF_STRING ? id0->u.s : NULL,
		    id0->kind == PDF_STRING ? id0->len : 0, NULL, 0, check))
		return false;
	for (int i = 0; i < 20; i++) {
		unsigned char k[16] = {0};

		for (size_t b = 0; b < c->key_len; b++)
			k[b] = (unsigned char)(c->key[b] ^ i);
		rc4(k, c->key_len, check, 16);
	}
	return memcmp(check, u->u.s, 16) == 0;
}

/* Algorithm 2.B (revision 6) for the empty password and no user data:
 * K = SHA-256(salt), then rounds of E = AES-128-CBC(K1 = K 64 times,
 * key K[0..16], iv K[16..32]) and K = SHA-256/384/512(E) chosen by the
 * first 16 bytes of E modulo 3, at least 64 rounds, until the last byte of
 * E is at most the round count less 32. */
static bool hash_r6(const unsigned char *salt, unsigned char out[32])
{
	unsigned char k[64], k1[64 * 64], e[64 * 64];
	size_t k_len = 32;

	if (!digest(EVP_sha256(), salt, 8, NULL, 0, NULL, 0, k))
		return false;
	for (int i = 0;; i++) {
		size_t n = 64 * k_len;
		unsigned sum = 0;

		for (int r = 0; r < 64; r++)
			memcpy(k1 + (size_t)r * k_len, k, k_len);
		if (!aes_cbc(EVP_aes_128_cbc(), k, k + 16, k1, n, e, true))
			return false;
		for (int b = 0; b < 16; b++)
			sum += e[b];
		const EVP_MD *md = sum % 3 == 0	  ? EVP_sha256()
				   : sum % 3 == 1 ? EVP_sha384()
						  : EVP_sha512();
		k_len = sum % 3 == 0 ? 32 : sum % 3 == 1 ? 48 : 64;
		if (!digest(md, e, n, NULL, 0, NULL, 0, k))
			return false;
		if (i + 1 >= 64 && (int)e[n - 1] <= i + 1 - 32)
			break;
		if (i > 4096)
			return false; /* cannot happen: the last byte is below 256 */
	}
	memcpy(out, k, 32);
	return true;
}

/* Revisions 5 and 6 (AES-256) with the empty password. */
static bool key_aes256(struct pdf_doc *doc, struct pdf_crypt *c, const struct pdf_obj *enc)
{
	const struct pdf_obj *u = pdf_dict_get(doc, enc, "U"), *ue = pdf_dict_get(doc, enc, "UE");
	unsigned char hash[32], zero_iv[16] = {0};

	if (u->kind != PDF_STRING || u->len < 48 || ue->kind != PDF_STRING || ue->len < 32)
		return false;
	if (c->revision == 5 ? !digest(EVP_sha256(), u->u.s + 32, 8, NULL, 0, NULL, 0, hash)
			     : !hash_r6(u->u.s + 32, hash))
		return false;
	if (memcmp(hash, u->u.s, 32) != 0)
		return false; /* a user password is set */
	if (c->revision == 5 ? !digest(EVP_sha256(), u->u.s + 40, 8, NULL, 0, NULL, 0, hash)
			     : !hash_r6(u->u.s + 40, hash))
		return false;
	c->key_len = 32;
	return aes_cbc(EVP_aes_256_cbc(), hash, zero_iv, ue->u.s, 32, c->key, false);
}

struct pdf_crypt *pdf_crypt_open(struct pdf_doc *doc, const struct pdf_obj *enc,
				 const struct pdf_obj *id0, const char **why)
{
	struct pdf_crypt *c = pdf_alloc(doc, sizeof(*c));
	const struct pdf_obj *cf, *cfm;
	int64_t v = pdf_int(pdf_dict_get(doc, enc, "V"), 0);

	*why = "PDF is encrypted with a handler the reader lacks";
	if (c == NULL || !pdf_name_is(pdf_dict_get(doc, enc, "Filter"), "Standard"))
		return NULL;
	int64_t r = pdf_int(pdf_dict_get(doc, enc, "R"), 0);

	c->revision = r >= 2 && r <= 6 ? (int)r : 0;
	c->metadata = pdf_dict_get(doc, enc, "EncryptMetadata")->kind != PDF_BOOL ||
		      pdf_dict_get(doc, enc, "EncryptMetadata")->u.b;
	int64_t bits = pdf_int(pdf_dict_get(doc, enc, "Length"), 40);
	c->key_len = bits >= 40 && bits <= 256 ? (size_t)bits / 8 : 16;
	if (c->revision == 2 || v == 1)
		c->key_len = 5;
	if (c->key_len < 5 || c->key_len > 16)
		c->key_len = 16;
	/* The crypt filter of strings and streams (V 4 and 5). */
	cf = pdf_dict_get(doc, pdf_dict_get(doc, enc, "CF"), "StdCF");
	cfm = pdf_dict_get(doc, cf, "CFM");
	c->aes = pdf_name_is(cfm, "AESV2") || pdf_name_is(cfm, "AESV3") || v == 5;
	if (v >= 4 && !pdf_name_is(pdf_dict_get(doc, enc, "StmF"), "StdCF"))
		return NULL; /* Identity or another filter: rare enough for poppler */
	bool ok = c->revision >= 5   ? key_aes256(doc, c, enc)
		  : c->revision >= 2 ? key_rc4_era(doc, c, enc, id0)
				     : false;
	if (!ok) {
		*why = "PDF is encrypted with a password";
		return NULL;
	}
	return c;
}

bool pdf_crypt_metadata(const struct pdf_crypt *c)
{
	return c->metadata;
}

unsigned char *pdf_crypt_data(const struct pdf_crypt *c, uint32_t num, uint32_t gen,
			      const unsigned char *in, size_t n, size_t *out_len)
{
	unsigned char key[PDF_KEY_MAX], hash[16], *out = malloc(n + 1);
	size_t key_len = c->key_len;

	if (out == NULL)
		return NULL;
	memcpy(key, c->key, c->key_len);
	if (c->revision < 5) {
		/* Algorithm 1: a key per object. */
		unsigned char obj[9] = {(unsigned char)num,
					(unsigned char)(num >> 8),
					(unsigned char)(num >> 16),
					(unsigned char)gen,
					(unsigned char)(gen >> 8),
					's',
					'A',
					'l',
					'T'};

		if (!digest(EVP_md5(), c->key, c->key_len, obj, c->aes ? 9 : 5, NULL, 0, hash)) {
			free(out);
			return NULL;
		}
		key_len = c->key_len + 5 < 16 ? c->key_len + 5 : 16;
		memcpy(key, hash, key_len);
	}
	if (!c->aes) {
		memcpy(out, in, n);
		rc4(key, key_len, out, n);
		*out_len = n;
		return out;
	}
	/* AES: the IV first, PKCS#5 padding at the end. */
	if (n < 32 || n % 16 != 0 ||
	    !aes_cbc(key_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc(), key, in, in + 16,
		     n - 16, out, false)) {
		free(out);
		return NULL;
	}
	size_t len = n - 16, pad = out[len - 1];
	*out_len = pad >= 1 && pad <= 16 ? len - pad : len;
	return out;
}
