/* The act stage: record, answer, side effect, outcome record, notify.
 * act.h says why in this order; this file is the only place that does it. */
#define _GNU_SOURCE
#include "agent/act.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>

#include "agent/agent.h"
#include "agent/evict.h"
#include "agent/removable.h"
#include "agent/subject.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/record_id.h"
#include "common/util.h"

#define DEFERRED_MAX 64
#define MESSAGE_MAX 1024
#define CREATE_AGE_MAX_S 5 /* a denied create is removed only this fresh */

/* An answer the reader gave that a worker still has to record. */
struct deferred {
	pid_t pid;
	uint64_t mask;
	enum pool_verdict verdict;
	enum pool_answerer by;
	int mount_id;
	struct timespec time;
	char path[PATH_MAX];
};

struct act {
	struct act_subscriber subs[ACT_MAX_SUBSCRIBERS];
	size_t n_subs;
	pthread_mutex_t lock; /* guards the ring only */
	struct deferred ring[DEFERRED_MAX];
	uint64_t head, tail;
	atomic_uint_fast64_t waiting; /* tail - head, read without the lock */
	atomic_uint_fast64_t dropped;
};

/* Everything an outcome's strings point into, on the acting thread's
 * stack for the length of one act_carry_out(). */
struct act_texts {
	char path[PATH_MAX];
	char detail[PATH_MAX + 256];
	char message_zh[MESSAGE_MAX];
	char message_en[MESSAGE_MAX];
};

int act_new(struct act **out)
{
	struct act *act = calloc(1, sizeof(*act));

	if (!act)
		return -ENOMEM;
	pthread_mutex_init(&act->lock, NULL);
	*out = act;
	return 0;
}

void act_free(struct act *act)
{
	if (!act)
		return;
	pthread_mutex_destroy(&act->lock);
	free(act);
}

int act_subscribe(struct act *act, const struct act_subscriber *sub)
{
	if (act->n_subs == ACT_MAX_SUBSCRIBERS)
		return -ENOSPC;
	act->subs[act->n_subs++] = *sub;
	return 0;
}

uint64_t act_dropped(struct act *act)
{
	return atomic_load(&act->dropped);
}

/* ---- filling an outcome ---- */

static const char *last_component(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

static void fill_who(struct agent *a, struct subject *who, struct act_outcome *o)
{
	const struct fan_opener *op;
	char locale[64];

	o->uid = o->loginuid = (uid_t)-1;
	if (!who)
		return;
	op = subject_opener(a, who);
	o->uid = op->uid;
	o->loginuid = op->loginuid;
	o->user = who->user[0] ? who->user : NULL;
	o->pid = who->pid;
	o->exe = op->exe[0] ? op->exe : NULL;
	/* Now, while the opener waits for its answer: a terminal line is
	 * written after it, when cp may have exited. */
	if (o->has_notice && o->pid > 0 && a->ops->locale &&
	    a->ops->locale(o->pid, locale, sizeof(locale)) == 0)
		o->english = i18n_is_english(locale);
}

static bool notice_for(const struct act_request *req, enum policy_notice *out)
{
	const struct policy_decision *d = req->decision;

	if (req->effect == ACT_EFFECT_READ_ONLY) {
		*out = POLICY_NOTICE_DEVICE_READ_ONLY;
		return true;
	}
	if (req->effect == ACT_EFFECT_DEAUTHORIZE ||
	    strcmp(req->event, ACT_EVENT_DEVICE_BLOCK) == 0) {
		*out = POLICY_NOTICE_DEVICE_BLOCK;
		return true;
	}
	if (!d || strcmp(req->event, ACT_EVENT_DEVICE) == 0)
		return false;
	if (d->token_status == POLICY_TOKEN_APPLIED)
		*out = POLICY_NOTICE_EXEMPTED;
	else if (d->action == POLICY_WARN)
		*out = POLICY_NOTICE_WARN;
	else if (d->action == POLICY_BLOCK)
		*out = POLICY_NOTICE_BLOCK;
	else if (d->action == POLICY_QUARANTINE)
		/* On a copy event nothing was written: the copy was denied. */
		*out = req->effect == ACT_EFFECT_QUARANTINE ? POLICY_NOTICE_QUARANTINE
							    : POLICY_NOTICE_BLOCK;
	else
		return false;
	return true;
}

/* The staff texts, rendered from the policy in force. */
static void fill_messages(const struct policy *p, const struct policy_event *pe,
			  const struct policy_decision *d, struct act_outcome *o,
			  struct act_texts *t)
{
	if (!o->has_notice || !p)
		return;
	policy_render_notice(p, o->notice, POLICY_LANG_ZH_TW, d, pe, t->message_zh,
			     sizeof(t->message_zh));
	policy_render_notice(p, o->notice, POLICY_LANG_EN, d, pe, t->message_en,
			     sizeof(t->message_en));
	o->message_zh = t->message_zh;
	o->message_en = t->message_en;
	o->contact = policy_contact(p);
}

static void outcome_init(struct agent *a, const struct act_request *req, struct act_outcome *o,
			 struct act_texts *t)
{
	const struct policy_decision *d = req->decision;

	memset(o, 0, sizeof(*o));
	clock_gettime(CLOCK_REALTIME, &o->time);
	o->event = req->event;
	o->uid = o->loginuid = (uid_t)-1;
	o->effect = req->effect;
	o->content = req->content;
	o->device = req->device;
	o->source = req->source;
	o->detail = req->detail;
	o->path = req->path;
	if (!o->path && req->fd >= 0 && a->ops->fd_path(req->fd, t->path, sizeof(t->path)) == 0)
		o->path = t->path;
	o->name = last_component(o->path);
	if (d) {
		o->file_action = d->action;
		o->device_action = d->device_action;
		o->action = strcmp(req->event, ACT_EVENT_DEVICE) == 0
				? policy_device_action_name(d->device_action)
				: policy_action_name(d->action);
		o->rule_file = d->rule_file ? d->rule_file : "(default)";
		o->rule_line = d->rule_line;
		o->rule_reason = d->rule_reason;
		o->approver = d->approver;
	} else {
		o->action = req->action;
		o->rule_file = req->rule_file;
		o->rule_line = req->rule_line;
	}
	o->has_notice = notice_for(req, &o->notice);
	fill_messages(req->policy, req->pe, d, o, t);
}

/* What the kernel was told, as records say it; before any answer, what
 * it is about to be told. */
static const char *answered_text(struct pool_event *ev, enum pool_verdict wanted,
				 struct act_outcome *o)
{
	enum pool_verdict v = wanted;
	enum pool_answerer by = pool_event_answerer(ev, &v);

	if (by != POOL_BY_NOBODY) {
		o->answered = true;
		o->verdict = v;
		o->by = by;
	}
	if (by == POOL_BY_DEADLINE)
		return v == POOL_DENY ? "denied (deadline passed: fail mode)"
				      : "allowed (deadline passed: fail mode)";
	if (by == POOL_BY_QUEUE_FULL)
		return v == POOL_DENY ? "denied (queue full: fail mode)"
				      : "allowed (queue full: fail mode)";
	return v == POOL_DENY ? "denied" : "allowed";
}

/* What the decision record can say before anything was done. */
static const char *intended_outcome(const struct act_request *req, struct act_outcome *o)
{
	switch (req->effect) {
	case ACT_EFFECT_QUARANTINE:
		return "quarantine pending";
	case ACT_EFFECT_READ_ONLY:
	case ACT_EFFECT_REMOUNT_RO:
		return "read-only pending";
	case ACT_EFFECT_DEAUTHORIZE:
		return "block pending";
	default:
		break;
	}
	if (req->ev && req->ev->perm)
		return answered_text(req->ev, req->verdict, o);
	if (strcmp(req->event, ACT_EVENT_CLOSE_WRITE) == 0 ||
	    strcmp(req->event, ACT_EVENT_WRITTEN_OPEN) == 0)
		return "kept";
	if (strcmp(req->event, ACT_EVENT_NAME) == 0)
		return "recorded";
	return strcmp(req->event, ACT_EVENT_OVERFLOW) == 0 ? "rescanned" : "allowed";
}

/* ---- the steps ---- */

/* Step 1 and 4.  A failed record is counted, logged and reported by the
 * record log; what the decision then becomes is the policy's
 * `report-failure` (report_failure_denies).  Returns 0 or -errno. */
static int write_record(struct agent *a, struct act_outcome *o, bool sync)
{
	struct act_receipt rc = {0};
	int r;

	if (uuid_v4(o->record_id) < 0)
		o->record_id[0] = '\0';
	/* The incident's reference code is its decision record's. */
	if (o->stage == ACT_STAGE_DECISION && record_ref(o->record_id, o->ref) < 0)
		o->ref[0] = '\0';
	r = a->ops->record(a, o, sync, &rc);
	if (rc.ref[0])
		str_copy(o->ref, sizeof(o->ref), rc.ref);
	if (r == 0 && o->stage == ACT_STAGE_DECISION)
		o->seq = rc.seq;
	return r;
}

/* An allow whose record could not be written, on a medium where the policy
 * says `report-failure ... block`: denied, since it cannot be audited. */
static bool report_failure_denies(struct agent *a, const struct act_request *req)
{
	struct policy *p;
	bool deny;

	if (!req->ev || !req->ev->perm || req->verdict == POOL_DENY)
		return false;
	p = req->policy ? policy_ref(req->policy) : policy_current_get(a->policy);
	deny = p && policy_report_failure_blocks(p, req->device);
	policy_unref(p);
	return deny;
}

static void write_outcome_record(struct agent *a, struct act_outcome *o)
{
	memcpy(o->decision_id, o->record_id, sizeof(o->decision_id));
	o->stage = ACT_STAGE_OUTCOME;
	clock_gettime(CLOCK_REALTIME, &o->time);
	/* A failure is counted and reported by the log; the effect is done. */
	write_record(a, o, false);
}

/* Step 2.  Returns what the kernel was told, as records say it. */
static const char *answer(struct agent *a, const struct act_request *req, struct act_outcome *o)
{
	struct pool_event *ev = req->ev;
	bool deny = req->verdict == POOL_DENY;

	if (!ev || !ev->perm)
		return NULL;
	if (pool_answer(a->pool, ev, req->verdict, deny) && deny)
		atomic_fetch_add(&a->n.denied, 1);
	return answered_text(ev, req->verdict, o);
}

/* Removes the empty file a denied create left, only if it is still empty,
 * was created just now and the path still names it.  After the answer: on
 * FUSE (atomic_open) the opener holds the directory's lock while it waits
 * for us.  Returns 0 removed, 1 left alone on purpose, -errno. */
static int remove_denied_create(struct agent *a, int fd, const char *path)
{
	struct stat st;
	struct timespec now;

	if (!path || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
		return 1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec - st.st_ctim.tv_sec > CREATE_AGE_MAX_S || strstr(path, " (deleted)"))
		return 1;
	return a->ops->remove_file(fd, path);
}

/* What the names and bytes left on the medium are, for the record. */
static void describe_eviction(const struct evict_result *ev, char *out, size_t size)
{
	const char *bytes = ev->truncated ? "cannot truncate"
			    : ev->wiped	  ? "content truncated (cannot overwrite it first)"
					  : "content overwritten and truncated";

	if (evict_complete(ev)) {
		snprintf(out, size, "%s, %u name(s) removed%s%s", bytes, ev->removed,
			 ev->removed ? ", last " : "", ev->removed ? ev->name : "");
		return;
	}
	snprintf(out, size, "%s; %lu name(s) left, %lld byte(s) left%s%s%s", bytes,
		 (unsigned long)ev->nlink_after, (long long)ev->size_after,
		 ev->unlink_error ? "; cannot remove a name: " : "",
		 ev->unlink_error ? strerror(-ev->unlink_error) : "",
		 ev->unreadable ? "; some directories of the medium could not be read" : "");
}

/* Copies the file into the evidence store, then takes it off the medium
 * by what it is: truncated through wardd's own descriptor, every name it
 * has found by device and inode and removed (evict.h).  Evidence that
 * cannot be kept does not keep a marked file on the medium.  What the
 * record says is what the kernel says afterwards; anything left is an
 * alert. */
static int quarantine(struct agent *a, const struct act_request *req, struct act_outcome *o,
		      struct act_texts *t)
{
	char id[QUARANTINE_ID_LEN] = "", what[512];
	struct evict_result ev;
	int stored = a->ops->quarantine(a, req->fd, o, id);
	int r = a->ops->evict(a, req->fd, &ev);

	describe_eviction(&ev, what, sizeof(what));
	if (stored == 0 && r == 0) {
		o->outcome = "quarantined";
		snprintf(t->detail, sizeof(t->detail), "quarantine id %s; %s", id, what);
	} else if (r == 0) {
		o->outcome = "removed (evidence not kept)";
		snprintf(t->detail, sizeof(t->detail),
			 "cannot copy into the evidence store: %s; removed from the medium: %s",
			 strerror(-stored), what);
		log_warnx("quarantine of %s failed: %s", o->path, strerror(-stored));
	} else {
		o->outcome = "quarantine-failed";
		snprintf(t->detail, sizeof(t->detail), "%s%s; cannot remove from the medium: %s",
			 stored == 0 ? "quarantine id " : "evidence not kept: ",
			 stored == 0 ? id : strerror(-stored), what);
		log_warnx("ALERT: a file the policy quarantines is still on the medium (%s): %s",
			  o->path ? o->path : "?", what);
	}
	o->detail = t->detail;
	if (r == 0)
		atomic_fetch_add(&a->n.quarantined, 1);
	return r < 0 ? r : stored;
}

static int read_only(struct agent *a, const struct act_request *req, struct act_outcome *o,
		     struct act_texts *t)
{
	int r = a->ops->set_read_only(req->target, true);

	o->outcome = r < 0 ? "read-only (mount only)" : "read-only";
	if (r < 0) {
		snprintf(t->detail, sizeof(t->detail), "BLKROSET on %s: %s", req->target,
			 strerror(-r));
		o->detail = t->detail;
	}
	return r;
}

static int deauthorize(struct agent *a, const struct act_request *req, struct act_outcome *o,
		       struct act_texts *t)
{
	char usb[256] = "";
	int r = a->ops->deauthorize(a, req->target, usb, sizeof(usb));

	o->outcome = r == 0 ? "blocked (deauthorized)" : "blocked (opens denied)";
	if (r == 0)
		snprintf(t->detail, sizeof(t->detail), "USB device %s deauthorized", usb);
	else if (r != -ENODEV)
		snprintf(t->detail, sizeof(t->detail), "cannot deauthorize: %s", strerror(-r));
	else
		return 0; /* not on a USB bus: denying opens is the block */
	o->detail = t->detail;
	return r;
}

static int remount_read_only(struct agent *a, const struct act_request *req, struct act_outcome *o,
			     struct act_texts *t)
{
	int r = a->ops->remount_read_only(req->target);

	o->outcome = r < 0 ? "read-only failed" : "read-only";
	if (r < 0) {
		snprintf(t->detail, sizeof(t->detail), "cannot remount %s read-only: %s",
			 req->target, strerror(-r));
		o->detail = t->detail;
		log_warnx("cannot make %s read-only as device rule %s:%u says: %s", req->target,
			  o->rule_file ? o->rule_file : "", o->rule_line, strerror(-r));
	}
	return r;
}

/* Step 3.  Returns whether an outcome record has something to say. */
static bool effect(struct agent *a, const struct act_request *req, struct act_outcome *o,
		   struct act_texts *t)
{
	int r = 0;

	switch (req->effect) {
	case ACT_EFFECT_NONE:
		return false;
	case ACT_EFFECT_REMOVE_CREATE:
		r = remove_denied_create(a, req->fd, o->path);
		if (r >= 0)
			return false; /* the denial said it all */
		o->outcome = "denied; empty file left";
		snprintf(t->detail, sizeof(t->detail), "cannot remove the empty file: %s",
			 strerror(-r));
		o->detail = t->detail;
		break;
	case ACT_EFFECT_QUARANTINE:
		r = quarantine(a, req, o, t);
		break;
	case ACT_EFFECT_READ_ONLY:
		r = read_only(a, req, o, t);
		break;
	case ACT_EFFECT_DEAUTHORIZE:
		r = deauthorize(a, req, o, t);
		break;
	case ACT_EFFECT_REMOUNT_RO:
		r = remount_read_only(a, req, o, t);
		break;
	}
	o->effect_result = r;
	if (r < 0)
		atomic_fetch_add(&a->n.effect_failures, 1);
	return true;
}

/* Step 5. */
static void notify(struct agent *a, const struct act_outcome *o)
{
	for (size_t i = 0; i < a->act->n_subs; i++)
		a->act->subs[i].notify(a->act->subs[i].arg, o);
}

/* A plain allow: answered and done, unless the fail mode answered first. */
static void carry_out_plain(struct agent *a, const struct act_request *req)
{
	struct act_request fm = *req;
	struct policy *held = NULL;

	struct act_outcome o = {0};

	answer(a, req, &o);
	if (!req->ev || o.by != POOL_BY_DEADLINE)
		return;
	/* The fail mode's answer is a decision too: record it, even when the
	 * opener was gone before we looked. */
	fm.record = true;
	fm.decision = NULL;
	fm.pe = NULL;
	fm.action = ACT_ACTION_FAIL_MODE;
	fm.rule_file = NULL;
	fm.verdict = o.verdict;
	fm.detail = "no decision within the deadline";
	fm.effect = ACT_EFFECT_NONE;
	if (!fm.policy)
		fm.policy = held = policy_current_get(a->policy);
	act_carry_out(a, &fm);
	policy_unref(held);
}

void act_carry_out(struct agent *a, const struct act_request *req)
{
	struct act_texts t;
	struct act_outcome o;
	const char *recorded, *answered;
	bool fail_mode =
	    !req->decision && req->action && strcmp(req->action, ACT_ACTION_FAIL_MODE) == 0;
	/* A denial is on disk before the opener hears of it, an effect before
	 * it is attempted; the fail mode's answer was given already. */
	bool sync =
	    (req->ev && req->verdict == POOL_DENY && !fail_mode) || req->effect != ACT_EFFECT_NONE;

	if (!req->record) {
		carry_out_plain(a, req);
		return;
	}
	outcome_init(a, req, &o, &t);
	if (fail_mode && req->ev && req->verdict == POOL_DENY) {
		o.has_notice = true;
		o.notice = POLICY_NOTICE_FAIL;
		fill_messages(req->policy, NULL, NULL, &o, &t);
	}
	fill_who(a, req->subject, &o);

	o.outcome = recorded = intended_outcome(req, &o);
	if (write_record(a, &o, sync) < 0 && report_failure_denies(a, req)) {
		struct act_request denied = *req;

		denied.verdict = POOL_DENY;
		atomic_fetch_add(&a->n.record_failure_denials, 1);
		answer(a, &denied, &o);
		o.outcome = "denied (the record could not be written: report-failure block)";
		write_outcome_record(a, &o);
		notify(a, &o);
		return;
	}
	if ((answered = answer(a, req, &o)))
		o.outcome = answered;
	if (effect(a, req, &o, &t) || strcmp(o.outcome, recorded) != 0)
		write_outcome_record(a, &o);
	notify(a, &o);
}

/* ---- answers the reader gives ---- */

void act_answer_now(struct agent *a, int fd, pid_t pid, uint64_t mask, enum pool_verdict verdict)
{
	struct pool_event ev = {.fd = fd, .pid = pid, .mask = mask, .perm = true};

	a->ops->respond(a, &ev, verdict, false);
}

static void defer(struct agent *a, const struct pool_event *ev, enum pool_verdict verdict)
{
	struct act *act = a->act;
	struct deferred *d;

	pthread_mutex_lock(&act->lock);
	if (act->tail - act->head == DEFERRED_MAX) {
		pthread_mutex_unlock(&act->lock);
		atomic_fetch_add(&act->dropped, 1);
		return;
	}
	d = &act->ring[act->tail % DEFERRED_MAX];
	d->pid = ev->pid;
	d->mask = ev->mask;
	d->verdict = verdict;
	d->by = ev->answered_by;
	clock_gettime(CLOCK_REALTIME, &d->time);
	/* Both read /proc/self only: safe on the reader thread. */
	d->mount_id = a->ops->fd_mount_id(ev->fd);
	if (a->ops->fd_path(ev->fd, d->path, sizeof(d->path)) < 0)
		d->path[0] = '\0';
	act->tail++;
	atomic_store(&act->waiting, act->tail - act->head);
	pthread_mutex_unlock(&act->lock);
}

void act_respond(void *arg, const struct pool_event *ev, enum pool_verdict verdict, bool audit)
{
	struct agent *a = arg;
	int r = a->ops->respond(a, ev, verdict, audit);

	/* ENOENT: already answered; EBADF: the group closed at shutdown. */
	if (r < 0 && r != -ENOENT && r != -EBADF)
		log_warnx("cannot answer the open by pid %d: %s", (int)ev->pid, strerror(-r));
	if (ev->answered_by == POOL_BY_QUEUE_FULL)
		defer(a, ev, verdict);
}

static void record_deferred(struct agent *a, const struct deferred *d)
{
	struct pool_event ev = {.fd = -1, .pid = d->pid, .mask = d->mask, .perm = true};
	struct subject who;
	struct medium m;
	bool source = d->mask & AGENT_EV_SOURCE;
	bool on_medium = !source && removable_lookup_mount(a->removable, d->mount_id, &m);
	struct act_request req = {
	    .event = source ? ACT_EVENT_COPY_SOURCE : ACT_EVENT_COPY_DESTINATION,
	    .ev = &ev,
	    .verdict = d->verdict,
	    .record = true,
	    .subject = &who,
	    .fd = -1,
	    .path = d->path[0] ? d->path : NULL,
	    .device = on_medium ? &m.device : NULL,
	    .action = ACT_ACTION_FAIL_MODE,
	    .detail = "every worker queue was full",
	};

	/* Already answered: act_carry_out's answer step finds it so. */
	pool_event_mark_answered(&ev, d->verdict, d->by);
	subject_init(&who, d->pid);
	req.policy = policy_current_get(a->policy);
	act_carry_out(a, &req);
	policy_unref(req.policy);
}

void act_drain(struct agent *a)
{
	struct act *act = a->act;
	struct deferred d;

	while (atomic_load(&act->waiting) > 0) {
		pthread_mutex_lock(&act->lock);
		if (act->head == act->tail) {
			pthread_mutex_unlock(&act->lock);
			return;
		}
		d = act->ring[act->head % DEFERRED_MAX];
		act->head++;
		atomic_store(&act->waiting, act->tail - act->head);
		pthread_mutex_unlock(&act->lock);
		record_deferred(a, &d);
	}
}
