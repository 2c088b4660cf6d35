/* The three sides of a copy, the fail mode and learning (decide.h).  Runs
 * on worker threads; decide_learn_inline() alone on the reader. */
#define _GNU_SOURCE
#include "agent/decide.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/fpstore.h"
#include "agent/landing.h"
#include "agent/known.h"
#include "agent/removable.h"
#include "agent/subject.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_SOURCES 16		    /* candidate sources examined per open */
#define QUICK_BYTES (64 * 1024)	    /* read inline for the clean test */
#define BACKGROUND_TIMEOUT_MS 10000 /* classification after the answer */
#define MIN_SCAN_MS 50
#define INLINE_LEARN_MAX (16 * 1024) /* the reader learns files up to this itself */
#define LEARN_FULL_MAX (1024 * 1024) /* learn_clean classifies fully up to this */
#define SETTLE_S 2		     /* a file changed this recently is being written */

const struct ward_device agent_internal_device = {.bus = DEVICE_BUS_INTERNAL};

/* What a worker knows of the event it handles. */
struct event_ctx {
	struct agent *a;
	unsigned worker;
	struct pool_event *ev;
	struct stat st;
	struct timespec seen; /* read before st was taken (known.h) */
	char path[PATH_MAX];
	struct subject who;
};

static const char *ctx_path(struct event_ctx *c)
{
	if (!c->path[0])
		c->a->ops->fd_path(c->ev->fd, c->path, sizeof(c->path));
	return c->path;
}

static uint32_t remaining_ms(const struct pool_event *ev)
{
	uint64_t now = monotonic_ms();

	if (!ev->perm)
		return BACKGROUND_TIMEOUT_MS;
	if (ev->deadline_ms <= now + MIN_SCAN_MS)
		return MIN_SCAN_MS;
	return (uint32_t)(ev->deadline_ms - now);
}

/* Classify the file at fd (stat st, taken after c->seen), through the
 * cache.  for_copy: an opener waits for this answer (counted apart from
 * learning, so the copies that needed a scanner can be told). */
static int classify_cached(struct event_ctx *c, int fd, const struct stat *st, const char *name,
			   uint32_t timeout_ms, bool for_copy, struct classify_result *out)
{
	int r = known_result(c->a, c->worker, fd, st, &c->seen, name, timeout_ms, out);

	/* Every marked document classified: what a part of it looks like. */
	if (r >= 0 && c->a->fpstore && out->level != WARD_LEVEL_NONE) {
		int e = fpstore_add(c->a->fpstore, out);

		if (e < 0)
			log_warnx("fingerprints of a marked document not kept on disk: %s",
				  strerror(-e));
	}
	if (for_copy && r != 1)
		atomic_fetch_add(&c->a->n.classified_for_copy, 1);
	return r < 0 ? r : 0;
}

static bool result_clean(const struct classify_result *r)
{
	return r->level == WARD_LEVEL_NONE && !r->declassified && !r->uninspectable &&
	       r->n_pii == 0;
}

static void fill_policy_event(struct event_ctx *c, enum policy_event_kind kind,
			      const struct classify_result *content,
			      const struct ward_device *device, struct policy_event *pe)
{
	const struct fan_opener *o = subject_opener(c->a, &c->who);
	struct fp_match m;

	subject_groups(c->a, &c->who);
	memset(pe, 0, sizeof(*pe));
	pe->kind = kind;
	pe->content = content;
	pe->device = device;
	pe->uid = o->uid;
	pe->gid = o->gid;
	pe->user = c->who.user[0] ? c->who.user : NULL;
	pe->exe = o->exe[0] ? o->exe : NULL;
	pe->groups = c->who.groups;
	pe->n_groups = c->who.n_groups;
	pe->group_names = c->who.group_names;
	pe->n_group_names = c->who.n_group_names;
	pe->time = time(NULL);
	/* Not marked, but made from part of a marked document? */
	if (content && c->a->fpstore && fpstore_match(c->a->fpstore, content, &m)) {
		pe->derived = m.level;
		pe->derived_shared = m.shared;
		pe->derived_from = m.sha256_hex;
	}
}

/* What a record says of a derived document (NULL: it is not). */
static const char *derived_detail(const struct policy_event *pe, char *buf, size_t size)
{
	if (pe->derived == WARD_LEVEL_NONE)
		return NULL;
	snprintf(buf, size,
		 "derived: shares %u text fingerprints with a %s document (sha256 %s) classified "
		 "before",
		 pe->derived_shared, level_name(pe->derived),
		 pe->derived_from ? pe->derived_from : "?");
	return buf;
}

/* The request for an event this worker holds; the caller adds the rest. */
static struct act_request request(struct event_ctx *c, const char *event, enum pool_verdict verdict,
				  bool record)
{
	return (struct act_request){
	    .event = event,
	    .ev = c->ev,
	    .verdict = verdict,
	    .record = record,
	    .subject = &c->who,
	    .fd = c->ev->fd,
	    .path = c->path[0] ? c->path : NULL,
	};
}

/* A plain answer with nothing to record (act records it all the same if
 * the fail mode answered first). */
static void answer_plain(struct event_ctx *c, const char *event, const struct ward_device *device,
			 enum pool_verdict verdict)
{
	struct act_request req = request(c, event, verdict, false);

	req.device = device;
	act_carry_out(c->a, &req);
}

/* A policy decision on this event's file, carried out. */
static void carry_out(struct event_ctx *c, const char *event, struct policy *p,
		      const struct policy_event *pe, const struct policy_decision *d,
		      const char *source)
{
	bool deny = agent_denies(d->action);
	struct act_request req = request(c, event, deny ? POOL_DENY : POOL_ALLOW, true);
	char detail[256];

	req.detail = derived_detail(pe, detail, sizeof(detail));
	req.path = ctx_path(c);
	req.source = source;
	req.content = pe->content;
	req.device = pe->device;
	req.policy = p;
	req.pe = pe;
	req.decision = d;
	if (deny && strcmp(event, ACT_EVENT_COPY_DESTINATION) == 0)
		req.effect = ACT_EFFECT_REMOVE_CREATE;
	act_carry_out(c->a, &req);
}

/* /proc could not say what the opener holds: the fail mode answers, and
 * the record says why (never a silent allow). */
static void inspection_failed(struct event_ctx *c, const char *event,
			      const struct ward_device *device, int err)
{
	struct policy *p = policy_current_get(c->a->policy);
	bool deny = agent_denies(policy_fail_mode(p, device));
	struct act_request req = request(c, event, deny ? POOL_DENY : POOL_ALLOW, true);
	char detail[160];

	atomic_fetch_add(&c->a->n.proc_failures, 1);
	snprintf(detail, sizeof(detail), "cannot read what pid %d holds open: %s", (int)c->ev->pid,
		 strerror(-err));
	req.path = ctx_path(c);
	req.device = device;
	req.policy = p;
	req.action = ACT_ACTION_FAIL_MODE;
	req.detail = detail;
	act_carry_out(c->a, &req);
	policy_unref(p);
}

static void set_fail_hint(struct event_ctx *c, const struct ward_device *dev)
{
	struct policy *p = policy_current_get(c->a->policy);
	enum policy_action fm = policy_fail_mode(p, dev);

	policy_unref(p);
	atomic_store(&c->ev->fail_hint, agent_denies(fm) ? POOL_DENY : POOL_ALLOW);
}

/* ---- destination side ---- */

static void device_blocked(struct event_ctx *c, const struct medium *m)
{
	struct act_request req = request(c, ACT_EVENT_DEVICE_BLOCK, POOL_DENY, true);
	char rule[128];

	snprintf(rule, sizeof(rule), "%s:%u", m->rule_file, m->rule_line);
	req.path = ctx_path(c);
	req.device = &m->device;
	req.policy = policy_current_get(c->a->policy);
	req.action = policy_device_action_name(m->action);
	req.rule_file = m->rule_file;
	req.rule_line = m->rule_line;
	req.detail = rule;
	act_carry_out(c->a, &req);
	policy_unref(req.policy);
}

/* The worst decision over the readable documents the opener holds. */
struct worst {
	bool any;
	struct policy_decision d;
	struct classify_result content;
	struct policy_event pe;
	char source[PATH_MAX];
};

/* One held source's classification: from the cache by the version the
 * /proc scan saw (nothing opened), else opened and classified. */
static int judge_one(struct event_ctx *c, const struct procfd_file *f, struct classify_result *res)
{
	struct agent *a = c->a;
	struct stat sst = {.st_mode = S_IFREG,
			   .st_dev = f->dev,
			   .st_ino = f->ino,
			   .st_size = f->size,
			   .st_mtim = f->mtime,
			   .st_ctim = f->ctime};
	char spath[PATH_MAX] = "";
	int sfd;

	if (known_by_version(a, &sst, res))
		return 0;
	sfd = a->ops->open_held(c->ev->pid, f);
	if (sfd < 0)
		return sfd;
	if (fstat(sfd, &sst) < 0 || !S_ISREG(sst.st_mode)) {
		close(sfd);
		return -EINVAL;
	}
	a->ops->fd_path(sfd, spath, sizeof(spath));
	classify_cached(c, sfd, &sst, spath, remaining_ms(c->ev), true, res);
	close(sfd);
	return 0;
}

static void judge_sources(struct event_ctx *c, const struct medium *m, struct policy *p,
			  const struct procfd_file *files, size_t n, struct worst *w)
{
	const struct procfd_file *worst = NULL;

	for (size_t i = 0; i < n; i++) {
		struct policy_event pe;
		struct policy_decision d;
		struct classify_result res;

		if (judge_one(c, &files[i], &res) < 0)
			continue;
		fill_policy_event(c, POLICY_EVENT_COPY, &res, &m->device, &pe);
		if (policy_decide(p, &pe, &d) < 0)
			continue;
		if (!w->any || d.action > w->d.action) {
			w->d = d;
			w->content = res;
			w->pe = pe;
			worst = &files[i];
		}
		w->any = true;
		if (agent_denies(d.action))
			break;
	}
	w->pe.content = &w->content;
	/* The record names the source by the path the opener holds it under. */
	if (worst && c->a->ops->held_path(c->ev->pid, worst->fd, w->source, sizeof(w->source)) < 0)
		w->source[0] = '\0';
}

static void destination_side(struct event_ctx *c, const struct medium *m)
{
	struct agent *a = c->a;
	dev_t devs[MEDIA_MAX];
	struct procfd_query q = {0};
	struct procfd_file files[MAX_SOURCES];
	size_t n = 0;
	struct worst w;
	struct policy *p;
	int r;

	set_fail_hint(c, &m->device);
	if (m->action == POLICY_DEVICE_BLOCK) {
		device_blocked(c, m);
		return;
	}
	q.media_devs = devs;
	q.n_media_devs = removable_media_devs(a->removable, devs, MEDIA_MAX);
	q.want = PROCFD_SOURCE;
	q.skip_fd = -1;
	c->seen = known_now();
	r = a->ops->held_files(c->ev->pid, &q, files, MAX_SOURCES, &n, NULL);
	if (r < 0 && r != -ESRCH) {
		inspection_failed(c, ACT_EVENT_COPY_DESTINATION, &m->device, r);
		return;
	}
	if (r < 0 || n == 0) {
		answer_plain(c, ACT_EVENT_COPY_DESTINATION, &m->device, POOL_ALLOW);
		return;
	}
	p = policy_current_get(a->policy);
	w.any = false;
	judge_sources(c, m, p, files, n, &w);
	if (w.any)
		carry_out(c, ACT_EVENT_COPY_DESTINATION, p, &w.pe, &w.d, w.source);
	else
		answer_plain(c, ACT_EVENT_COPY_DESTINATION, &m->device, POOL_ALLOW);
	policy_unref(p);
}

/* ---- learning (source side, internal filesystems) ---- */

static bool same_version(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool settled(const struct stat *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return st->st_size > 0 && now.tv_sec - st->st_mtim.tv_sec >= SETTLE_S &&
	       now.tv_sec - st->st_ctim.tv_sec >= SETTLE_S;
}

/* The ignore mark for a file found clean.  The kernel clears it on the
 * next modification, but a write between our read and the mark would
 * slip through: so a file must look the same after the mark as before the
 * read, or the mark is taken back. */
static void ignore_if_unchanged(struct agent *a, int fd, const struct stat *before)
{
	struct stat after;

	if (a->ops->ignore(a, fd) < 0)
		return;
	if (fstat(fd, &after) == 0 && same_version(before, &after)) {
		atomic_fetch_add(&a->n.ignored, 1);
		return;
	}
	a->ops->unignore(a, fd);
}

/* It must not wait on anything: the content is read with RWF_NOWAIT (page
 * cache only; a file that needs disk I/O goes to a worker instead), and
 * internal filesystems have no userspace server (no FUSE) behind them. */
bool decide_learn_inline(struct agent *a, int fd)
{
	char buf[INLINE_LEARN_MAX];
	struct iovec iov = {buf, sizeof(buf)};
	struct stat before;
	ssize_t got;

	if (fstat(fd, &before) < 0 || !S_ISREG(before.st_mode) || !settled(&before))
		return true; /* not a file, or being written: not now */
	if (before.st_size > INLINE_LEARN_MAX)
		return false;
	got = preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
	if (got != before.st_size)
		return false; /* not all in the page cache, or changed */
	if (!classify_quick_clean(buf, (size_t)got))
		return false; /* needs a full look */
	ignore_if_unchanged(a, fd, &before);
	return true;
}

/* Allowed already: make the next open of this unchanged file free. */
static void learn_clean(struct event_ctx *c)
{
	struct agent *a = c->a;
	struct classify_result res;

	/* Not for files being written right now (an empty file just created,
	 * a file modified in the last seconds): their content is not final. */
	if (!S_ISREG(c->st.st_mode) || !settled(&c->st))
		return;
	if (c->st.st_size <= QUICK_BYTES) {
		char *buf = malloc(QUICK_BYTES);
		ssize_t got = buf ? pread(c->ev->fd, buf, QUICK_BYTES, 0) : -1;
		bool clean = got == c->st.st_size && classify_quick_clean(buf, (size_t)got);

		free(buf);
		if (clean) {
			ignore_if_unchanged(a, c->ev->fd, &c->st);
			return;
		}
	}
	/* A full look only for documents of a reasonable size, and only when
	 * nobody waits behind us: a big file is classified when it is copied. */
	if (c->st.st_size > LEARN_FULL_MAX || pool_queued(a->pool, c->worker) > 0)
		return;
	if (classify_cached(c, c->ev->fd, &c->st, NULL, BACKGROUND_TIMEOUT_MS, false, &res) == 0 &&
	    result_clean(&res))
		ignore_if_unchanged(a, c->ev->fd, &c->st);
}

/* ---- source side ---- */

/* The medium the opener writes to, when it holds a writer on one. */
static bool medium_written(struct event_ctx *c, struct medium *m)
{
	struct agent *a = c->a;
	dev_t devs[MEDIA_MAX];
	struct procfd_query q = {0};
	struct procfd_file files[4];
	size_t n = 0;
	uint64_t gen;
	int r;

	q.media_devs = devs;
	q.n_media_devs = removable_media_devs(a->removable, devs, MEDIA_MAX);
	if (q.n_media_devs == 0) {
		answer_plain(c, ACT_EVENT_COPY_SOURCE, NULL, POOL_ALLOW);
		return false;
	}
	q.want = PROCFD_MEDIA_WRITER;
	q.skip_fd = -1;
	/* The generation before the scan: an open on a medium during it makes
	 * the cache entry stale at once. */
	gen = pidcache_generation(&a->pidcache);
	r = a->ops->held_files(c->ev->pid, &q, files, 4, &n, NULL);
	if (r < 0 && r != -ESRCH) {
		inspection_failed(c, ACT_EVENT_COPY_SOURCE, &agent_internal_device, r);
		return false;
	}
	if (r < 0 || n == 0) {
		answer_plain(c, ACT_EVENT_COPY_SOURCE, NULL, POOL_ALLOW);
		if (r == 0)
			pidcache_put(&a->pidcache, c->ev->pid, gen, monotonic_ms());
		learn_clean(c);
		return false;
	}
	if (!removable_lookup_dev(a->removable, files[0].dev, m)) {
		answer_plain(c, ACT_EVENT_COPY_SOURCE, NULL, POOL_ALLOW);
		return false;
	}
	return true;
}

static void source_side(struct event_ctx *c)
{
	struct agent *a = c->a;
	struct medium m;
	struct classify_result res;
	struct policy *p;
	struct policy_event pe;
	struct policy_decision d;

	set_fail_hint(c, &agent_internal_device);
	if (!medium_written(c, &m))
		return;
	set_fail_hint(c, &m.device);
	classify_cached(c, c->ev->fd, &c->st, ctx_path(c), remaining_ms(c->ev), true, &res);
	p = policy_current_get(a->policy);
	fill_policy_event(c, POLICY_EVENT_COPY, &res, &m.device, &pe);
	if (policy_decide(p, &pe, &d) < 0)
		answer_plain(c, ACT_EVENT_COPY_SOURCE, &m.device, POOL_ALLOW);
	else if (agent_denies(d.action) || !result_clean(&res))
		carry_out(c, ACT_EVENT_COPY_SOURCE, p, &pe, &d, c->path);
	else
		/* A clean file is recorded where it lands (close-write), not
		 * here: this side also sees every library the writer loads. */
		answer_plain(c, ACT_EVENT_COPY_SOURCE, &m.device, POOL_ALLOW);
	policy_unref(p);
}

/* ---- post-write ---- */

/* What was written to a medium, closed or still held open (landing.h),
 * through the landing group's read-write descriptor. */
static void post_write(struct event_ctx *c, const struct medium *m)
{
	const char *event =
	    (c->ev->mask & AGENT_EV_STILL_OPEN) ? ACT_EVENT_WRITTEN_OPEN : ACT_EVENT_CLOSE_WRITE;
	struct agent *a = c->a;
	struct classify_result res;
	struct policy *p;
	struct policy_event pe;
	struct policy_decision d;
	struct act_request req;
	unsigned char sha[32];
	bool hashed;
	char detail[256];

	if (!S_ISREG(c->st.st_mode) || c->st.st_size == 0)
		return;
	ctx_path(c);
	/* What lands on a medium is judged by its content, never by times
	 * (exFAT keeps seconds): a copy of a document known a moment ago
	 * (cp's source, seen by the destination side) hashes to it and is not
	 * parsed again.  Anything else is classified and known by content. */
	if (!known_by_content(c->a, c->ev->fd, &res, sha, &hashed)) {
		struct classify_budget budget;

		classify_budget_default(&budget);
		known_classify(a, c->worker, c->ev->fd, &c->st, &c->seen, c->path, &budget,
			       BACKGROUND_TIMEOUT_MS, &res);
	}
	p = policy_current_get(a->policy);
	fill_policy_event(c, POLICY_EVENT_CLOSE_WRITE, &res, &m->device, &pe);
	/* A file still open is recorded only when it must go: its close
	 * records the rest. */
	if (policy_decide(p, &pe, &d) < 0 || d.action == POLICY_ALLOW ||
	    ((c->ev->mask & AGENT_EV_STILL_OPEN) && !agent_denies(d.action))) {
		policy_unref(p);
		return;
	}
	req = request(c, event, POOL_ALLOW, true);
	req.ev = NULL; /* written already: nothing to answer */
	req.content = &res;
	req.device = &m->device;
	req.policy = p;
	req.pe = &pe;
	req.decision = &d;
	req.detail = derived_detail(&pe, detail, sizeof(detail));
	if (agent_denies(d.action))
		req.effect = ACT_EFFECT_QUARANTINE;
	act_carry_out(a, &req);
	policy_unref(p);
}

/* ---- the pool's callbacks ---- */

void decide_event(void *arg, unsigned worker, struct pool_event *ev)
{
	struct event_ctx c = {.a = arg, .worker = worker, .ev = ev};
	struct medium m;

	act_drain(c.a);
	subject_init(&c.who, ev->pid);
	c.seen = known_now();
	if (fstat(ev->fd, &c.st) < 0) {
		answer_plain(&c, ACT_EVENT_COPY_DESTINATION, NULL, POOL_ALLOW);
		return;
	}
	if (ev->mask & AGENT_EV_SOURCE) {
		if (ev->perm)
			source_side(&c);
		else if (ev->mask & AGENT_EV_LEARN)
			learn_clean(&c);
		return;
	}
	if (!removable_lookup_dev(c.a->removable, c.st.st_dev, &m)) {
		answer_plain(&c, ACT_EVENT_COPY_DESTINATION, NULL, POOL_ALLOW); /* unmounted */
		return;
	}
	if (ev->perm)
		destination_side(&c, &m);
	else if (ev->mask & AGENT_EV_LANDED)
		post_write(&c, &m);
}

enum pool_verdict decide_fail_verdict(void *arg, const struct pool_event *ev)
{
	struct agent *a = arg;
	int hint = atomic_load(&((struct pool_event *)ev)->fail_hint);
	const struct ward_device *dev = &agent_internal_device;
	struct medium m;
	struct policy *p;
	enum policy_action fm;

	if (hint >= 0)
		return (enum pool_verdict)hint;
	/* By the mount id: the reader must not touch the file itself. */
	if (!(ev->mask & AGENT_EV_SOURCE) &&
	    removable_lookup_mount(a->removable, a->ops->fd_mount_id(ev->fd), &m))
		dev = &m.device;
	p = policy_current_get(a->policy);
	fm = policy_fail_mode(p, dev);
	policy_unref(p);
	return agent_denies(fm) ? POOL_DENY : POOL_ALLOW;
}
