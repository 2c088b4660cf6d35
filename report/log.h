/* The record log's writer (docs/protocol.md §1-§2): the one append-only,
 * signed, hash-chained log of everything wardd decides.
 *
 * Group commit, leader/follower: callers queue their payloads; whichever
 * caller finds no group being signed takes the whole queue, seals and
 * signs it in order (the last record announces the next ratchet key),
 * writes it with one write(2) and steps the ratchet; whichever durable
 * caller finds no sync running makes everything written so far durable
 * with one fdatasync, moves the `durable` marker and overwrites
 * ratchet.state.  Signing the next group overlaps the previous group's
 * fdatasync, so N workers share one flush and the CPU keeps signing.
 *
 * Nothing here blocks on the network or on the sender; a caller waits only
 * for its own record (written, or durable with RLOG_DURABLE).  Failures
 * (a full disk, an I/O error) are returned and counted; a failed write is
 * cut off again so the chain on disk stays whole, a failed fdatasync makes
 * the log refuse further appends until it is opened again. */
#ifndef WARD_REPORT_LOG_H
#define WARD_REPORT_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report/record.h"

struct rlog_options {
	const char *state_dir;	    /* keys/ and log/ live below it */
	gid_t reader_gid;	    /* group of log/ and its files (ward-sender); -1 keeps ours */
	uint64_t segment_max_bytes; /* 0: 16 MiB */
	bool rotate_daily;	    /* also start a segment when the local day changes */
	const char *host;	    /* NULL: gethostname() */
};

struct rlog;

/* Opens <state_dir>/log, creating the keys and the first segment on a new
 * desk, and recovers after a crash: an unterminated or unreadable tail
 * that was never durable is cut (and logged), the ratchet is walked
 * forward through the log's next_key announcements, the durable marker is
 * rewritten.  Returns 0 or -errno with err (may be NULL) saying why for
 * people: -EBADMSG when the log or the ratchet state is damaged in a way
 * that cutting a torn tail does not explain. */
int rlog_open(const struct rlog_options *opt, struct rlog **out, char *err, size_t errsize);
/* Makes everything durable and closes.  NULL is fine. */
void rlog_close(struct rlog *lg);

/* Facts every record of this log carries, for record_new(). */
const struct record_origin *rlog_origin(const struct rlog *lg);
/* record_new() with this log's origin. */
json_t *rlog_record_new(const struct rlog *lg, const char *kind, const struct timespec *when);

enum {
	RLOG_DURABLE = 1 << 0,	 /* return only once the record is on disk (fdatasync) */
	RLOG_DROPPABLE = 1 << 1, /* audit-level: dropped (and counted) over the cap */
};

/* Appends payload (from record_new plus the kind's members; the log takes
 * the reference) and returns its seq once written, or once durable with
 * RLOG_DURABLE.  -errno on failure: -ENOSPC, -EIO, -EINVAL (too large),
 * -ENOBUFS (RLOG_DROPPABLE over the cap: dropped, counted, reported in the
 * next spool-overflow record). */
int64_t rlog_append(struct rlog *lg, json_t *payload, unsigned flags);

/* What the log may keep on the desk. */
struct rlog_limits {
	uint64_t undelivered_cap; /* bytes not yet acknowledged before audit-level records are
				   * dropped (block and quarantine records never are); 0: none */
	uint32_t retention_s;	  /* an acknowledged segment is kept this long after its last
				   * write */
};
void rlog_set_limits(struct rlog *lg, const struct rlog_limits *l);

/* wardd's timer (every second or so): reads the sender's acknowledgement
 * (<state>/spool/acked), measures what is not yet acknowledged, writes the
 * spool-overflow record for what was dropped since the last one, deletes
 * segments wholly acknowledged and past retention (log/anchor first, so the
 * log left still verifies), and closes a group nobody waited for
 * (rlog_sync).  Returns 0 or -errno. */
int rlog_maintain(struct rlog *lg);

/* Makes everything appended so far durable, and the durable marker say so
 * (a flush moves it at most every RLOG_MARKER_INTERVAL_MS, 50 ms).  Returns
 * 0 or -errno. */
int rlog_sync(struct rlog *lg);

/* The head a heartbeat states (docs/protocol.md §3.3) and the instant it
 * speaks for, *at (now): every record given to the log before it is made
 * durable first, and a record given to it later with an earlier
 * observed_at (stamped before *at, appended after) takes *at as its
 * observed_at.  So no record past the head was observed before *at, and
 * the collector's contradiction check holds for an honest desk whatever
 * was in flight.  Returns 0 or -errno. */
int rlog_heartbeat_head(struct rlog *lg, struct chain_head *head, struct timespec *at);

struct rlog_stats {
	uint64_t head_seq;	/* last record written */
	uint64_t durable_seq;	/* last record durable */
	uint64_t ratchet_index; /* key that signs the next group */
	uint64_t failures;	/* appends that failed */
	uint64_t groups;	/* groups signed and written */
	uint64_t syncs;		/* fdatasync calls */
	bool broken;		/* a sync failed: appends refused until reopened */
	uint64_t acked_seq;	/* the sender's acknowledgement, as last read */
	uint64_t undelivered;	/* bytes of records not yet acknowledged */
	uint64_t dropped;	/* audit-level records dropped over the cap, in all */
	uint64_t segments_deleted;
};
void rlog_get_stats(struct rlog *lg, struct rlog_stats *st);
/* The last durable record: its seq and hash (what a heartbeat states). */
void rlog_durable_head(struct rlog *lg, struct chain_head *head);

#endif
