/* The record log's insides, shared by the writer (log.c) and its recovery
 * at open (recover.c).  Not for other parts. */
#ifndef WARD_REPORT_LOG_INTERNAL_H
#define WARD_REPORT_LOG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "common/buf.h"
#include "report/log.h"
#include "report/ratchet.h"
#include "report/record.h"

#define RLOG_PATH_MAX 4096
#define RLOG_GROUP_MAX 256 /* records signed in one group at most */
/* While an fdatasync runs, a group starts only once this many records
 * wait: what arrives during one flush is signed as one group, announcing
 * one key, instead of a group (and a ratchet step) per record. */
#define RLOG_GROUP_EAGER 32
/* The durable marker is rewritten (a new file and a rename: as costly as
 * the fdatasync itself) after a flush at most this often; a flush within
 * the interval leaves it to the next flush or to rlog_sync. */
#define RLOG_MARKER_INTERVAL_MS 50
#define RLOG_DROP_ACTIONS 8 /* actions counted apart in a spool-overflow record */

/* One caller's record, on the caller's stack until it is done.  Each
 * sleeps on its own futex word: whoever changes what a request waits for
 * wakes that request alone, never every waiter (on one core, 64 workers
 * woken for every group would spend the CPU the signatures need).  A
 * request whose record is settled is woken once, after the lock is
 * dropped, and returns without taking the lock again. */
struct rlog_req {
	json_t *payload;
	struct rlog_req *next;	    /* the signing queue */
	struct rlog_req *wait_next; /* the list waiting for durability, then `finished` */
	_Atomic uint32_t state;	    /* futex word: wake count, RLOG_REQ_DONE once settled */
	int64_t result;		    /* seq, or -errno */
	uint64_t durable_at;	    /* waiting until this seq is durable */
	bool taken;		    /* a signer took it off the queue: result is set */
	bool durable;		    /* RLOG_DURABLE: its caller waits for the flush too */
	bool listed;		    /* on durable_waiters */
	bool settled;		    /* on `finished`: DONE follows when the lock is dropped */
};
#define RLOG_REQ_DONE (1u << 31)

struct rlog {
	pthread_mutex_t lock; /* everything under "lock" below; held only briefly, never over I/O */
	pthread_cond_t idle;  /* a sync or a rotation ended (the rotating signer waits on it) */

	/* under lock */
	struct rlog_req *queue_head, **queue_tail;
	unsigned queued;
	struct rlog_req *durable_waiters; /* written, waiting for a sync */
	struct rlog_req *finished;	  /* settled: woken by whoever drops the lock next */
	bool signing, syncing, rotating, broken;
	struct chain_head written; /* last record written to the segment */
	struct chain_head closed;  /* last record that announced the next key */
	struct chain_head durable; /* last closed record made durable */
	uint64_t persist_index;	   /* ratchet state that goes with `closed` */
	unsigned char persist_seed[RATCHET_SEED_BYTES];
	uint64_t groups, syncs;
	char observed_floor[RFC3339_MAX]; /* the last heartbeat's instant: no earlier observed_at */

	/* the signer's own (one signer at a time: `signing`) */
	struct ratchet ratchet;
	struct buf wbuf;	     /* a group's lines, its memory kept from group to group */
	struct record_sealer sealer; /* the canonical payload's buffer, SHA-256, likewise */
	struct chain_head head;
	int seg_fd;
	uint64_t seg_first;
	off_t seg_size;
	int seg_day; /* local yyyymmdd the segment belongs to */

	/* the syncer's own (one at a time: `syncing` or `rotating`) */
	struct chain_head marker; /* what log/durable says */
	uint64_t marker_ms;	  /* when it was last written (monotonic) */

	/* fixed after open */
	int log_dir_fd;
	int state_fd; /* keys/ratchet.state */
	struct record_origin origin;
	struct rlog_options opt;
	char log_dir[RLOG_PATH_MAX];
	char keys_dir[RLOG_PATH_MAX];
	atomic_uint_fast64_t failures;
	bool ready; /* lock and condition initialised */

	/* retention and the cap (under lock; retain.c) */
	struct rlog_limits limits;
	uint64_t acked_seq;
	uint64_t undelivered_base; /* measured by rlog_maintain ... */
	uint64_t written_since;	   /* ... plus what was written since */
	uint64_t bytes_written;	   /* in all, since open */
	struct rlog_drops {
		char action[RLOG_DROP_ACTIONS][16];
		uint64_t count[RLOG_DROP_ACTIONS];
		struct timespec first, last;
		uint64_t total;
	} drops;
	uint64_t dropped_total, segments_deleted;
};

/* retain.c: over the cap, counts a droppable payload (lock held) and
 * returns true: the caller drops it. */
bool rlog_over_cap(struct rlog *lg, const json_t *payload);

/* recover.c: directories, keys, ratchet and tail; fills the signer's and
 * the locked fields.  Returns 0 or -errno with err set. */
int rlog_recover(struct rlog *lg, char *err, size_t errsize);

/* log.c: opens (creating) the segment whose first record is first_seq for
 * appending.  Returns 0 or -errno. */
int rlog_open_segment(struct rlog *lg, uint64_t first_seq, bool create);

/* Local yyyymmdd of t. */
int rlog_day(time_t t);

#endif
