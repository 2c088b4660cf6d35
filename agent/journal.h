/* The decision journal: an append-only, hash-chained record log in
 * <state_dir>/journal/journal.log.  One JSON object per line; each carries
 * its sequence number and the SHA-256 of the previous line ("prev", 64
 * zeros for the first), so a gap, an edit or a reordering shows, and a
 * later stage can sign and ship the chain to the ethics office.
 *
 * Durability: journal_append(sync=true) returns after fdatasync, so a
 * block or quarantine is on disk before it is acted on.  Failures (a full
 * disk) are returned and counted, never fatal: the caller still answers
 * the event.  Thread-safe: one mutex around sequence, chain and write. */
#ifndef WARD_AGENT_JOURNAL_H
#define WARD_AGENT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "classify/classify.h"
#include "common/device.h"

struct journal;

/* What one decision record says.  Every pointer may be NULL (not known). */
struct journal_record {
	struct timespec time;  /* when it was decided (CLOCK_REALTIME) */
	const char *event;     /* "copy-destination", "copy-source", "close-write",
				 * "device", "reload", ... */
	const char *record_id; /* UUID of this record (act.h) */
	const char *ref;       /* the incident's reference code staff were shown */
	const char *decision;  /* an outcome record: the id of its decision record */
	uid_t uid;	       /* (uid_t)-1 when unknown */
	const char *user;      /* login name of uid */
	uid_t loginuid;	       /* the person behind sudo, (uid_t)-1 unset */
	pid_t pid;	       /* 0 when not a process event */
	const char *exe;
	const char *path;		       /* the file decided on */
	const char *source;		       /* for a destination-side copy: the marked source */
	const struct classify_result *content; /* level, reasons, size, sha256 */
	const struct ward_device *device;      /* the removable medium */
	const char *rule;		       /* "file.rules:12", "(default)", "fail-mode" */
	const char *action;		       /* the policy's action: allow, audit, block, ... */
	const char *outcome;  /* what was done: "allowed", "denied", "quarantined", ... */
	const char *detail;   /* free text: quarantine id, why a fail mode applied */
	const char *approver; /* whose approval token lifted a block */
};

/* Opens (creating 0700 dir and 0600 file) <dir>/journal.log, recovering
 * the sequence and chain from its last complete line; a torn last line
 * (crash mid-write) is cut off and reported in the log.  Returns 0 or
 * -errno. */
int journal_open(const char *dir, struct journal **out);
void journal_close(struct journal *j);

/* Appends one record; with sync, fdatasync before returning.  Returns the
 * record's sequence number (>= 1), or -errno (the failure is counted). */
int64_t journal_append(struct journal *j, const struct journal_record *rec, bool sync);

/* Records appended, failures since open. */
uint64_t journal_last_seq(struct journal *j);
uint64_t journal_failures(struct journal *j);

/* Formats rec as the JSON line journal_append writes (without seq, prev
 * and the newline: those are added under the lock).  *out is heap. */
int journal_format(const struct journal_record *rec, char **out, size_t *len);

/* Checks a journal file's chain: every line parses its seq and prev, seq
 * increases by one, prev is the SHA-256 of the line before.  Returns the
 * number of records, or -EBADMSG with *bad_line (1-based) set, or -errno. */
int64_t journal_verify(const char *path, uint64_t *bad_line);

#endif
