/* The approval desk.  From a blocked incident a supervisor approves one
 * exception: this file (its SHA-256) or any file up to a level, this
 * stick or any, for this user, within a window, with a reason.  The
 * console signs Ward's approval token (policy/token.c, `ward-token 1`)
 * with the supervisor's own key, opened with the password they type
 * here; the token rides to that desk on its next acknowledgement
 * (protocol §4) and counts there when the desk's policy trusts the
 * supervisor (`trust supervisor`, /supervisors.tar.gz).  A token can be
 * revoked: the desk is told with its next acknowledgement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/incident.h"
#include "collector/console/pages.h"
#include "collector/console/query.h"
#include "collector/console/review.h"
#include "collector/console/users.h"
#include "common/cleanup.h"
#include "common/date.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"
#include "policy/policy.h"

#define HOUR_MS (3600 * 1000LL)
#define WINDOW_MAX_MS (31 * 24 * HOUR_MS)
#define DELIVER_MAX 100

static bool approvable(const struct incident *in)
{
	return strcmp(in->action, "block") == 0 || strcmp(in->action, "quarantine") == 0;
}

static void local_input_value(int64_t ms, char out[24])
{
	char iso[40];

	date_iso_local((time_t)(ms / 1000), iso, sizeof(iso));
	snprintf(out, 24, "%.16s", iso); /* YYYY-MM-DDTHH:MM */
}

static void radio(struct page *pg, const char *name, const char *value, bool checked,
		  const char *label)
{
	html_raw(&pg->h, "<label class=\"choice\"><input type=\"radio\"");
	html_attr(&pg->h, "name", name);
	html_attr(&pg->h, "value", value);
	if (checked)
		html_raw(&pg->h, " checked");
	html_raw(&pg->h, "> ");
	html_text(&pg->h, label);
	html_raw(&pg->h, "</label>");
}

static void scope_fields(struct page *pg, const struct incident *in)
{
	struct html *h = &pg->h;
	char label[200];

	html_raw(h, "<fieldset><legend>");
	html_text(h, _("Which files"));
	html_raw(h, "</legend>");
	if (in->sha256[0]) {
		snprintf(label, sizeof(label), _("this file only (SHA-256 %.16s…)"), in->sha256);
		radio(pg, "scope", "file", true, label);
	}
	radio(pg, "scope", "level", !in->sha256[0], _("any file up to the level"));
	html_raw(h, "<select name=\"level_max\">");
	for (int i = 1; i <= 4; i++) {
		char v[2] = {(char)('0' + i), '\0'};

		html_option(h, v, level_label(i), i == (in->level_rank ? in->level_rank : 1));
	}
	html_raw(h, "</select></fieldset><fieldset><legend>");
	html_text(h, _("Which device"));
	html_raw(h, "</legend>");
	if (in->serial[0]) {
		snprintf(label, sizeof(label), _("this stick only (serial %s)"), in->serial);
		radio(pg, "device", "this", true, label);
	}
	radio(pg, "device", "any", !in->serial[0], _("any device"));
	html_raw(h, "</fieldset><p>");
	html_text(h, _("For the user"));
	html_raw(h, " <strong>");
	html_text(h, in->user);
	html_raw(h, "</strong></p>");
}

static void approve_form(struct page *pg, const struct incident *in, const char *message)
{
	struct html *h = &pg->h;
	char action[64], from[24], until[24], title[96];
	int64_t now = page_now();

	snprintf(title, sizeof(title), _("Approve an exception: incident %s"), in->ref);
	page_begin(pg, title);
	if (message)
		html_elc(h, "p", "error", message);
	html_elc(h, "p", "file", in->file_name);
	snprintf(action, sizeof(action), "/incident/%lld/approve", (long long)in->leaf);
	page_form(pg, action, "approve-form stacked");
	scope_fields(pg, in);
	local_input_value(now, from);
	local_input_value(now + 8 * HOUR_MS, until);
	html_raw(h, "<label>");
	html_text(h, _("Valid from"));
	html_raw(h, "<input type=\"datetime-local\" name=\"from\" required");
	html_attr(h, "value", from);
	html_raw(h, "></label><label>");
	html_text(h, _("Valid until"));
	html_raw(h, "<input type=\"datetime-local\" name=\"until\" required");
	html_attr(h, "value", until);
	html_raw(h, "></label>");
	page_field(pg, _("Reason (required; the desk shows it)"),
		   "<input name=\"reason\" required maxlength=\"200\">");
	page_field(pg, _("Your password (opens your signing key)"),
		   "<input type=\"password\" name=\"password\" autocomplete=\"current-password\""
		   " required>");
	page_submit(pg, _("Sign and send the approval"));
	page_end(pg);
	page_send(pg, message ? 400 : 200);
}

void page_approve_form(struct page *pg)
{
	struct incident in;

	if (incident_get(pg->db, pg->id, &in) < 0)
		page_error(pg, 404, _("There is no such incident."));
	else if (!approvable(&in))
		page_error(pg, 400, _("Only a blocked copy can be approved."));
	else
		approve_form(pg, &in, NULL);
}

/* The reason as a token's note: one line, no blanks at either end. */
static bool note_from(const char *reason, char note[256])
{
	size_t n = 0;

	for (const char *p = reason; p && *p && n + 1 < 256; p++)
		note[n++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
	note[n] = '\0';
	while (n && note[n - 1] == ' ')
		note[--n] = '\0';
	while (note[0] == ' ')
		memmove(note, note + 1, strlen(note));
	return note[0] != '\0';
}

/* The token's fields from the form; NULL or why not. */
static const char *fields_from(struct page *pg, const struct incident *in,
			       struct policy_token_fields *f)
{
	const char *scope = http_field(pg->req, "scope"), *device = http_field(pg->req, "device");
	const char *level = http_field(pg->req, "level_max");
	int64_t from, until;

	memset(f, 0, sizeof(*f));
	if (!note_from(http_field(pg->req, "reason"), f->note))
		return _("Give a reason.");
	if (!local_time_ms(http_field(pg->req, "from"), &from) ||
	    !local_time_ms(http_field(pg->req, "until"), &until) || until <= from)
		return _("The window needs a start and a later end.");
	if (until - from > WINDOW_MAX_MS || until <= page_now())
		return _("An approval lasts at most 31 days and must not be over already.");
	f->from = (time_t)(from / 1000);
	f->until = (time_t)(until / 1000);
	str_copy(f->approver, sizeof(f->approver), pg->user.display);
	str_copy(f->user, sizeof(f->user), in->user);
	if (device && strcmp(device, "this") == 0 && in->serial[0])
		str_copy(f->device_serial, sizeof(f->device_serial), in->serial);
	else if (!device || strcmp(device, "any") != 0)
		return _("Choose this stick or any device.");
	if (scope && strcmp(scope, "file") == 0 && in->sha256[0]) {
		f->has_sha256 = hex_decode(in->sha256, 64, f->sha256, 32);
		return f->has_sha256 ? NULL : _("The incident's SHA-256 is not readable.");
	}
	if (!scope || strcmp(scope, "level") != 0 || !level || strlen(level) != 1 ||
	    level[0] < '1' || level[0] > '4')
		return _("Choose this file or a level.");
	f->level_max = (enum ward_level)(level[0] - '0');
	return NULL;
}

static json_t *approval_body(const struct policy_token_fields *f, const char *id)
{
	json_t *o = json_pack("{sssssssIsI}", "approval", id, "user", f->user, "note", f->note,
			      "from", (json_int_t)f->from, "until", (json_int_t)f->until);
	char sha[65];

	if (o && f->device_serial[0])
		json_object_set_new(o, "device_serial", json_string(f->device_serial));
	if (o && f->has_sha256) {
		hex_encode(f->sha256, 32, sha);
		json_object_set_new(o, "sha256", json_string(sha));
	}
	if (o && !f->has_sha256)
		json_object_set_new(o, "level_max", json_string(level_name(f->level_max)));
	return o;
}

/* The token signed, kept and logged as one review action. */
static int issue(struct page *pg, const struct incident *in, const struct policy_token_fields *f,
		 const struct ed25519_key *key, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO approvals (id, incident, agent_id, approver, approver_display, username,"
	    " device_serial, file_sha256, level_max, from_ms, until_ms, reason, token, created_ms)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char *token = NULL, id[65], sha[65] = "";
	int r;

	if (policy_token_sign_key(f, key, &token, err, errlen) < 0)
		return -EINVAL;
	sha256_hex(token, strlen(token), id);
	if (f->has_sha256)
		hex_encode(f->sha256, 32, sha);
	{
		struct db_val p[] = {DBV_TEXT(id),
				     DBV_INT(in->leaf),
				     DBV_TEXT(in->agent_id),
				     DBV_TEXT(pg->user.name),
				     DBV_TEXT(f->approver),
				     DBV_TEXT(f->user),
				     DBV_TEXT(f->device_serial[0] ? f->device_serial : NULL),
				     DBV_TEXT(sha[0] ? sha : NULL),
				     f->has_sha256 ? DBV_NULL : DBV_INT(f->level_max),
				     DBV_INT((int64_t)f->from * 1000),
				     DBV_INT((int64_t)f->until * 1000),
				     DBV_TEXT(f->note),
				     DBV_TEXT(token),
				     DBV_INT(page_now())};
		struct review_change ch = {sql, p, ARRAY_SIZE(p)};

		r = review_append(pg, in->leaf, "approve", approval_body(f, id), &ch, NULL, NULL);
	}
	free(token);
	return r;
}

void page_approve(struct page *pg)
{
	struct policy_token_fields f;
	struct ed25519_key key = {0};
	struct incident in;
	const char *why;
	char err[200];
	int r;

	if (incident_get(pg->db, pg->id, &in) < 0) {
		page_error(pg, 404, _("There is no such incident."));
		return;
	}
	if (!approvable(&in)) {
		page_error(pg, 400, _("Only a blocked copy can be approved."));
		return;
	}
	if ((why = fields_from(pg, &in, &f))) {
		approve_form(pg, &in, why);
		return;
	}
	r = users_open_key(pg->con, pg->db, pg->user.name,
			   http_field(pg->req, "password") ? http_field(pg->req, "password") : "",
			   &key);
	if (r == -ENOENT || r == -EACCES) {
		approve_form(pg, &in,
			     r == -ENOENT ? _("You have no signing key yet: change your password "
					      "once to make it.")
					  : _("That password does not open your signing key."));
		return;
	}
	r = r < 0 ? r : issue(pg, &in, &f, &key, err, sizeof(err));
	ed25519_free(&key);
	if (r < 0)
		page_error(pg, r == -EINVAL ? 400 : 503,
			   r == -EINVAL ? err : _("The approval could not be recorded."));
	else {
		char loc[80];

		snprintf(loc, sizeof(loc), "/incident/%lld?done=approved", (long long)in.leaf);
		page_redirect(pg, loc);
	}
}
