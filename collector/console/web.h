/* What the console's files share: the console's context, one request as
 * a page being written, the signed-in user and the checks every handler
 * relies on.  Nothing here is visible outside collector/console/ but
 * through console.h. */
#ifndef WARD_CONSOLE_WEB_H
#define WARD_CONSOLE_WEB_H

#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector/collector.h"
#include "collector/console/console.h"
#include "collector/console/html.h"
#include "collector/http.h"
#include "collector/rate.h"

#define USER_NAME_MAX 64
#define USER_DISPLAY_MAX 128
#define TOKEN_TEXT_MAX 48 /* 32 random bytes, base64url, and a NUL */

/* What a user may do; each role includes the ones before it except
 * that an administrator does not approve (approvals need a supervisor's
 * own key). */
enum role { ROLE_AUDITOR, ROLE_REVIEWER, ROLE_SUPERVISOR, ROLE_ADMIN };

enum need {
	NEED_NONE,    /* public: sign-in page, static files */
	NEED_SIGNIN,  /* any signed-in user, read only */
	NEED_TRIAGE,  /* reviewer, supervisor, administrator */
	NEED_APPROVE, /* supervisor */
	NEED_ADMIN,   /* administrator */
};

struct user {
	char name[USER_NAME_MAX], display[USER_DISPLAY_MAX];
	enum role role;
	bool must_change, disabled, has_key;
	int64_t failed, locked_until;
};

struct console {
	struct collector *c;
	struct http_listener *listener;
	struct console_conf conf;
	locale_t english; /* the C locale: gettext answers with the English ids */
	pthread_mutex_t lock;
	struct rate_table signins; /* sign-in attempts per client address */
	unsigned hashing;	   /* Argon2id computations running (64 MiB each) */
	pthread_cond_t hashed;
	int64_t synced_size; /* the log's size the incidents were last synced to */
	char decoy[128];     /* an Argon2id hash nobody's password matches */
};

struct page {
	struct console *con;
	const struct http_request *req;
	struct http_reply *reply;
	struct db *db;
	int64_t id;    /* the route's '#': /incident/# */
	char arg[128]; /* the route's one-segment argument: /users/NAME */
	bool signed_in, english;
	struct user user;
	char session[65]; /* hex SHA-256 of the session id */
	char csrf[TOKEN_TEXT_MAX];
	struct html h;
};

/* ---- server.c ---- */
/* Whether the signed-in user's role covers need. */
bool role_allows(enum role role, enum need need);
const char *role_code(enum role role);
const char *role_label(enum role role);
bool role_parse(const char *code, enum role *out);
/* Replies: the page written so far (status), a redirect (303), an error
 * page with a message for people. */
void page_send(struct page *pg, int status);
void page_redirect(struct page *pg, const char *location);
void page_error(struct page *pg, int status, const char *message);
/* The start and the end of every page: head, navigation, footer. */
void page_begin(struct page *pg, const char *title);
void page_end(struct page *pg);
/* <form method="post" action="..."> with the CSRF field. */
void page_form(struct page *pg, const char *action, const char *cls);
/* <label>label MARKUP</label>: the input's markup is the code's; a
 * submit button closing the form; a cell per heading. */
void page_field(struct page *pg, const char *label, const char *markup);
void page_submit(struct page *pg, const char *label);
void page_heads(struct page *pg, const char *const *labels, size_t n);
/* A form that is one button (and one hidden field, when name is set). */
void page_button(struct page *pg, const char *action, const char *name, const char *value,
		 const char *label);
/* A flash line from the query (?done=...), shown once at the top. */
void page_notice(struct page *pg);
/* Milliseconds since the epoch. */
int64_t page_now(void);

/* ---- session.c ---- */
/* The session named by the request's cookie, with its user: true when
 * signed in (expired or unknown sessions are not). */
bool session_load(struct page *pg);
/* A fresh session for name (the old one, if any, ended): the cookie is
 * set on the reply.  Returns 0 or -EIO. */
int session_start(struct page *pg, const char *name);
void session_end(struct page *pg);
/* Ends every session of name except keep_hash (NULL: all). */
int session_end_user(struct db *db, const char *name, const char *keep_hash);
/* The form's CSRF field against the session's (or, before sign-in, the
 * pre-session cookie's) token, constant time; and the Origin header. */
bool session_csrf_ok(struct page *pg);
/* The pre-session token for the sign-in form (set as a cookie). */
void session_pre_token(struct page *pg, char out[TOKEN_TEXT_MAX]);
/* Random bytes as base64url (TOKEN_TEXT_MAX). */
int session_random_token(char out[TOKEN_TEXT_MAX]);

/* ---- i18n ---- */
/* Ward's catalogue chosen for this thread: English (the C locale,
 * where gettext answers with the message ids) or Traditional Chinese. */
void page_locale(struct page *pg, bool english);
void page_locale_done(struct page *pg);

#endif
