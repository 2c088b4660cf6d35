#define _GNU_SOURCE
#include "agent/notice.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "common/level.h"
#include "common/record_id.h"
#include "common/util.h"
#include "report/record.h"

/* "SanDisk Cruzer" for people; the ids when udev knew no names. */
static void device_name(const struct ward_device *dev, char *out, size_t size)
{
	if (!dev) {
		out[0] = '\0';
		return;
	}
	if (dev->vendor[0] || dev->model[0])
		snprintf(out, size, "%s%s%s", dev->vendor,
			 dev->vendor[0] && dev->model[0] ? " " : "", dev->model);
	else
		snprintf(out, size, "%04x:%04x", dev->vendor_id, dev->product_id);
}

/* What identifies one insertion of a medium. */
static void device_key(const struct ward_device *dev, char *out, size_t size)
{
	if (!dev) {
		out[0] = '\0';
		return;
	}
	snprintf(out, size, "%04x:%04x:%s:%s", dev->vendor_id, dev->product_id, dev->serial,
		 dev->devnode);
}

/* Which notices staff get; false: none for this outcome. */
static bool kind_of(const struct act_outcome *o, enum notice_kind *kind, const char **action)
{
	switch (o->notice) {
	case POLICY_NOTICE_WARN:
	case POLICY_NOTICE_BLOCK:
	case POLICY_NOTICE_QUARANTINE:
		*kind = NOTICE_EVENT;
		*action = policy_action_name(o->file_action);
		return true;
	case POLICY_NOTICE_FAIL:
		*kind = NOTICE_EVENT;
		*action = "block"; /* what the person saw: the copy was refused */
		return true;
	case POLICY_NOTICE_DEVICE_READ_ONLY:
	case POLICY_NOTICE_DEVICE_BLOCK:
		*kind = NOTICE_DEVICE;
		*action = o->notice == POLICY_NOTICE_DEVICE_BLOCK ? "block" : "read-only";
		return strcmp(o->event, ACT_EVENT_DEVICE_BLOCK) != 0;
	default:
		return false;
	}
}

void notice_outcome(void *hub, const struct act_outcome *o)
{
	char name[300], key[300], ref[RECORD_REF_LEN];
	struct notice n = {0};

	if (!hub || !o->has_notice || !kind_of(o, &n.kind, &n.action))
		return;
	/* The code of the decision record, the one the incident is found by. */
	if (o->ref[0])
		n.ref = o->ref;
	else if (record_ref(o->stage == ACT_STAGE_OUTCOME ? o->decision_id : o->record_id, ref) ==
		 0)
		n.ref = ref;
	device_name(o->device, name, sizeof(name));
	device_key(o->device, key, sizeof(key));
	n.uid = n.kind == NOTICE_DEVICE ? (uid_t)-1 : o->uid;
	n.loginuid = n.kind == NOTICE_DEVICE ? (uid_t)-1 : o->loginuid;
	n.english = o->english;
	n.outcome = o->outcome;
	n.level = o->content && o->content->level != WARD_LEVEL_NONE ? level_name(o->content->level)
								     : NULL;
	n.file = n.kind == NOTICE_EVENT ? o->name : NULL;
	n.device = name;
	n.device_key = key;
	n.reason = o->rule_reason;
	n.message_zh = o->message_zh;
	n.message_en = o->message_en;
	n.contact = o->contact;
	n.observed = o->time;
	notify_publish(hub, &n);
}

void notice_device_removed(struct notify_hub *hub, const struct ward_device *dev)
{
	char key[300];

	device_key(dev, key, sizeof(key));
	notify_device_gone(hub, key);
}

static bool held_before(const struct policy *before, const struct policy_token *t)
{
	for (size_t i = 0; before && i < policy_tokens_loaded(before); i++)
		if (policy_token_same(policy_token_loaded(before, i), t))
			return true;
	return false;
}

static void tell_approval(struct notify_hub *hub, const struct policy *policy,
			  const struct policy_token_fields *f)
{
	struct passwd pw, *res = NULL;
	char buf[1024], until[RFC3339_MAX];
	struct timespec until_ts = {.tv_sec = f->until};
	struct notice n = {.kind = NOTICE_APPROVAL};

	if (getpwnam_r(f->user, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return; /* nobody here to tell */
	rfc3339_ms(&until_ts, until);
	n.uid = res->pw_uid;
	n.loginuid = (uid_t)-1;
	n.action = "approval";
	n.approver = f->approver;
	n.until = until;
	n.level = f->has_sha256 ? NULL : level_name(f->level_max);
	n.device = f->device_serial[0] ? f->device_serial : NULL;
	n.device_key = f->device_serial;
	n.reason = f->note[0] ? f->note : NULL;
	n.contact = policy_contact(policy);
	clock_gettime(CLOCK_REALTIME, &n.observed);
	notify_publish(hub, &n);
}

void notice_approvals(struct notify_hub *hub, const struct policy *before,
		      const struct policy *after)
{
	time_t now = time(NULL);

	for (size_t i = 0; hub && i < policy_tokens_loaded(after); i++) {
		const struct policy_token *t = policy_token_loaded(after, i);
		const struct policy_token_fields *f = policy_token_get_fields(t);

		if (f->until > now && !held_before(before, t))
			tell_approval(hub, after, f);
	}
}
