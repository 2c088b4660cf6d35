/* The taint table (taint.h). */
#include "agent/taint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int taint_init(struct taint_table *t, unsigned max, uint64_t ttl_ms)
{
	memset(t, 0, sizeof(*t));
	t->e = calloc(max, sizeof(*t->e));
	if (!t->e)
		return -ENOMEM;
	t->max = max;
	t->ttl_ms = ttl_ms;
	return 0;
}

void taint_free(struct taint_table *t)
{
	free(t->e);
	t->e = NULL;
	t->n = t->max = 0;
}

static bool expired(const struct taint_table *t, const struct taint *e, uint64_t now_ms)
{
	return now_ms > e->seen_ms && now_ms - e->seen_ms > t->ttl_ms;
}

static void drop(struct taint_table *t, unsigned i)
{
	t->e[i] = t->e[--t->n];
}

/* A reader gone before its open was seen has no start time: a live
 * process of that pid is it only if it started before that. */
static bool same_process(const struct taint *e, pid_t pid, uint64_t start_ticks)
{
	if (e->pid != pid)
		return false;
	if (e->start_ticks == 0)
		return start_ticks == 0 || start_ticks <= e->read_ticks;
	return start_ticks == 0 || e->start_ticks == start_ticks;
}

/* Room for one more: expired entries first, else the one seen longest
 * ago. */
static struct taint *make_room(struct taint_table *t, uint64_t now_ms)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < t->n;) {
		if (expired(t, &t->e[i], now_ms)) {
			drop(t, i);
			t->expired++;
			continue;
		}
		if (t->e[i].seen_ms < t->e[oldest].seen_ms)
			oldest = i;
		i++;
	}
	if (t->n == t->max) {
		drop(t, oldest);
		t->evicted++;
	}
	return &t->e[t->n++];
}

void taint_add(struct taint_table *t, const struct taint *in, uint64_t now_ms)
{
	struct taint *e = NULL;

	if (t->max == 0)
		return;
	for (unsigned i = 0; i < t->n && !e; i++)
		if (t->e[i].pid == in->pid && t->e[i].start_ticks == in->start_ticks)
			e = &t->e[i];
	if (e && in->level <= e->level) {
		/* Its children forked since the first read inherit it. */
		e->seen_ms = now_ms;
		return;
	}
	if (!e) {
		e = make_room(t, now_ms);
		t->added++;
	}
	*e = *in;
	e->exe[TAINT_EXE_MAX - 1] = '\0';
	e->seen_ms = now_ms;
}

const struct taint *taint_find(struct taint_table *t, pid_t pid, uint64_t start_ticks,
			       uint64_t now_ms)
{
	for (unsigned i = 0; i < t->n;) {
		if (expired(t, &t->e[i], now_ms)) {
			drop(t, i);
			t->expired++;
			continue;
		}
		if (same_process(&t->e[i], pid, start_ticks))
			return &t->e[i];
		i++;
	}
	return NULL;
}

const struct taint *taint_find_child(struct taint_table *t, pid_t pid, uint64_t start_ticks,
				     uint64_t window_ms, uint64_t now_ms)
{
	const struct taint *best = NULL;

	for (unsigned i = 0; i < t->n;) {
		const struct taint *e = &t->e[i];

		if (expired(t, e, now_ms)) {
			drop(t, i);
			t->expired++;
			continue;
		}
		if (e->ppid == pid && e->seen_ms + window_ms >= now_ms &&
		    (start_ticks == 0 || start_ticks <= e->read_ticks) &&
		    (!best || e->level > best->level))
			best = e;
		i++;
	}
	return best;
}

bool taint_inherited(const struct taint *e, uint64_t child_start_ticks, uint64_t slack_ticks)
{
	return child_start_ticks + slack_ticks >= e->read_ticks;
}
