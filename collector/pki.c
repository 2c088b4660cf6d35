#define _GNU_SOURCE
#include "collector/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#define DAY (24L * 3600)

static char *bio_text(BIO *bio)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	return n > 0 ? strndup(data, (size_t)n) : NULL;
}

static char *cert_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL;

	if (bio && PEM_write_bio_X509(bio, x) == 1)
		out = bio_text(bio);
	BIO_free(bio);
	return out;
}

/* The CA's and listeners' ECDSA P-256 keys as PKCS#8 PEM (Ed25519 keys
 * are common/ed25519's; these are not). */
static char *key_pem(EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL;

	if (bio && PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1)
		out = bio_text(bio);
	BIO_free(bio);
	return out;
}

/* Writes text to path through path.tmp (mode), fsync, rename. */
static int write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[4096];
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text, strlen(text));
	if (r == 0 && fsync(fd) != 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -EINVAL;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -EIO;
}

/* An unsigned certificate for pub named cn, valid days, random serial,
 * issued by issuer (self-issued when NULL). */
static X509 *make_cert(EVP_PKEY *pub, const char *cn, long days, X509 *issuer)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509_NAME *name;

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_get_subject_name(x);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    X509_set_version(x, 2) != 1 || !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), days * DAY) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_set_pubkey(x, pub) != 1)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

static int sign_cert(X509 *x, EVP_PKEY *key)
{
	return X509_sign(x, key, EVP_sha256()) > 0 ? 0 : -EIO;
}

static int create_ca(struct pki *p, const char *dir)
{
	char path[4096], *kp = NULL;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = k ? make_cert(k, "Ward collector CA", 3650, NULL) : NULL;
	int r = -EIO;

	if (x && add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") == 0 &&
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") == 0 &&
	    add_ext(x, x, NID_subject_key_identifier, "hash") == 0 && sign_cert(x, k) == 0) {
		kp = key_pem(k);
		p->ca_pem = cert_pem(x);
		snprintf(path, sizeof(path), "%s/ca.key", dir);
		r = kp && p->ca_pem ? write_file(path, kp, 0600) : -ENOMEM;
		snprintf(path, sizeof(path), "%s/ca.pem", dir);
		if (r == 0)
			r = write_file(path, p->ca_pem, 0644);
	}
	if (kp) {
		OPENSSL_cleanse(kp, strlen(kp));
		free(kp);
	}
	p->ca_key = k;
	p->ca_cert = x;
	return r;
}

static int create_server(struct pki *p, const char *dir, const char *extra_names)
{
	char path[4096], san[1024];
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = k ? make_cert(k, "Ward collector", 397, p->ca_cert) : NULL;
	int r = -EIO;

	snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1");
	if (extra_names && *extra_names) {
		char *names = strdup(extra_names), *save = NULL;

		for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save))
			snprintf(san + strlen(san), sizeof(san) - strlen(san), ",%s:%s",
				 strspn(n, "0123456789.:") == strlen(n) ? "IP" : "DNS", n);
		free(names);
	}
	if (x && add_ext(x, p->ca_cert, NID_subject_alt_name, san) == 0 &&
	    add_ext(x, p->ca_cert, NID_ext_key_usage, "serverAuth") == 0 &&
	    add_ext(x, p->ca_cert, NID_key_usage, "critical,digitalSignature") == 0 &&
	    add_ext(x, p->ca_cert, NID_authority_key_identifier, "keyid") == 0 &&
	    sign_cert(x, p->ca_key) == 0) {
		p->server_pem = cert_pem(x);
		p->server_key_pem = key_pem(k);
		snprintf(path, sizeof(path), "%s/server.key", dir);
		r = p->server_pem && p->server_key_pem ? write_file(path, p->server_key_pem, 0600)
						       : -ENOMEM;
		snprintf(path, sizeof(path), "%s/server.pem", dir);
		if (r == 0)
			r = write_file(path, p->server_pem, 0644);
	}
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

/* dir/name through read_file.  An empty file counts as missing (a create
 * cut short leaves one), so it is made again; anything else that fails
 * (a symlink, not a regular file, over 1 MB) is an error. */
static int read_text(const char *dir, const char *name, char **out)
{
	char path[4096];
	size_t len;
	int r;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = read_file(AT_FDCWD, path, 1 << 20, out, &len);
	if (r == 0 && len == 0) {
		free(*out);
		*out = NULL;
		r = -ENOENT;
	}
	return r;
}

/* An ECDSA private key from PEM, through OpenSSL 3's decoders. */
static EVP_PKEY *ec_key_read(BIO *bio)
{
	EVP_PKEY *k = NULL;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
	    &k, "PEM", NULL, "EC", OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);

	if (!dctx || OSSL_DECODER_from_bio(dctx, bio) != 1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return k;
}

static int load_ca(struct pki *p, const char *dir)
{
	char *kp;
	BIO *kb, *cb;
	int r = read_text(dir, "ca.key", &kp), r_pem = read_text(dir, "ca.pem", &p->ca_pem);

	if (r == 0 || (r_pem < 0 && r_pem != -ENOENT))
		r = r_pem; /* a file that is there but unreadable is never replaced */
	if (r < 0) {
		if (kp) {
			OPENSSL_cleanse(kp, strlen(kp));
			free(kp);
		}
		return r;
	}
	kb = BIO_new_mem_buf(kp, -1);
	cb = BIO_new_mem_buf(p->ca_pem, -1);
	p->ca_key = kb ? ec_key_read(kb) : NULL;
	p->ca_cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	BIO_free(kb);
	BIO_free(cb);
	OPENSSL_cleanse(kp, strlen(kp));
	free(kp);
	return p->ca_key && p->ca_cert ? 0 : -EINVAL;
}

/* Is the server certificate there and valid for 30 more days? */
static bool server_fresh(const struct pki *p)
{
	BIO *b = p->server_pem ? BIO_new_mem_buf(p->server_pem, -1) : NULL;
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	time_t soon = time(NULL) + 30 * DAY;
	bool fresh = x && X509_cmp_time(X509_get0_notAfter(x), &soon) > 0;

	X509_free(x);
	BIO_free(b);
	return fresh && p->server_key_pem;
}

int pki_load(struct pki *p, const char *dir, const char *extra_names, char *err, size_t errsize)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	int r;

	memset(p, 0, sizeof(*p));
	r = load_ca(p, dir);
	if (r == -ENOENT) {
		pki_free(p);
		r = create_ca(p, dir);
	}
	if (r < 0) {
		snprintf(err, errsize, "%s/ca.pem: cannot load or create the CA: %s", dir,
			 strerror(-r));
		return r;
	}
	r = read_text(dir, "server.pem", &p->server_pem);
	if (r == 0 || r == -ENOENT)
		r = read_text(dir, "server.key", &p->server_key_pem);
	if (r < 0 && r != -ENOENT) {
		snprintf(err, errsize, "%s/server.pem or server.key: %s", dir, strerror(-r));
		return r;
	}
	if (!server_fresh(p)) {
		free(p->server_pem);
		free(p->server_key_pem);
		p->server_pem = p->server_key_pem = NULL;
		r = create_server(p, dir, extra_names);
		if (r < 0) {
			snprintf(err, errsize, "%s/server.pem: cannot create", dir);
			return r;
		}
	}
	if (X509_digest(p->ca_cert, EVP_sha256(), md, &mdlen) != 1 || mdlen != sizeof(md)) {
		snprintf(err, errsize, "cannot hash the CA certificate");
		return -EIO;
	}
	hex_encode(md, sizeof(md), p->ca_sha256);
	/* The chain with the CA, so a client pinning the CA by fingerprint
	 * (wardctl enroll --ca-sha256) sees the CA it pins. */
	if (asprintf(&p->server_chain_pem, "%s%s", p->server_pem, p->ca_pem) < 0) {
		p->server_chain_pem = NULL;
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void pki_free(struct pki *p)
{
	EVP_PKEY_free(p->ca_key);
	X509_free(p->ca_cert);
	free(p->ca_pem);
	free(p->server_pem);
	free(p->server_chain_pem);
	if (p->server_key_pem)
		OPENSSL_cleanse(p->server_key_pem, strlen(p->server_key_pem));
	free(p->server_key_pem);
	memset(p, 0, sizeof(*p));
}

/* The CSR's subject CN equals cn and its self-signature verifies. */
static EVP_PKEY *csr_key(X509_REQ *req, const char *cn)
{
	char got[128];
	EVP_PKEY *k = X509_REQ_get_pubkey(req);

	if (!k || X509_REQ_verify(req, k) != 1 ||
	    X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, got,
				      sizeof(got)) <= 0 ||
	    strcmp(got, cn) != 0) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

int pki_issue_client(const struct pki *p, const char *csr, const char *cn, char **cert,
		     char *serial, size_t serial_size)
{
	BIO *b = BIO_new_mem_buf(csr, -1);
	X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = req ? csr_key(req, cn) : NULL;
	X509 *x = k ? make_cert(k, cn, 5 * 365, p->ca_cert) : NULL;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int r = k ? -EIO : -EINVAL;

	*cert = NULL;
	if (x && add_ext(x, p->ca_cert, NID_ext_key_usage, "clientAuth") == 0 &&
	    add_ext(x, p->ca_cert, NID_key_usage, "critical,digitalSignature") == 0 &&
	    add_ext(x, p->ca_cert, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
	    add_ext(x, p->ca_cert, NID_authority_key_identifier, "keyid") == 0 &&
	    sign_cert(x, p->ca_key) == 0 &&
	    (bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) && (hex = BN_bn2hex(bn))) {
		*cert = cert_pem(x);
		snprintf(serial, serial_size, "%s", hex);
		r = *cert ? 0 : -ENOMEM;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(k);
	X509_REQ_free(req);
	BIO_free(b);
	return r;
}
