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

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#define RATE_SLOTS 1024
#define CN_MAX 128

struct bucket {
	char key[CN_MAX];
	double tokens;
	uint64_t at_ms;
};

struct http_listener {
	struct MHD_Daemon *daemon;
	struct http_conf conf;
	pthread_mutex_t rate_lock;
	struct bucket buckets[RATE_SLOTS];
};

/* Per TLS connection: the client certificate, checked once. */
struct conn_state {
	bool checked, valid;
	char cn[CN_MAX];
};

/* Per request. */
struct req_state {
	const struct http_route *route;
	char *body;
	size_t len, cap;
	bool too_big;
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

static enum MHD_Result send_reply(struct MHD_Connection *c, struct http_reply *reply)
{
	const char *body = reply->body ? reply->body : "";
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	free(reply->body);
	reply->body = NULL;
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				reply->content_type ? reply->content_type : "application/json");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	r = MHD_queue_response(c, (unsigned)reply->status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *code,
				  const char *message)
{
	struct http_reply reply = {0};

	http_error(&reply, status, code, message);
	return send_reply(c, &reply);
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

/* A token bucket per client; a slot taken by someone idle for a minute
 * is reused. */
static bool rate_allow(struct http_listener *l, const char *key)
{
	uint64_t now = monotonic_ms(), h = 1469598103934665603ull;
	struct bucket *b;
	bool ok;

	if (l->conf.rate <= 0)
		return true;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	pthread_mutex_lock(&l->rate_lock);
	b = &l->buckets[h % RATE_SLOTS];
	if (strcmp(b->key, key) != 0) {
		if (b->key[0] && now - b->at_ms < 60000) {
			/* Collision with an active client: share its bucket. */
		} else {
			str_copy(b->key, sizeof(b->key), key);
			b->tokens = l->conf.burst;
			b->at_ms = now;
		}
	}
	b->tokens += (double)(now - b->at_ms) / 1000.0 * l->conf.rate;
	if (b->tokens > l->conf.burst)
		b->tokens = l->conf.burst;
	b->at_ms = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&l->rate_lock);
	return ok;
}

static const struct http_route *find_route(const struct http_listener *l, const char *method,
					   const char *path, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < l->conf.n_routes; i++) {
		const struct http_route *r = &l->conf.routes[i];

		if (strcmp(r->path, path) != 0)
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
		return known ? send_error(c, 405, "method", "method not allowed")
			     : send_error(c, 404, "not-found", "no such resource");
	if (route->need_cert && !cn)
		return send_error(c, 401, "certificate",
				  "a client certificate issued by this collector is required");
	client_addr(c, addr, sizeof(addr));
	if (!rate_allow(l, cn ? cn : addr))
		return send_error(c, 429, "rate", "too many requests; retry later");
	length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length && strtoull(length, NULL, 10) > route->max_body)
		return send_error(c, 413, "too-large", "request body over the limit");
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return MHD_NO;
	rs->route = route;
	*con_cls = rs;
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
	if (rs->too_big)
		return send_error(c, 413, "too-large", "request body over the limit");
	client_addr(c, addr, sizeof(addr));
	req = (struct http_request){.method = method,
				    .path = url,
				    .body = rs->body ? rs->body : "",
				    .body_len = rs->len,
				    .peer_cn = client_cn(c),
				    .peer_addr = addr};
	rs->route->handler(l->conf.ctx, &req, &reply);
	return send_reply(c, &reply);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req_state *rs = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rs) {
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
	pthread_mutex_init(&l->rate_lock, NULL);
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
		pthread_mutex_destroy(&l->rate_lock);
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
	pthread_mutex_destroy(&l->rate_lock);
	free(l);
}
