/* What administrators manage here (and with `ward-collector admin user`):
 * accounts and roles, one-time passwords, locked and disabled accounts;
 * and the named periods the filters offer.  Every change is a review
 * action in the log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/pages.h"
#include "collector/console/review.h"
#include "collector/console/users.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"

static void role_select(struct page *pg, const char *name, enum role current)
{
	html_raw(&pg->h, "<select");
	html_attr(&pg->h, "name", name);
	html_raw(&pg->h, ">");
	for (int r = ROLE_AUDITOR; r <= ROLE_ADMIN; r++)
		html_option(&pg->h, role_code((enum role)r), role_label((enum role)r),
			    r == (int)current);
	html_raw(&pg->h, "</select>");
}

static void user_button(struct page *pg, const char *name, const char *what, const char *label)
{
	char action[USER_NAME_MAX + 16];

	snprintf(action, sizeof(action), "/users/%s", name);
	page_button(pg, action, "do", what, label);
}

static void user_row(struct page *pg, struct db_rows *rows, int64_t now)
{
	struct html *h = &pg->h;
	const char *name = db_col_text(rows, 0, NULL);
	enum role role = ROLE_AUDITOR;
	char action[USER_NAME_MAX + 16];
	bool disabled = db_col_int(rows, 4) != 0, locked = db_col_int(rows, 5) > now;

	role_parse(db_col_text(rows, 2, NULL), &role);
	html_raw(h, "<tr>");
	html_el(h, "td", name);
	html_el(h, "td", db_col_text(rows, 1, NULL));
	html_raw(h, "<td>");
	snprintf(action, sizeof(action), "/users/%s", name);
	page_form(pg, action, "inline");
	html_hidden(h, "do", "role");
	role_select(pg, "role", role);
	page_submit(pg, _("Change role"));
	html_raw(h, "</td><td>");
	if (disabled)
		html_elc(h, "span", "bad", _("disabled"));
	else if (locked)
		html_elc(h, "span", "bad", _("locked"));
	else if (db_col_int(rows, 3))
		html_text(h, _("must choose a password"));
	else
		html_text(h, _("active"));
	if (!db_col_null(rows, 6))
		html_elc(h, "span", "key", _(" · signing key"));
	html_raw(h, "</td><td>");
	user_button(pg, name, "reset", _("New one-time password"));
	user_button(pg, name, disabled ? "enable" : "disable",
		    disabled ? _("Enable") : _("Disable"));
	if (locked)
		user_button(pg, name, "unlock", _("Unlock"));
	html_raw(h, "</td></tr>");
}

static void create_form(struct page *pg)
{
	struct html *h = &pg->h;

	html_raw(h, "<h2>");
	html_text(h, _("New account"));
	html_raw(h, "</h2>");
	page_form(pg, "/users", "inline");
	page_field(pg, _("Name (for signing in)"),
		   "<input name=\"name\" required maxlength=\"63\">");
	page_field(pg, _("Name shown (a supervisor's appears on approvals)"),
		   "<input name=\"display\" required maxlength=\"100\">");
	html_raw(h, "<label>");
	html_text(h, _("Role"));
	role_select(pg, "role", ROLE_REVIEWER);
	html_raw(h, "</label>");
	page_submit(pg, _("Create"));
}

void page_users(struct page *pg)
{
	static const char sql[] = "SELECT name, display, role, must_change, disabled, locked_until,"
				  " key_pub FROM users ORDER BY name";
	struct db_rows *rows = db_query(pg->db, sql, NULL, 0);
	int64_t now = page_now();

	page_begin(pg, _("Users"));
	html_raw(&pg->h, "<table class=\"users\"><tbody>");
	while (rows && db_next(rows))
		user_row(pg, rows, now);
	db_rows_free(rows);
	html_raw(&pg->h, "</tbody></table>");
	create_form(pg);
	page_end(pg);
	page_send(pg, 200);
}

static void show_otp(struct page *pg, const char *name, const char *otp)
{
	page_begin(pg, _("One-time password"));
	html_elc(&pg->h, "p", "notice",
		 _("Give this password to its holder in person; it is not shown again, and they "
		   "must choose their own at first sign-in:"));
	html_el(&pg->h, "p", name);
	html_elc(&pg->h, "pre", "token", otp);
	html_raw(&pg->h, "<p><a href=\"/users\">");
	html_text(&pg->h, _("Back to the users"));
	html_raw(&pg->h, "</a></p>");
	page_end(pg);
	page_send(pg, 200);
}

void page_user_create(struct page *pg)
{
	const char *name = http_field(pg->req, "name"), *display = http_field(pg->req, "display");
	char otp[OTP_CHARS];
	enum role role;
	int r;

	if (!name || !display || !role_parse(http_field(pg->req, "role"), &role) ||
	    !users_name_ok(name) || !users_display_ok(display)) {
		page_error(pg, 400,
			   _("A name is letters, digits, '.', '_' or '-'; the name shown has no "
			     "quotes, backslashes or line breaks."));
		return;
	}
	r = users_add(pg->db, name, display, role, false, otp);
	if (r < 0) {
		page_error(pg, r == -EEXIST ? 409 : 503,
			   r == -EEXIST ? _("That name is taken.")
					: _("The account could not be "
					    "stored."));
		return;
	}
	review_log_account(pg, "user-create", name,
			   json_pack("{ssss}", "display", display, "role", role_code(role)));
	show_otp(pg, name, otp);
}

/* A change that is one statement: role, enable, disable, unlock. */
static int simple_change(struct page *pg, const char *what, const char *role_text)
{
	static const char role_sql[] =
	    "UPDATE users SET role = ?, must_change = CASE WHEN ? = 'supervisor' AND"
	    " key_pub IS NULL THEN 1 ELSE must_change END WHERE name = ?";
	static const char able_sql[] = "UPDATE users SET disabled = ? WHERE name = ?";
	static const char unlock_sql[] =
	    "UPDATE users SET failed = 0, locked_until = 0 WHERE name = ?";
	bool disable = strcmp(what, "disable") == 0;
	struct db_val rp[] = {DBV_TEXT(role_text), DBV_TEXT(role_text), DBV_TEXT(pg->arg)};
	struct db_val ap[] = {DBV_INT(disable), DBV_TEXT(pg->arg)};
	struct db_val up[] = {DBV_TEXT(pg->arg)};
	struct review_change ch = {unlock_sql, up, 1};
	const char *action = "user-unlock";
	json_t *body = json_pack("{ss}", "target", pg->arg);
	int r;

	if (strcmp(what, "role") == 0) {
		ch = (struct review_change){role_sql, rp, 3};
		action = "user-role";
		if (body)
			json_object_set_new(body, "role", json_string(role_text));
	} else if (disable || strcmp(what, "enable") == 0) {
		ch = (struct review_change){able_sql, ap, 2};
		action = disable ? "user-disable" : "user-enable";
	}
	r = review_append(pg, -1, action, body, &ch, NULL, NULL);
	/* A disabled account's sessions end with it. */
	if (r == 0 && disable)
		r = session_end_user(pg->db, pg->arg, NULL);
	return r;
}

void page_user_change(struct page *pg)
{
	const char *what = http_field(pg->req, "do"), *role_text = http_field(pg->req, "role");
	char otp[OTP_CHARS];
	enum role role;
	struct user u;
	int r;

	if (!what || users_get(pg->db, pg->arg, &u) < 0) {
		page_error(pg, 404, _("There is no such user."));
		return;
	}
	if (strcmp(pg->arg, pg->user.name) == 0 && strcmp(what, "reset") != 0) {
		page_error(pg, 400,
			   _("Administrators cannot change their own role or disable "
			     "themselves; ask another administrator."));
		return;
	}
	if (strcmp(what, "reset") == 0) {
		r = users_reset(pg->db, pg->arg, otp);
		if (r == 0) {
			review_log_account(pg, "user-reset", pg->arg, NULL);
			show_otp(pg, pg->arg, otp);
			return;
		}
	} else if (strcmp(what, "role") == 0 && !role_parse(role_text, &role)) {
		r = -EINVAL;
	} else if (strcmp(what, "role") == 0 || strcmp(what, "enable") == 0 ||
		   strcmp(what, "disable") == 0 || strcmp(what, "unlock") == 0) {
		r = simple_change(pg, what, role_text);
	} else {
		r = -EINVAL;
	}
	if (r < 0)
		page_error(pg, r == -EINVAL ? 400 : 503,
			   r == -EINVAL
			       ? _("That is not a change an account can have.")
			       : _("The change could not be recorded; nothing was changed."));
	else
		page_redirect(pg, "/users?done=saved");
}

void page_periods(struct page *pg)
{
	static const char sql[] =
	    "SELECT id, name, from_day, to_day FROM periods ORDER BY from_day";
	struct db_rows *rows = db_query(pg->db, sql, NULL, 0);
	struct html *h = &pg->h;
	char action[48];

	page_begin(pg, _("Periods"));
	html_elc(h, "p", "quiet",
		 _("Named periods (such as the Spring Festival enhanced period) to filter "
		   "incidents by."));
	html_raw(h, "<table class=\"periods\"><tbody>");
	while (rows && db_next(rows)) {
		html_raw(h, "<tr><td><a href=\"/incidents?period=");
		html_url_value(h, db_col_text(rows, 1, NULL));
		html_raw(h, "\">");
		html_text(h, db_col_text(rows, 1, NULL));
		html_raw(h, "</a></td>");
		html_el(h, "td", db_col_text(rows, 2, NULL));
		html_el(h, "td", db_col_text(rows, 3, NULL));
		html_raw(h, "<td>");
		if (pg->user.role == ROLE_ADMIN) {
			snprintf(action, sizeof(action), "/periods/%lld/delete",
				 (long long)db_col_int(rows, 0));
			page_button(pg, action, NULL, NULL, _("Remove"));
		}
		html_raw(h, "</td></tr>");
	}
	db_rows_free(rows);
	html_raw(h, "</tbody></table>");
	if (pg->user.role == ROLE_ADMIN) {
		page_form(pg, "/periods", "inline");
		page_field(pg, _("Name"), "<input name=\"name\" required maxlength=\"60\">");
		page_field(pg, _("From"), "<input type=\"date\" name=\"from\" required>");
		page_field(pg, _("To (inclusive)"), "<input type=\"date\" name=\"to\" required>");
		page_submit(pg, _("Add"));
	}
	page_end(pg);
	page_send(pg, 200);
}

void page_period_add(struct page *pg)
{
	static const char sql[] = "INSERT INTO periods (name, from_day, to_day) VALUES (?, ?, ?)";
	const char *name = http_field(pg->req, "name"), *from = http_field(pg->req, "from");
	const char *to = http_field(pg->req, "to");
	int64_t a, b;
	int r;

	if (!name || !*name || strlen(name) > 60 || !from || !to || strlen(from) != 10 ||
	    strlen(to) != 10 || !local_time_ms(from, &a) || !local_time_ms(to, &b) || b < a) {
		page_error(pg, 400,
			   _("A period needs a name and two dates, the second not before "
			     "the first."));
		return;
	}
	{
		struct db_val p[] = {DBV_TEXT(name), DBV_TEXT(from), DBV_TEXT(to)};
		struct review_change ch = {sql, p, 3};

		r = review_append(pg, -1, "period-add",
				  json_pack("{ssssss}", "name", name, "from", from, "to", to), &ch,
				  NULL, NULL);
	}
	if (r < 0)
		page_error(pg, 409, _("A period of that name exists already."));
	else
		page_redirect(pg, "/periods?done=saved");
}

void page_period_delete(struct page *pg)
{
	static const char sql[] = "DELETE FROM periods WHERE id = ?";
	struct db_val p[] = {DBV_INT(pg->id)};
	struct review_change ch = {sql, p, 1};
	int r = review_append(pg, -1, "period-remove", json_pack("{sI}", "id", (json_int_t)pg->id),
			      &ch, NULL, NULL);

	if (r < 0)
		page_error(pg, 404, _("There is no such period."));
	else
		page_redirect(pg, "/periods?done=saved");
}
