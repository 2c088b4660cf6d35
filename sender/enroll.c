#define _GNU_SOURCE
#include "sender/enroll.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <systemd/sd-id128.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/util.h"
#include "report/segment.h"
#include "common/version.h"
#include "report/log.h"
#include "sender/client.h"
#include "sender/spool.h"

struct owner {
	uid_t uid;
	gid_t gid;
};

/* What the collector's answer gives, checked. */
struct enrolled {
	struct collector_config cfg;
	const char *ca_pem, *client_pem, *checkpoint;
};

static int give(const char *dir, const char *name, const struct owner *o)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fchownat(dfd, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int make_owned_dir(const char *path, mode_t mode, const struct owner *o)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	if (chown(path, o->uid, o->gid) < 0 || chmod(path, mode) < 0)
		return -errno;
	return 0;
}

static int sender_dirs(const struct spool_paths *p, const char *user, struct owner *o, char *err,
		       size_t errsize)
{
	struct passwd *pw = getpwnam(user);
	int r;

	if (!pw)
		return errorf(err, errsize, -ENOENT, "no user %s for the sender (create it)", user);
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	if ((r = make_owned_dir(p->sender, 0700, o)) < 0 ||
	    (r = make_owned_dir(p->spool, 0755, o)) < 0)
		return errorf(err, errsize, r, "cannot prepare %s and %s: %s", p->sender, p->spool,
			      strerror(-r));
	return 0;
}

/* The sender's own TLS key (ECDSA P-256), PKCS#8 PEM through OpenSSL's
 * encoder and decoder: kept across re-enrollments.  (Ed25519 keys are
 * common/ed25519's; this is the one ECDSA key Ward holds.) */
static EVP_PKEY *tls_key(const struct spool_paths *p, const struct owner *o)
{
	char path[SPOOL_PATH_MAX + 32];
	OSSL_ENCODER_CTX *enc;
	OSSL_DECODER_CTX *dec;
	EVP_PKEY *key = NULL;
	unsigned char *pem = NULL;
	size_t n = 0;
	BIO *bio;

	snprintf(path, sizeof(path), "%s/tls.key", p->sender);
	bio = BIO_new_file(path, "r");
	if (bio) {
		dec = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", NULL, "EC", EVP_PKEY_KEYPAIR, NULL,
						    NULL);
		if (!dec || OSSL_DECODER_from_bio(dec, bio) != 1) {
			EVP_PKEY_free(key);
			key = NULL;
		}
		OSSL_DECODER_CTX_free(dec);
		BIO_free(bio);
		return key;
	}
	key = EVP_EC_gen("P-256");
	enc = key ? OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo",
						  NULL)
		  : NULL;
	if (!enc || OSSL_ENCODER_to_data(enc, &pem, &n) != 1 ||
	    spool_write_file(p->sender, "tls.key", pem, n, 0600, true) < 0 ||
	    give(p->sender, "tls.key", o) < 0) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	OSSL_ENCODER_CTX_free(enc);
	OPENSSL_clear_free(pem, n);
	return key;
}

static char *csr_pem(EVP_PKEY *key, const char *cn)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (req && name && bio &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_REQ_set_version(req, 0) == 1 && X509_REQ_set_subject_name(req, name) == 1 &&
	    X509_REQ_set_pubkey(req, key) == 1 && X509_REQ_sign(req, key, EVP_sha256()) > 0 &&
	    PEM_write_bio_X509_REQ(bio, req) == 1 && (n = BIO_get_mem_data(bio, &data)) > 0)
		out = strndup(data, (size_t)n);
	BIO_free(bio);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return out;
}

static json_t *host_facts(void)
{
	char host[256] = "", machine[SD_ID128_STRING_MAX], os[200];
	struct utsname u;
	sd_id128_t id;
	json_t *h = json_object();

	gethostname(host, sizeof(host) - 1);
	if (sd_id128_get_machine(&id) == 0)
		sd_id128_to_string(id, machine);
	else
		machine[0] = '\0';
	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s %s", u.sysname, u.release, u.machine);
	else
		os[0] = '\0';
	if (h && (wjson_set_str(h, "hostname", host) | wjson_set_str(h, "machine_id", machine) |
		  wjson_set_str(h, "os", os) | wjson_set_str(h, "version", WARD_VERSION))) {
		json_decref(h);
		h = NULL;
	}
	return h;
}

/* The enrollment request: a compact JWS by the identity key. */
static char *request_jws(const struct identity *id, const unsigned char ratchet1[32],
			 const char *token, const char *csr)
{
	char jwk[ED25519_JWK_MAX], kid[JWS_KID_MAX], at[RFC3339_MAX];
	struct timespec now;
	json_t *p = json_object();
	_cleanup_free_ char *text = NULL;
	char *jws = NULL;
	size_t len, jws_len;
	bool ok = p != NULL;

	clock_gettime(CLOCK_REALTIME, &now);
	rfc3339_ms(&now, at);
	ok = ok && wjson_set_int(p, "v", 1) == 0 && wjson_set_str(p, "token", token) == 0 &&
	     wjson_set_str(p, "csr", csr) == 0 && wjson_set_str(p, "observed_at", at) == 0 &&
	     json_object_set_new(p, "host", host_facts()) == 0;
	ed25519_jwk(id->key.pub, jwk);
	ok = ok &&
	     json_object_set_new(p, "identity_key", wjson_parse(jwk, strlen(jwk), NULL, 0)) == 0;
	ed25519_jwk(ratchet1, jwk);
	ok = ok &&
	     json_object_set_new(p, "ratchet_key", wjson_parse(jwk, strlen(jwk), NULL, 0)) == 0;
	if (ok)
		text = wjson_canonical(p, &len);
	json_decref(p);
	snprintf(kid, sizeof(kid), "%s/id", id->agent_id);
	if (!text || jws_sign(&id->key, kid, text, len, &jws, &jws_len) < 0)
		return NULL;
	return jws;
}

static X509 *cert_of(const char *pem)
{
	BIO *bio = pem ? BIO_new_mem_buf(pem, -1) : NULL;
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return cert;
}

/* The CA is the one pinned: the same certificate as the file, or the
 * fingerprint given. */
static bool ca_is_pinned(X509 *ca, const struct enroll_request *req)
{
	unsigned char md[EVP_MAX_MD_SIZE], want[32];
	unsigned int n = 0;
	_cleanup_free_ char *pem = NULL;
	size_t len;
	X509 *file;
	bool same;

	if (req->ca_sha256)
		return hex_decode(req->ca_sha256, strlen(req->ca_sha256), want, 32) &&
		       X509_digest(ca, EVP_sha256(), md, &n) == 1 && n == 32 &&
		       CRYPTO_memcmp(md, want, 32) == 0;
	if (read_file(AT_FDCWD, req->ca_file, 64 * 1024, &pem, &len) < 0 || !(file = cert_of(pem)))
		return false;
	same = X509_cmp(file, ca) == 0;
	X509_free(file);
	return same;
}

/* The client certificate: for our TLS key, CN = agent_id, issued by ca. */
static bool client_cert_ok(X509 *cert, X509 *ca, EVP_PKEY *key, const char *agent_id)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char cn[AGENT_ID_CHARS + 2] = "";
	bool ok = store && ctx && X509_check_private_key(cert, key) == 1 &&
		  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
					    sizeof(cn)) == AGENT_ID_CHARS &&
		  strcmp(cn, agent_id) == 0 && X509_STORE_add_cert(store, ca) == 1 &&
		  X509_STORE_CTX_init(ctx, store, cert, NULL) == 1 && X509_verify_cert(ctx) == 1;

	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static int check_answer(const json_t *a, const struct enroll_request *req, const char *agent_id,
			EVP_PKEY *key, struct enrolled *out, char *err, size_t errsize)
{
	const char *vkey = wjson_str(a, "collector_key");
	struct checkpoint cp;
	X509 *ca, *client;
	bool ok;

	out->ca_pem = wjson_str(a, "ca_cert");
	out->client_pem = wjson_str(a, "client_cert");
	out->checkpoint = wjson_str(a, "checkpoint");
	if (!wjson_str(a, "agent_id") || strcmp(wjson_str(a, "agent_id"), agent_id) != 0)
		return errorf(err, errsize, -EBADMSG, "the collector names another agent id");
	ca = cert_of(out->ca_pem);
	client = cert_of(out->client_pem);
	ok = ca && client && ca_is_pinned(ca, req) && client_cert_ok(client, ca, key, agent_id);
	X509_free(ca);
	X509_free(client);
	if (!ok)
		return errorf(err, errsize, -EBADMSG,
			      "the certificates in the answer are not the pinned CA's and ours");
	if (!vkey || note_verifier_parse(vkey, &out->cfg.key) < 0 || !out->checkpoint ||
	    checkpoint_open(out->checkpoint, strlen(out->checkpoint), &out->cfg.key, NULL, &cp) < 0)
		return errorf(err, errsize, -EBADMSG,
			      "the collector's key or its first checkpoint does not verify");
	str_copy(out->cfg.origin, sizeof(out->cfg.origin), cp.origin);
	str_copy(out->cfg.url, sizeof(out->cfg.url), req->url);
	memcpy(out->cfg.agent_id, agent_id, AGENT_ID_CHARS + 1);
	return 0;
}

static int keep(const struct spool_paths *p, const struct enrolled *e, const struct owner *o)
{
	int r;

	if ((r = spool_write_file(p->sender, "ca.pem", e->ca_pem, strlen(e->ca_pem), 0644, true)) <
		0 ||
	    (r = give(p->sender, "ca.pem", o)) < 0 ||
	    (r = spool_write_file(p->sender, "tls.crt", e->client_pem, strlen(e->client_pem), 0644,
				  true)) < 0 ||
	    (r = give(p->sender, "tls.crt", o)) < 0 ||
	    (r = collector_config_save(p, &e->cfg)) < 0 ||
	    (r = give(p->sender, "collector.json", o)) < 0 ||
	    (r = spool_checkpoint_save(p, e->checkpoint)) < 0 ||
	    (r = give(p->spool, "checkpoint", o)) < 0)
		return r;
	return 0;
}

/* Ratchet key 1: wardd made it with the log; on a desk enrolled before
 * wardd first ran, opening the log makes it now. */
static int ratchet_one(const struct enroll_request *req, const struct owner *o,
		       unsigned char pub[ED25519_KEY_BYTES], char *err, size_t errsize)
{
	struct rlog_options opt = {.state_dir = req->state_dir, .reader_gid = o->gid};
	char path[SPOOL_PATH_MAX + 32];
	struct rlog *lg;
	int r;

	snprintf(path, sizeof(path), "%s/keys/ratchet-1.pub", req->state_dir);
	r = public_key_file_load(path, pub);
	if (r == -ENOENT) {
		r = rlog_open(&opt, &lg, err, errsize);
		if (r < 0)
			return r;
		rlog_close(lg);
		r = public_key_file_load(path, pub);
	}
	return r < 0 ? errorf(err, errsize, r, "cannot read %s: %s", path, strerror(-r)) : 0;
}

/* Sends the request to the pinned collector; *answer is its JSON. */
static int post_enrollment(const struct enroll_request *req, const char *jws, json_t **answer,
			   char *err, size_t errsize)
{
	struct http_tls tls = {.ca_sha256 = req->ca_sha256};
	_cleanup_free_ char *ca = NULL;
	struct http_client *c;
	struct http_reply reply;
	size_t n;
	int r = 0;

	if (req->ca_file && (r = read_file(AT_FDCWD, req->ca_file, 64 * 1024, &ca, &n)) < 0)
		return errorf(err, errsize, r, "cannot read %s: %s", req->ca_file, strerror(-r));
	tls.ca_pem = ca;
	c = http_client_new(req->url, &tls, err, errsize);
	if (!c)
		return -EINVAL;
	r = http_post_json(c, "/v1/enroll", jws, strlen(jws), &reply, err, errsize);
	http_client_free(c);
	if (r < 0)
		return r;
	*answer = reply.body ? wjson_parse(reply.body, reply.len, NULL, 0) : NULL;
	if (reply.status != 200) {
		r = errorf(err, errsize, -EACCES, "the collector refused (%ld): %s", reply.status,
			   wjson_str(*answer, "message") ? wjson_str(*answer, "message") : "");
		json_decref(*answer);
		*answer = NULL;
	} else if (!*answer) {
		r = errorf(err, errsize, -EPROTO, "the collector's answer is not JSON");
	}
	http_reply_free(&reply);
	return r;
}

int enroll(const struct enroll_request *req, char agent_id[AGENT_ID_CHARS + 1], char *err,
	   size_t errsize)
{
	unsigned char ratchet1[ED25519_KEY_BYTES];
	_cleanup_free_ char *csr = NULL, *jws = NULL;
	char keys[SPOOL_PATH_MAX + 8];
	struct spool_paths p;
	struct identity id;
	struct enrolled e = {0};
	struct owner o;
	EVP_PKEY *key = NULL;
	json_t *answer = NULL;
	int r;

	if ((!req->ca_file) == (!req->ca_sha256))
		return errorf(err, errsize, -EINVAL, "pin the CA: --ca-file or --ca-sha256");
	if ((r = spool_paths_init(&p, req->state_dir)) < 0 ||
	    (r = sender_dirs(&p, req->user, &o, err, errsize)) < 0)
		return r;
	snprintf(keys, sizeof(keys), "%s/keys", req->state_dir);
	if ((r = identity_load_or_create(keys, &id)) < 0)
		return errorf(err, errsize, r, "identity key: %s", strerror(-r));
	str_copy(agent_id, AGENT_ID_CHARS + 1, id.agent_id);
	r = ratchet_one(req, &o, ratchet1, err, errsize);
	if (r == 0 && !(key = tls_key(&p, &o)))
		r = errorf(err, errsize, -EIO, "cannot make the sender's TLS key");
	if (r == 0 && (!(csr = csr_pem(key, id.agent_id)) ||
		       !(jws = request_jws(&id, ratchet1, req->token, csr))))
		r = errorf(err, errsize, -ENOMEM, "cannot build the request");
	if (r == 0)
		r = post_enrollment(req, jws, &answer, err, errsize);
	if (r == 0)
		r = check_answer(answer, req, id.agent_id, key, &e, err, errsize);
	if (r == 0 && (r = keep(&p, &e, &o)) < 0)
		errorf(err, errsize, r, "cannot keep the enrollment: %s", strerror(-r));
	json_decref(answer);
	EVP_PKEY_free(key);
	identity_free(&id);
	return r;
}
