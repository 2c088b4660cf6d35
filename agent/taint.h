/* The taint table of process lineage (lineage.h): which processes read
 * a marked document, at what level, from which document.  A process is
 * named by its pid and its start time (clock ticks after boot, from
 * /proc/PID/stat), so a pid the kernel hands to another process later is
 * not tainted.  Bounded: at most `max` processes; an entry lives `ttl_ms`
 * (a long-lived editor stays tainted that long after its last read of a
 * marked document), and when the table is full the entry seen longest ago
 * makes room (counted).
 *
 * No locking and no /proc here (the caller owns both): plain data, so the
 * unit test drives it with made-up pids and clocks. */
#ifndef WARD_AGENT_TAINT_H
#define WARD_AGENT_TAINT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/level.h"

#define TAINT_EXE_MAX 256

struct taint {
	pid_t pid;
	pid_t ppid;	      /* its parent when seen (0: unknown) */
	uint64_t start_ticks; /* the process's start; 0: unknown (gone when seen) */
	uint64_t read_ticks;  /* when its first read was seen, in the same clock */
	uint64_t seen_ms;     /* monotonic, for expiry */
	enum ward_level level;
	unsigned char source_sha256[32];
	char exe[TAINT_EXE_MAX];
};

struct taint_table {
	struct taint *e;
	unsigned n, max;
	uint64_t ttl_ms;
	uint64_t added, evicted, expired;
};

/* Returns 0 or -ENOMEM. */
int taint_init(struct taint_table *t, unsigned max, uint64_t ttl_ms);
void taint_free(struct taint_table *t);

/* A process read a marked document: kept (an entry for the same process
 * keeps the higher level and, at the same level, its first read; it is
 * seen again now). */
void taint_add(struct taint_table *t, const struct taint *in, uint64_t now_ms);

/* The entry of the process pid started at start_ticks (0: the process is
 * gone, any entry of that pid), NULL when it is not tainted.  Expired
 * entries are dropped on the way. */
const struct taint *taint_find(struct taint_table *t, pid_t pid, uint64_t start_ticks,
			       uint64_t now_ms);

/* A child of the process pid (started at start_ticks, 0: unknown) that
 * read a marked document, last within window_ms before now_ms: a shell
 * that opened `> out` for its child closes `out` after the child is gone.
 * NULL when none. */
const struct taint *taint_find_child(struct taint_table *t, pid_t pid, uint64_t start_ticks,
				     uint64_t window_ms, uint64_t now_ms);

/* Whether a descendant started at child_start_ticks was forked after the
 * tainted process's first read (within slack_ticks: the read is seen a moment
 * after it happens). */
bool taint_inherited(const struct taint *e, uint64_t child_start_ticks, uint64_t slack_ticks);

static inline bool taint_empty(const struct taint_table *t)
{
	return t->n == 0;
}

#endif
