/* HTTPS to the collector (docs/protocol.md §3): JSON bodies over libcurl
 * and OpenSSL, TLS 1.2 or later, the collector's CA pinned as the only
 * trust anchor (the system's CAs are never consulted), a client
 * certificate once enrolled.  Used by ward-sender and `wardctl enroll`;
 * wardd never links it. */
#ifndef WARD_SENDER_CLIENT_H
#define WARD_SENDER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_REPLY_MAX (16u << 20)
#define HTTP_ERR_MAX 256

struct http_tls {
	const char *ca_pem;    /* the pinned CA, PEM text; or NULL with ca_sha256 */
	const char *ca_sha256; /* enrollment: hex SHA-256 of the CA certificate (DER) the
				* server's chain must end in */
	const char *cert_file; /* client certificate (PEM), NULL before enrollment */
	const char *key_file;  /* its private key (PEM) */
	long connect_timeout_ms;
	long timeout_ms;
};

struct http_client;

/* A client for base_url (https://host:port).  Returns NULL and err on
 * failure. */
struct http_client *http_client_new(const char *base_url, const struct http_tls *tls, char *err,
				    size_t errsize);
void http_client_free(struct http_client *c);

struct http_reply {
	long status; /* HTTP status, 0 when no answer came */
	char *body;  /* heap, NUL-terminated; NULL when none */
	size_t len;
	char *ca_pem; /* with ca_sha256: the CA certificate the chain ended in (PEM, heap) */
};

/* POSTs body (JSON) to path.  Returns 0 when an HTTP answer came (any
 * status), -ECONNREFUSED / -ETIMEDOUT / -EHOSTUNREACH / -EPROTO (TLS:
 * the peer is not the pinned collector) / -EMSGSIZE / -EIO when none did;
 * err says why for people. */
int http_post_json(struct http_client *c, const char *path, const char *body, size_t len,
		   struct http_reply *reply, char *err, size_t errsize);
void http_reply_free(struct http_reply *reply);

#endif
