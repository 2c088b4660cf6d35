/* The decisions behind every fanotify event (the "Decisions"):
 *   destination side  an open on a removable medium while the opener holds
 *                     a readable document elsewhere (cp, mv, rsync sender);
 *   source side       an open of a document while the opener holds a file
 *                     open for writing on a removable medium (cat > stick,
 *                     tar -cf stick/x.tar, zip);
 *   post-write        a file closed after writing on a removable medium
 *                     (pipes, editors, archivers): classify what was
 *                     written, quarantine it if the policy says so.
 * Runs on worker threads; never on the reader. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/quarantine.h"
#include "common/log.h"
#include "common/util.h"
#include "kmod-free/procfd.h"

#define MAX_GROUPS 32
#define MAX_SOURCES 16		    /* candidate sources examined per open */
#define QUICK_BYTES (64 * 1024)	    /* read inline for the clean test */
#define BACKGROUND_TIMEOUT_MS 10000 /* classification after the answer */
#define MIN_SCAN_MS 50
#define SHA_REUSE_MIN (256 * 1024)   /* post-write hashes first from this size */
#define INLINE_LEARN_MAX (16 * 1024) /* the reader learns files up to this itself */
#define LEARN_FULL_MAX (1024 * 1024) /* learn_clean classifies fully up to this */

/* What a worker knows of the event it handles. */
struct event_ctx {
	struct agent *a;
	unsigned worker;
	struct pool_event *ev;
	struct stat st;
	char path[PATH_MAX];
	struct fan_opener opener;
	bool have_opener;
	char user[64];
	/* The opener's groups, for `group` conditions in rules. */
	gid_t groups[MAX_GROUPS];
	size_t n_groups;
	char group_text[MAX_GROUPS][64];
	const char *group_names[MAX_GROUPS];
	size_t n_group_names;
	bool have_groups;
	bool recorded; /* a journal record was written for this event */
};

static void ctx_opener(struct event_ctx *c)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (c->have_opener)
		return;
	memset(&c->opener, 0, sizeof(c->opener));
	c->opener.uid = c->opener.loginuid = (uid_t)-1;
	if (fan_opener_read(c->ev->pid, &c->opener) < 0) {
		c->opener.pid = c->ev->pid;
		c->opener.uid = c->opener.loginuid = (uid_t)-1;
	}
	c->have_opener = true;
	c->user[0] = '\0';
	if (c->opener.uid != (uid_t)-1 &&
	    getpwuid_r(c->opener.uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		str_copy(c->user, sizeof(c->user), res->pw_name);
}

/* The opener's primary and supplementary groups (/proc/PID/status) and
 * their names. */
static void ctx_groups(struct event_ctx *c)
{
	char path[64], buf[4096], gbuf[1024];
	const char *p;
	ssize_t n;
	int fd;

	if (c->have_groups)
		return;
	c->have_groups = true;
	ctx_opener(c);
	if (c->opener.uid != (uid_t)-1)
		c->groups[c->n_groups++] = c->opener.gid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->ev->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		p = strstr(buf, "\nGroups:");
		for (p = p ? p + 8 : NULL; p && *p && *p != '\n' && c->n_groups < MAX_GROUPS;) {
			char *end;
			unsigned long g = strtoul(p, &end, 10);
			bool dup = false;

			if (end == p) {
				p++;
				continue;
			}
			p = end;
			for (size_t i = 0; i < c->n_groups; i++)
				dup = dup || c->groups[i] == (gid_t)g;
			if (!dup)
				c->groups[c->n_groups++] = (gid_t)g;
		}
	}
	for (size_t i = 0; i < c->n_groups; i++) {
		struct group gr, *res = NULL;

		if (getgrgid_r(c->groups[i], &gr, gbuf, sizeof(gbuf), &res) == 0 && res) {
			str_copy(c->group_text[c->n_group_names], sizeof(c->group_text[0]),
				 res->gr_name);
			c->group_names[c->n_group_names] = c->group_text[c->n_group_names];
			c->n_group_names++;
		}
	}
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

/* Classify the file at fd (stat st), through the cache. */
static int classify_cached(struct event_ctx *c, int fd, const struct stat *st, const char *name,
			   uint32_t timeout_ms, struct classify_result *out)
{
	struct agent *a = c->a;
	struct classify_budget budget;
	int r;

	if (class_cache_get(a->cache, st, out)) {
		atomic_fetch_add(&a->n.cache_hits, 1);
		return 0;
	}
	classify_budget_default(&budget);
	if (budget.max_millis > timeout_ms)
		budget.max_millis = timeout_ms;
	atomic_fetch_add(&a->n.classified, 1);
	r = scanner_classify(a->scanners[c->worker], fd, name, &budget, timeout_ms + 100, out);
	/* Only a full answer is cached: a timeout may not repeat. */
	if (r == 0 && !out->uninspectable)
		class_cache_put(a->cache, st, out);
	return r;
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
	ctx_opener(c);
	memset(pe, 0, sizeof(*pe));
	pe->kind = kind;
	pe->content = content;
	pe->device = device;
	pe->uid = c->opener.uid;
	pe->gid = c->opener.gid;
	pe->user = c->user[0] ? c->user : NULL;
	pe->exe = c->opener.exe[0] ? c->opener.exe : NULL;
	ctx_groups(c);
	pe->groups = c->groups;
	pe->n_groups = c->n_groups;
	pe->group_names = c->group_names;
	pe->n_group_names = c->n_group_names;
	pe->time = time(NULL);
}

static void record(struct event_ctx *c, const char *event, const char *path, const char *source,
		   const struct classify_result *content, const struct ward_device *device,
		   const struct policy_decision *d, const char *action, const char *outcome,
		   const char *detail, bool sync)
{
	struct journal_record rec = {0};
	char rule[320];

	ctx_opener(c);
	clock_gettime(CLOCK_REALTIME, &rec.time);
	rec.event = event;
	rec.uid = c->opener.uid;
	rec.user = c->user[0] ? c->user : NULL;
	rec.loginuid = c->opener.loginuid;
	rec.pid = c->ev->pid;
	rec.exe = c->opener.exe[0] ? c->opener.exe : NULL;
	rec.path = path;
	rec.source = source;
	rec.content = content;
	rec.device = device;
	if (d) {
		snprintf(rule, sizeof(rule), "%s:%u", d->rule_file ? d->rule_file : "(default)",
			 d->rule_line);
		rec.rule = rule;
	}
	rec.action = action;
	rec.outcome = outcome;
	rec.detail = detail;
	journal_append(c->a->journal, &rec, sync);
	c->recorded = true;
}

static const char *answered_outcome(const struct pool_event *ev, bool wanted_deny);

/* The deadline answered for us and nothing else was recorded (the opener
 * may even be gone before we looked at it): the fail mode's decision is a
 * decision too. */
static void record_fail_mode(struct event_ctx *c, const char *event,
			     const struct ward_device *device)
{
	if (!c->ev->perm || c->ev->answered_by != POOL_BY_DEADLINE || c->recorded)
		return;
	if (!c->path[0])
		fan_fd_path(c->ev->fd, c->path, sizeof(c->path));
	record(c, event, c->path, NULL, NULL, device, NULL, "fail-mode",
	       answered_outcome(c->ev, c->ev->verdict == POOL_DENY),
	       "no decision within the deadline", false);
}

static void deny(struct event_ctx *c)
{
	if (pool_answer(c->a->pool, c->ev, POOL_DENY, true))
		atomic_fetch_add(&c->a->n.denied, 1);
}

static void allow(struct event_ctx *c)
{
	pool_answer(c->a->pool, c->ev, POOL_ALLOW, false);
}

static const char *answered_outcome(const struct pool_event *ev, bool wanted_deny)
{
	if (ev->answered_by == POOL_BY_DEADLINE)
		return ev->verdict == POOL_DENY ? "denied (deadline passed: fail mode)"
						: "allowed (deadline passed: fail mode)";
	return wanted_deny ? "denied" : "allowed";
}

/* A create that was denied leaves an empty file behind: remove it, but
 * only if it is still empty, was created just now, and the path still
 * names it.  Only after the answer: on FUSE (atomic_open) the opener
 * holds the directory's lock while it waits for us. */
static void remove_denied_create(struct event_ctx *c)
{
	struct stat now_st;
	struct timespec now;

	if (fstat(c->ev->fd, &now_st) < 0 || !S_ISREG(now_st.st_mode) || now_st.st_size != 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec - now_st.st_ctim.tv_sec > 5)
		return;
	if (strstr(c->path, " (deleted)"))
		return;
	quarantine_remove_original(c->ev->fd, c->path);
}

static void set_fail_hint(struct event_ctx *c, const struct ward_device *dev)
{
	struct policy *p = decide_acquire(c->a->decide);
	enum policy_action fm = policy_fail_mode(p, dev);

	policy_unref(p);
	atomic_store(&c->ev->fail_hint, decide_denies(fm) ? POOL_DENY : POOL_ALLOW);
}

static void destination_side(struct event_ctx *c, const struct medium *m)
{
	struct agent *a = c->a;
	dev_t devs[MEDIA_MAX];
	struct procfd_query q = {0};
	struct procfd_file files[MAX_SOURCES];
	size_t n = 0;
	bool truncated = false;
	struct policy *p;
	struct policy_decision worst = {0}, d;
	struct classify_result worst_content, res;
	char worst_source[PATH_MAX] = "";
	bool any = false;
	int r;

	set_fail_hint(c, &m->device);
	if (m->action == POLICY_DEVICE_BLOCK) {
		fan_fd_path(c->ev->fd, c->path, sizeof(c->path));
		record(c, "device-block", c->path, NULL, NULL, &m->device, NULL, "block", "denied",
		       m->rule, true);
		deny(c);
		return;
	}
	q.media_devs = devs;
	q.n_media_devs = media_devs(a->media, devs, MEDIA_MAX);
	q.want = PROCFD_SOURCE;
	q.skip_fd = -1;
	r = procfd_scan(c->ev->pid, &q, files, MAX_SOURCES, &n, &truncated);
	if (r < 0 || n == 0) {
		allow(c);
		return;
	}

	p = decide_acquire(a->decide);
	for (size_t i = 0; i < n; i++) {
		struct policy_event pe;
		struct stat sst;
		char spath[PATH_MAX] = "";
		int sfd = procfd_open(c->ev->pid, &files[i]);

		if (sfd < 0)
			continue;
		if (fstat(sfd, &sst) < 0 || !S_ISREG(sst.st_mode)) {
			close(sfd);
			continue;
		}
		fan_fd_path(sfd, spath, sizeof(spath));
		classify_cached(c, sfd, &sst, spath, remaining_ms(c->ev), &res);
		close(sfd);
		fill_policy_event(c, POLICY_EVENT_COPY, &res, &m->device, &pe);
		if (policy_decide(p, &pe, &d) < 0)
			continue;
		if (!any || d.action > worst.action) {
			worst = d;
			worst_content = res;
			str_copy(worst_source, sizeof(worst_source), spath);
		}
		any = true;
		if (decide_denies(d.action))
			break;
	}
	fan_fd_path(c->ev->fd, c->path, sizeof(c->path));
	if (!any) {
		allow(c);
	} else if (decide_denies(worst.action)) {
		/* On disk before the opener hears of it. */
		record(c, "copy-destination", c->path, worst_source, &worst_content, &m->device,
		       &worst, policy_action_name(worst.action), answered_outcome(c->ev, true),
		       NULL, true);
		deny(c);
		remove_denied_create(c);
	} else {
		allow(c);
		record(c, "copy-destination", c->path, worst_source, &worst_content, &m->device,
		       &worst, policy_action_name(worst.action), answered_outcome(c->ev, false),
		       NULL, false);
	}
	policy_unref(p);
}

static bool same_version(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Takes back the ignore mark of the inode behind fd.  No
 * fan_unignore_inode() in kmod-free/ yet (requested): remove it directly,
 * and if even that fails drop every ignore mark rather than leave a changed
 * file ignored. */
static void unignore(struct agent *a, int fd)
{
	unsigned int how =
	    (a->fan_src.caps & FAN_CAP_MARK_IGNORE) ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK;

	if (fanotify_mark(a->fan_src.fd, FAN_MARK_REMOVE | how, FAN_OPEN_PERM, fd, NULL) < 0)
		fan_flush_ignores(&a->fan_src);
}

/* The ignore mark for a file found clean.  The kernel clears it on the
 * next modification, but a write between our read and the mark would
 * slip through: so a file must look the same after the mark as before the
 * read, or the mark is taken back. */
static void ignore_if_unchanged(struct event_ctx *c, const struct stat *before)
{
	struct agent *a = c->a;
	struct stat after;

	if (fan_ignore_inode(&a->fan_src, c->ev->fd, 0) < 0)
		return;
	if (fstat(c->ev->fd, &after) == 0 && same_version(before, &after)) {
		atomic_fetch_add(&a->n.ignored, 1);
		return;
	}
	unignore(a, c->ev->fd);
}

/* The reader's own attempt at learn_clean() for a small file on an
 * internal filesystem, so the next open is free without waking a worker.
 * It must not wait on anything: the content is read with RWF_NOWAIT (page
 * cache only; a file that needs disk I/O goes to a worker instead), and
 * internal filesystems have no userspace server (no FUSE) behind them.
 * Returns true when done with the event (fd still the caller's). */
bool agent_learn_inline(struct agent *a, int fd)
{
	char buf[INLINE_LEARN_MAX];
	struct iovec iov = {buf, sizeof(buf)};
	struct stat before, after;
	struct timespec now;
	ssize_t got;

	if (fstat(fd, &before) < 0 || !S_ISREG(before.st_mode))
		return true;
	clock_gettime(CLOCK_REALTIME, &now);
	if (before.st_size == 0 || now.tv_sec - before.st_mtim.tv_sec < 2 ||
	    now.tv_sec - before.st_ctim.tv_sec < 2)
		return true; /* being written: not now */
	if (before.st_size > INLINE_LEARN_MAX)
		return false;
	got = preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
	if (got != before.st_size)
		return false; /* not all in the page cache, or changed */
	if (!classify_quick_clean(buf, (size_t)got))
		return false; /* needs a full look */
	if (fan_ignore_inode(&a->fan_src, fd, 0) < 0)
		return true;
	if (fstat(fd, &after) == 0 && same_version(&before, &after)) {
		atomic_fetch_add(&a->n.ignored, 1);
		return true;
	}
	unignore(a, fd);
	return true;
}

/* Allowed already: make the next open of this unchanged file free. */
static void learn_clean(struct event_ctx *c)
{
	struct agent *a = c->a;
	struct classify_result res;
	struct timespec now;

	/* Not for files being written right now (an empty file just created,
	 * a file modified in the last seconds): their content is not final. */
	clock_gettime(CLOCK_REALTIME, &now);
	if (!S_ISREG(c->st.st_mode) || c->st.st_size == 0 ||
	    now.tv_sec - c->st.st_mtim.tv_sec < 2 || now.tv_sec - c->st.st_ctim.tv_sec < 2)
		return;
	if (c->st.st_size <= QUICK_BYTES) {
		char *buf = malloc(QUICK_BYTES);
		ssize_t got = buf ? pread(c->ev->fd, buf, QUICK_BYTES, 0) : -1;
		bool clean = got == c->st.st_size && classify_quick_clean(buf, (size_t)got);

		free(buf);
		if (clean) {
			ignore_if_unchanged(c, &c->st);
			return;
		}
	}
	/* A full look only for documents of a reasonable size, and only when
	 * nobody waits behind us: a big file is classified when it is copied. */
	if (c->st.st_size > LEARN_FULL_MAX || pool_queued(a->pool, c->worker) > 0)
		return;
	if (classify_cached(c, c->ev->fd, &c->st, NULL, BACKGROUND_TIMEOUT_MS, &res) == 0 &&
	    result_clean(&res))
		ignore_if_unchanged(c, &c->st);
}

static void source_side(struct event_ctx *c)
{
	struct agent *a = c->a;
	dev_t devs[MEDIA_MAX];
	struct procfd_query q = {0};
	struct procfd_file files[4];
	size_t n = 0;
	struct medium m;
	struct classify_result res;
	struct policy *p;
	struct policy_event pe;
	struct policy_decision d;
	uint64_t gen;
	int r;

	set_fail_hint(c, &decide_internal_device);
	q.media_devs = devs;
	q.n_media_devs = media_devs(a->media, devs, MEDIA_MAX);
	if (q.n_media_devs == 0) {
		allow(c);
		return;
	}
	q.want = PROCFD_MEDIA_WRITER;
	q.skip_fd = -1;
	/* The generation before the scan: an open on a medium during it makes
	 * the cache entry stale at once. */
	gen = pidcache_generation(&a->pidcache);
	r = procfd_scan(c->ev->pid, &q, files, 4, &n, NULL);
	if (r < 0 || n == 0) {
		allow(c);
		if (r == 0)
			pidcache_put(&a->pidcache, c->ev->pid, gen, monotonic_ms());
		learn_clean(c);
		return;
	}
	if (!media_lookup_dev(a->media, files[0].dev, &m)) {
		allow(c);
		return;
	}
	set_fail_hint(c, &m.device);
	fan_fd_path(c->ev->fd, c->path, sizeof(c->path));
	classify_cached(c, c->ev->fd, &c->st, c->path, remaining_ms(c->ev), &res);
	p = decide_acquire(a->decide);
	fill_policy_event(c, POLICY_EVENT_COPY, &res, &m.device, &pe);
	if (policy_decide(p, &pe, &d) < 0) {
		policy_unref(p);
		allow(c);
		return;
	}
	if (decide_denies(d.action)) {
		record(c, "copy-source", c->path, c->path, &res, &m.device, &d,
		       policy_action_name(d.action), answered_outcome(c->ev, true), NULL, true);
		deny(c);
	} else {
		allow(c);
		/* A clean file is recorded where it lands (close-write), not
		 * here: this side also sees every library the writer loads. */
		if (!result_clean(&res))
			record(c, "copy-source", c->path, c->path, &res, &m.device, &d,
			       policy_action_name(d.action), answered_outcome(c->ev, false), NULL,
			       false);
	}
	policy_unref(p);
}

/* Hashes the file at the event's fd and looks its content up. */
static bool same_content_known(struct event_ctx *c, struct classify_result *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *buf = malloc(1 << 20);
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	off_t off = 0;
	bool ok = buf && h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1;

	while (ok) {
		ssize_t n = pread(c->ev->fd, buf, 1 << 20, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = n == 0 && off == c->st.st_size;
			break;
		}
		ok = EVP_DigestUpdate(h, buf, (size_t)n) == 1;
		off += n;
	}
	ok = ok && EVP_DigestFinal_ex(h, md, NULL) == 1 &&
	     class_cache_get_sha(c->a->cache, md, (uint64_t)off, out);
	EVP_MD_CTX_free(h);
	free(buf);
	if (ok)
		atomic_fetch_add(&c->a->n.cache_hits, 1);
	return ok;
}

static void post_write(struct event_ctx *c, const struct medium *m)
{
	struct agent *a = c->a;
	struct classify_result res;
	struct policy *p;
	struct policy_event pe;
	struct policy_decision d;
	struct journal_record rec = {0};
	char id[QUARANTINE_ID_LEN] = "";
	char detail[PATH_MAX + 128];
	int r;

	if (!S_ISREG(c->st.st_mode) || c->st.st_size == 0)
		return;
	fan_fd_path(c->ev->fd, c->path, sizeof(c->path));
	/* A copy of a file classified a moment ago (cp's source) need not be
	 * classified again: its SHA-256 says it is the same content. */
	if (!(c->st.st_size >= SHA_REUSE_MIN && same_content_known(c, &res)))
		classify_cached(c, c->ev->fd, &c->st, c->path, BACKGROUND_TIMEOUT_MS, &res);
	p = decide_acquire(a->decide);
	fill_policy_event(c, POLICY_EVENT_CLOSE_WRITE, &res, &m->device, &pe);
	if (policy_decide(p, &pe, &d) < 0) {
		policy_unref(p);
		return;
	}
	if (!decide_denies(d.action)) {
		if (d.action != POLICY_ALLOW)
			record(c, "close-write", c->path, NULL, &res, &m->device, &d,
			       policy_action_name(d.action), "kept", NULL, false);
		policy_unref(p);
		return;
	}
	/* The evidence first, then the decision record, then the removal. */
	ctx_opener(c);
	clock_gettime(CLOCK_REALTIME, &rec.time);
	rec.event = "close-write";
	rec.uid = c->opener.uid;
	rec.user = c->user[0] ? c->user : NULL;
	rec.loginuid = c->opener.loginuid;
	rec.pid = c->ev->pid;
	rec.exe = c->opener.exe[0] ? c->opener.exe : NULL;
	rec.path = c->path;
	rec.content = &res;
	rec.device = &m->device;
	rec.action = policy_action_name(d.action);
	rec.outcome = "quarantined";
	r = quarantine_store(a->quarantine_dir, c->ev->fd, &rec, id);
	if (r < 0) {
		snprintf(detail, sizeof(detail), "cannot copy into %s: %s; removed from the medium",
			 a->quarantine_dir, strerror(-r));
		log_warnx("quarantine of %s failed: %s", c->path, strerror(-r));
	} else {
		snprintf(detail, sizeof(detail), "quarantine id %s", id);
	}
	record(c, "close-write", c->path, NULL, &res, &m->device, &d, policy_action_name(d.action),
	       r < 0 ? "removed (evidence not kept)" : "quarantined", detail, true);
	/* rsync and editors rename the temp file they wrote: the name it has
	 * now, from our own descriptor. */
	for (int tries = 0; tries < 3; tries++) {
		fan_fd_path(c->ev->fd, c->path, sizeof(c->path));
		r = quarantine_remove_original(c->ev->fd, c->path);
		if (r != -ENOENT && r != -ESTALE)
			break;
	}
	if (r < 0)
		log_warnx("cannot remove %s from the medium after quarantine: %s", c->path,
			  strerror(-r));
	else
		atomic_fetch_add(&a->n.quarantined, 1);
	policy_unref(p);
}

void agent_handle(void *arg, unsigned worker, struct pool_event *ev)
{
	struct event_ctx c = {.a = arg, .worker = worker, .ev = ev};
	struct medium m;

	if (fstat(ev->fd, &c.st) < 0) {
		allow(&c);
		return;
	}
	if (ev->mask & AGENT_EV_SOURCE) {
		if (ev->perm) {
			source_side(&c);
			record_fail_mode(&c, "copy-source", NULL);
		} else if (ev->mask & AGENT_EV_LEARN) {
			learn_clean(&c);
		}
		return;
	}
	if (!media_lookup_dev(c.a->media, c.st.st_dev, &m)) {
		allow(&c); /* unmounted meanwhile */
		return;
	}
	if (ev->perm) {
		destination_side(&c, &m);
		record_fail_mode(&c, "copy-destination", &m.device);
	} else if (ev->mask & FAN_CLOSE_WRITE) {
		post_write(&c, &m);
	}
}

void agent_respond(void *arg, const struct pool_event *ev, enum pool_verdict verdict, bool audit)
{
	struct agent *a = arg;
	const struct fan_group *g = (ev->mask & AGENT_EV_SOURCE) ? &a->fan_src : &a->fan;
	int r = fan_respond(g, ev->fd, verdict == POOL_DENY ? FAN_VERDICT_DENY : FAN_VERDICT_ALLOW,
			    audit);

	/* ENOENT: already answered; EBADF: the group closed at shutdown. */
	if (r < 0 && r != -ENOENT && r != -EBADF)
		log_warnx("cannot answer the open by pid %d: %s", (int)ev->pid, strerror(-r));
}

/* Which mount the event's file is on, from /proc/self/fdinfo: no access to
 * the file itself (the reader must never touch a FUSE file). */
static int fd_mount_id(int fd)
{
	char path[64], buf[512];
	int f, id = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "mnt_id:");
	if (p)
		id = atoi(p + 7);
	return id;
}

enum pool_verdict agent_fail_verdict(void *arg, const struct pool_event *ev)
{
	struct agent *a = arg;
	int hint = atomic_load(&((struct pool_event *)ev)->fail_hint);
	struct medium m;
	struct policy *p;
	enum policy_action fm;

	if (hint >= 0)
		return (enum pool_verdict)hint;
	p = decide_acquire(a->decide);
	if (ev->mask & AGENT_EV_SOURCE) {
		fm = policy_fail_mode(p, &decide_internal_device);
		policy_unref(p);
		return decide_denies(fm) ? POOL_DENY : POOL_ALLOW;
	}
	if (media_lookup_mount(a->media, fd_mount_id(ev->fd), &m))
		fm = policy_fail_mode(p, &m.device);
	else
		fm = policy_fail_mode(p, &decide_internal_device);
	policy_unref(p);
	return decide_denies(fm) ? POOL_DENY : POOL_ALLOW;
}

void agent_journal_device(struct agent *a, const struct ward_device *dev, const char *action,
			  const char *rule, const char *outcome, const char *detail)
{
	struct journal_record rec = {0};

	clock_gettime(CLOCK_REALTIME, &rec.time);
	rec.event = "device";
	rec.uid = rec.loginuid = (uid_t)-1;
	rec.device = dev;
	rec.rule = rule;
	rec.action = action;
	rec.outcome = outcome;
	rec.detail = detail;
	journal_append(a->journal, &rec, true);
}
