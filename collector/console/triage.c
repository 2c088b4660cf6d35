/* Triage: 新案 → 調查中 → 已結案 (new, investigating, closed) with a
 * resolution when closing (違規 violation, 誤判 false positive, 核准例外
 * approved exception) and a reason for every change; assignment;
 * comments, which are never edited or removed.  Each is a review action:
 * a leaf of the log written with the change (review.c).  The form names
 * the state it was shown in, so two reviewers acting at once do not
 * overwrite each other: the second is told the incident moved. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/incident.h"
#include "collector/console/pages.h"
#include "collector/console/proof.h"
#include "collector/console/query.h"
#include "collector/console/review.h"
#include "collector/console/users.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"

#define TEXT_MAX 4000

/* Where a state may go. */
static bool transition_ok(const char *from, const char *to)
{
	return (strcmp(from, "new") == 0 && strcmp(to, "investigating") == 0) ||
	       (strcmp(from, "investigating") == 0 && strcmp(to, "closed") == 0) ||
	       (strcmp(from, "closed") == 0 && strcmp(to, "investigating") == 0);
}

static bool one_of(const char *v, const char *const *list, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

/* A reason or comment: present, not too long. */
static const char *text_field(struct page *pg, const char *name)
{
	const char *v = http_field(pg->req, name);
	size_t len = v ? strlen(v) : 0;

	while (len && (v[len - 1] == ' ' || v[len - 1] == '\n' || v[len - 1] == '\r'))
		len--;
	return len && len <= TEXT_MAX ? v : NULL;
}

static void back_to(struct page *pg, const char *done)
{
	char loc[96];

	snprintf(loc, sizeof(loc), "/incident/%lld?done=%s", (long long)pg->id, done);
	page_redirect(pg, loc);
}

static void refused(struct page *pg, int r)
{
	page_error(pg, r == -ESTALE ? 409 : 503,
		   r == -ESTALE ? _("Someone else changed this incident meanwhile. Reload it and "
				    "decide again.")
				: _("The change could not be recorded; nothing was changed."));
}

void page_incident_state(struct page *pg)
{
	static const char sql[] = "UPDATE incidents SET state = ?, resolution = ?, updated_ms = ?"
				  " WHERE leaf_idx = ? AND state = ?";
	const char *to = http_field(pg->req, "to"), *from = http_field(pg->req, "from");
	const char *resolution = http_field(pg->req, "resolution"),
		   *reason = text_field(pg, "reason");
	bool closing = to && strcmp(to, "closed") == 0;
	int r;

	if (!from || !to || !transition_ok(from, to)) {
		page_error(pg, 400, _("An incident cannot move to that state from its own."));
		return;
	}
	if (!reason) {
		page_error(pg, 400, _("Give a reason for the change (at most 4000 characters)."));
		return;
	}
	if (closing && !one_of(resolution, RESOLUTION_CODES, 3)) {
		page_error(pg, 400, _("Closing needs a resolution."));
		return;
	}
	{
		struct db_val p[] = {DBV_TEXT(to), closing ? DBV_TEXT(resolution) : DBV_NULL,
				     DBV_INT(page_now()), DBV_INT(pg->id), DBV_TEXT(from)};
		struct review_change ch = {sql, p, 5};
		json_t *body = json_pack("{ssssss}", "from", from, "to", to, "reason", reason);

		if (body && closing)
			json_object_set_new(body, "resolution", json_string(resolution));
		r = review_append(pg, pg->id, "state", body, &ch, NULL, NULL);
	}
	if (r < 0)
		refused(pg, r);
	else
		back_to(pg, "state");
}

/* A user who may be assigned incidents (any role but auditor, enabled). */
static bool assignable(struct db *db, const char *name)
{
	struct user u;

	return users_get(db, name, &u) == 0 && !u.disabled && u.role != ROLE_AUDITOR;
}

void page_incident_assign(struct page *pg)
{
	static const char sql[] =
	    "UPDATE incidents SET assignee = ?, updated_ms = ? WHERE leaf_idx = ?";
	const char *who = http_field(pg->req, "assignee");
	const char *reason = http_field(pg->req, "reason");
	int r;

	if (who && !*who)
		who = NULL;
	if (who && !assignable(pg->db, who)) {
		page_error(pg, 400,
			   _("Incidents go only to reviewers, supervisors and "
			     "administrators."));
		return;
	}
	if (reason && strlen(reason) > TEXT_MAX) {
		page_error(pg, 400, _("Give a reason for the change (at most 4000 characters)."));
		return;
	}
	{
		struct db_val p[] = {DBV_TEXT(who), DBV_INT(page_now()), DBV_INT(pg->id)};
		struct review_change ch = {sql, p, 3};
		json_t *body = json_object();

		if (body && who)
			json_object_set_new(body, "assignee", json_string(who));
		if (body && reason && *reason)
			json_object_set_new(body, "reason", json_string(reason));
		r = review_append(pg, pg->id, "assign", body, &ch, NULL, NULL);
	}
	if (r < 0)
		refused(pg, r);
	else
		back_to(pg, "assign");
}

void page_incident_comment(struct page *pg)
{
	static const char sql[] = "UPDATE incidents SET updated_ms = ? WHERE leaf_idx = ?";
	const char *text = text_field(pg, "text");
	int r;

	if (!text) {
		page_error(pg, 400, _("A comment needs text (at most 4000 characters)."));
		return;
	}
	{
		struct db_val p[] = {DBV_INT(page_now()), DBV_INT(pg->id)};
		struct review_change ch = {sql, p, 2};

		r = review_append(pg, pg->id, "comment", json_pack("{ss}", "text", text), &ch, NULL,
				  NULL);
	}
	if (r < 0)
		refused(pg, r);
	else
		back_to(pg, "comment");
}

static void state_form(struct page *pg, const struct incident *in)
{
	struct html *h = &pg->h;
	char action[64];

	snprintf(action, sizeof(action), "/incident/%lld/state", (long long)in->leaf);
	page_form(pg, action, "state-form");
	html_hidden(h, "from", in->state);
	html_raw(h, "<label>");
	html_text(h, _("Move to"));
	html_raw(h, "<select name=\"to\">");
	for (size_t i = 0; i < 3; i++)
		if (transition_ok(in->state, STATE_CODES[i]))
			html_option(h, STATE_CODES[i], state_label(STATE_CODES[i]), false);
	html_raw(h, "</select></label><label>");
	html_text(h, _("Resolution (when closing)"));
	html_raw(h, "<select name=\"resolution\">");
	html_option(h, "", "—", true);
	for (size_t i = 0; i < 3; i++)
		html_option(h, RESOLUTION_CODES[i], resolution_label(RESOLUTION_CODES[i]), false);
	html_raw(h, "</select></label>");
	page_field(pg, _("Reason (required)"),
		   "<textarea name=\"reason\" required maxlength=\"4000\"></textarea>");
	page_submit(pg, _("Change state"));
}

static void assign_form(struct page *pg, const struct incident *in)
{
	static const char sql[] = "SELECT name, display FROM users WHERE role <> 'auditor'"
				  " AND disabled = 0 ORDER BY name";
	struct db_rows *rows = db_query(pg->db, sql, NULL, 0);
	struct html *h = &pg->h;
	char action[64];

	snprintf(action, sizeof(action), "/incident/%lld/assign", (long long)in->leaf);
	page_form(pg, action, "assign-form");
	html_raw(h, "<label>");
	html_text(h, _("Assign to"));
	html_raw(h, "<select name=\"assignee\">");
	html_option(h, "", _("nobody"), !in->assignee[0]);
	while (rows && db_next(rows)) {
		const char *name = db_col_text(rows, 0, NULL);

		html_option(h, name, db_col_text(rows, 1, NULL), strcmp(name, in->assignee) == 0);
	}
	db_rows_free(rows);
	html_raw(h, "</select></label>");
	page_field(pg, _("Reason"), "<input name=\"reason\" maxlength=\"4000\">");
	page_submit(pg, _("Assign"));
}

static void comment_form(struct page *pg, const struct incident *in)
{
	char action[64];

	snprintf(action, sizeof(action), "/incident/%lld/comment", (long long)in->leaf);
	page_form(pg, action, "comment-form");
	page_field(pg, _("Comment (kept for good: comments cannot be edited or removed)"),
		   "<textarea name=\"text\" required maxlength=\"4000\"></textarea>");
	page_submit(pg, _("Add comment"));
}

void incident_review_forms(struct page *pg, const struct incident *in)
{
	struct html *h = &pg->h;

	html_raw(h, "<section class=\"review\"><h2>");
	html_text(h, _("Review"));
	html_raw(h, "</h2><p>");
	html_text(h, _("Assigned to"));
	html_raw(h, ": ");
	html_text(h, in->assignee[0] ? in->assignee : _("nobody"));
	html_raw(h, "</p>");
	if (role_allows(pg->user.role, NEED_TRIAGE)) {
		state_form(pg, in);
		assign_form(pg, in);
		comment_form(pg, in);
	}
	if (role_allows(pg->user.role, NEED_APPROVE) &&
	    (strcmp(in->action, "block") == 0 || strcmp(in->action, "quarantine") == 0)) {
		html_raw(h, "<p><a class=\"button approve\" href=\"/incident/");
		html_int(h, in->leaf);
		html_raw(h, "/approve\">");
		html_text(h, _("Approve an exception for this copy"));
		html_raw(h, "</a></p>");
	}
	html_raw(h, "</section>");
}

static const char *trail_label(const char *action)
{
	static const struct {
		const char *code, *label;
	} labels[] = {
	    {"state", N_("state changed")},
	    {"assign", N_("assigned")},
	    {"comment", N_("comment")},
	    {"approve", N_("exception approved")},
	    {"approval-revoke", N_("approval revoked")},
	};

	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (strcmp(action, labels[i].code) == 0)
			return _(labels[i].label);
	return action;
}

static void trail_item(struct page *pg, struct db_rows *rows)
{
	struct html *h = &pg->h;
	int64_t leaf = db_col_int(rows, 0);
	json_t *p =
	    wjson_parse(db_col_text(rows, 4, NULL), strlen(db_col_text(rows, 4, NULL)), NULL, 0);
	const char *from = wjson_str(p, "from"), *to = wjson_str(p, "to");
	char *raw = NULL, why[PROOF_WHY];
	size_t len;
	bool logged = store_leaf_raw(pg->db, (uint64_t)leaf, &raw, &len) == 0 &&
		      proof_receipt(pg->con, pg->db, leaf, raw, len, why);

	html_raw(h, "<li>");
	html_time(h, db_col_int(rows, 1), pg->english);
	html_raw(h, " <strong>");
	html_text(h, wjson_str(p, "actor_name") ? wjson_str(p, "actor_name")
						: db_col_text(rows, 2, NULL));
	html_raw(h, "</strong> ");
	html_text(h, trail_label(db_col_text(rows, 3, NULL)));
	if (from && to)
		html_textf(h, ": %s → %s", state_label(from), state_label(to));
	if (wjson_str(p, "resolution"))
		html_textf(h, " (%s)", resolution_label(wjson_str(p, "resolution")));
	if (wjson_str(p, "assignee"))
		html_textf(h, ": %s", wjson_str(p, "assignee"));
	if (wjson_str(p, "reason") || wjson_str(p, "text"))
		html_elc(h, "blockquote", NULL,
			 wjson_str(p, "reason") ? wjson_str(p, "reason") : wjson_str(p, "text"));
	html_raw(h, "<span");
	html_attr(h, "class", logged ? "logged ok" : "logged bad");
	html_attr(h, "title", why);
	html_raw(h, ">");
	html_textf(
	    h, logged ? _("in the log ✓ (leaf %lld)") : _("not proven in the log ✗ (leaf %lld)"),
	    (long long)leaf);
	html_raw(h, "</span></li>");
	free(raw);
	json_decref(p);
}

void incident_trail(struct page *pg, const struct incident *in)
{
	static const char sql[] = "SELECT leaf_idx, created_ms, actor, action, payload FROM"
				  " review_actions WHERE incident = ? ORDER BY leaf_idx";
	struct db_val p[] = {DBV_INT(in->leaf)};
	struct db_rows *rows = db_query(pg->db, sql, p, 1);
	bool any = false;

	html_raw(&pg->h, "<section class=\"trail\"><h2>");
	html_text(&pg->h, _("Review trail"));
	html_raw(&pg->h, "</h2><ol>");
	while (rows && db_next(rows)) {
		trail_item(pg, rows);
		any = true;
	}
	db_rows_free(rows);
	html_raw(&pg->h, "</ol>");
	if (!any)
		html_elc(&pg->h, "p", "quiet", _("No one has acted on this incident yet."));
	html_raw(&pg->h, "</section>");
}
