/* wardd's status, typed: what `wardctl status` shows, collected by the
 * daemon, sent over the control socket as one JSON object (jansson, keys
 * in the order below) and read back by wardctl into the same struct.  One
 * definition of every field for both ends. */
#ifndef WARD_AGENT_STATUS_H
#define WARD_AGENT_STATUS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

struct agent;

struct status_medium {
	char mount[PATH_MAX];
	char device[64];
	char serial[128];
	char action[16];
};

struct agent_status {
	bool ready;
	int64_t pid;
	char policy_version[POLICY_VERSION_CHARS + 1]; /* the policy in force */
	/* Counters, in the order of status_counters[]. */
	uint64_t media, internal_marks, workers, deadline_ms, events, own_events, fast_allowed,
	    denied, quarantined, ignore_marks, classified, cache_hits, answered_by_deadline,
	    answered_queue_full, dropped_notifications, scanner_restarts, journal_seq,
	    journal_failures, policy_reloads, policy_reload_failures, queue_overflows,
	    events_without_fd, proc_failures, effect_failures, records_dropped, log_durable,
	    log_acked, log_undelivered_bytes, log_dropped_over_cap, log_segments_deleted,
	    record_failure_denials,
	    /* pop-ups (agent/notify.h) */
	    notify_clients, notices, notices_dropped, terminal_lines;
	/* What lands on removable media (landing.h). */
	uint64_t landed_closed, landed_open, landed_lost, landed_vanished, landed_rescans,
	    landed_held, landed_waits, landed_retruncated;
	/* Files written on internal filesystems (written.h). */
	uint64_t written_files, written_lost, written_filesystems;
	/* Pre-classification, the crawl and the cache (preclass.h, cache.h). */
	uint64_t classified_for_copy, preclassified, crawled, preclass_pending, preclass_dropped,
	    preclass_busy, crawl_passes, cache_entries, cache_versions, cache_evicted, cache_saves,
	    cache_loaded;
	struct status_medium *watched; /* heap, n_watched of them */
	size_t n_watched;
};

/* The counters by name, for both ends. */
struct status_counter {
	const char *key;
	size_t offset; /* of a uint64_t in struct agent_status */
};
extern const struct status_counter status_counters[];
extern const size_t status_n_counters;

static inline uint64_t status_get(const struct agent_status *s, const struct status_counter *c)
{
	return *(const uint64_t *)((const char *)s + c->offset);
}

/* Daemon: the numbers now.  Returns 0 or -ENOMEM. */
int status_collect(struct agent *a, struct agent_status *out);
void status_free(struct agent_status *s);

/* The reply to a request on the control socket (control_answer_fn):
 * "status" gets the status, anything else an error object. */
void status_answer(const char *request, char *reply, size_t size, void *arg);

/* wardctl: parses a status reply.  Returns 0, or -EBADMSG with a reason in
 * err (a reply that is not JSON, or an error object). */
int status_parse(const char *text, size_t len, struct agent_status *out, char *err, size_t errsize);

#endif
