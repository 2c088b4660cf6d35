/* Pre-classification, the crawl and the cache's file, on one idle thread
 * (preclass.h). */
#define _GNU_SOURCE
#include "agent/preclass.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/crawl.h"
#include "agent/known.h"
#include "agent/written.h"
#include "common/log.h"
#include "common/util.h"

#define SETTLE_MS (KNOWN_VERSION_MARGIN_S * 1000 + 100)
#define CRAWL_DELAY_MS 5000		 /* the first pass, after start */
#define CRAWL_EVERY_MS (6 * 3600 * 1000) /* and again */
#define SAVE_EVERY_MS 60000		 /* the cache's file, when it changed */
#define FIRST_WAIT_MS 1000

/* ioprio_set(2): not every libc has the constants. */
#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_IDLE_ 3
#define IOPRIO_CLASS_SHIFT_ 13

struct pending {
	dev_t dev;
	ino_t ino;
	int fd;
	uint64_t due_ms;
};

struct preclass {
	struct agent *a;
	char cache_path[PATH_MAX];
	struct crawl *crawl;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;
	struct cache_identity id;
	struct pending q[PRECLASS_PENDING_MAX];
	size_t n;
	bool stopping, crawl_wanted, working, crawling;
	uint64_t next_crawl_ms;
	struct crawl_stats crawl_seen;
	uint64_t classified, crawled, dropped, saves, loaded, saved_changes, last_save_ms;
};

static const struct scanner_ops background_scanner_ops = {.sane = classify_result_sane};

static bool fsid_of(void *arg, dev_t dev, uint64_t *fsid)
{
	return written_fsid(arg, dev, fsid);
}

/* ---- the stream's subscriber (its thread: never blocks) ---- */

static struct pending *find_pending(struct preclass *p, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->q[i].dev == dev && p->q[i].ino == ino)
			return &p->q[i];
	return NULL;
}

static void on_written(void *arg, const struct written_file *f)
{
	struct preclass *p = arg;
	const struct stat *st = f->st;
	struct pending *q;

	/* Whatever was known of this file by version is not it any more. */
	class_cache_forget(p->a->cache, st->st_dev, st->st_ino);
	if (st->st_size == 0)
		return;
	pthread_mutex_lock(&p->lock);
	q = find_pending(p, st->st_dev, st->st_ino);
	if (!q && p->n < PRECLASS_PENDING_MAX) {
		int fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 3);

		if (fd >= 0) {
			q = &p->q[p->n++];
			*q = (struct pending){st->st_dev, st->st_ino, fd, 0};
		}
	}
	if (q) {
		q->due_ms = f->now_ms + SETTLE_MS; /* written again: later */
		pthread_cond_signal(&p->wake);
	} else {
		p->dropped++;
		p->crawl_wanted = true;
	}
	pthread_mutex_unlock(&p->lock);
}

static void on_lost(void *arg)
{
	struct preclass *p = arg;

	pthread_mutex_lock(&p->lock);
	p->crawl_wanted = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

/* ---- the crawl's questions ---- */

static bool crawl_fs_ok(void *arg, dev_t dev)
{
	struct preclass *p = arg;

	return p->a->written && written_watches(p->a->written, dev);
}

static bool crawl_wanted_file(void *arg, const struct stat *st)
{
	struct preclass *p = arg;
	struct file_version v = file_version_of(st);
	struct classify_result res;

	return st->st_size > 0 && !class_cache_get(p->a->cache, &v, &res);
}

/* ---- one file ---- */

static struct scanner *background_scanner(struct preclass *p)
{
	struct agent *a = p->a;
	struct scanner *s = a->scanners[AGENT_BACKGROUND_SCANNER];
	struct scanner_options so = {.exec_path = a->scanner_exe, .sandbox = true};
	int r;

	if (s)
		return s;
	r = scanner_start(&background_scanner_ops, &so, &s);
	if (r < 0) {
		log_warnx("cannot start the background classifier: %s", strerror(-r));
		return NULL;
	}
	__atomic_store_n(&a->scanners[AGENT_BACKGROUND_SCANNER], s, __ATOMIC_RELEASE);
	return s;
}

/* Classifies the file at fd (st taken after seen) and keeps the answer.
 * Returns 1 classified, 0 nothing to do, -EAGAIN changed too recently. */
static int classify_one(struct preclass *p, int fd, const struct stat *st,
			const struct timespec *seen)
{
	struct agent *a = p->a;
	struct file_version v = file_version_of(st);
	struct classify_budget budget;
	struct classify_result res;
	int64_t age_ms = ((int64_t)seen->tv_sec - (int64_t)st->st_ctim.tv_sec) * 1000 +
			 ((int64_t)seen->tv_nsec - (int64_t)st->st_ctim.tv_nsec) / 1000000;

	if (!S_ISREG(st->st_mode) || st->st_nlink == 0 || st->st_size == 0 ||
	    !known_internal(a, st) || class_cache_get(a->cache, &v, &res))
		return 0;
	if (age_ms < (int64_t)KNOWN_VERSION_MARGIN_S * 1000)
		return -EAGAIN; /* still being written (it was not closed yet) */
	if (!background_scanner(p))
		return 0;
	classify_budget_default(&budget);
	budget.max_millis = PRECLASS_BUDGET_MS;
	known_classify(a, AGENT_BACKGROUND_SCANNER, fd, st, seen, NULL, &budget,
		       PRECLASS_BUDGET_MS + 1000, &res);
	return 1;
}

static void do_pending(struct preclass *p, struct pending *q)
{
	struct timespec seen = known_now();
	struct stat st;
	int r = fstat(q->fd, &st) == 0 ? classify_one(p, q->fd, &st, &seen) : 0;

	pthread_mutex_lock(&p->lock);
	if (r == -EAGAIN && !find_pending(p, q->dev, q->ino) && p->n < PRECLASS_PENDING_MAX) {
		q->due_ms = monotonic_ms() + SETTLE_MS;
		p->q[p->n++] = *q;
		q->fd = -1;
	}
	p->classified += r > 0;
	pthread_mutex_unlock(&p->lock);
	if (q->fd >= 0)
		close(q->fd);
}

static void do_crawl_step(struct preclass *p)
{
	struct timespec seen;
	struct stat st;
	int fd, r = 0;
	bool more = crawl_next(p->crawl, &fd, &st, &seen);

	if (more) {
		r = classify_one(p, fd, &st, &seen);
		/* Read for us alone: leave the page cache to the user. */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
	pthread_mutex_lock(&p->lock);
	p->crawled += r > 0;
	crawl_get_stats(p->crawl, &p->crawl_seen);
	p->crawling = crawl_active(p->crawl);
	pthread_mutex_unlock(&p->lock);
}

static void save(struct preclass *p, uint64_t changes)
{
	struct cache_identity id;
	int r;

	pthread_mutex_lock(&p->lock);
	id = p->id;
	pthread_mutex_unlock(&p->lock);
	r = cachefile_save(p->a->cache, p->cache_path, &id, fsid_of, p->a->written);
	pthread_mutex_lock(&p->lock);
	p->last_save_ms = monotonic_ms();
	if (r == 0) {
		p->saves++;
		p->saved_changes = changes;
	}
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		log_warnx("cannot save the classification cache to %s: %s", p->cache_path,
			  strerror(-r));
}

/* ---- the thread ---- */

static void lower_priority(void)
{
	struct sched_param sp = {0};
	int r = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);

	if (r != 0)
		log_warnx("background classifier: cannot run at SCHED_IDLE: %s", strerror(r));
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, (int)gettid(),
		    IOPRIO_CLASS_IDLE_ << IOPRIO_CLASS_SHIFT_) < 0)
		log_warn("background classifier: cannot take the idle I/O class");
}

enum work { WORK_NONE, WORK_PENDING, WORK_CRAWL, WORK_SAVE };

/* Lock held.  What to do now, or how long to wait (*wait_ms). */
static enum work next_work(struct preclass *p, uint64_t now, struct pending *item,
			   uint64_t *changes, uint64_t *wait_ms)
{
	struct cache_stats cs;
	size_t first = p->n;
	uint64_t until = now + 3600 * 1000;

	for (size_t i = 0; i < p->n; i++)
		if (first == p->n || p->q[i].due_ms < p->q[first].due_ms)
			first = i;
	if (first < p->n && p->q[first].due_ms <= now) {
		*item = p->q[first];
		p->q[first] = p->q[--p->n];
		return WORK_PENDING;
	}
	if (first < p->n)
		until = p->q[first].due_ms;
	if (p->crawl_wanted || now >= p->next_crawl_ms) {
		crawl_begin(p->crawl);
		p->crawling = crawl_active(p->crawl);
		p->crawl_wanted = false;
		p->next_crawl_ms = now + CRAWL_EVERY_MS;
	}
	if (p->crawling)
		return WORK_CRAWL;
	if (p->next_crawl_ms < until)
		until = p->next_crawl_ms;
	class_cache_get_stats(p->a->cache, &cs);
	if (cs.changes != p->saved_changes) {
		if (now >= p->last_save_ms + SAVE_EVERY_MS) {
			*changes = cs.changes;
			return WORK_SAVE;
		}
		if (p->last_save_ms + SAVE_EVERY_MS < until)
			until = p->last_save_ms + SAVE_EVERY_MS;
	}
	*wait_ms = until - now;
	return WORK_NONE;
}

static void wait_ms_locked(struct preclass *p, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->wake, &p->lock, &ts);
}

static void *preclass_main(void *arg)
{
	struct preclass *p = arg;

	if (p->a->cfg.background_idle)
		lower_priority();
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct pending item;
		uint64_t wait = 0, changes = 0;
		enum work w = next_work(p, monotonic_ms(), &item, &changes, &wait);

		p->working = w != WORK_NONE;
		if (w == WORK_NONE) {
			wait_ms_locked(p, wait);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		if (w == WORK_PENDING)
			do_pending(p, &item);
		else if (w == WORK_CRAWL)
			do_crawl_step(p);
		else
			save(p, changes);
		pthread_mutex_lock(&p->lock);
	}
	p->working = false;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ---- life ---- */

int preclass_new(struct agent *a, const char *cache_path, const struct cache_identity *id,
		 struct preclass **out)
{
	struct preclass *p = calloc(1, sizeof(*p));
	const char *roots[CRAWL_MAX_ROOTS];
	struct crawl_filter filter;
	int r;

	if (!p)
		return -ENOMEM;
	p->a = a;
	p->id = *id;
	str_copy(p->cache_path, sizeof(p->cache_path), cache_path);
	for (size_t i = 0; i < a->cfg.n_crawl; i++)
		roots[i] = a->cfg.crawl[i];
	filter = (struct crawl_filter){crawl_fs_ok, crawl_wanted_file, p};
	r = crawl_new(roots, a->cfg.n_crawl, &filter, &p->crawl);
	if (r < 0) {
		free(p);
		return r;
	}
	pthread_mutex_init(&p->lock, NULL);
	/* Timed waits on the monotonic clock (wait_ms_locked): a condition
	 * variable waits on the wall clock unless told otherwise. */
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	*out = p;
	return 0;
}

int preclass_subscribe(struct preclass *p, struct written *w)
{
	const struct written_subscriber sub = {"pre-classification", on_written, on_lost, p};

	return written_subscribe(w, &sub);
}

int preclass_start(struct preclass *p)
{
	size_t loaded = 0;
	int r = cachefile_load(p->a->cache, p->cache_path, &p->id, fsid_of, p->a->written, &loaded);

	if (r == -ESTALE)
		log_info("classification cache %s: another classifier or policy, starting afresh",
			 p->cache_path);
	else if (r < 0 && r != -ENOENT)
		log_warnx("classification cache %s cannot be used (%s): starting afresh",
			  p->cache_path, strerror(-r));
	else if (r == 0)
		log_info("classification cache: %zu entries from %s", loaded, p->cache_path);
	p->loaded = loaded;
	p->next_crawl_ms = monotonic_ms() + CRAWL_DELAY_MS;
	/* What was loaded is what the file says: nothing to save yet. */
	struct cache_stats cs;

	class_cache_get_stats(p->a->cache, &cs);
	p->saved_changes = cs.changes;
	p->last_save_ms = monotonic_ms();
	r = -pthread_create(&p->thread, NULL, preclass_main, p);
	p->running = r == 0;
	return r;
}

void preclass_free(struct preclass *p)
{
	if (!p)
		return;
	if (p->running) {
		struct cache_stats cs;

		pthread_mutex_lock(&p->lock);
		p->stopping = true;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		class_cache_get_stats(p->a->cache, &cs);
		if (cs.changes != p->saved_changes)
			save(p, cs.changes);
	}
	for (size_t i = 0; i < p->n; i++)
		close(p->q[i].fd);
	crawl_free(p->crawl);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void preclass_policy(struct preclass *p, const unsigned char version[32])
{
	bool changed;

	pthread_mutex_lock(&p->lock);
	changed = memcmp(p->id.policy, version, sizeof(p->id.policy)) != 0;
	memcpy(p->id.policy, version, sizeof(p->id.policy));
	pthread_mutex_unlock(&p->lock);
	if (!changed)
		return;
	class_cache_clear(p->a->cache);
	on_lost(p); /* what the old cache knew is learnt again */
	log_info("policy changed: classification cache cleared");
}

void preclass_get_stats(struct preclass *p, struct preclass_stats *out)
{
	pthread_mutex_lock(&p->lock);
	out->classified = p->classified;
	out->crawled = p->crawled;
	out->pending = p->n;
	out->dropped = p->dropped;
	out->passes = p->crawl_seen.passes;
	out->saves = p->saves;
	out->loaded = p->loaded;
	out->busy = p->working || p->n > 0 || p->crawling;
	pthread_mutex_unlock(&p->lock);
}
