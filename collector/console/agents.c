/* The desks: each agent's last contact, version, policy version, chain
 * health (records held past a gap, tamper alerts, checkpoint alerts the
 * desk raised), backlog, dark desks; recent alerts; the department an
 * administrator files it under; enrollment tokens created and revoked by
 * administrators. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/pages.h"
#include "collector/console/review.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"

#define DAY_MS (24 * 3600 * 1000LL)

static const char AGENTS_SQL[] =
    "SELECT a.agent_id, a.hostname, a.version, a.policy_version, a.last_seen, a.hb_at,"
    " a.head_seq, a.hb_backlog, a.dark_since, a.revoked_at, d.department,"
    " (SELECT count(*) FROM chain c WHERE c.agent_id = a.agent_id AND c.status = 'held'),"
    " (SELECT count(*) FROM alerts l WHERE l.agent_id = a.agent_id AND l.kind IN"
    " ('fork', 'forgery', 'conflict', 'contradiction', 'invalid-held')),"
    " (SELECT count(*) FROM leaves v WHERE v.agent_id = a.agent_id AND"
    " v.kind = 'collector-alert')"
    " FROM agents a LEFT JOIN desks d ON d.agent_id = a.agent_id ORDER BY a.hostname, a.agent_id";

static void health(struct page *pg, struct db_rows *rows)
{
	int64_t held = db_col_int(rows, 11), tamper = db_col_int(rows, 12);
	int64_t cp = db_col_int(rows, 13);
	bool ok = !held && !tamper && !cp;

	html_raw(&pg->h, "<td");
	html_attr(&pg->h, "class", ok ? "ok" : "bad");
	html_raw(&pg->h, ">");
	if (ok)
		html_text(&pg->h, _("✓ whole"));
	if (held)
		html_textf(&pg->h, _("gap: %lld held "), (long long)held);
	if (tamper)
		html_textf(&pg->h, _("%lld tamper alerts "), (long long)tamper);
	if (cp)
		html_textf(&pg->h, _("%lld checkpoint alerts from the desk"), (long long)cp);
	html_raw(&pg->h, "</td>");
}

static void department_form(struct page *pg, const char *agent, const char *dept)
{
	char action[96];

	snprintf(action, sizeof(action), "/agents/%s/department", agent);
	page_form(pg, action, "inline");
	html_raw(&pg->h, "<input name=\"department\" maxlength=\"100\"");
	html_attr(&pg->h, "value", dept);
	html_raw(&pg->h, ">");
	page_submit(pg, _("Save"));
}

static void agent_row(struct page *pg, struct db_rows *rows)
{
	struct html *h = &pg->h;
	const char *id = db_col_text(rows, 0, NULL);

	html_raw(h, "<tr><td><strong>");
	html_text(h, db_col_text(rows, 1, NULL));
	html_raw(h, "</strong><br><code>");
	html_text(h, id);
	html_raw(h, "</code></td><td>");
	if (pg->user.role == ROLE_ADMIN)
		department_form(pg, id, db_col_text(rows, 10, NULL));
	else
		html_text(h, db_col_text(rows, 10, NULL));
	html_raw(h, "</td><td>");
	html_time(h, db_col_int(rows, 4), pg->english);
	html_raw(h, "</td>");
	html_el(h, "td", db_col_text(rows, 2, NULL));
	html_raw(h, "<td><code>");
	html_textf(h, "%.12s", db_col_text(rows, 3, NULL));
	html_raw(h, "</code></td><td>");
	html_int(h, db_col_int(rows, 6));
	html_raw(h, "</td><td>");
	html_int(h, db_col_int(rows, 7));
	html_raw(h, "</td>");
	health(pg, rows);
	html_raw(h, "<td>");
	if (!db_col_null(rows, 9))
		html_elc(h, "span", "bad", _("revoked"));
	else if (!db_col_null(rows, 8)) {
		html_elc(h, "span", "bad", _("dark since"));
		html_raw(h, " ");
		html_time(h, db_col_int(rows, 8), pg->english);
	} else
		html_elc(h, "span", "ok", _("reporting"));
	html_raw(h, "</td></tr>");
}

static void agents_table(struct page *pg)
{
	static const char *const heads[] = {
	    N_("Desk"),	   N_("Department"),	 N_("Last contact"),
	    N_("Version"), N_("Policy version"), N_("Records"),
	    N_("Backlog"), N_("Chain"),		 N_("State"),
	};
	struct db_rows *rows = db_query(pg->db, AGENTS_SQL, NULL, 0);

	html_raw(&pg->h, "<table class=\"agents\">");
	page_heads(pg, heads, ARRAY_SIZE(heads));
	html_raw(&pg->h, "<tbody>");
	while (rows && db_next(rows))
		agent_row(pg, rows);
	db_rows_free(rows);
	html_raw(&pg->h, "</tbody></table>");
}

static void alerts(struct page *pg)
{
	static const char sql[] = "SELECT l.created_at, a.hostname, l.kind, l.seq, l.detail FROM"
				  " alerts l LEFT JOIN agents a ON a.agent_id = l.agent_id"
				  " ORDER BY l.id DESC LIMIT 50";
	struct db_rows *rows = db_query(pg->db, sql, NULL, 0);

	html_raw(&pg->h, "<h2>");
	html_text(&pg->h, _("Recent alerts"));
	html_raw(&pg->h, "</h2><table class=\"alerts\"><tbody>");
	while (rows && db_next(rows)) {
		html_raw(&pg->h, "<tr><td>");
		html_time(&pg->h, db_col_int(rows, 0), pg->english);
		html_raw(&pg->h, "</td>");
		html_el(&pg->h, "td", db_col_text(rows, 1, NULL));
		html_elc(&pg->h, "td", "bad", db_col_text(rows, 2, NULL));
		html_el(&pg->h, "td", db_col_text(rows, 3, NULL));
		html_el(&pg->h, "td", db_col_text(rows, 4, NULL));
		html_raw(&pg->h, "</tr>");
	}
	db_rows_free(rows);
	html_raw(&pg->h, "</tbody></table>");
}

static void token_row(struct page *pg, struct db_rows *rows, int64_t now)
{
	struct html *h = &pg->h;
	bool open = db_col_null(rows, 3) && db_col_int(rows, 2) > now;
	char action[96];

	html_raw(h, "<tr><td><code>");
	html_text(h, db_col_text(rows, 0, NULL));
	html_raw(h, "</code></td>");
	html_el(h, "td", db_col_text(rows, 4, NULL));
	html_raw(h, "<td>");
	html_time(h, db_col_int(rows, 1), pg->english);
	html_raw(h, "</td><td>");
	if (!db_col_null(rows, 3)) {
		html_text(h, _("used by"));
		html_raw(h, " <code>");
		html_text(h, db_col_text(rows, 5, NULL));
		html_raw(h, "</code>");
	} else if (!open) {
		html_text(h, _("expired or revoked"));
	} else {
		html_text(h, _("open until"));
		html_raw(h, " ");
		html_time(h, db_col_int(rows, 2), pg->english);
		snprintf(action, sizeof(action), "/agents/tokens/%s/revoke",
			 db_col_text(rows, 0, NULL));
		page_button(pg, action, NULL, NULL, _("Revoke"));
	}
	html_raw(h, "</td></tr>");
}

static void tokens(struct page *pg)
{
	static const char sql[] =
	    "SELECT token_id, created_at, expires_at, used_at, label, agent_id"
	    " FROM tokens ORDER BY created_at DESC LIMIT 100";
	struct db_rows *rows = db_query(pg->db, sql, NULL, 0);
	struct html *h = &pg->h;
	int64_t now = page_now();

	html_raw(h, "<h2>");
	html_text(h, _("Enrollment tokens"));
	html_raw(h, "</h2>");
	page_form(pg, "/agents/tokens", "inline");
	page_field(pg, _("Label"), "<input name=\"label\" maxlength=\"100\">");
	page_field(pg, _("Valid for (days)"),
		   "<input name=\"days\" type=\"number\" min=\"1\" max=\"30\" value=\"7\">");
	page_submit(pg, _("Create a token"));
	html_raw(h, "<table class=\"tokens\"><tbody>");
	while (rows && db_next(rows))
		token_row(pg, rows, now);
	db_rows_free(rows);
	html_raw(h, "</tbody></table>");
}

void page_agents(struct page *pg)
{
	page_begin(pg, _("Desks"));
	agents_table(pg);
	alerts(pg);
	if (pg->user.role == ROLE_ADMIN)
		tokens(pg);
	page_end(pg);
	page_send(pg, 200);
}

void page_token_create(struct page *pg)
{
	const char *label = http_field(pg->req, "label"), *days = http_field(pg->req, "days");
	int64_t d = days ? strtoll(days, NULL, 10) : 7;
	char token[ENROLL_TOKEN_MAX], id[20];
	json_t *body;

	if (d < 1 || d > 30 || (label && strlen(label) > 100)) {
		page_error(pg, 400,
			   _("A token is valid for 1 to 30 days; its label at most 100 "
			     "characters."));
		return;
	}
	if (enroll_token_new(pg->db, d * DAY_MS, label && *label ? label : NULL, token) < 0) {
		page_error(pg, 503, _("The token could not be stored."));
		return;
	}
	snprintf(id, sizeof(id), "%.16s", token);
	body = json_pack("{sssI}", "token_id", id, "days", (json_int_t)d);
	if (body && label && *label)
		json_object_set_new(body, "label", json_string(label));
	review_log_account(pg, "token-create", id, body);
	page_begin(pg, _("Enrollment token"));
	html_elc(&pg->h, "p", "notice",
		 _("Give this token to the desk's administrator once; it is not shown again:"));
	html_elc(&pg->h, "pre", "token", token);
	html_raw(&pg->h, "<p><a href=\"/agents\">");
	html_text(&pg->h, _("Back to the desks"));
	html_raw(&pg->h, "</a></p>");
	page_end(pg);
	page_send(pg, 200);
}

void page_token_revoke(struct page *pg)
{
	static const char sql[] = "UPDATE tokens SET expires_at = ? WHERE token_id = ? AND"
				  " used_at IS NULL AND expires_at > ?";
	int64_t now = page_now();
	struct db_val p[] = {DBV_INT(now), DBV_TEXT(pg->arg), DBV_INT(now)};
	struct review_change ch = {sql, p, 3};
	int r = review_append(pg, -1, "token-revoke", json_pack("{ss}", "token_id", pg->arg), &ch,
			      NULL, NULL);

	if (r < 0)
		page_error(pg, r == -ESTALE ? 409 : 503,
			   r == -ESTALE
			       ? _("That token is used, expired or unknown.")
			       : _("The change could not be recorded; nothing was changed."));
	else
		page_redirect(pg, "/agents?done=saved");
}

void page_desk(struct page *pg)
{
	static const char sql[] =
	    "INSERT INTO desks (agent_id, department) SELECT agent_id, ? FROM agents"
	    " WHERE agent_id = ? ON CONFLICT (agent_id) DO UPDATE SET department = excluded.department";
	const char *dept = http_field(pg->req, "department");
	struct db_val p[] = {DBV_TEXT(dept && *dept ? dept : NULL), DBV_TEXT(pg->arg)};
	struct review_change ch = {sql, p, 2};
	int r;

	if (dept && strlen(dept) > 100) {
		page_error(pg, 400, _("A department's name has at most 100 characters."));
		return;
	}
	r = review_append(pg, -1, "desk-department",
			  json_pack("{ssss}", "agent_id", pg->arg, "department", dept ? dept : ""),
			  &ch, NULL, NULL);
	if (r < 0)
		page_error(pg, r == -ESTALE ? 404 : 503,
			   r == -ESTALE
			       ? _("There is no such desk.")
			       : _("The change could not be recorded; nothing was changed."));
	else
		page_redirect(pg, "/agents?done=saved");
}
