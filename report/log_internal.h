/* The record log's insides, shared by the writer (log.c) and its recovery
 * at open (recover.c).  Not for other parts. */
#ifndef WARD_REPORT_LOG_INTERNAL_H
#define WARD_REPORT_LOG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "report/log.h"
#include "report/ratchet.h"
#include "report/record.h"

#define RLOG_PATH_MAX 4096
#define RLOG_GROUP_MAX 256 /* records signed in one group at most */

/* One caller's record, on the caller's stack until it is done. */
struct rlog_req {
	json_t *payload;
	struct rlog_req *next;
	int64_t result; /* seq, or -errno */
	bool done;
};

struct rlog {
	pthread_mutex_t lock; /* everything under "lock" below; held only briefly, never over I/O */
	pthread_cond_t changed;

	/* under lock */
	struct rlog_req *queue_head, **queue_tail;
	bool signing, syncing, rotating, broken;
	struct chain_head written; /* last record written to the segment */
	struct chain_head durable; /* last record made durable */
	uint64_t persist_index;	   /* ratchet state that goes with `written` */
	unsigned char persist_seed[RATCHET_SEED_BYTES];
	uint64_t groups, syncs;

	/* the signer's own (one signer at a time: `signing`) */
	struct ratchet ratchet;
	struct chain_head head;
	int seg_fd;
	uint64_t seg_first;
	off_t seg_size;
	int seg_day; /* local yyyymmdd the segment belongs to */

	/* fixed after open */
	int log_dir_fd;
	int state_fd; /* keys/ratchet.state */
	struct record_origin origin;
	struct rlog_options opt;
	char log_dir[RLOG_PATH_MAX];
	char keys_dir[RLOG_PATH_MAX];
	atomic_uint_fast64_t failures;
	bool ready; /* lock and condition initialised */
};

/* recover.c: directories, keys, ratchet and tail; fills the signer's and
 * the locked fields.  Returns 0 or -errno with err set. */
int rlog_recover(struct rlog *lg, char *err, size_t errsize);

/* log.c: opens (creating) the segment whose first record is first_seq for
 * appending.  Returns 0 or -errno. */
int rlog_open_segment(struct rlog *lg, uint64_t first_seq, bool create);

/* Local yyyymmdd of t. */
int rlog_day(time_t t);

#endif
