/* Approvals issued: their list, revocation, and their way to the desks
 * (console_approvals_deliver, called by the agent listener in the
 * transaction of each acknowledgement). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/incident.h"
#include "collector/console/pages.h"
#include "collector/console/query.h"
#include "collector/console/review.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"

#define DELIVER_MAX 100
#define APPROVAL_COLS                                                                              \
	"id, incident, approver_display, username, device_serial, file_sha256, level_max,"         \
	" from_ms, until_ms, reason, created_ms, revoked_ms, revoked_by, delivered_ms"

int console_approvals_deliver(struct db *db, const char *agent_id, int64_t now_ms, json_t *obj)
{
	static const char live[] = "SELECT token FROM approvals WHERE agent_id = ? AND until_ms > ?"
				   " AND revoked_ms IS NULL ORDER BY created_ms DESC LIMIT ?";
	static const char gone[] = "SELECT id FROM approvals WHERE agent_id = ? AND until_ms > ?"
				   " AND revoked_ms IS NOT NULL ORDER BY revoked_ms DESC LIMIT ?";
	static const char sent[] = "UPDATE approvals SET delivered_ms = ? WHERE agent_id = ? AND"
				   " delivered_ms IS NULL AND revoked_ms IS NULL AND until_ms > ?";
	struct db_val p[] = {DBV_TEXT(agent_id), DBV_INT(now_ms), DBV_INT(DELIVER_MAX)};
	struct db_val u[] = {DBV_INT(now_ms), DBV_TEXT(agent_id), DBV_INT(now_ms)};
	json_t *tokens = json_array(), *revoked = json_array();
	struct db_rows *rows = db_query(db, live, p, 3);
	int e = rows ? 0 : -EIO;

	while (rows && db_next(rows))
		json_array_append_new(tokens, json_string(db_col_text(rows, 0, NULL)));
	db_rows_free(rows);
	rows = e == 0 ? db_query(db, gone, p, 3) : NULL;
	e = rows ? e : -EIO;
	while (rows && db_next(rows))
		json_array_append_new(revoked, json_string(db_col_text(rows, 0, NULL)));
	db_rows_free(rows);
	if (e == 0 && json_array_size(tokens))
		e = db_exec(db, sent, u, 3, NULL);
	json_object_set_new(obj, "approvals", tokens);
	json_object_set_new(obj, "revoked_approvals", revoked);
	return e;
}

static const char *approval_state(struct db_rows *rows, int64_t now)
{
	if (!db_col_null(rows, 11))
		return _("revoked");
	if (db_col_int(rows, 8) <= now)
		return _("expired");
	return db_col_null(rows, 13) ? _("waiting for the desk") : _("sent to the desk");
}

static void revoke_form(struct page *pg, const char *id)
{
	struct html *h = &pg->h;
	char action[100];

	snprintf(action, sizeof(action), "/approvals/%s/revoke", id);
	page_form(pg, action, "inline revoke-form");
	html_raw(h, "<input name=\"reason\" required maxlength=\"400\"");
	html_attr(h, "placeholder", _("why"));
	html_raw(h, "><button type=\"submit\"");
	html_attr(h, "data-confirm",
		  _("Revoke this approval? The desk is told with its next acknowledgement."));
	html_raw(h, ">");
	html_text(h, _("Revoke"));
	html_raw(h, "</button></form>");
}

static void approval_row(struct page *pg, struct db_rows *rows, int64_t now)
{
	struct html *h = &pg->h;
	bool live = db_col_null(rows, 11) && db_col_int(rows, 8) > now;

	html_raw(h, "<tr><td>");
	html_time(h, db_col_int(rows, 10), pg->english);
	html_raw(h, "</td><td><a href=\"/incident/");
	html_int(h, db_col_int(rows, 1));
	html_raw(h, "\">");
	html_int(h, db_col_int(rows, 1));
	html_raw(h, "</a></td>");
	html_el(h, "td", db_col_text(rows, 2, NULL));
	html_el(h, "td", db_col_text(rows, 3, NULL));
	html_raw(h, "<td>");
	if (!db_col_null(rows, 5))
		html_textf(h, _("file %.16s…"), db_col_text(rows, 5, NULL));
	else
		html_textf(h, _("up to %s"), level_label((int)db_col_int(rows, 6)));
	html_raw(h, "</td>");
	html_el(h, "td", db_col_null(rows, 4) ? _("any device") : db_col_text(rows, 4, NULL));
	html_raw(h, "<td>");
	html_time(h, db_col_int(rows, 7), pg->english);
	html_raw(h, " – ");
	html_time(h, db_col_int(rows, 8), pg->english);
	html_raw(h, "</td>");
	html_el(h, "td", db_col_text(rows, 9, NULL));
	html_raw(h, "<td>");
	html_text(h, approval_state(rows, now));
	if (!db_col_null(rows, 12)) {
		html_raw(h, " (");
		html_text(h, db_col_text(rows, 12, NULL));
		html_raw(h, ")");
	}
	if (live && role_allows(pg->user.role, NEED_APPROVE))
		revoke_form(pg, db_col_text(rows, 0, NULL));
	html_raw(h, "</td></tr>");
}

static void approvals_table(struct page *pg, const char *sql, const struct db_val *p, size_t n)
{
	struct db_rows *rows = db_query(pg->db, sql, p, n);
	int64_t now = page_now();
	static const char *const heads[] = {
	    N_("Issued"), N_("Incident"), N_("Approver"), N_("User"),  N_("Files"),
	    N_("Device"), N_("Valid"),	  N_("Reason"),	  N_("State"),
	};

	html_raw(&pg->h, "<table class=\"approvals\">");
	page_heads(pg, heads, ARRAY_SIZE(heads));
	html_raw(&pg->h, "<tbody>");
	while (rows && db_next(rows))
		approval_row(pg, rows, now);
	db_rows_free(rows);
	html_raw(&pg->h, "</tbody></table>");
}

void page_approvals(struct page *pg)
{
	static const char sql[] =
	    "SELECT " APPROVAL_COLS " FROM approvals ORDER BY created_ms DESC LIMIT 500";

	page_begin(pg, _("Approvals"));
	html_elc(&pg->h, "p", "quiet",
		 _("Desks trust a supervisor's approvals when their policy names the "
		   "supervisor's key: see the generated policy file below."));
	html_raw(&pg->h, "<p><a href=\"/supervisors.tar.gz\">");
	html_text(&pg->h, _("The supervisors' keys as a policy file (trust supervisor lines)"));
	html_raw(&pg->h, "</a></p>");
	approvals_table(pg, sql, NULL, 0);
	page_end(pg);
	page_send(pg, 200);
}

void incident_approvals(struct page *pg, const struct incident *in)
{
	static const char sql[] = "SELECT " APPROVAL_COLS " FROM approvals WHERE incident = ?"
				  " ORDER BY created_ms DESC";
	struct db_val p[] = {DBV_INT(in->leaf)};

	html_raw(&pg->h, "<section class=\"approvals\"><h2>");
	html_text(&pg->h, _("Approvals for this incident"));
	html_raw(&pg->h, "</h2>");
	approvals_table(pg, sql, p, 1);
	html_raw(&pg->h, "</section>");
}

void page_approval_revoke(struct page *pg)
{
	static const char sql[] = "UPDATE approvals SET revoked_ms = ?, revoked_by = ? WHERE id = ?"
				  " AND revoked_ms IS NULL";
	static const char which[] = "SELECT incident FROM approvals WHERE id = ?";
	const char *reason = http_field(pg->req, "reason");
	struct db_val w[] = {DBV_TEXT(pg->arg)};
	struct db_rows *rows = db_query(pg->db, which, w, 1);
	int64_t incident = -1;
	char loc[80];
	int r;

	if (rows && db_next(rows))
		incident = db_col_int(rows, 0);
	db_rows_free(rows);
	if (incident < 0) {
		page_error(pg, 404, _("There is no such approval."));
		return;
	}
	if (!reason || !*reason || strlen(reason) > 400) {
		page_error(pg, 400, _("Give a reason for the revocation."));
		return;
	}
	{
		struct db_val p[] = {DBV_INT(page_now()), DBV_TEXT(pg->user.name),
				     DBV_TEXT(pg->arg)};
		struct review_change ch = {sql, p, 3};

		r = review_append(pg, incident, "approval-revoke",
				  json_pack("{ssss}", "approval", pg->arg, "reason", reason), &ch,
				  NULL, NULL);
	}
	if (r < 0) {
		page_error(pg, r == -ESTALE ? 409 : 503,
			   r == -ESTALE ? _("This approval was revoked already.")
					: _("The revocation could not be recorded."));
		return;
	}
	snprintf(loc, sizeof(loc), "/incident/%lld?done=revoked", (long long)incident);
	page_redirect(pg, loc);
}
