#define _GNU_SOURCE
#include "agent/record.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/report.h"
#include "common/json.h"
#include "common/record_id.h"
#include "common/util.h"
#include "report/decision.h"

/* What a record of this outcome says, from act.c's outcome. */
static void decision_of(const struct act_outcome *o, struct report_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->event = o->event;
	d->action = o->action;
	d->outcome = o->outcome;
	d->rule_file = o->rule_file;
	d->rule_line = o->rule_line;
	d->rule_reason = o->rule_reason;
	d->uid = o->uid;
	d->user = o->user;
	d->loginuid = o->loginuid;
	d->pid = o->pid;
	d->exe = o->exe;
	d->path = o->path;
	d->source = o->source;
	d->content = o->content;
	d->device = o->device;
	d->approver = o->approver;
	d->detail = o->detail;
}

static bool device_kind(const struct act_outcome *o)
{
	return o->event &&
	       (strcmp(o->event, ACT_EVENT_DEVICE) == 0 || strcmp(o->event, ACT_EVENT_MOUNT) == 0);
}

/* Whether the policy reports this outcome with its facts: decisions about
 * files by their action, what happens to a medium by `report
 * device-events`, answers without a decision (fail modes) and names with a
 * marking created on a medium (evidence of a channel, names.h) always. */
static bool reported(const struct policy *p, const struct act_outcome *o)
{
	bool file_event = o->event && (strcmp(o->event, ACT_EVENT_COPY_DESTINATION) == 0 ||
				       strcmp(o->event, ACT_EVENT_COPY_SOURCE) == 0 ||
				       strcmp(o->event, ACT_EVENT_CLOSE_WRITE) == 0);

	if (!p || !o->action || strcmp(o->action, ACT_ACTION_FAIL_MODE) == 0 || o->approver ||
	    (o->event && strcmp(o->event, ACT_EVENT_NAME) == 0))
		return true;
	if (!file_event)
		return policy_reports_devices(p);
	return policy_reports(p, o->file_action);
}

/* Allows that were audited or warned about: what the cap may drop. */
static bool audit_level(const struct act_outcome *o)
{
	return o->action && (strcmp(o->action, "allow") == 0 || strcmp(o->action, "audit") == 0 ||
			     strcmp(o->action, "warn") == 0);
}

/* The members every record of an outcome has: its id, its stage. */
static int outcome_members(json_t *p, const struct act_outcome *o)
{
	int r = 0;

	if (o->record_id[0])
		r |= wjson_set_str(p, "record_id", o->record_id);
	r |= wjson_set_str(p, "stage", o->stage == ACT_STAGE_OUTCOME ? "outcome" : "decision");
	if (o->stage == ACT_STAGE_OUTCOME && o->decision_id[0])
		r |= wjson_set_str(p, "decision", o->decision_id);
	return r ? -ENOMEM : 0;
}

/* The payload: the facts, or a stub when the policy does not report them. */
static json_t *payload_of(struct agent *a, const struct act_outcome *o, bool full, bool hash_names)
{
	struct report_decision d;
	char ref[RECORD_REF_LEN];
	json_t *p =
	    rlog_record_new(a->report->log, device_kind(o) ? "device" : "decision", &o->time);
	int r = p ? outcome_members(p, o) : -ENOMEM;

	if (r == 0 && full) {
		decision_of(o, &d);
		r = decision_members(p, &d, hash_names ? a->report->names_key : NULL);
	} else if (r == 0) {
		r = record_ref(wjson_str(p, "record_id"), ref) < 0 ? -EINVAL : 0;
		r |= wjson_set_str(p, "ref", ref) | wjson_set_str(p, "event", o->event) |
		     wjson_set_str(p, "action", o->action) |
		     wjson_set_str(p, "outcome", o->outcome) |
		     json_object_set_new(p, "reported", json_false());
	}
	if (r) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* The coalescing key of a decision about a file: who, what, where, how. */
/* SHA-256 of the event, the program and the path, each with its NUL. */
static bool how_of(const struct act_outcome *o, unsigned char out[32])
{
	const char *parts[] = {o->event ?: "", o->exe ?: "", o->path ?: ""};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < 3; i++)
		ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool coalesce_key_of(const struct act_outcome *o, struct coalesce_key *k)
{
	if (o->stage != ACT_STAGE_DECISION || !o->content || !o->action || device_kind(o))
		return false;
	memset(k, 0, sizeof(*k));
	k->uid = o->uid;
	memcpy(k->sha256, o->content->sha256, sizeof(k->sha256));
	if (o->device)
		snprintf(k->device, sizeof(k->device), "%04x:%04x/%s", o->device->vendor_id,
			 o->device->product_id, o->device->serial);
	str_copy(k->action, sizeof(k->action), o->action);
	return how_of(o, k->how); /* without it, nothing is folded */
}

int record_write(struct agent *a, const struct act_outcome *o, bool sync, struct act_receipt *out)
{
	struct policy *p = policy_current_get(a->policy);
	bool full = reported(p, o), hash_names = p && !policy_reports_file_names(p);
	unsigned flags = sync ? RLOG_DURABLE : audit_level(o) ? RLOG_DROPPABLE : 0;
	struct coalesce_key key;
	bool keyed = full && coalesce_key_of(o, &key);
	json_t *payload;
	int64_t seq;

	policy_unref(p);
	memset(out, 0, sizeof(*out));
	if (!a->report->log)
		return (int)agent_report_append(a, json_object(), flags); /* counted: -EIO */
	if (keyed && !coalesce_seen(a->report->coalesce, &key, &o->time, out->ref))
		return 0; /* a repeat: counted into the first attempt's window */
	payload = payload_of(a, o, full, hash_names);
	if (payload && !out->ref[0])
		str_copy(out->ref, sizeof(out->ref), wjson_str(payload, "ref"));
	if (payload && keyed)
		coalesce_keep(a->report->coalesce, &key, payload);
	seq = agent_report_append(a, payload, flags);
	if (seq < 0 && keyed)
		coalesce_forget(a->report->coalesce, &key);
	if (seq == -ENOBUFS)
		return 0; /* dropped over the cap: counted, in the next spool-overflow */
	if (seq < 0)
		return (int)seq;
	out->seq = (uint64_t)seq;
	return 0;
}

int record_format(const struct act_outcome *o, char **out, size_t *len)
{
	struct report_decision d;
	json_t *p = json_object();
	char *text = NULL;
	size_t n = 0;
	int r = p ? outcome_members(p, o) : -ENOMEM;

	decision_of(o, &d);
	if (r == 0 && o->record_id[0])
		r = decision_members(p, &d, NULL);
	else if (r == 0)
		r = wjson_set_str(p, "event", o->event) | wjson_set_str(p, "outcome", o->outcome);
	if (r == 0 && !(text = wjson_canonical(p, &n)))
		r = -ENOMEM;
	json_decref(p);
	if (r < 0)
		return r;
	/* Without the braces: the evidence store wraps them with its own. */
	memmove(text, text + 1, n - 2);
	text[n - 2] = '\0';
	*out = text;
	*len = n - 2;
	return 0;
}

void record_policy_reload(struct agent *a, const char *path, bool loaded)
{
	json_t *p =
	    a->report->log ? rlog_record_new(a->report->log, "policy-change", NULL) : json_object();

	/* event and outcome as the decision journal named them, so what
	 * reads `wardctl events` keeps working. */
	if (p &&
	    (wjson_set_str(p, "path", path) < 0 ||
	     wjson_set_str(p, "result", loaded ? "loaded" : "rejected") < 0 ||
	     wjson_set_str(p, "event", "policy-reload") < 0 ||
	     wjson_set_str(p, "outcome", loaded ? "loaded" : "rejected: old policy kept") < 0)) {
		json_decref(p);
		p = NULL;
	}
	agent_report_append(a, p, RLOG_DURABLE);
}
