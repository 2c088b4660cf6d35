#define _GNU_SOURCE
#include "agent/notice.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "common/i18n.h"
#include "common/level.h"
#include "common/util.h"
#include "kmod-free/procfd.h"
#include "report/record.h"

#define MESSAGE_BYTES 2048

bool notice_wanted(const char *action, const char *outcome)
{
	if (!action || !outcome)
		return false;
	if (strcmp(action, "block") == 0 || strcmp(action, "quarantine") == 0 ||
	    strcmp(action, "warn") == 0)
		return true;
	/* The fail mode told the kernel no: the person sees EPERM. */
	return strcmp(action, "fail-mode") == 0 && strncmp(outcome, "denied", 6) == 0;
}

static enum policy_notice which_notice(const char *action, const char *outcome)
{
	if (strcmp(action, "warn") == 0)
		return POLICY_NOTICE_WARN;
	if (strcmp(action, "fail-mode") == 0)
		return POLICY_NOTICE_FAIL;
	/* Quarantine on a copy event denies the open: nothing was written. */
	if (strcmp(action, "quarantine") == 0 && strncmp(outcome, "denied", 6) != 0)
		return POLICY_NOTICE_QUARANTINE;
	return POLICY_NOTICE_BLOCK;
}

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

static bool person_reads_english(pid_t pid)
{
	char locale[64];

	return pid > 0 && procfd_locale(pid, locale, sizeof(locale)) == 0 &&
	       i18n_is_english(locale);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

void notice_decision(struct notify_hub *hub, const struct policy *policy,
		     const struct notice_decision *f)
{
	char zh[MESSAGE_BYTES], en[MESSAGE_BYTES], name[300], key[300];
	struct policy_event ev = {.content = f->content, .device = f->device};
	enum policy_notice which;
	struct notice n = {.kind = NOTICE_EVENT};

	if (!hub || !notice_wanted(f->action, f->outcome))
		return;
	which = which_notice(f->action, f->outcome);
	policy_render_notice(policy, which, POLICY_LANG_ZH_TW, f->d, &ev, zh, sizeof(zh));
	policy_render_notice(policy, which, POLICY_LANG_EN, f->d, &ev, en, sizeof(en));
	device_name(f->device, name, sizeof(name));
	device_key(f->device, key, sizeof(key));
	n.uid = f->uid;
	n.loginuid = f->loginuid;
	n.english = person_reads_english(f->pid);
	n.action = strcmp(f->action, "fail-mode") == 0 ? "block" : f->action;
	n.outcome = f->outcome;
	n.ref = f->ref;
	n.level = f->content && f->content->level != WARD_LEVEL_NONE ? level_name(f->content->level)
								     : NULL;
	n.file = base_name(f->path);
	n.device = name;
	n.device_key = key;
	n.reason = f->d && f->d->rule_reason ? f->d->rule_reason : NULL;
	n.message_zh = zh;
	n.message_en = en;
	n.contact = policy_contact(policy);
	n.observed = f->time;
	notify_publish(hub, &n);
}

void notice_device(struct notify_hub *hub, const struct policy *policy,
		   const struct ward_device *dev, const struct policy_decision *d)
{
	char zh[MESSAGE_BYTES], en[MESSAGE_BYTES], name[300], key[300];
	struct policy_event ev = {.kind = POLICY_EVENT_DEVICE, .device = dev};
	enum policy_notice which;
	struct notice n = {.kind = NOTICE_DEVICE};

	if (!hub || d->device_action == POLICY_DEVICE_ALLOW)
		return;
	which = d->device_action == POLICY_DEVICE_BLOCK ? POLICY_NOTICE_DEVICE_BLOCK
							: POLICY_NOTICE_DEVICE_READ_ONLY;
	policy_render_notice(policy, which, POLICY_LANG_ZH_TW, d, &ev, zh, sizeof(zh));
	policy_render_notice(policy, which, POLICY_LANG_EN, d, &ev, en, sizeof(en));
	device_name(dev, name, sizeof(name));
	device_key(dev, key, sizeof(key));
	n.uid = n.loginuid = (uid_t)-1;
	n.action = policy_device_action_name(d->device_action);
	n.device = name;
	n.device_key = key;
	n.reason = d->rule_reason;
	n.message_zh = zh;
	n.message_en = en;
	n.contact = policy_contact(policy);
	clock_gettime(CLOCK_REALTIME, &n.observed);
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
