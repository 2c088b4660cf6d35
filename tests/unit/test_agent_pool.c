#define _GNU_SOURCE
/* The worker pool's deadline machinery with fake events (pipe fds stand in
 * for fanotify event fds): every event is answered exactly once, by the
 * worker or, when the worker is too slow, by the deadline with the fail
 * mode; a full queue answers at once; every fd is closed exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/pool.h"
#include "common/util.h"

#define MAX_EVENTS 4096

struct harness {
	pthread_mutex_t lock;
	/* answers per fake event id (carried in ev->mask) */
	int answers[MAX_EVENTS];
	enum pool_verdict verdict[MAX_EVENTS];
	enum pool_answerer by[MAX_EVENTS];
	int handled_ms; /* how long handle() takes */
	int vary;	/* when set, each event takes (id % vary) ms */
	enum pool_verdict worker_verdict;
	atomic_int handled;
	atomic_int answered_late; /* pool_answer() returned false */
	struct pool *pool;
	atomic_bool stop_reader;
};

static void h_handle(void *arg, unsigned worker, struct pool_event *ev)
{
	struct harness *h = arg;
	int ms = h->vary ? (int)(ev->mask % (uint64_t)h->vary) : h->handled_ms;

	(void)worker;
	if (ms)
		usleep((useconds_t)ms * 1000);
	if (ev->perm && !pool_answer(h->pool, ev, h->worker_verdict, false))
		atomic_fetch_add(&h->answered_late, 1);
	atomic_fetch_add(&h->handled, 1);
}

static void h_respond(void *arg, const struct pool_event *ev, enum pool_verdict verdict, bool audit)
{
	struct harness *h = arg;

	(void)audit;
	assert_true(fcntl(ev->fd, F_GETFD) >= 0); /* still open while answered */
	pthread_mutex_lock(&h->lock);
	h->answers[ev->mask]++;
	h->verdict[ev->mask] = verdict;
	h->by[ev->mask] = ev->answered_by;
	pthread_mutex_unlock(&h->lock);
}

static enum pool_verdict h_fail(void *arg, const struct pool_event *ev)
{
	(void)arg;
	(void)ev;
	return POOL_DENY;
}

static const struct pool_ops h_ops = {h_handle, h_respond, h_fail};

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int fake_fd(void)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	return p[0];
}

/* The reader's loop: expire on each wake-up, as wardd's reader does. */
static void *reader(void *arg)
{
	struct harness *h = arg;

	while (!atomic_load(&h->stop_reader)) {
		int t = pool_expire(h->pool, monotonic_ms());

		usleep((useconds_t)((t < 0 || t > 5) ? 5 : t) * 1000);
	}
	return NULL;
}

static struct harness *harness_new(unsigned workers, unsigned qlen)
{
	struct harness *h = calloc(1, sizeof(*h));

	pthread_mutex_init(&h->lock, NULL);
	h->worker_verdict = POOL_ALLOW;
	assert_int_equal(pool_start(workers, qlen, &h_ops, h, &h->pool), 0);
	return h;
}

static void fast_worker_answers(void **state)
{
	struct harness *h = harness_new(2, 64);
	int before = open_fds();
	uint64_t now = monotonic_ms();
	struct pool_stats st;

	(void)state;
	for (int i = 0; i < 20; i++)
		pool_submit(h->pool, fake_fd(), 100 + i, (uint64_t)i, true, now, now + 2000);
	while (atomic_load(&h->handled) < 20)
		usleep(1000);
	pool_stop(h->pool);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(h->answers[i], 1);
		assert_int_equal(h->verdict[i], POOL_ALLOW);
		assert_int_equal(h->by[i], POOL_BY_WORKER);
	}
	assert_int_equal(open_fds(), before);
	free(h);
	(void)st;
}

static void slow_worker_loses_to_deadline(void **state)
{
	struct harness *h = harness_new(1, 64);
	pthread_t rt;
	uint64_t t0 = monotonic_ms(), answered_at = 0;
	int before = open_fds();
	struct pool_stats st;

	(void)state;
	h->handled_ms = 600;
	pthread_create(&rt, NULL, reader, h);
	pool_submit(h->pool, fake_fd(), 42, 0, true, t0, t0 + 100);
	for (;;) {
		pthread_mutex_lock(&h->lock);
		int n = h->answers[0];
		pthread_mutex_unlock(&h->lock);
		if (n) {
			answered_at = monotonic_ms();
			break;
		}
		usleep(1000);
	}
	/* Answered by the deadline, long before the worker finished. */
	assert_true(answered_at - t0 >= 100);
	assert_true(answered_at - t0 < 400);
	assert_int_equal(h->by[0], POOL_BY_DEADLINE);
	assert_int_equal(h->verdict[0], POOL_DENY);
	while (atomic_load(&h->handled) < 1)
		usleep(1000);
	atomic_store(&h->stop_reader, true);
	pthread_join(rt, NULL);
	pool_get_stats(h->pool, &st);
	pool_stop(h->pool);
	assert_int_equal(h->answers[0], 1); /* the worker's late answer was dropped */
	assert_int_equal(atomic_load(&h->answered_late), 1);
	assert_int_equal(st.by_deadline, 1);
	assert_int_equal(st.by_worker, 0);
	assert_int_equal(open_fds(), before);
	free(h);
}

static void full_queue_answers_at_once(void **state)
{
	struct harness *h = harness_new(1, 4);
	uint64_t now = monotonic_ms();
	int before = open_fds();
	struct pool_stats st;

	(void)state;
	h->handled_ms = 200;
	/* One in hand plus four queued fill it; the rest are answered now. */
	for (int i = 0; i < 10; i++)
		pool_submit(h->pool, fake_fd(), 7, (uint64_t)i, true, now, now + 5000);
	pool_get_stats(h->pool, &st);
	assert_true(st.by_queue_full >= 5);
	for (int i = 6; i < 10; i++) {
		assert_int_equal(h->answers[i], 1);
		assert_int_equal(h->by[i], POOL_BY_QUEUE_FULL);
		assert_int_equal(h->verdict[i], POOL_DENY);
	}
	pool_stop(h->pool);
	for (int i = 0; i < 10; i++)
		assert_int_equal(h->answers[i], 1);
	assert_int_equal(open_fds(), before);
	free(h);
}

static void race_of_a_thousand(void **state)
{
	struct harness *h = harness_new(4, 1024);
	pthread_t rt;
	uint64_t now;
	int before = open_fds();
	int by_deadline = 0, by_worker = 0;

	(void)state;
	/* Handling times straddle the 20 ms deadline, so worker and timer
	 * race on many events. */
	h->vary = 45;
	pthread_create(&rt, NULL, reader, h);
	now = monotonic_ms();
	for (int i = 0; i < 1000; i++) {
		pool_submit(h->pool, fake_fd(), 1000 + i, (uint64_t)i, true, now, now + 20);
		if (i % 50 == 0)
			now = monotonic_ms();
	}
	while (atomic_load(&h->handled) < 1000)
		usleep(2000);
	atomic_store(&h->stop_reader, true);
	pthread_join(rt, NULL);
	pool_stop(h->pool);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(h->answers[i], 1);
		if (h->by[i] == POOL_BY_DEADLINE)
			by_deadline++;
		else if (h->by[i] == POOL_BY_WORKER)
			by_worker++;
	}
	assert_int_equal(by_deadline + by_worker, 1000);
	assert_true(by_deadline > 0);
	assert_true(by_worker > 0);
	assert_int_equal(open_fds(), before);
	free(h);
}

static void notifications_need_no_answer(void **state)
{
	struct harness *h = harness_new(1, 8);
	int before = open_fds();

	(void)state;
	for (int i = 0; i < 5; i++)
		pool_submit(h->pool, fake_fd(), 9, (uint64_t)i, false, monotonic_ms(), 0);
	while (atomic_load(&h->handled) < 5)
		usleep(1000);
	pool_stop(h->pool);
	for (int i = 0; i < 5; i++)
		assert_int_equal(h->answers[i], 0);
	assert_int_equal(open_fds(), before);
	free(h);
}

static void permission_events_go_before_notifications(void **state)
{
	struct harness *h = harness_new(1, 64);
	pthread_t rt;
	uint64_t now;
	int before = open_fds();

	(void)state;
	/* Six close-write checks of 100 ms each are queued, then an open
	 * with a 250 ms deadline: it must be decided by the worker, not by
	 * the deadline, so it cannot have waited behind all six. */
	h->handled_ms = 100;
	pthread_create(&rt, NULL, reader, h);
	now = monotonic_ms();
	for (int i = 0; i < 6; i++)
		pool_submit(h->pool, fake_fd(), 5, (uint64_t)(10 + i), false, now, 0);
	pool_submit(h->pool, fake_fd(), 6, 0, true, now, now + 250);
	while (atomic_load(&h->handled) < 7)
		usleep(2000);
	atomic_store(&h->stop_reader, true);
	pthread_join(rt, NULL);
	pool_stop(h->pool);
	assert_int_equal(h->answers[0], 1);
	assert_int_equal(h->by[0], POOL_BY_WORKER);
	assert_int_equal(h->verdict[0], POOL_ALLOW);
	assert_int_equal(open_fds(), before);
	free(h);
}

static void an_open_does_not_wait_behind_a_notification_in_hand(void **state)
{
	struct harness *h = harness_new(2, 64);
	pthread_t rt;
	uint64_t now;

	(void)state;
	/* Worker 0 (pid 4's own) takes a 400 ms close-write check; an open by
	 * pid 4 with a 200 ms deadline comes while it is in hand: worker 1 is
	 * free, and it must be the one that answers. */
	h->vary = 1000; /* event id N takes N ms */
	pthread_create(&rt, NULL, reader, h);
	now = monotonic_ms();
	pool_submit(h->pool, fake_fd(), 4, 400, false, now, 0);
	usleep(50 * 1000);
	now = monotonic_ms();
	pool_submit(h->pool, fake_fd(), 4, 1, true, now, now + 200);
	while (atomic_load(&h->handled) < 2)
		usleep(2000);
	atomic_store(&h->stop_reader, true);
	pthread_join(rt, NULL);
	pool_stop(h->pool);
	assert_int_equal(h->answers[1], 1);
	assert_int_equal(h->by[1], POOL_BY_WORKER);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fast_worker_answers),
	    cmocka_unit_test(slow_worker_loses_to_deadline),
	    cmocka_unit_test(full_queue_answers_at_once),
	    cmocka_unit_test(race_of_a_thousand),
	    cmocka_unit_test(notifications_need_no_answer),
	    cmocka_unit_test(permission_events_go_before_notifications),
	    cmocka_unit_test(an_open_does_not_wait_behind_a_notification_in_hand),
	};
	struct rlimit fds;

	/* race_of_a_thousand holds 1000 fds at once, as a burst of opens does. */
	getrlimit(RLIMIT_NOFILE, &fds);
	fds.rlim_cur = fds.rlim_max;
	setrlimit(RLIMIT_NOFILE, &fds);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
