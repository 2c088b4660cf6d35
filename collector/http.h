/* An HTTPS listener on libmicrohttpd (GnuTLS): routes, bodies read up to
 * a per-route limit, JSON replies, a connection limit, a request-rate
 * limit per client, and client certificates verified here against the
 * collector's CA (Debian's libmicrohttpd only requests them).  The agent
 * API is one listener; the review console (collector/console/) is
 * another, with its own routes, no client certificates, form bodies
 * decoded by libmicrohttpd's post processor, cookies, query arguments and
 * headers of its own on every reply. */
#ifndef WARD_COLLECTOR_HTTP_H
#define WARD_COLLECTOR_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* One field of a form body (application/x-www-form-urlencoded), decoded. */
struct http_field {
	char *name, *value;
};

struct http_request {
	const char *method, *path;
	const char *body; /* raw body (routes without .form) */
	size_t body_len;
	const char *peer_cn; /* CN of a verified client certificate, or NULL */
	const char *peer_addr;
	void *conn;			 /* the connection: headers, cookies, query arguments */
	const struct http_field *fields; /* form fields (routes with .form) */
	size_t n_fields;
};

#define HTTP_REPLY_HEADERS 8

struct http_reply {
	int status;
	char *body;		  /* heap; NUL-terminated text unless body_len is set */
	size_t body_len;	  /* 0: strlen(body) */
	const char *content_type; /* JSON unless set */
	struct {
		const char *name; /* a literal */
		char *value;	  /* heap */
	} headers[HTTP_REPLY_HEADERS];
	size_t n_headers;
};

typedef void (*http_handler)(void *ctx, const struct http_request *req, struct http_reply *reply);

struct http_route {
	const char *method, *path;
	http_handler handler;
	bool need_cert; /* refuse the request without a verified client certificate */
	size_t max_body;
	bool prefix; /* path is a prefix ("/static/") rather than the whole path */
	bool form;   /* the body is a form, decoded into fields */
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
	double rate;		    /* requests per second per client (certificate CN or address) */
	double burst;		    /* bucket size */
	const char *const *headers; /* name, value, ..., NULL: added to every reply */
};

struct http_listener;

/* Starts listening (threads of its own).  NULL with why in err. */
struct http_listener *http_listen(const struct http_conf *conf, char *err, size_t errsize);
void http_stop(struct http_listener *l);

/* Fills reply with {"error":code,"message":message}. */
void http_error(struct http_reply *reply, int status, const char *code, const char *message);
/* Fills reply with the compact JSON of v (a json_t *, reference stolen). */
void http_json(struct http_reply *reply, int status, void *v);
/* Adds a header to the reply (value copied).  Returns 0 or -ENOSPC / -ENOMEM. */
int http_reply_header(struct http_reply *reply, const char *name, const char *value);
/* Frees what a reply holds (a handler's reply is freed by the listener). */
void http_reply_free(struct http_reply *reply);

/* A request header, cookie or query argument (the first of that name),
 * or NULL. */
const char *http_header(const struct http_request *req, const char *name);
const char *http_cookie(const struct http_request *req, const char *name);
const char *http_arg(const struct http_request *req, const char *name);
/* Every query argument of that name, in order: up to max into out;
 * returns how many there are. */
size_t http_args(const struct http_request *req, const char *name, const char **out, size_t max);
/* A form field (the first of that name), or NULL; and every one of them. */
const char *http_field(const struct http_request *req, const char *name);
size_t http_fields(const struct http_request *req, const char *name, const char **out, size_t max);

#endif
