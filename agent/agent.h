/* wardd's context: everything the threads share, created by main and
 * passed down (no globals).  Who touches what:
 *   main thread   devices, mounts, inventory, marks, media (writes), control
 *   reader thread fan (reads), pool_submit/pool_expire, scanner pids
 *   workers       decisions: media (reads), cache, journal, scanners[own]
 * The policy is held by `decide` (its own lock). */
#ifndef WARD_AGENT_AGENT_H
#define WARD_AGENT_AGENT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/cache.h"
#include "agent/config.h"
#include "agent/decide.h"
#include "agent/journal.h"
#include "agent/media.h"
#include "agent/pidcache.h"
#include "agent/pool.h"
#include "agent/scanner.h"
#include "kmod-free/fanotify.h"

struct agent_counters {
	atomic_uint_fast64_t events;	  /* read from the group */
	atomic_uint_fast64_t own;	  /* our own or helpers', allowed at once */
	atomic_uint_fast64_t fast;	  /* source side allowed by the reader (pidcache) */
	atomic_uint_fast64_t denied;	  /* permission events denied */
	atomic_uint_fast64_t quarantined; /* files moved off a medium */
	atomic_uint_fast64_t ignored;	  /* ignore marks placed */
	atomic_uint_fast64_t classified;  /* files sent to a scanner */
	atomic_uint_fast64_t cache_hits;
};

/* Bits the reader adds to an event's mask (above every FAN_* bit). */
#define AGENT_EV_SOURCE (1ull << 62) /* from the internal-filesystems group */
#define AGENT_EV_LEARN (1ull << 61)  /* already allowed: only learn if it is clean */

struct agent {
	struct agent_config cfg;
	/* Two groups, so the reader knows the side of an event without
	 * touching the file: `fan` marks removable media (open permission and
	 * close-write: destination side, post-write), `fan_src` the internal
	 * filesystems while a medium is mounted (source side, ignore marks). */
	struct fan_group fan;
	struct fan_group fan_src;
	struct pidcache pidcache;
	struct decide *decide;
	struct journal *journal;
	struct pool *pool;
	struct scanner *scanners[WARDD_MAX_WORKERS];
	struct media *media;
	struct class_cache *cache;
	char quarantine_dir[PATH_MAX];
	pid_t self_pid;
	atomic_uint deadline_ms; /* from the policy, else the config */
	atomic_bool ready;	 /* marks in place */
	struct agent_counters n;
};

/* The pool's callbacks (handle.c). */
void agent_handle(void *arg, unsigned worker, struct pool_event *ev);
void agent_respond(void *arg, const struct pool_event *ev, enum pool_verdict verdict, bool audit);
enum pool_verdict agent_fail_verdict(void *arg, const struct pool_event *ev);

/* Reader thread: try to learn that a file on an internal filesystem is
 * clean without waiting on anything (handle.c).  False: hand it to a
 * worker. */
bool agent_learn_inline(struct agent *a, int fd);

/* Journal a device decision (main thread). */
void agent_journal_device(struct agent *a, const struct ward_device *dev, const char *action,
			  const char *rule, const char *outcome, const char *detail);

#endif
