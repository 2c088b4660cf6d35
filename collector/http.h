/* An HTTPS listener on libmicrohttpd (GnuTLS): routes, bodies read up to
 * a per-route limit, JSON replies, a connection limit, a request-rate
 * limit per client, and client certificates verified here against the
 * collector's CA (Debian's libmicrohttpd only requests them).  The agent
 * API is one listener; the review console will be another, with its own
 * routes and no client certificates. */
#ifndef WARD_COLLECTOR_HTTP_H
#define WARD_COLLECTOR_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_request {
	const char *method, *path;
	const char *body;
	size_t body_len;
	const char *peer_cn; /* CN of a verified client certificate, or NULL */
	const char *peer_addr;
};

struct http_reply {
	int status;
	char *body; /* heap, NUL-terminated; JSON unless content_type says */
	const char *content_type;
};

typedef void (*http_handler)(void *ctx, const struct http_request *req, struct http_reply *reply);

struct http_route {
	const char *method, *path;
	http_handler handler;
	bool need_cert; /* refuse the request without a verified client certificate */
	size_t max_body;
};

struct http_conf {
	const char *address; /* IPv4 or IPv6 literal */
	unsigned port;
	const char *cert_pem, *key_pem;
	const char *trust_pem; /* CA for client certificates; NULL: none asked */
	const struct http_route *routes;
	size_t n_routes;
	void *ctx;
	unsigned max_connections;
	double rate;  /* requests per second per client (certificate CN or address) */
	double burst; /* bucket size */
};

struct http_listener;

/* Starts listening (threads of its own).  NULL with why in err. */
struct http_listener *http_listen(const struct http_conf *conf, char *err, size_t errsize);
void http_stop(struct http_listener *l);

/* Fills reply with {"error":code,"message":message}. */
void http_error(struct http_reply *reply, int status, const char *code, const char *message);
/* Fills reply with the compact JSON of v (a json_t *, reference stolen). */
void http_json(struct http_reply *reply, int status, void *v);

#endif
