/* The worker pool between the fanotify reader and the decisions, with a
 * deadline on every permission event.
 *
 * The reader thread submits events (pool_submit never blocks beyond a
 * short mutex: a full queue is answered at once by the fail mode) and
 * calls pool_expire() whenever its poll(2) times out or wakes, with the
 * timeout pool_expire() returned: every permission event whose deadline
 * has passed is answered by the fail mode there.  A worker answers with
 * pool_answer().  Whichever of worker and timer comes first answers; the
 * other is dropped (one atomic state per event: pending -> answering ->
 * answered), and the event's fd is closed exactly once, by the pool, after
 * both the worker is done with it and the answer has been written.
 *
 * Each worker has its own bounded FIFO queue; the reader picks the least
 * loaded one.  All events have the same deadline offset, so each queue is
 * also in deadline order and expiry looks only at its oldest entries. */
#ifndef WARD_AGENT_POOL_H
#define WARD_AGENT_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum pool_verdict {
	POOL_ALLOW = 0,
	POOL_DENY,
};

enum pool_answerer {
	POOL_BY_NOBODY = 0,
	POOL_BY_WORKER,
	POOL_BY_DEADLINE,
	POOL_BY_QUEUE_FULL,
	POOL_BY_SHUTDOWN,
};

struct pool_event {
	int fd;
	pid_t pid;
	uint64_t mask;
	bool perm; /* needs an answer */
	uint64_t submitted_ms;
	uint64_t deadline_ms;
	atomic_int state; /* internal: pending, answering, answered */
	/* The handler's fail verdict for this event once it knows where the
	 * file lives (enum pool_verdict), or -1: the fail-mode path then
	 * works it out itself. */
	atomic_int fail_hint;
	/* Who answered and how (set once, by the answerer). */
	enum pool_answerer answered_by;
	enum pool_verdict verdict;
};

struct pool_ops {
	/* Decide ev on worker `worker`; call pool_answer() (at any point:
	 * early, then keep working with ev->fd).  Must not close ev->fd. */
	void (*handle)(void *arg, unsigned worker, struct pool_event *ev);
	/* Write the answer to the kernel (fan_respond); any thread. */
	void (*respond)(void *arg, const struct pool_event *ev, enum pool_verdict verdict,
			bool audit);
	/* The fail mode for ev, when its deadline passed or its queue is full. */
	enum pool_verdict (*fail_verdict)(void *arg, const struct pool_event *ev);
};

struct pool_stats {
	uint64_t submitted;
	uint64_t by_worker;
	uint64_t by_deadline;
	uint64_t by_queue_full;
	uint64_t dropped_notifications; /* learning notifications left out: a full queue */
};

struct pool;

/* Starts n_workers threads, each with a queue of queue_len events.
 * Returns 0 or -errno. */
int pool_start(unsigned n_workers, unsigned queue_len, const struct pool_ops *ops, void *arg,
	       struct pool **out);
/* Stops the workers (each finishes its current event), answers what is
 * left with allow (the agent is going away), closes every fd, frees. */
void pool_stop(struct pool *pool);

/* Reader thread: hand over an event (the pool owns ev->fd from now on).
 * deadline_ms is an absolute monotonic_ms() time for permission events. */
void pool_submit(struct pool *pool, int fd, pid_t pid, uint64_t mask, bool perm, uint64_t now_ms,
		 uint64_t deadline_ms);
/* A notification that must not be lost (what was written to a medium):
 * queued like pool_submit(), but when every queue is full it is not
 * dropped: false, and fd stays the caller's to offer again later. */
bool pool_offer(struct pool *pool, int fd, pid_t pid, uint64_t mask, uint64_t now_ms);
/* Reader thread: answer expired events by the fail mode.  Returns the
 * milliseconds until the next deadline, or -1 when nothing is pending. */
int pool_expire(struct pool *pool, uint64_t now_ms);

/* Worker: answer ev.  Returns true if this call answered it, false if the
 * deadline (or shutdown) answered first. */
bool pool_answer(struct pool *pool, struct pool_event *ev, enum pool_verdict verdict, bool audit);

/* Fills ev as pool_submit() does: pending, no fail hint yet.  For
 * events decided outside a pool's queues (tests). */
void pool_event_init(struct pool_event *ev, int fd, pid_t pid, uint64_t mask, bool perm,
		     uint64_t now_ms, uint64_t deadline_ms);

/* Who answered ev so far (POOL_BY_NOBODY while pending) and, when
 * answered, with what (*verdict).  An answer being written is waited for
 * (one write(2)), so the result is never half of one.  Any thread. */
enum pool_answerer pool_event_answerer(struct pool_event *ev, enum pool_verdict *verdict);

/* An event answered outside the pool (a record of an answer the reader
 * gave): pool_answer() on it returns false and leaves verdict and
 * answerer as set here. */
void pool_event_mark_answered(struct pool_event *ev, enum pool_verdict verdict,
			      enum pool_answerer by);

/* Events waiting in worker's queue (not counting the one in hand). */
unsigned pool_queued(struct pool *pool, unsigned worker);
/* Notifications waiting in every worker's queue. */
unsigned pool_notes_waiting(struct pool *pool);
unsigned pool_workers(const struct pool *pool);
void pool_get_stats(struct pool *pool, struct pool_stats *out);

#endif
