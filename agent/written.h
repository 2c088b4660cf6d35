/* The stream of files written on internal filesystems: every file closed
 * after writing on an internal (block-backed, kernel-served) filesystem,
 * told to the parts of wardd that subscribe.  Pre-classification
 * (preclass.c: know a document's level before anyone copies it) is the
 * first subscriber; process lineage (which processes read a marked
 * document, and what they wrote afterwards) is the second.
 *
 * A fanotify notification group of its own (FAN_CLASS_NOTIF,
 * FAN_CLOSE_WRITE, FAN_MARK_FILESYSTEM on each internal filesystem, always,
 * with or without a removable medium), read by a thread of its own: it is
 * never on the permission path, nobody's open or close waits for it, and a
 * burst of writes (a build) never delays the reader that answers opens.
 * The kernel's queue is unlimited, so nothing is dropped while the thread
 * keeps up; an event that comes without a descriptor is counted and told
 * to every subscriber's `lost`.  wardd's own writes (its journal, its
 * cache) are not reported.
 *
 * Threads: written_watch/unwatch on the main thread (mount events); the
 * subscribers are called on the stream's thread, one after another, and
 * must never block it: look at the file, take what you need (dup the fd)
 * and return. */
#ifndef WARD_AGENT_WRITTEN_H
#define WARD_AGENT_WRITTEN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kmod-free/fanotify.h"

/* One file closed after writing. */
struct written_file {
	int fd;		       /* O_RDONLY on the file; borrowed: dup() what you keep */
	pid_t pid;	       /* the writer (thread group id) */
	const struct stat *st; /* fstat(fd) as the stream saw it */
	uint64_t now_ms;       /* monotonic_ms() when the event was read */
};

struct written_subscriber {
	const char *name; /* for logs */
	/* Every regular file closed after writing; must not block. */
	void (*written)(void *arg, const struct written_file *f);
	/* Events were lost (no descriptor): what the subscriber knows of
	 * files may be stale.  May be NULL. */
	void (*lost)(void *arg);
	void *arg;
};

#define WRITTEN_MAX_SUBSCRIBERS 4
#define WRITTEN_MAX_FILESYSTEMS 64

struct written_stats {
	uint64_t events;      /* read from the group */
	uint64_t files;	      /* regular files told to the subscribers */
	uint64_t own;	      /* wardd's own writes, not told */
	uint64_t lost;	      /* events without a descriptor */
	uint64_t filesystems; /* internal filesystems watched now */
};

struct written;

/* The stream of this process (self: wardd's pid, whose writes are not
 * reported).  Nothing is opened yet.  Returns 0 or -ENOMEM. */
int written_new(pid_t self, struct written **out);
/* Stops the thread and closes the group: nothing is told any more, but
 * what is watched can still be asked (written_fsid). */
void written_stop(struct written *w);
/* Stops if need be, frees. */
void written_free(struct written *w);

/* Before written_start only.  Returns 0 or -ENOSPC. */
int written_subscribe(struct written *w, const struct written_subscriber *sub);

/* Opens the group and starts the thread.  Returns 0 or -errno. */
int written_start(struct written *w);

/* Main thread: watch the internal filesystem mounted at mount_point (dev:
 * the st_dev of its files).  Idempotent by dev.  Returns 0 or -errno. */
int written_watch(struct written *w, dev_t dev, const char *mount_point);
/* Main thread: stop watching dev (its mount turned out to be a removable
 * medium's: what is written there is judged by content, never here). */
void written_unwatch(struct written *w, dev_t dev);

/* Any thread: whether dev is a watched internal filesystem, and its
 * filesystem id (statfs f_fsid, to recognise it across restarts). */
bool written_watches(struct written *w, dev_t dev);
bool written_fsid(struct written *w, dev_t dev, uint64_t *fsid);

/* One event, as the thread handles it (tests feed events through this).
 * Takes ownership of ev->fd. */
void written_dispatch(struct written *w, const struct fan_event *ev);

void written_get_stats(struct written *w, struct written_stats *out);

#endif
