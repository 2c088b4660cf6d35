/* The incident page: who, where, when, what file, level and the
 * classifier's reasons, the device, the rule and the action; the evidence
 * status checked anew (proof.c); then the review (review.c) and the
 * approvals (approve.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/incident.h"
#include "collector/console/pages.h"
#include "collector/console/proof.h"
#include "collector/console/query.h"
#include "collector/console/sync.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/util.h"

static void col(struct db_rows *rows, int i, char *out, size_t size)
{
	str_copy(out, size, db_col_text(rows, i, NULL));
}

int incident_get(struct db *db, int64_t leaf, struct incident *in)
{
	static const char sql[] =
	    "SELECT leaf_idx, agent_id, seq, ref, observed_ms, last_ms, attempts, level_rank,"
	    " state, resolution, assignee, username, host, action, outcome, device_serial,"
	    " file_sha256, file_name, approver FROM incidents WHERE leaf_idx = ?";
	struct db_val p[] = {DBV_INT(leaf)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	int r = -ENOENT;

	memset(in, 0, sizeof(*in));
	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		in->leaf = db_col_int(rows, 0);
		col(rows, 1, in->agent_id, sizeof(in->agent_id));
		in->seq = db_col_int(rows, 2);
		col(rows, 3, in->ref, sizeof(in->ref));
		in->observed_ms = db_col_int(rows, 4);
		in->last_ms = db_col_int(rows, 5);
		in->attempts = db_col_int(rows, 6);
		in->level_rank = (int)db_col_int(rows, 7);
		col(rows, 8, in->state, sizeof(in->state));
		col(rows, 9, in->resolution, sizeof(in->resolution));
		col(rows, 10, in->assignee, sizeof(in->assignee));
		col(rows, 11, in->user, sizeof(in->user));
		col(rows, 12, in->host, sizeof(in->host));
		col(rows, 13, in->action, sizeof(in->action));
		col(rows, 14, in->outcome, sizeof(in->outcome));
		col(rows, 15, in->serial, sizeof(in->serial));
		col(rows, 16, in->sha256, sizeof(in->sha256));
		col(rows, 17, in->file_name, sizeof(in->file_name));
		col(rows, 18, in->approver, sizeof(in->approver));
		r = 0;
	}
	db_rows_free(rows);
	return r;
}

void *incident_payload(struct db *db, int64_t leaf)
{
	struct jws j = {0};
	const char *why;
	json_t *payload = NULL;
	char *raw = NULL;
	size_t len;

	if (store_leaf_raw(db, (uint64_t)leaf, &raw, &len) == 0 &&
	    jws_parse(raw, len, &j, &why) == 0)
		payload = wjson_parse(j.payload, j.payload_len, NULL, 0);
	jws_free(&j);
	free(raw);
	return payload;
}

/* <dt>label</dt><dd>value</dd>, when there is a value. */
static void fact(struct page *pg, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	html_el(&pg->h, "dt", label);
	html_el(&pg->h, "dd", value);
}

static void fact_int(struct page *pg, const char *label, const json_t *obj, const char *key)
{
	int64_t v;
	char num[24];

	if (!wjson_int(obj, key, &v))
		return;
	snprintf(num, sizeof(num), "%" PRId64, v);
	fact(pg, label, num);
}

static void status_line(struct page *pg, const char *label, bool ok, bool checked, const char *why)
{
	struct html *h = &pg->h;

	html_raw(h, "<li");
	html_attr(h, "class", ok ? "ok" : checked ? "bad" : "unchecked");
	html_raw(h, "><span class=\"mark\">");
	html_raw(h, ok ? "✓" : checked ? "✗" : "?");
	html_raw(h, "</span> <strong>");
	html_text(h, label);
	html_raw(h, "</strong> ");
	html_text(h, why);
	html_raw(h, "</li>");
}

static void evidence_status(struct page *pg, const struct incident *in)
{
	struct proof p;

	html_raw(&pg->h, "<section class=\"evidence\"><h2>");
	html_text(&pg->h, _("Evidence"));
	html_raw(&pg->h, "</h2>");
	if (proof_check(pg->con, pg->db, in->leaf, in->agent_id, in->seq, &p) < 0) {
		html_elc(&pg->h, "p", "error", _("The evidence could not be read."));
		html_raw(&pg->h, "</section>");
		return;
	}
	html_raw(&pg->h, "<ul class=\"status\">");
	status_line(pg, _("signature"), p.sig_ok, p.sig_checked, p.sig_why);
	status_line(pg, _("chain"), p.chain_ok, true, p.chain_why);
	status_line(pg, _("receipt"), p.receipt_ok, true, p.receipt_why);
	status_line(pg, _("stored bytes"), p.bytes_ok, true, p.bytes_why);
	html_raw(&pg->h, "</ul><p><a href=\"/bundle?leaf=");
	html_int(&pg->h, in->leaf);
	html_raw(&pg->h, "\">");
	html_text(&pg->h, _("Download the evidence bundle (verifiable offline)"));
	html_raw(&pg->h, "</a></p></section>");
}

static void reasons(struct page *pg, const json_t *content)
{
	const json_t *list = json_object_get(content, "reasons"), *pii, *v;
	const char *key;
	size_t i;

	if (json_array_size(list)) {
		html_el(&pg->h, "dt", _("Reasons"));
		html_raw(&pg->h, "<dd><ul class=\"reasons\">");
		json_array_foreach(list, i, v)
		{
			html_el(&pg->h, "li", json_string_value(v));
		}
		html_raw(&pg->h, "</ul></dd>");
	}
	pii = json_object_get(content, "pii");
	if (json_object_size(pii)) {
		html_el(&pg->h, "dt", _("Personal data (counts)"));
		html_raw(&pg->h, "<dd>");
		json_object_foreach((json_t *)pii, key, v)
		{
			html_textf(&pg->h, "%s: %lld ", key, (long long)json_integer_value(v));
		}
		html_raw(&pg->h, "</dd>");
	}
}

static void who_where(struct page *pg, const json_t *p, const struct incident *in)
{
	const json_t *subject = json_object_get(p, "subject");
	static const char dept_sql[] = "SELECT department FROM desks WHERE agent_id = ?";
	struct db_val dp[] = {DBV_TEXT(in->agent_id)};
	struct db_rows *rows = db_query(pg->db, dept_sql, dp, 1);

	fact(pg, _("User"), wjson_str(subject, "user"));
	fact_int(pg, _("User id"), subject, "uid");
	fact(pg, _("Program"), wjson_str(subject, "exe"));
	fact_int(pg, _("Process"), subject, "pid");
	fact(pg, _("Host"), in->host);
	if (rows && db_next(rows))
		fact(pg, _("Department"), db_col_text(rows, 0, NULL));
	db_rows_free(rows);
	fact(pg, _("Desk (agent id)"), in->agent_id);
	html_el(&pg->h, "dt", _("When"));
	html_raw(&pg->h, "<dd>");
	html_time(&pg->h, in->observed_ms, pg->english);
	if (in->attempts > 1) {
		html_raw(&pg->h, " <span class=\"count\">");
		html_textf(&pg->h, _("%lld attempts, the last at"), (long long)in->attempts);
		html_raw(&pg->h, " ");
		html_time(&pg->h, in->last_ms, pg->english);
		html_raw(&pg->h, "</span>");
	}
	html_raw(&pg->h, "</dd>");
}

static void what(struct page *pg, const json_t *p, const struct incident *in)
{
	const json_t *file = json_object_get(p, "file"), *dev = json_object_get(p, "device");
	const json_t *content = json_object_get(p, "content"), *rule = json_object_get(p, "rule");
	char line[300];

	fact(pg, _("File"),
	     wjson_str(file, "name") ? wjson_str(file, "name") : wjson_str(file, "name_hmac"));
	fact(pg, _("Written to"), wjson_str(file, "path"));
	fact(pg, _("Copied from"), wjson_str(file, "source"));
	fact_int(pg, _("Size (bytes)"), file, "size");
	fact(pg, _("SHA-256"), wjson_str(file, "sha256"));
	fact(pg, _("Type"), wjson_str(file, "mime"));
	fact(pg, _("Level"), level_label(in->level_rank));
	reasons(pg, content);
	snprintf(line, sizeof(line), "%s%s%s%s%s",
		 wjson_str(dev, "vendor") ? wjson_str(dev, "vendor") : "",
		 wjson_str(dev, "model") ? " " : "",
		 wjson_str(dev, "model") ? wjson_str(dev, "model") : "",
		 wjson_str(dev, "id") ? " · " : "",
		 wjson_str(dev, "id") ? wjson_str(dev, "id") : "");
	fact(pg, _("Device"), line);
	fact(pg, _("Device serial"), wjson_str(dev, "serial"));
	fact(pg, _("File system"), wjson_str(dev, "fs"));
	fact(pg, _("Rule"), wjson_str(rule, "file"));
	fact_int(pg, _("Rule line"), rule, "line");
	fact(pg, _("Rule's reason"), wjson_str(rule, "reason"));
	fact(pg, _("Action"), action_label(in->action));
	fact(pg, _("Outcome"), outcome_label(in->outcome));
	fact(pg, _("Approved by"), in->approver);
	fact(pg, _("Detail"), wjson_str(p, "detail"));
}

void page_incident(struct page *pg)
{
	struct incident in;
	json_t *p;
	char title[96];

	sync_incidents(pg->con, pg->db);
	if (incident_get(pg->db, pg->id, &in) < 0) {
		page_error(pg, 404, _("There is no such incident."));
		return;
	}
	p = incident_payload(pg->db, in.leaf);
	snprintf(title, sizeof(title), _("Incident %s"), in.ref[0] ? in.ref : "—");
	page_begin(pg, title);
	html_raw(&pg->h, "<p class=\"state\">");
	html_elc(&pg->h, "span", in.state, state_label(in.state));
	if (in.resolution[0]) {
		html_raw(&pg->h, " · ");
		html_text(&pg->h, resolution_label(in.resolution));
	}
	html_raw(&pg->h, "</p>");
	evidence_status(pg, &in);
	html_raw(&pg->h, "<section class=\"facts\"><h2>");
	html_text(&pg->h, _("What happened"));
	html_raw(&pg->h, "</h2><dl>");
	who_where(pg, p, &in);
	what(pg, p, &in);
	html_raw(&pg->h, "</dl></section>");
	json_decref(p);
	incident_review_forms(pg, &in);
	incident_approvals(pg, &in);
	incident_trail(pg, &in);
	page_end(pg);
	page_send(pg, 200);
}
