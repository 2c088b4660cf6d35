/* `wardctl policy explain`'s output: the decision, its rule and why, for
 * people (text) or for scripts (one JSON object on one line). */
#include <stdio.h>

#include "common/i18n.h"
#include "common/json.h"
#include "wardctl/explain.h"

void explain_print_text(const struct policy_event *ev, const struct policy_decision *d,
			const char *why, const struct explain_tokens *tokens)
{
	if (ev->kind == POLICY_EVENT_DEVICE)
		printf(_("device %s\n"), policy_device_action_name(d->device_action));
	else if (d->action != d->rule_action)
		printf(_("%s (rule says %s)\n"), policy_action_name(d->action),
		       policy_action_name(d->rule_action));
	else
		printf("%s\n", policy_action_name(d->action));
	if (d->matched_default)
		printf(_("  rule: %s\n"), d->rule_text);
	else
		printf(_("  rule: %s:%u: %s\n"), d->rule_file, d->rule_line, d->rule_text);
	printf(_("  why:  %s\n"), why);
	for (size_t i = 0; i < tokens->n_rejected; i++)
		printf(_("  token %s rejected (%s): %s\n"), tokens->rejected[i].path,
		       tokens->rejected[i].status, tokens->rejected[i].text);
	fputs(d->report ? _("  report: yes\n") : _("  report: no\n"), stdout);
}

static const char *event_name(enum policy_event_kind kind)
{
	return kind == POLICY_EVENT_DEVICE ? "device"
	       : kind == POLICY_EVENT_COPY ? "copy"
					   : "close-write";
}

static json_t *rule_json(const struct policy_decision *d)
{
	return json_pack("{s:s?, s:I, s:s?, s:s?, s:b}", "file", d->rule_file, "line",
			 (json_int_t)d->rule_line, "text", d->rule_text, "reason", d->rule_reason,
			 "default", d->matched_default);
}

static json_t *rejected_json(const struct explain_tokens *tokens)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < tokens->n_rejected; i++) {
		const struct rejected_token *r = &tokens->rejected[i];

		if (json_array_append_new(arr, json_pack("{s:s?, s:s?, s:s}", "file", r->path,
							 "status", r->status, "detail", r->text)) <
		    0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The action members: a device action, or the copy action and what the
 * rule said before an approval changed it. */
static int set_actions(json_t *o, const struct policy_event *ev, const struct policy_decision *d)
{
	if (ev->kind == POLICY_EVENT_DEVICE)
		return wjson_set_str(o, "device_action",
				     policy_device_action_name(d->device_action));
	if (wjson_set_str(o, "action", policy_action_name(d->action)) < 0)
		return -1;
	return wjson_set_str(o, "rule_action", policy_action_name(d->rule_action));
}

int explain_print_json(const struct policy *p, const struct policy_event *ev,
		       const struct policy_decision *d, const char *why,
		       const struct explain_tokens *tokens)
{
	char when[48];
	json_t *o;
	int r = -1;

	policy_format_time(p, ev->time, when, sizeof(when));
	o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:o, s:b}", "event", event_name(ev->kind), "rule",
		      rule_json(d), "why", why, "time", when, "token_status",
		      policy_token_status_name(d->token_status), "rejected_tokens",
		      rejected_json(tokens), "report", d->report);
	if (o && set_actions(o, ev, d) == 0 && wjson_set_str(o, "approver", d->approver) == 0)
		r = wjson_print(stdout, o, false);
	json_decref(o);
	if (r < 0) {
		fputs(_("wardctl policy explain: cannot write the JSON answer\n"), stderr);
		return 1;
	}
	return 0;
}
