/* wardd's context: everything the threads share, created by main and
 * passed down (no globals).  Who touches what:
 *   main thread   removable (devices, mounts, marks: writes), inventory,
 *                 policy reloads, control socket
 *   reader thread fan groups (reads), pool_submit/pool_expire, scanner pids
 *   workers       decisions (decide.c) and their outcomes (act.c): the
 *                 removable table (reads), cache, record log, scanners[own]
 * The policy in force is policy/current.c's (its own lock).
 *
 * The pipeline, one file per stage (docs/architecture.md, "Where things
 * happen"): removable.c → reader.c → pool.c → decide.c → act.c → record.c
 * (the signed record log, report.c) and the notify subscribers; status.c answers
 * `wardctl status`; wardd.c sets it all up, runs the loop and shuts down. */
#ifndef WARD_AGENT_AGENT_H
#define WARD_AGENT_AGENT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/cache.h"
#include "agent/config.h"
#include "agent/ops.h"
#include "agent/pidcache.h"
#include "agent/pool.h"
#include "agent/scanner.h"
#include "kmod-free/fanotify.h"
#include "policy/policy.h"

struct act;
struct landing;
struct names;
struct fpstore;
struct notify_hub;
struct agent_report;
struct preclass;
struct removable;
struct written;

struct agent_counters {
	atomic_uint_fast64_t events;		  /* read from the groups */
	atomic_uint_fast64_t own;		  /* our own or helpers', allowed at once */
	atomic_uint_fast64_t fast;		  /* source side allowed by the reader (pidcache) */
	atomic_uint_fast64_t denied;		  /* permission events denied */
	atomic_uint_fast64_t quarantined;	  /* files moved off a medium */
	atomic_uint_fast64_t ignored;		  /* ignore marks placed */
	atomic_uint_fast64_t classified;	  /* files sent to a scanner */
	atomic_uint_fast64_t classified_for_copy; /* of those, while an opener waited */
	atomic_uint_fast64_t cache_hits;
	atomic_uint_fast64_t overflows;	      /* FAN_Q_OVERFLOW: the kernel dropped events */
	atomic_uint_fast64_t no_fd;	      /* other events that came without a descriptor */
	atomic_uint_fast64_t proc_failures;   /* /proc scans that failed (fail mode, recorded) */
	atomic_uint_fast64_t effect_failures; /* side effects that did not take (recorded) */
	atomic_uint_fast64_t record_failure_denials; /* allows denied: record not written */
	atomic_uint reloads_ok, reloads_failed;
};

/* The index of the background classifier's scanner in agent.scanners. */
#define AGENT_BACKGROUND_SCANNER WARDD_MAX_WORKERS

/* Bits the reader adds to an event's mask (above every FAN_* bit). */
#define AGENT_EV_SOURCE (1ull << 62)	 /* from the internal-filesystems group */
#define AGENT_EV_LEARN (1ull << 61)	 /* already allowed: only learn if it is clean */
#define AGENT_EV_LANDED (1ull << 60)	 /* written to a medium (landing.h) */
#define AGENT_EV_STILL_OPEN (1ull << 59) /* ... and offered while still held open */

struct agent {
	struct agent_config cfg;
	/* Every call to the kernel, /proc, the scanners and the record log
	 * (agent/ops.h): agent_system_ops in wardd, stand-ins in tests. */
	const struct agent_ops *ops;
	/* Two groups, so the reader knows the side of an event without
	 * touching the file: `fan` marks removable media (open permission and
	 * close-write: destination side, post-write), `fan_src` the internal
	 * filesystems while a medium is mounted (source side, ignore marks). */
	struct fan_group fan;
	struct fan_group fan_src;
	struct pidcache pidcache;
	struct policy_current *policy;
	struct agent_report *report; /* the signed record log (report.c) */
	struct pool *pool;
	/* One per worker, then the background classifier's (preclass.c),
	 * started by its own thread so it runs at idle priority too. */
	struct scanner *scanners[WARDD_MAX_WORKERS + 1];
	struct removable *removable;
	struct class_cache *cache;
	struct act *act;
	struct notify_hub *notify; /* pop-ups and terminal lines (notify.h); NULL: none */
	/* What lands on removable media (landing.h); NULL in tests without
	 * one. */
	struct landing *landing;
	/* Files written on internal filesystems, for the parts that
	 * subscribe (written.h); NULL in tests without one. */
	struct written *written;
	/* Its first subscriber: pre-classification, the crawl and the
	 * cache's file (preclass.h); NULL in tests without one. */
	struct preclass *preclass;
	/* Names created on removable media (names.h); NULL: not followed. */
	struct names *names;
	/* Fingerprints of the marked documents classified (fpstore.h); NULL:
	 * nothing is recognised as derived. */
	struct fpstore *fpstore;
	char quarantine_dir[PATH_MAX];
	char scanner_exe[PATH_MAX]; /* wardd-scanner, beside wardd */
	pid_t self_pid;
	atomic_uint deadline_ms; /* from the policy, else the config */
	atomic_bool ready;	 /* marks in place */
	struct agent_counters n;
};

/* The built-in identity of an internal disk, for fail modes on the source
 * side. */
extern const struct ward_device agent_internal_device;

/* Whether a file action stops the copy (block and quarantine deny). */
static inline bool agent_denies(enum policy_action action)
{
	return action == POLICY_BLOCK || action == POLICY_QUARANTINE;
}

#endif
