/* The console's listener and its one request path: language, database
 * connection, session, route, sign-in, role, CSRF, then the page.  Every
 * route but the sign-in page and the static files needs a session; every
 * POST needs the session's CSRF token and, when the browser names one,
 * this console as its Origin. */
#define _GNU_SOURCE
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/console/pages.h"
#include "collector/console/sync.h"
#include "collector/console/users.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/util.h"

#define FORM_MAX (64 * 1024)
#define ARG_MAX 128

/* Headers on every reply of the console, errors included.  No inline
 * script or style anywhere: scripts and styles are files of our own. */
static const char *const SECURITY_HEADERS[] = {
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options",
    "DENY",
    /* same-origin, not no-referrer: under no-referrer a browser's form
     * posts say "Origin: null", and the origin check needs the real one. */
    "Referrer-Policy",
    "same-origin",
    "Strict-Transport-Security",
    "max-age=31536000",
    "Cross-Origin-Opener-Policy",
    "same-origin",
    "Cross-Origin-Resource-Policy",
    "same-origin",
    "Permissions-Policy",
    "camera=(), microphone=(), geolocation=(), usb=()",
    NULL,
};

struct route {
	const char *method;
	const char *pattern; /* '#' a decimal id, '*' one path segment */
	enum need need;
	void (*fn)(struct page *pg);
};

static const struct route ROUTES[] = {
    {"GET", "/", NEED_SIGNIN, page_home},
    {"GET", "/signin", NEED_NONE, page_signin_form},
    {"POST", "/signin", NEED_NONE, page_signin},
    {"POST", "/signout", NEED_SIGNIN, page_signout},
    {"GET", "/password", NEED_SIGNIN, page_password_form},
    {"POST", "/password", NEED_SIGNIN, page_password},
    {"GET", "/lang", NEED_NONE, page_lang},
    {"GET", "/incidents", NEED_SIGNIN, page_incidents},
    {"GET", "/incidents.csv", NEED_SIGNIN, page_csv},
    {"GET", "/bundle", NEED_SIGNIN, page_bundle},
    {"GET", "/incident/#", NEED_SIGNIN, page_incident},
    {"POST", "/incident/#/state", NEED_TRIAGE, page_incident_state},
    {"POST", "/incident/#/assign", NEED_TRIAGE, page_incident_assign},
    {"POST", "/incident/#/comment", NEED_TRIAGE, page_incident_comment},
    {"GET", "/incident/#/approve", NEED_APPROVE, page_approve_form},
    {"POST", "/incident/#/approve", NEED_APPROVE, page_approve},
    {"GET", "/approvals", NEED_SIGNIN, page_approvals},
    {"POST", "/approvals/*/revoke", NEED_APPROVE, page_approval_revoke},
    {"GET", "/agents", NEED_SIGNIN, page_agents},
    {"POST", "/agents/tokens", NEED_ADMIN, page_token_create},
    {"POST", "/agents/tokens/*/revoke", NEED_ADMIN, page_token_revoke},
    {"POST", "/agents/*/department", NEED_ADMIN, page_desk},
    {"GET", "/dashboard", NEED_SIGNIN, page_dashboard},
    {"GET", "/users", NEED_ADMIN, page_users},
    {"POST", "/users", NEED_ADMIN, page_user_create},
    {"POST", "/users/*", NEED_ADMIN, page_user_change},
    {"GET", "/periods", NEED_SIGNIN, page_periods},
    {"POST", "/periods", NEED_ADMIN, page_period_add},
    {"POST", "/periods/#/delete", NEED_ADMIN, page_period_delete},
    {"GET", "/supervisors.tar.gz", NEED_SIGNIN, page_trust},
};

int64_t page_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const ROLE_CODES[] = {"auditor", "reviewer", "supervisor", "administrator"};

const char *role_code(enum role role)
{
	return ROLE_CODES[role];
}

const char *role_label(enum role role)
{
	static const char *const labels[] = {N_("auditor"), N_("reviewer"), N_("supervisor"),
					     N_("administrator")};

	return _(labels[role]);
}

bool role_parse(const char *code, enum role *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(ROLE_CODES); i++)
		if (code && strcmp(code, ROLE_CODES[i]) == 0) {
			*out = (enum role)i;
			return true;
		}
	return false;
}

bool role_allows(enum role role, enum need need)
{
	switch (need) {
	case NEED_NONE:
	case NEED_SIGNIN:
		return true;
	case NEED_TRIAGE:
		return role != ROLE_AUDITOR;
	case NEED_APPROVE:
		return role == ROLE_SUPERVISOR;
	case NEED_ADMIN:
		return role == ROLE_ADMIN;
	}
	return false;
}

/* pattern against path: '#' takes digits (pg->id), '*' one segment
 * (pg->arg). */
static bool match(const char *pattern, const char *path, int64_t *id, char arg[ARG_MAX])
{
	while (*pattern && *path) {
		if (*pattern == '#') {
			char *end;

			if (*path < '0' || *path > '9')
				return false;
			*id = strtoll(path, &end, 10);
			path = end;
			pattern++;
		} else if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= ARG_MAX)
				return false;
			memcpy(arg, path, n);
			arg[n] = '\0';
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

static const struct route *find_route(struct page *pg, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < ARRAY_SIZE(ROUTES); i++) {
		if (!match(ROUTES[i].pattern, pg->req->path, &pg->id, pg->arg))
			continue;
		*path_known = true;
		if (strcmp(ROUTES[i].method, pg->req->method) == 0)
			return &ROUTES[i];
	}
	return NULL;
}

static bool wants_english(const struct http_request *req)
{
	const char *lang = http_cookie(req, "ward_lang");

	return lang && strcmp(lang, "en") == 0;
}

void page_locale(struct page *pg, bool english)
{
	pg->english = english;
	uselocale(english ? pg->con->english : LC_GLOBAL_LOCALE);
}

void page_locale_done(struct page *pg)
{
	(void)pg;
	uselocale(LC_GLOBAL_LOCALE);
}

/* Who may see this page, decided before the page runs. */
static void guarded(struct page *pg, const struct route *rt)
{
	bool post = strcmp(pg->req->method, "POST") == 0;

	if (rt->need != NEED_NONE && !pg->signed_in) {
		if (!post) {
			struct html url = {0};
			char *loc;

			html_raw(&url, "/signin?next=");
			html_url_value(&url, pg->req->path);
			loc = html_take(&url, NULL);
			page_redirect(pg, loc ? loc : "/signin");
			free(loc);
		} else {
			page_error(pg, 403, _("Please sign in first."));
		}
		return;
	}
	if (pg->signed_in && pg->user.must_change && rt->fn != page_password_form &&
	    rt->fn != page_password && rt->fn != page_signout && rt->fn != page_lang) {
		page_redirect(pg, "/password");
		return;
	}
	if (pg->signed_in && !role_allows(pg->user.role, rt->need)) {
		page_error(pg, 403, _("Your role does not allow this."));
		return;
	}
	if (post && !session_csrf_ok(pg)) {
		page_error(pg, 403,
			   _("This form has expired or did not come from this console. Reload the "
			     "page and try again."));
		return;
	}
	rt->fn(pg);
}

static void console_request(void *ctx, const struct http_request *req, struct http_reply *reply)
{
	struct page pg = {.con = ctx, .req = req, .reply = reply};
	const struct route *rt;
	bool known;

	page_locale(&pg, wants_english(req));
	if (strncmp(req->path, "/static/", 8) == 0) {
		page_static(&pg);
		page_locale_done(&pg);
		return;
	}
	pg.db = store_acquire(pg.con->c->store);
	session_load(&pg);
	rt = find_route(&pg, &known);
	if (!rt && known)
		page_error(&pg, 405, _("This address does not take that kind of request."));
	else if (!rt)
		page_error(&pg, 404, _("There is no such page."));
	else
		guarded(&pg, rt);
	store_release(pg.con->c->store, pg.db);
	page_locale_done(&pg);
	html_free(&pg.h);
}

static const struct http_route LISTENER_ROUTES[] = {
    {"GET", "/", console_request, false, 0, true, false},
    {"POST", "/", console_request, false, FORM_MAX, true, true},
};

/* Traditional Chinese by default for everyone, English per request:
 * under C.UTF-8 gettext follows LANGUAGE, under a thread's C locale it
 * answers with the English ids. */
static int console_locale(struct console *con)
{
	const char *messages = setlocale(LC_MESSAGES, NULL);

	if (!messages || strcmp(messages, "C") == 0 || strcmp(messages, "POSIX") == 0)
		setlocale(LC_MESSAGES, "C.UTF-8");
	if (!getenv("LANGUAGE"))
		setenv("LANGUAGE", "zh_TW", 1);
	con->english = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return con->english ? 0 : -errno;
}

struct console *console_start(struct collector *c, const struct console_conf *conf, char *err,
			      size_t errsize)
{
	struct console *con = calloc(1, sizeof(*con));
	struct http_conf hc;

	if (!con || sodium_init() < 0 || console_locale(con) < 0 || users_decoy(con) < 0) {
		snprintf(err, errsize, "console: out of memory");
		free(con);
		return NULL;
	}
	setenv("TZ", conf->timezone ? conf->timezone : "Asia/Taipei", 1);
	tzset();
	con->c = c;
	con->conf = *conf;
	pthread_mutex_init(&con->lock, NULL);
	pthread_cond_init(&con->hashed, NULL);
	/* Sign-in attempts per address: 30 at once, then one every 10 s
	 * (each account also locks after 5 failures, users.c). */
	rate_init(&con->signins, 0.1, 30);
	hc = (struct http_conf){.address = conf->address,
				.port = conf->port,
				.cert_pem = c->pki.server_chain_pem,
				.key_pem = c->pki.server_key_pem,
				.routes = LISTENER_ROUTES,
				.n_routes = ARRAY_SIZE(LISTENER_ROUTES),
				.ctx = con,
				.max_connections = conf->max_connections,
				.rate = 50,
				.burst = 200,
				.headers = SECURITY_HEADERS};
	sync_extras(c);
	con->listener = http_listen(&hc, err, errsize);
	if (!con->listener) {
		console_stop(con);
		return NULL;
	}
	return con;
}

void console_stop(struct console *con)
{
	if (!con)
		return;
	http_stop(con->listener);
	rate_destroy(&con->signins);
	pthread_cond_destroy(&con->hashed);
	pthread_mutex_destroy(&con->lock);
	if (con->english)
		freelocale(con->english);
	free(con);
}

void console_tick(struct console *con)
{
	static const char sql[] = "DELETE FROM sessions WHERE seen_ms < ? OR created_ms < ?";
	int64_t now = page_now();
	struct db_val p[] = {DBV_INT(now - con->conf.idle_ms),
			     DBV_INT(now - con->conf.lifetime_ms)};
	struct db *db = store_acquire(con->c->store);

	if (sync_incidents(con, db) < 0)
		log_warnx("console: incidents could not be brought up to date: %s", db_error(db));
	if (db_begin(db, true) == 0) {
		if (db_exec(db, sql, p, 2, NULL) == 0)
			db_commit(db);
		else
			db_rollback(db);
	}
	store_release(con->c->store, db);
}
