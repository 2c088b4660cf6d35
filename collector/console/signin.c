/* Signing in and out, changing one's password, the language.  A failed
 * sign-in says the same whatever was wrong (name, password, a locked or
 * disabled account) and costs the same time. */
#include <errno.h>
#include <string.h>

#include "collector/console/pages.h"
#include "collector/console/review.h"
#include "collector/console/users.h"
#include "common/i18n.h"
#include "common/log.h"

/* Only a path of this console: no scheme, no other host. */
static const char *local_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strchr(next, ':') ||
	    strlen(next) > 512)
		return "/incidents";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "/incidents";
	return next;
}

static void signin_form(struct page *pg, const char *message, int status)
{
	struct html *h = &pg->h;
	char pre[TOKEN_TEXT_MAX];

	session_pre_token(pg, pre);
	page_begin(pg, _("Sign in"));
	if (message)
		html_elc(h, "p", "error", message);
	html_raw(h, "<form method=\"post\" action=\"/signin\" class=\"signin\">");
	html_hidden(h, "csrf", pre);
	html_hidden(h, "next",
		    local_next(http_arg(pg->req, "next") ? http_arg(pg->req, "next")
							 : http_field(pg->req, "next")));
	page_field(pg, _("Name"),
		   "<input name=\"name\" autocomplete=\"username\" required autofocus>");
	page_field(pg, _("Password"),
		   "<input name=\"password\" type=\"password\" autocomplete=\"current-password\""
		   " required>");
	page_submit(pg, _("Sign in"));
	page_end(pg);
	page_send(pg, status);
}

void page_signin_form(struct page *pg)
{
	if (pg->signed_in)
		page_redirect(pg, "/incidents");
	else
		signin_form(pg, NULL, 200);
}

void page_signin(struct page *pg)
{
	const char *name = http_field(pg->req, "name"), *password = http_field(pg->req, "password");
	struct user u;
	int r;

	if (!rate_allow(&pg->con->signins, pg->req->peer_addr)) {
		signin_form(pg, _("Too many sign-in attempts from this computer. Wait a minute."),
			    429);
		return;
	}
	if (!name || !password || strlen(name) >= USER_NAME_MAX || strlen(password) > 1024) {
		signin_form(pg, _("The name or the password is wrong, or the account is locked."),
			    401);
		return;
	}
	r = users_check_password(pg->con, pg->db, name, password, &u);
	if (r == -EACCES) {
		log_info("console: sign-in refused for %s from %s", name, pg->req->peer_addr);
		signin_form(pg, _("The name or the password is wrong, or the account is locked."),
			    401);
		return;
	}
	if (r < 0 || session_start(pg, u.name) < 0) {
		page_error(pg, 503, _("The database is unavailable. Try again later."));
		return;
	}
	pg->user = u;
	pg->signed_in = true;
	log_info("console: %s signed in from %s", u.name, pg->req->peer_addr);
	page_redirect(pg, u.must_change ? "/password" : local_next(http_field(pg->req, "next")));
}

void page_signout(struct page *pg)
{
	session_end(pg);
	page_redirect(pg, "/signin");
}

static void password_form(struct page *pg, const char *message, int status)
{
	struct html *h = &pg->h;

	page_begin(pg, _("Change password"));
	if (pg->user.must_change)
		html_elc(h, "p", "notice",
			 _("Choose your own password before you go on (at least 12 characters)."));
	if (pg->user.role == ROLE_SUPERVISOR && !pg->user.has_key)
		html_elc(h, "p", "notice",
			 _("Your approval signing key is made now and sealed under this "
			   "password."));
	if (message)
		html_elc(h, "p", "error", message);
	page_form(pg, "/password", "stacked");
	page_field(
	    pg, _("Current password"),
	    "<input name=\"old\" type=\"password\" autocomplete=\"current-password\" required>");
	page_field(pg, _("New password"),
		   "<input name=\"new\" type=\"password\" autocomplete=\"new-password\""
		   " minlength=\"12\" required>");
	page_field(pg, _("New password again"),
		   "<input name=\"again\" type=\"password\" autocomplete=\"new-password\""
		   " minlength=\"12\" required>");
	page_submit(pg, _("Change password"));
	page_end(pg);
	page_send(pg, status);
}

void page_password_form(struct page *pg)
{
	password_form(pg, NULL, 200);
}

void page_password(struct page *pg)
{
	const char *old = http_field(pg->req, "old"), *pw = http_field(pg->req, "new");
	const char *again = http_field(pg->req, "again");
	int r;

	if (!old || !pw || !again || strcmp(pw, again) != 0) {
		password_form(pg, _("The two new passwords differ."), 400);
		return;
	}
	if (users_password_problem(pg->user.name, pw)) {
		password_form(pg,
			      _("The new password must have at least 12 characters and not be "
				"your name."),
			      400);
		return;
	}
	r = users_set_password(pg->con, pg->db, pg->user.name, old, pw);
	if (r == -EACCES) {
		password_form(pg, _("The current password is wrong."), 403);
		return;
	}
	/* A new session id, and no other session of this user survives. */
	if (r < 0 || session_start(pg, pg->user.name) < 0 ||
	    session_end_user(pg->db, pg->user.name, pg->session) < 0) {
		page_error(pg, 503, _("The database is unavailable. Try again later."));
		return;
	}
	review_log_account(pg, "password", pg->user.name, NULL);
	page_redirect(pg, "/incidents?done=password");
}

void page_lang(struct page *pg)
{
	const char *to = http_arg(pg->req, "to");

	http_reply_header(pg->reply, "Set-Cookie",
			  to && strcmp(to, "en") == 0
			      ? "ward_lang=en; Path=/; Secure; SameSite=Lax; Max-Age=31536000"
			      : "ward_lang=zh; Path=/; Secure; SameSite=Lax; Max-Age=31536000");
	page_redirect(pg, local_next(http_arg(pg->req, "next")));
}

void page_home(struct page *pg)
{
	page_redirect(pg, "/incidents");
}
