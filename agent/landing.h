/* What lands on removable media: every file written there, checked after
 * it is closed, and also while it is still held open once its writes
 * have paused (a process that writes, fsyncs and keeps the descriptor
 * open must not keep a marked document on the stick until it closes).
 *
 * A fanotify notification group of its own (kmod-free's landing group:
 * FAN_CLASS_NOTIF, FAN_CLOSE_WRITE and FAN_MODIFY on each medium, event fds
 * opened read-write), read by a thread of its own.  Nobody's open waits
 * for it.  Each file it hears of is kept, by device and inode, with the
 * event's read-write descriptor: the check, and a quarantine, act on that
 * file itself (read, truncate), never on a path read back later.
 *
 *   close-write   the file is offered to the workers at once (decide.c's
 *                 post-write check, event "close-write").
 *   modify        the first write of a file quiets further FAN_MODIFY on
 *                 its inode (one event per file, not per write); the thread
 *                 then polls its size and times, and once they have not
 *                 changed for LANDING_QUIET_MS the file is offered as still
 *                 open (event "written-open"); its writes are heard again.
 *
 * Nothing is dropped: a file is offered to the workers without dropping
 * (pool_offer) and kept while their queues are full; while the thread
 * holds LANDING_MAX_FILES descriptors it stops reading the group, and the
 * kernel's unlimited queue keeps the rest (each waiting event holds a
 * reference, not an open file).  An event that comes without a descriptor
 * (the file could not be opened, or the kernel's queue overflowed) is
 * recorded as an overflow, and every medium is walked again for files
 * changed since it was mounted: each is offered as if just closed.
 * Two events are not losses: wardd's own writes (a quarantine's wipe),
 * and a file removed before its event was read (FAN_REPORT_FD_ERROR says
 * ENOENT: no name is left to hold it), counted as vanished.
 *
 * Threads: landing_watch/unwatch on the main thread (mounts); everything
 * else on the landing thread. */
#ifndef WARD_AGENT_LANDING_H
#define WARD_AGENT_LANDING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmod-free/fanotify.h"

struct agent;
struct landing;

#define LANDING_QUIET_MS 1000 /* writes paused this long: check an open file */
#define LANDING_POLL_MS 250   /* how often an open file's size and times are looked at */
#define LANDING_MAX_FILES 256 /* descriptors held at once before the group waits */
#define LANDING_CONDEMNED_MS (10 * 60 * 1000)
#define LANDING_MAX_CONDEMNED 64

struct landing_stats {
	uint64_t events;      /* read from the group */
	uint64_t closed;      /* files offered after close-write */
	uint64_t open;	      /* files offered while still open */
	uint64_t lost;	      /* events without a descriptor */
	uint64_t vanished;    /* files removed before their event was read */
	uint64_t rescans;     /* walks of a medium after a loss */
	uint64_t rescued;     /* files a walk offered */
	uint64_t held;	      /* descriptors held now */
	uint64_t waits;	      /* times the group waited for room */
	uint64_t retruncated; /* writes to a quarantined file still held open, truncated */
};

/* Nothing opened yet.  Returns 0 or -ENOMEM. */
int landing_new(struct agent *a, struct landing **out);
/* Stops the thread if it runs, closes what it holds and the group, frees. */
void landing_free(struct landing *l);

/* Opens the group (before any medium is marked).  Returns 0 or -errno. */
int landing_open(struct landing *l);
/* Starts the thread.  Returns 0 or -errno. */
int landing_start(struct landing *l);

/* Main thread: mark / unmark a medium (as fan_mark_medium places the
 * permission group's marks). */
int landing_watch(struct landing *l, const char *mount_point, enum fan_scope *scope);
int landing_unwatch(struct landing *l, const char *mount_point, enum fan_scope scope);

/* One event, as the thread handles it (tests feed events through this).
 * Takes ownership of ev->fd. */
void landing_dispatch(struct landing *l, const struct fan_event *ev, uint64_t now_ms);
/* What the thread does between reads: offers what is due.  Returns the
 * milliseconds until something is due again (-1: nothing held). */
int landing_tick(struct landing *l, uint64_t now_ms);

/* Any thread: a file just taken off a medium (nlink 0) that someone may
 * still hold open: whatever is written to it from now on is truncated on
 * sight, for LANDING_CONDEMNED_MS. */
void landing_condemn(struct landing *l, dev_t dev, ino_t ino);

void landing_get_stats(struct landing *l, struct landing_stats *out);

#endif
