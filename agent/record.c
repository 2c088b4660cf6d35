#include "agent/record.h"

#include <stdio.h>
#include <string.h>

#include "agent/agent.h"

void record_to_journal(const struct act_outcome *o, char rule[320], struct journal_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->time = o->time;
	rec->event = o->event;
	rec->record_id = o->record_id[0] ? o->record_id : NULL;
	rec->ref = o->ref[0] ? o->ref : NULL;
	rec->decision = o->stage == ACT_STAGE_OUTCOME ? o->decision_id : NULL;
	rec->uid = o->uid;
	rec->user = o->user;
	rec->loginuid = o->loginuid;
	rec->pid = o->pid;
	rec->exe = o->exe;
	rec->path = o->path;
	rec->source = o->source;
	rec->content = o->content;
	rec->device = o->device;
	if (o->rule_file) {
		snprintf(rule, 320, "%s:%u", o->rule_file, o->rule_line);
		rec->rule = rule;
	}
	rec->action = o->action;
	rec->outcome = o->outcome;
	rec->detail = o->detail;
	rec->approver = o->approver;
}

int record_write(struct agent *a, const struct act_outcome *o, bool sync, struct act_receipt *out)
{
	struct journal_record rec;
	char rule[320];
	int64_t seq;

	record_to_journal(o, rule, &rec);
	seq = journal_append(a->journal, &rec, sync);
	if (seq < 0)
		return (int)seq;
	out->seq = (uint64_t)seq;
	return 0;
}

int record_format(const struct act_outcome *o, char **out, size_t *len)
{
	struct journal_record rec;
	char rule[320];

	record_to_journal(o, rule, &rec);
	return journal_format(&rec, out, len);
}

void record_policy_reload(struct agent *a, const char *path, bool loaded)
{
	struct journal_record rec = {0};

	clock_gettime(CLOCK_REALTIME, &rec.time);
	rec.event = "policy-reload";
	rec.uid = rec.loginuid = (uid_t)-1;
	rec.path = path;
	rec.outcome = loaded ? "loaded" : "rejected: old policy kept";
	journal_append(a->journal, &rec, true);
}
