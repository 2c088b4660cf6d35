/* Coalescing repeated attempts (docs/protocol.md §2.3): the same user, file
 * (SHA-256), device and action within a window — `cp -r` retrying, a user
 * pressing "try again" — make one record with a count and the first and
 * last time, not a flood.  The first attempt is recorded at once, as any
 * other; repeats inside its window are only counted; when the window
 * closes with repeats, the caller writes one coalesced record (a copy of
 * the first one's payload with count, first_at and last_at).
 *
 * Thread-safe (one mutex, held for a table lookup only).  Bounded: while
 * the table is full, new attempts are recorded one by one, never folded. */
#ifndef WARD_REPORT_COALESCE_H
#define WARD_REPORT_COALESCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define COALESCE_SLOTS 256

struct coalesce_key {
	uid_t uid;
	unsigned char sha256[32]; /* the file's */
	char device[160];	  /* vid:pid/serial, or "" */
	char action[24];
	unsigned char how[32]; /* SHA-256 of the event, the program and the path: the same
				* attempt again (cp -r retrying), not another one */
};

struct coalescer;

struct coalescer *coalescer_new(uint32_t window_ms);
void coalescer_free(struct coalescer *c);

/* An attempt: true when it is the first of its window (record it, and
 * hand its payload over with coalesce_keep), false when it is a repeat
 * (counted; write nothing now; ref, when not NULL, gets the first
 * attempt's reference code, the one to give the person). */
bool coalesce_seen(struct coalescer *c, const struct coalesce_key *key, const struct timespec *when,
		   char *ref);
/* Keeps a copy of the first attempt's payload for the coalesced record
 * (before appending it: without the chain's members). */
void coalesce_keep(struct coalescer *c, const struct coalesce_key *key, const json_t *payload);
/* The first attempt's record could not be written: its window goes, so
 * the next attempt is recorded on its own. */
void coalesce_forget(struct coalescer *c, const struct coalesce_key *key);

/* Closes the windows older than window_ms at now (every window with all),
 * and returns each one that had repeats as a new payload to write: the
 * kept payload with a fresh record_id, count, first_at and last_at.  Call
 * until it returns NULL. */
json_t *coalesce_next_due(struct coalescer *c, const struct timespec *now, bool all);

#endif
