#define _GNU_SOURCE
#include "agent/reader.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/decide.h"
#include "common/log.h"
#include "common/util.h"

#define LOST_LOG_EVERY_MS 10000

struct reader {
	struct agent *a;
	pthread_t thread;
	int stop; /* eventfd */
	atomic_uint_fast64_t heartbeat;
	uint64_t lost_logged_ms; /* rate limit of the lost-events warning */
	uint64_t lost_logged;
	uint64_t *buf;
};

static bool is_helper(struct agent *a, pid_t pid)
{
	if (pid == a->self_pid)
		return true;
	for (unsigned i = 0; i < a->cfg.workers; i++)
		if (a->scanners[i] && scanner_pid(a->scanners[i]) == pid)
			return true;
	/* Published once by the background thread, never freed before us. */
	struct scanner *bg =
	    __atomic_load_n(&a->scanners[AGENT_BACKGROUND_SCANNER], __ATOMIC_ACQUIRE);
	return bg && scanner_pid(bg) == pid;
}

/* An event without a descriptor: the kernel's queue overflowed (events
 * were lost) or it could not open the file for us.  Counted, logged at
 * most every 10 s. */
static void lost_event(struct reader *rd, uint64_t mask)
{
	struct agent *a = rd->a;
	uint64_t now = monotonic_ms(), lost;

	if (mask & FAN_Q_OVERFLOW)
		atomic_fetch_add(&a->n.overflows, 1);
	else
		atomic_fetch_add(&a->n.no_fd, 1);
	lost = atomic_load(&a->n.overflows) + atomic_load(&a->n.no_fd);
	if (rd->lost_logged_ms && now - rd->lost_logged_ms < LOST_LOG_EVERY_MS)
		return;
	log_warnx("fanotify: %s; %" PRIu64 " events without a descriptor so far (%" PRIu64
		  " since the last warning)",
		  (mask & FAN_Q_OVERFLOW) ? "the kernel's event queue overflowed"
					  : "an event came without a descriptor",
		  lost, lost - rd->lost_logged);
	rd->lost_logged_ms = now;
	rd->lost_logged = lost;
}

/* One event.  source: it came from the internal-filesystems group. */
static void reader_event(struct reader *rd, const struct fan_event *ev, bool source, uint64_t now)
{
	struct agent *a = rd->a;
	bool perm = fan_event_is_perm(ev);
	uint64_t mask = ev->mask | (source ? AGENT_EV_SOURCE : 0);

	if (is_helper(a, ev->pid)) {
		/* Our own opens (and our scanners') are answered at once: a
		 * worker waiting on one must never wait on itself. */
		if (perm)
			act_answer_now(a, ev->fd, ev->pid, mask, POOL_ALLOW);
		close(ev->fd);
		atomic_fetch_add(&a->n.own, 1);
		return;
	}
	if (!perm && !fan_event_is_close_write(ev)) {
		close(ev->fd);
		return;
	}
	if (!source && perm) {
		/* An open on a medium: whoever did it may now hold a writer
		 * there, so cached "holds none" answers end. */
		pidcache_bump(&a->pidcache);
	} else if (source && perm && pidcache_clean(&a->pidcache, ev->pid, now)) {
		/* Seen within the last second holding nothing on any medium,
		 * and no medium opened since: allow now, learn in the
		 * background. */
		act_answer_now(a, ev->fd, ev->pid, mask, POOL_ALLOW);
		atomic_fetch_add(&a->n.fast, 1);
		if (decide_learn_inline(a, ev->fd))
			close(ev->fd);
		else
			pool_submit(a->pool, ev->fd, ev->pid, mask | AGENT_EV_LEARN, false, now, 0);
		return;
	}
	pool_submit(a->pool, ev->fd, ev->pid, mask, perm, now, now + atomic_load(&a->deadline_ms));
}

static void reader_drain(struct reader *rd, const struct fan_group *g, bool source)
{
	struct fan_batch batch;
	struct fan_event ev;
	uint64_t now;
	ssize_t n;

	n = fan_read(g, rd->buf, FAN_READ_BUFSZ);
	if (n <= 0)
		return;
	now = monotonic_ms();
	fan_batch_init(&batch, rd->buf, (size_t)n);
	while (fan_batch_next(&batch, &ev)) {
		atomic_fetch_add(&rd->a->n.events, 1);
		if (ev.fd < 0)
			lost_event(rd, ev.mask);
		else
			reader_event(rd, &ev, source, now);
	}
	if (batch.error)
		log_warnx("reader: malformed fanotify record skipped: %s", strerror(-batch.error));
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct agent *a = rd->a;

	for (;;) {
		struct pollfd pfd[3] = {
		    {a->fan.fd, POLLIN, 0}, {a->fan_src.fd, POLLIN, 0}, {rd->stop, POLLIN, 0}};
		int t = pool_expire(a->pool, monotonic_ms());

		atomic_fetch_add(&rd->heartbeat, 1);
		if (poll(pfd, 3, (t < 0 || t > 1000) ? 1000 : t) < 0 && errno != EINTR)
			log_warn("reader: poll");
		if (pfd[2].revents)
			break;
		if (pfd[0].revents & POLLIN)
			reader_drain(rd, &a->fan, false);
		if (pfd[1].revents & POLLIN)
			reader_drain(rd, &a->fan_src, true);
	}
	return NULL;
}

int reader_start(struct agent *a, struct reader **out)
{
	struct reader *rd = calloc(1, sizeof(*rd));
	int r;

	if (!rd)
		return -ENOMEM;
	rd->a = a;
	rd->buf = malloc(FAN_READ_BUFSZ);
	rd->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!rd->buf || rd->stop < 0) {
		r = rd->buf ? -errno : -ENOMEM;
		goto fail;
	}
	r = -pthread_create(&rd->thread, NULL, reader_main, rd);
	if (r < 0)
		goto fail;
	*out = rd;
	return 0;
fail:
	if (rd->stop >= 0)
		close(rd->stop);
	free(rd->buf);
	free(rd);
	return r;
}

void reader_stop(struct reader *rd)
{
	if (!rd)
		return;
	if (eventfd_write(rd->stop, 1) == 0)
		pthread_join(rd->thread, NULL);
	close(rd->stop);
	free(rd->buf);
	free(rd);
}

uint64_t reader_heartbeat(struct reader *rd)
{
	return atomic_load(&rd->heartbeat);
}
