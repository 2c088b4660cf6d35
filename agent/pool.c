#include "agent/pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

enum { EV_PENDING = 0, EV_ANSWERING, EV_ANSWERED };

/* A bounded FIFO.  Monotonic counters, slot = counter % len.  Live slots
 * are [done, tail); [head, tail) wait for the worker. */
struct ring {
	struct pool_event *slots;
	uint64_t done, head, tail;
};

struct worker {
	struct pool *pool;
	unsigned index;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	/* Permission events are taken before notifications (close-write,
	 * learning): an opener waits; a burst of writes must not make it wait
	 * behind their classification. */
	struct ring perm, note;
	bool in_note; /* a notification is in hand (an after-write hash, say) */
	bool stopping;
};

struct pool {
	const struct pool_ops *ops;
	void *arg;
	unsigned n_workers;
	unsigned queue_len;
	struct worker *workers;
	atomic_uint_fast64_t submitted, by_worker, by_deadline, by_queue_full, dropped;
};

/* The one place an answer is written: the state CAS picks the winner, who
 * writes and then publishes EV_ANSWERED (the fd stays open until then). */
static bool try_answer(struct pool *pool, struct pool_event *ev, enum pool_verdict verdict,
		       bool audit, enum pool_answerer who)
{
	int expect = EV_PENDING;

	if (!atomic_compare_exchange_strong(&ev->state, &expect, EV_ANSWERING))
		return false;
	ev->answered_by = who;
	ev->verdict = verdict;
	pool->ops->respond(pool->arg, ev, verdict, audit);
	atomic_store(&ev->state, EV_ANSWERED);
	return true;
}

bool pool_answer(struct pool *pool, struct pool_event *ev, enum pool_verdict verdict, bool audit)
{
	if (!ev->perm)
		return false;
	if (!try_answer(pool, ev, verdict, audit, POOL_BY_WORKER))
		return false;
	atomic_fetch_add(&pool->by_worker, 1);
	return true;
}

static void finish_event(struct pool *pool, struct pool_event *ev)
{
	if (ev->perm && atomic_load(&ev->state) == EV_PENDING &&
	    try_answer(pool, ev, pool->ops->fail_verdict(pool->arg, ev), false, POOL_BY_WORKER)) {
		/* The handler returned without deciding: a bug, but the opener
		 * must not wait for it. */
		atomic_fetch_add(&pool->by_worker, 1);
	}
	/* The timer may be writing its answer right now: wait for it. */
	while (atomic_load(&ev->state) == EV_ANSWERING)
		sched_yield();
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = -1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *pool = w->pool;

	for (;;) {
		struct pool_event *ev;
		struct ring *r;

		pthread_mutex_lock(&w->lock);
		while (w->perm.head == w->perm.tail && w->note.head == w->note.tail && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->perm.head != w->perm.tail)
			r = &w->perm;
		else if (w->note.head != w->note.tail)
			r = &w->note;
		else {
			pthread_mutex_unlock(&w->lock);
			return NULL; /* stopping, nothing left */
		}
		ev = &r->slots[r->head % pool->queue_len];
		r->head++;
		w->in_note = r == &w->note;
		pthread_mutex_unlock(&w->lock);

		pool->ops->handle(pool->arg, w->index, ev);
		finish_event(pool, ev);

		/* One worker consumes each ring in order, so the oldest live
		 * slot is the one just finished. */
		pthread_mutex_lock(&w->lock);
		r->done++;
		w->in_note = false;
		pthread_mutex_unlock(&w->lock);
	}
}

int pool_start(unsigned n_workers, unsigned queue_len, const struct pool_ops *ops, void *arg,
	       struct pool **out)
{
	struct pool *pool = calloc(1, sizeof(*pool));
	unsigned started = 0;
	int r = 0;

	if (!pool)
		return -ENOMEM;
	pool->ops = ops;
	pool->arg = arg;
	pool->n_workers = n_workers;
	pool->queue_len = queue_len;
	pool->workers = calloc(n_workers, sizeof(*pool->workers));
	if (!pool->workers) {
		free(pool);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &pool->workers[i];

		w->pool = pool;
		w->index = i;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->wake, NULL);
		w->perm.slots = calloc(queue_len, sizeof(*w->perm.slots));
		w->note.slots = calloc(queue_len, sizeof(*w->note.slots));
		if (!w->perm.slots || !w->note.slots) {
			r = -ENOMEM;
			break;
		}
	}
	for (unsigned i = 0; i < n_workers && r == 0; i++) {
		r = -pthread_create(&pool->workers[i].thread, NULL, worker_main, &pool->workers[i]);
		if (r == 0)
			started++;
	}
	if (r < 0) {
		pool->n_workers = started;
		pool_stop(pool);
		return r;
	}
	*out = pool;
	return 0;
}

static void drain_ring(struct pool *pool, struct ring *r)
{
	for (uint64_t c = r->head; c < r->tail; c++) {
		struct pool_event *ev = &r->slots[c % pool->queue_len];

		if (ev->perm)
			try_answer(pool, ev, POOL_ALLOW, false, POOL_BY_SHUTDOWN);
		close(ev->fd);
		ev->fd = -1;
	}
	r->tail = r->head;
}

void pool_stop(struct pool *pool)
{
	if (!pool)
		return;
	for (unsigned i = 0; i < pool->n_workers; i++) {
		struct worker *w = &pool->workers[i];

		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		/* Nothing new will be taken: answer what waits, so the queues
		 * drain at once instead of being decided one by one. */
		drain_ring(pool, &w->perm);
		drain_ring(pool, &w->note);
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
	}
	for (unsigned i = 0; i < pool->n_workers; i++)
		pthread_join(pool->workers[i].thread, NULL);
	if (pool->workers) {
		for (unsigned i = 0; i < pool->n_workers; i++) {
			pthread_mutex_destroy(&pool->workers[i].lock);
			pthread_cond_destroy(&pool->workers[i].wake);
			free(pool->workers[i].perm.slots);
			free(pool->workers[i].note.slots);
		}
	}
	free(pool->workers);
	free(pool);
}

/* Queues the event on the least loaded worker.  False when every queue
 * is full (fd still the caller's). */
static bool enqueue(struct pool *pool, int fd, pid_t pid, uint64_t mask, bool perm, uint64_t now_ms,
		    uint64_t deadline_ms)
{
	struct worker *best = NULL;
	uint64_t best_load = UINT64_MAX;
	unsigned first = (unsigned)pid % pool->n_workers;
	struct ring *r;

	/* Least loaded, starting at the opener's own worker so a process's
	 * events tend to stay in order on one queue.  A permission event
	 * counts what waits in hand and in the permission queue (it goes
	 * before queued notifications, not before one in hand: an opener must
	 * not wait behind an after-write check of a large file while another
	 * worker is free); a notification counts everything. */
	for (unsigned k = 0; k < pool->n_workers; k++) {
		struct worker *w = &pool->workers[(first + k) % pool->n_workers];
		uint64_t load;

		pthread_mutex_lock(&w->lock);
		load = w->perm.tail - w->perm.done;
		if (!perm)
			load += w->note.tail - w->note.done;
		else
			load += w->in_note;
		pthread_mutex_unlock(&w->lock);
		if (load < best_load) {
			best_load = load;
			best = w;
		}
		if (load == 0)
			break;
	}
	pthread_mutex_lock(&best->lock);
	r = perm ? &best->perm : &best->note;
	if (r->tail - r->done < pool->queue_len && !best->stopping) {
		pool_event_init(&r->slots[r->tail % pool->queue_len], fd, pid, mask, perm, now_ms,
				deadline_ms);
		r->tail++;
		pthread_cond_signal(&best->wake);
		pthread_mutex_unlock(&best->lock);
		return true;
	}
	pthread_mutex_unlock(&best->lock);
	return false;
}

void pool_submit(struct pool *pool, int fd, pid_t pid, uint64_t mask, bool perm, uint64_t now_ms,
		 uint64_t deadline_ms)
{
	struct pool_event ev = {.fd = fd, .pid = pid, .mask = mask, .perm = perm};

	atomic_fetch_add(&pool->submitted, 1);
	if (enqueue(pool, fd, pid, mask, perm, now_ms, deadline_ms))
		return;
	/* Every queue is full: answer now, by the fail mode. */
	if (perm) {
		atomic_store(&ev.fail_hint, -1);
		atomic_store(&ev.state, EV_PENDING);
		try_answer(pool, &ev, pool->ops->fail_verdict(pool->arg, &ev), false,
			   POOL_BY_QUEUE_FULL);
		atomic_fetch_add(&pool->by_queue_full, 1);
	} else {
		atomic_fetch_add(&pool->dropped, 1);
	}
	close(fd);
}

bool pool_offer(struct pool *pool, int fd, pid_t pid, uint64_t mask, uint64_t now_ms)
{
	if (!enqueue(pool, fd, pid, mask, false, now_ms, 0))
		return false;
	atomic_fetch_add(&pool->submitted, 1);
	return true;
}

int pool_expire(struct pool *pool, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < pool->n_workers; i++) {
		struct worker *w = &pool->workers[i];
		struct ring *r = &w->perm;

		pthread_mutex_lock(&w->lock);
		for (uint64_t c = r->done; c < r->tail; c++) {
			struct pool_event *ev = &r->slots[c % pool->queue_len];

			if (atomic_load(&ev->state) != EV_PENDING)
				continue;
			if (ev->deadline_ms > now_ms) {
				if (ev->deadline_ms < next)
					next = ev->deadline_ms;
				break; /* the rest of this queue is later still */
			}
			if (try_answer(pool, ev, pool->ops->fail_verdict(pool->arg, ev), false,
				       POOL_BY_DEADLINE))
				atomic_fetch_add(&pool->by_deadline, 1);
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (next == UINT64_MAX)
		return -1;
	return (int)(next - now_ms);
}

void pool_event_init(struct pool_event *ev, int fd, pid_t pid, uint64_t mask, bool perm,
		     uint64_t now_ms, uint64_t deadline_ms)
{
	ev->fd = fd;
	ev->pid = pid;
	ev->mask = mask;
	ev->perm = perm;
	ev->submitted_ms = now_ms;
	ev->deadline_ms = perm ? deadline_ms : UINT64_MAX;
	ev->answered_by = POOL_BY_NOBODY;
	ev->verdict = POOL_ALLOW;
	atomic_store(&ev->fail_hint, -1);
	atomic_store(&ev->state, perm ? EV_PENDING : EV_ANSWERED);
}

enum pool_answerer pool_event_answerer(struct pool_event *ev, enum pool_verdict *verdict)
{
	int state = atomic_load(&ev->state);

	while (state == EV_ANSWERING) {
		sched_yield();
		state = atomic_load(&ev->state);
	}
	if (state != EV_ANSWERED)
		return POOL_BY_NOBODY;
	*verdict = ev->verdict;
	return ev->answered_by;
}

void pool_event_mark_answered(struct pool_event *ev, enum pool_verdict verdict,
			      enum pool_answerer by)
{
	ev->verdict = verdict;
	ev->answered_by = by;
	atomic_store(&ev->state, EV_ANSWERED);
}

unsigned pool_queued(struct pool *pool, unsigned worker)
{
	struct worker *w = &pool->workers[worker];
	unsigned n;

	pthread_mutex_lock(&w->lock);
	n = (unsigned)(w->perm.tail - w->perm.head);
	pthread_mutex_unlock(&w->lock);
	return n;
}

unsigned pool_notes_waiting(struct pool *pool)
{
	unsigned n = 0;

	for (unsigned i = 0; i < pool->n_workers; i++) {
		struct worker *w = &pool->workers[i];

		pthread_mutex_lock(&w->lock);
		n += (unsigned)(w->note.tail - w->note.head);
		pthread_mutex_unlock(&w->lock);
	}
	return n;
}

unsigned pool_workers(const struct pool *pool)
{
	return pool->n_workers;
}

void pool_get_stats(struct pool *pool, struct pool_stats *out)
{
	out->submitted = atomic_load(&pool->submitted);
	out->by_worker = atomic_load(&pool->by_worker);
	out->by_deadline = atomic_load(&pool->by_deadline);
	out->by_queue_full = atomic_load(&pool->by_queue_full);
	out->dropped_notifications = atomic_load(&pool->dropped);
}
