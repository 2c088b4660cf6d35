#define _GNU_SOURCE
#include "collector/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/rate.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#define CN_MAX 128

struct http_listener {
	struct MHD_Daemon *daemon;
	struct http_conf conf;
	struct rate_table rates;
};

/* Per TLS connection: the client certificate, checked once. */
struct conn_state {
	bool checked, valid;
	char cn[CN_MAX];
};

#define FORM_FIELDS_MAX 256

/* Per request. */
struct req_state {
	const struct http_route *route;
	char *body;
	size_t len, cap;
	bool too_big, bad_form;
	struct MHD_PostProcessor *post;
	struct http_field *fields;
	size_t n_fields, form_bytes;
};

void http_error(struct http_reply *reply, int status, const char *code, const char *message)
{
	http_json(reply, status, json_pack("{ssss}", "error", code, "message", message));
}

void http_json(struct http_reply *reply, int status, void *v)
{
	reply->status = status;
	reply->body = v ? wjson_canonical(v, NULL) : NULL;
	reply->content_type = "application/json";
	json_decref(v);
	if (!reply->body) {
		reply->status = 500;
		reply->body = strdup("{\"error\":\"internal\",\"message\":\"out of memory\"}");
	}
}

int http_reply_header(struct http_reply *reply, const char *name, const char *value)
{
	char *copy;

	if (reply->n_headers >= HTTP_REPLY_HEADERS)
		return -ENOSPC;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	reply->headers[reply->n_headers].name = name;
	reply->headers[reply->n_headers].value = copy;
	reply->n_headers++;
	return 0;
}

void http_reply_free(struct http_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	for (size_t i = 0; i < reply->n_headers; i++)
		free(reply->headers[i].value);
	reply->n_headers = 0;
}

static enum MHD_Result send_reply(const struct http_listener *l, struct MHD_Connection *c,
				  struct http_reply *reply)
{
	const char *body = reply->body ? reply->body : "";
	size_t len = reply->body_len ? reply->body_len : strlen(body);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r = MHD_NO;

	if (resp) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					reply->content_type ? reply->content_type
							    : "application/json");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		for (const char *const *h = l->conf.headers; h && h[0] && h[1]; h += 2)
			MHD_add_response_header(resp, h[0], h[1]);
		for (size_t i = 0; i < reply->n_headers; i++)
			MHD_add_response_header(resp, reply->headers[i].name,
						reply->headers[i].value);
		r = MHD_queue_response(c, (unsigned)reply->status, resp);
		MHD_destroy_response(resp);
	}
	http_reply_free(reply);
	return r;
}

static enum MHD_Result send_error(const struct http_listener *l, struct MHD_Connection *c,
				  int status, const char *code, const char *message)
{
	struct http_reply reply = {0};

	http_error(&reply, status, code, message);
	return send_reply(l, c, &reply);
}

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *http_arg(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct args_walk {
	const char *name;
	const char **out;
	size_t max, n;
};

static enum MHD_Result args_walk(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct args_walk *w = cls;

	(void)kind;
	if (key && value && strcmp(key, w->name) == 0) {
		if (w->n < w->max)
			w->out[w->n] = value;
		w->n++;
	}
	return MHD_YES;
}

size_t http_args(const struct http_request *req, const char *name, const char **out, size_t max)
{
	struct args_walk w = {.name = name, .out = out, .max = max};

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, args_walk, &w);
	return w.n;
}

const char *http_field(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_fields; i++)
		if (strcmp(req->fields[i].name, name) == 0)
			return req->fields[i].value;
	return NULL;
}

size_t http_fields(const struct http_request *req, const char *name, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < req->n_fields; i++)
		if (strcmp(req->fields[i].name, name) == 0) {
			if (n < max)
				out[n] = req->fields[i].value;
			n++;
		}
	return n;
}

static bool append_text(char **dst, const char *data, size_t len)
{
	size_t old = *dst ? strlen(*dst) : 0;
	char *grown = realloc(*dst, old + len + 1);

	if (!grown)
		return false;
	memcpy(grown + old, data, len);
	grown[old + len] = '\0';
	*dst = grown;
	return true;
}

/* libmicrohttpd's post processor hands a form's fields over in pieces
 * (off > 0 continues the last one). */
static enum MHD_Result form_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *filename, const char *content_type,
				  const char *transfer_encoding, const char *data, uint64_t off,
				  size_t size)
{
	struct req_state *rs = cls;
	struct http_field *f;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	rs->form_bytes += size;
	if (rs->form_bytes > rs->route->max_body)
		return MHD_NO;
	if (off == 0 || rs->n_fields == 0 || strcmp(rs->fields[rs->n_fields - 1].name, key) != 0) {
		if (rs->n_fields >= FORM_FIELDS_MAX)
			return MHD_NO;
		f = realloc(rs->fields, (rs->n_fields + 1) * sizeof(*f));
		if (!f)
			return MHD_NO;
		rs->fields = f;
		f = &rs->fields[rs->n_fields];
		f->name = strdup(key);
		f->value = strdup("");
		if (!f->name || !f->value) {
			free(f->name);
			free(f->value);
			return MHD_NO;
		}
		rs->n_fields++;
	}
	f = &rs->fields[rs->n_fields - 1];
	return append_text(&f->value, data, size) ? MHD_YES : MHD_NO;
}

/* Verifies the peer's certificate chain against the listener's CA (the
 * trust list libmicrohttpd gave GnuTLS) for client authentication, and
 * reads its subject CN. */
static bool peer_certificate(struct MHD_Connection *c, char cn[CN_MAX])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
					 .data = (void *)GNUTLS_KP_TLS_WWW_CLIENT};
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned status = 0, n = 0;
	size_t size = CN_MAX;
	bool ok;

	if (!ci || !ci->tls_session)
		return false;
	if (gnutls_certificate_verify_peers(ci->tls_session, &purpose, 1, &status) < 0 ||
	    status != 0)
		return false;
	certs = gnutls_certificate_get_peers(ci->tls_session, &n);
	if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return false;
	ok = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
	     gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size) >= 0;
	gnutls_x509_crt_deinit(crt);
	return ok && size > 0;
}

static const char *client_cn(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_state *cs = ci ? ci->socket_context : NULL;

	if (!cs)
		return NULL;
	if (!cs->checked) {
		cs->valid = peer_certificate(c, cs->cn);
		cs->checked = true;
	}
	return cs->valid ? cs->cn : NULL;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, size, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

static bool route_matches(const struct http_route *r, const char *path)
{
	return r->prefix ? strncmp(r->path, path, strlen(r->path)) == 0
			 : strcmp(r->path, path) == 0;
}

static const struct http_route *find_route(const struct http_listener *l, const char *method,
					   const char *path, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < l->conf.n_routes; i++) {
		const struct http_route *r = &l->conf.routes[i];

		if (!route_matches(r, path))
			continue;
		*path_known = true;
		if (strcmp(r->method, method) == 0)
			return r;
	}
	return NULL;
}

/* The first call for a request: route, certificate, rate, declared size. */
static enum MHD_Result request_start(struct http_listener *l, struct MHD_Connection *c,
				     const char *url, const char *method, void **con_cls)
{
	const char *cn = client_cn(c), *length;
	const struct http_route *route;
	struct req_state *rs;
	char addr[64];
	bool known;

	route = find_route(l, method, url, &known);
	if (!route)
		return known ? send_error(l, c, 405, "method", "method not allowed")
			     : send_error(l, c, 404, "not-found", "no such resource");
	if (route->need_cert && !cn)
		return send_error(l, c, 401, "certificate",
				  "a client certificate issued by this collector is required");
	client_addr(c, addr, sizeof(addr));
	if (!rate_allow(&l->rates, cn ? cn : addr))
		return send_error(l, c, 429, "rate", "too many requests; retry later");
	length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length && strtoull(length, NULL, 10) > route->max_body)
		return send_error(l, c, 413, "too-large", "request body over the limit");
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return MHD_NO;
	rs->route = route;
	*con_cls = rs;
	/* A form route takes only forms; NULL here means another body type,
	 * refused once the body has been read. */
	if (route->form && strcmp(method, "POST") == 0) {
		rs->post = MHD_create_post_processor(c, 4096, form_field, rs);
		rs->bad_form = !rs->post;
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_listener *l = cls;
	struct req_state *rs = *con_cls;
	struct http_request req = {0};
	struct http_reply reply = {0};
	char addr[64];

	(void)version;
	if (!rs)
		return request_start(l, c, url, method, con_cls);
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (rs->post && !rs->too_big && !rs->bad_form &&
		    MHD_post_process(rs->post, upload_data, n) != MHD_YES)
			rs->bad_form = true;
		if (rs->post || (rs->route->form && rs->bad_form))
			return MHD_YES;
		if (rs->too_big || rs->len + n > rs->route->max_body) {
			rs->too_big = true;
			return MHD_YES;
		}
		if (rs->len + n + 1 > rs->cap) {
			size_t cap = (rs->len + n + 1) * 2;
			char *grown = realloc(rs->body, cap);

			if (!grown)
				return MHD_NO;
			rs->body = grown;
			rs->cap = cap;
		}
		memcpy(rs->body + rs->len, upload_data, n);
		rs->len += n;
		rs->body[rs->len] = '\0';
		return MHD_YES;
	}
	/* Destroying the processor hands over the last field. */
	if (rs->post && MHD_destroy_post_processor(rs->post) != MHD_YES)
		rs->bad_form = true;
	rs->post = NULL;
	if (rs->too_big || rs->form_bytes > rs->route->max_body)
		return send_error(l, c, 413, "too-large", "request body over the limit");
	if (rs->bad_form)
		return send_error(l, c, 400, "malformed", "the body is not a form");
	client_addr(c, addr, sizeof(addr));
	req = (struct http_request){.method = method,
				    .path = url,
				    .body = rs->body ? rs->body : "",
				    .body_len = rs->len,
				    .peer_cn = client_cn(c),
				    .peer_addr = addr,
				    .conn = c,
				    .fields = rs->fields,
				    .n_fields = rs->n_fields};
	rs->route->handler(l->conf.ctx, &req, &reply);
	return send_reply(l, c, &reply);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req_state *rs = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rs) {
		if (rs->post)
			MHD_destroy_post_processor(rs->post);
		for (size_t i = 0; i < rs->n_fields; i++) {
			free(rs->fields[i].name);
			free(rs->fields[i].value);
		}
		free(rs->fields);
		free(rs->body);
		free(rs);
		*con_cls = NULL;
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct conn_state));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("http: %s", msg);
}

static int bind_address(const struct http_conf *conf, struct sockaddr_storage *ss, unsigned *flags)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(conf->address, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)conf->port);
		*flags |= MHD_USE_IPv6;
		return inet_pton(AF_INET6, conf->address, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)conf->port);
	return inet_pton(AF_INET, conf->address, &((struct sockaddr_in *)ss)->sin_addr) == 1
		   ? 0
		   : -EINVAL;
}

struct http_listener *http_listen(const struct http_conf *conf, char *err, size_t errsize)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_TLS | MHD_USE_ERROR_LOG;
	struct http_listener *l = calloc(1, sizeof(*l));
	struct sockaddr_storage ss;

	if (!l || bind_address(conf, &ss, &flags) < 0) {
		snprintf(err, errsize, "%s: not an IP address", conf->address);
		free(l);
		return NULL;
	}
	l->conf = *conf;
	rate_init(&l->rates, conf->rate, conf->burst);
	l->daemon = MHD_start_daemon(
	    flags, (uint16_t)conf->port, NULL, NULL, on_request, l, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_HTTPS_MEM_KEY, conf->key_pem, MHD_OPTION_HTTPS_MEM_CERT, conf->cert_pem,
	    MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	    MHD_OPTION_CONNECTION_LIMIT, conf->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)30, MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, l, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
	    l, conf->trust_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, conf->trust_pem,
	    MHD_OPTION_END);
	if (!l->daemon) {
		snprintf(err, errsize, "cannot listen on %s port %u", conf->address, conf->port);
		rate_destroy(&l->rates);
		free(l);
		return NULL;
	}
	return l;
}

void http_stop(struct http_listener *l)
{
	if (!l)
		return;
	MHD_stop_daemon(l->daemon);
	rate_destroy(&l->rates);
	free(l);
}
