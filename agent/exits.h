/* Recent exits of processes (kmod-free/procexit.h), for process lineage:
 * the parent of a reader that is gone from /proc by the time its read is
 * seen.  A thread reads the kernel's exit events as they come (so that
 * its socket never fills with old ones) into a ring of the last
 * EXITS_RING; a question first reads what is waiting, so an exit that
 * happened before the question is always answered while it is in the
 * ring. */
#ifndef WARD_AGENT_EXITS_H
#define WARD_AGENT_EXITS_H

#include <stdint.h>
#include <sys/types.h>

#define EXITS_RING 4096

struct exits;

struct exits_stats {
	uint64_t seen;	  /* process exits read */
	uint64_t dropped; /* times the kernel dropped some for want of room */
};

/* Subscribes and starts the thread.  Returns 0 or -errno (-EPERM without
 * CAP_NET_ADMIN). */
int exits_start(struct exits **out);
void exits_stop(struct exits *x);

/* Any thread: the parent of the process pid that exited lately, 0 when
 * its exit is not known. */
pid_t exits_parent(struct exits *x, pid_t pid);

void exits_get_stats(struct exits *x, struct exits_stats *out);

#endif
