#define _GNU_SOURCE
#include "sender/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/util.h"

struct http_client {
	CURL *curl;
	struct curl_slist *headers;
	char base[1024];
	char *ca_pem;
	unsigned char ca_sha256[32];
	bool pin_by_hash;
	X509 *seen_ca; /* pin_by_hash: the certificate the chain ended in */
	char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Enrollment before the CA is known: the server's chain must contain the
 * certificate whose SHA-256 the administrator gave, which is then the one
 * trust anchor the chain is verified against. */
static int verify_by_hash(X509_STORE_CTX *sctx, void *arg)
{
	struct http_client *c = arg;
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(sctx);
	X509 *leaf = X509_STORE_CTX_get0_cert(sctx);
	int n = chain ? sk_X509_num(chain) : 0;

	for (int i = -1; i < n; i++) {
		X509 *cert = i < 0 ? leaf : sk_X509_value(chain, i);
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int len = 0;

		if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1 || len != 32 ||
		    CRYPTO_memcmp(md, c->ca_sha256, 32) != 0)
			continue;
		if (X509_STORE_add_cert(X509_STORE_CTX_get0_store(sctx), cert) != 1)
			break;
		X509_free(c->seen_ca);
		X509_up_ref(cert);
		c->seen_ca = cert;
		return X509_verify_cert(sctx);
	}
	X509_STORE_CTX_set_error(sctx, X509_V_ERR_CERT_UNTRUSTED);
	return 0;
}

static int store_add_pem(X509_STORE *store, const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	int added = 0;
	X509 *cert;

	while (bio && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (X509_STORE_add_cert(store, cert) == 1)
			added++;
		X509_free(cert);
	}
	BIO_free(bio);
	return added;
}

/* Replaces whatever libcurl loaded with the pinned CA alone. */
static CURLcode ssl_ctx_setup(CURL *curl, void *sslctx, void *arg)
{
	struct http_client *c = arg;
	SSL_CTX *ctx = sslctx;
	X509_STORE *store = X509_STORE_new();

	(void)curl;
	if (!store)
		return CURLE_OUT_OF_MEMORY;
	if (c->ca_pem && store_add_pem(store, c->ca_pem) == 0) {
		X509_STORE_free(store);
		return CURLE_SSL_CACERT_BADFILE;
	}
	SSL_CTX_set_cert_store(ctx, store);
	if (c->pin_by_hash)
		SSL_CTX_set_cert_verify_callback(ctx, verify_by_hash, c);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		return CURLE_SSL_CIPHER;
	return CURLE_OK;
}

static bool setopts(struct http_client *c, const struct http_tls *tls)
{
	CURL *h = c->curl;
	long connect_ms = tls->connect_timeout_ms ? tls->connect_timeout_ms : 10000;
	long total_ms = tls->timeout_ms ? tls->timeout_ms : 60000;
	bool ok = true;

	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	ok &= c->headers != NULL;
	ok &= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_setup) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err) == CURLE_OK;
	if (tls->cert_file) {
		ok &= curl_easy_setopt(h, CURLOPT_SSLCERT, tls->cert_file) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_SSLKEY, tls->key_file) == CURLE_OK;
	}
	return ok;
}

struct http_client *http_client_new(const char *base_url, const struct http_tls *tls, char *err,
				    size_t errsize)
{
	struct http_client *c;

	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK) {
		snprintf(err, errsize, "libcurl: %s", curl_easy_strerror(curl_init_result));
		return NULL;
	}
	if (strncmp(base_url, "https://", 8) != 0 || (!tls->ca_pem && !tls->ca_sha256)) {
		snprintf(err, errsize, "the collector's URL must be https:// and its CA pinned");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !str_copy(c->base, sizeof(c->base), base_url) ||
	    (tls->ca_pem && !(c->ca_pem = strdup(tls->ca_pem))) ||
	    (tls->ca_sha256 &&
	     !(c->pin_by_hash = hex_decode(tls->ca_sha256, strlen(tls->ca_sha256), c->ca_sha256,
					   sizeof(c->ca_sha256))))) {
		snprintf(err, errsize, "bad URL, CA or CA fingerprint (64 hex digits)");
		http_client_free(c);
		return NULL;
	}
	while (strlen(c->base) > 8 && c->base[strlen(c->base) - 1] == '/')
		c->base[strlen(c->base) - 1] = '\0';
	c->curl = curl_easy_init();
	if (!c->curl || !setopts(c, tls)) {
		snprintf(err, errsize, "cannot set up libcurl");
		http_client_free(c);
		return NULL;
	}
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	X509_free(c->seen_ca);
	free(c->ca_pem);
	free(c);
}

/* The answer, at most HTTP_REPLY_MAX bytes (buf's max). */
static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	return buf_append(b, ptr, n) == 0 ? n : 0;
}

static int curl_errno(CURLcode rc, const struct buf *answer)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return -EPROTO;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return -ECONNRESET;
	case CURLE_WRITE_ERROR:
		return answer->len + CURL_MAX_WRITE_SIZE >= answer->max ? -EMSGSIZE : -ENOMEM;
	default:
		return -EIO;
	}
}

static char *cert_pem(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long n;

	if (bio && PEM_write_bio_X509(bio, cert) == 1 && (n = BIO_get_mem_data(bio, &data)) > 0)
		out = strndup(data, (size_t)n);
	BIO_free(bio);
	return out;
}

int http_post_json(struct http_client *c, const char *path, const char *body, size_t len,
		   struct http_reply *reply, char *err, size_t errsize)
{
	struct buf sink = {.max = HTTP_REPLY_MAX};
	char url[1200];
	CURLcode rc;

	memset(reply, 0, sizeof(*reply));
	c->curl_err[0] = '\0';
	if (snprintf(url, sizeof(url), "%s%s", c->base, path) >= (int)sizeof(url))
		return -ENAMETOOLONG;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK) {
		int e = curl_errno(rc, &sink);

		buf_free(&sink);
		snprintf(err, errsize, "%s", c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
		return e;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &reply->status);
	reply->len = sink.len;
	reply->body = sink.len ? buf_take(&sink) : NULL;
	buf_free(&sink);
	if (c->pin_by_hash && c->seen_ca)
		reply->ca_pem = cert_pem(c->seen_ca);
	return 0;
}

void http_reply_free(struct http_reply *reply)
{
	free(reply->body);
	free(reply->ca_pem);
	memset(reply, 0, sizeof(*reply));
}
