#define _GNU_SOURCE
#include "report/log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "report/log_internal.h"
#include "report/segment.h"

int rlog_day(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int rlog_open_segment(struct rlog *lg, uint64_t first_seq, bool create)
{
	char name[SEGMENT_NAME_MAX];
	struct stat st;
	int fd, e = 0;

	segment_name(first_seq, name);
	fd = openat(lg->log_dir_fd, name,
		    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0),
		    0640);
	if (fd < 0)
		return -errno;
	if ((create && (e = group_of(fd, lg->opt.reader_gid)) < 0) || fstat(fd, &st) < 0 ||
	    (create && fsync(lg->log_dir_fd) < 0)) {
		e = e < 0 ? e : -errno;
		close(fd);
		return e;
	}
	if (lg->seg_fd >= 0)
		close(lg->seg_fd);
	lg->seg_fd = fd;
	lg->seg_first = first_seq;
	lg->seg_size = st.st_size;
	lg->seg_day = rlog_day(create ? time(NULL) : st.st_mtime);
	return 0;
}

const struct record_origin *rlog_origin(const struct rlog *lg)
{
	return &lg->origin;
}

json_t *rlog_record_new(const struct rlog *lg, const char *kind, const struct timespec *when)
{
	return record_new(&lg->origin, kind, when);
}

static void futex_wake_one(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* A request still waiting is to look again (lock held: it is on a list,
 * so its caller is still there). */
static void nudge(struct rlog_req *w)
{
	atomic_fetch_add_explicit(&w->state, 1, memory_order_release);
	futex_wake_one(&w->state);
}

/* w's result is final (lock held): its caller is woken once the lock is
 * dropped (rlog_unlock), so it never wakes only to wait for the lock. */
static void settle(struct rlog *lg, struct rlog_req *w)
{
	w->settled = true;
	w->wait_next = lg->finished;
	lg->finished = w;
}

/* Drops the lock, then wakes the callers settled meanwhile.  After DONE is
 * stored a request may be gone with its caller's stack: only the futex
 * address is used after that (a wake-up at a dead address wakes nobody,
 * or someone who looks again). */
static void rlog_unlock(struct rlog *lg)
{
	struct rlog_req *w = lg->finished;

	lg->finished = NULL;
	pthread_mutex_unlock(&lg->lock);
	while (w) {
		struct rlog_req *next = w->wait_next;
		_Atomic uint32_t *word = &w->state;

		atomic_store_explicit(word, RLOG_REQ_DONE, memory_order_release);
		futex_wake_one(word);
		w = next;
	}
}

/* Sleeps (lock held on entry) until w is nudged or settled.  Returns true
 * once settled, with the lock dropped; false with the lock held again. */
static bool req_sleep(struct rlog *lg, struct rlog_req *w)
{
	uint32_t seen = atomic_load_explicit(&w->state, memory_order_acquire);

	rlog_unlock(lg);
	while (seen == atomic_load_explicit(&w->state, memory_order_acquire))
		syscall(SYS_futex, &w->state, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
	if (atomic_load_explicit(&w->state, memory_order_acquire) & RLOG_REQ_DONE)
		return true;
	pthread_mutex_lock(&lg->lock);
	return false;
}

/* Waits for a settled request's DONE (its own caller settles it too). */
static void req_wait_done(struct rlog_req *w)
{
	uint32_t v;

	while (!((v = atomic_load_explicit(&w->state, memory_order_acquire)) & RLOG_REQ_DONE))
		syscall(SYS_futex, &w->state, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

/* The head of the queue may sign now. */
static void wake_queue_head(struct rlog *lg, const struct rlog_req *self)
{
	if (lg->queue_head && lg->queue_head != self)
		nudge(lg->queue_head);
}

/* After a flush (lock held): every waiter it made durable is settled, the
 * first one still waiting is nudged (to flush next) unless it is self
 * (awake already), as is the queue's head (signing need not wait for the
 * flush any more); a signer waiting to rotate is woken. */
static void wake_after_sync(struct rlog *lg, const struct rlog_req *self)
{
	struct rlog_req **p = &lg->durable_waiters;

	while (*p) {
		struct rlog_req *w = *p;

		if (lg->broken || w->durable_at <= lg->durable.seq) {
			*p = w->wait_next;
			w->listed = false;
			if (lg->broken)
				w->result = -EIO;
			settle(lg, w);
		} else {
			p = &w->wait_next;
		}
	}
	if (lg->durable_waiters && lg->durable_waiters != self && !(self && self->listed))
		nudge(lg->durable_waiters);
	wake_queue_head(lg, self);
	pthread_cond_broadcast(&lg->idle);
}

static void list_waiter(struct rlog *lg, struct rlog_req *w)
{
	if (w->listed)
		return;
	w->wait_next = lg->durable_waiters;
	lg->durable_waiters = w;
	w->listed = true;
}

/* Moves the durable marker to target (the syncer's, without the lock). */
static void marker_write(struct rlog *lg, const struct chain_head *target)
{
	int r = head_file_write(lg->log_dir_fd, DURABLE_NAME, target, lg->opt.reader_gid);

	if (r < 0) {
		log_warnx("record log %s: cannot move the durable marker to %llu: %s", lg->log_dir,
			  (unsigned long long)target->seq, strerror(-r));
		return;
	}
	lg->marker = *target;
	lg->marker_ms = monotonic_ms();
}

/* Makes everything up to target durable: fdatasync of fd, then the marker
 * (unless it moved less than RLOG_MARKER_INTERVAL_MS ago) and the ratchet
 * state.  Called without the lock. */
static int sync_to(struct rlog *lg, int fd, const struct chain_head *target, uint64_t index,
		   const unsigned char seed[RATCHET_SEED_BYTES])
{
	int r;

	if (fdatasync(fd) < 0) {
		r = -errno;
		log_warnx("record log %s: fdatasync failed: %s; no record is acknowledged as "
			  "durable until wardd restarts",
			  lg->log_dir, strerror(-r));
		return r;
	}
	if (monotonic_ms() - lg->marker_ms >= RLOG_MARKER_INTERVAL_MS)
		marker_write(lg, target);
	/* The state may lag the log (recovery walks forward), never lead it:
	 * it is written only now that the records announcing it are on disk. */
	r = ratchet_state_write(lg->state_fd, index, seed);
	if (r < 0)
		log_warnx("record log %s: cannot overwrite the ratchet state: %s", lg->log_dir,
			  strerror(-r));
	return 0;
}

/* Brings the durable marker up to what is durable, when the last flushes
 * left it behind (lock held on entry and exit, dropped over the write). */
static void marker_catch_up(struct rlog *lg)
{
	struct chain_head target;

	while (lg->syncing || lg->rotating)
		pthread_cond_wait(&lg->idle, &lg->lock);
	if (lg->broken || lg->marker.seq >= lg->durable.seq)
		return;
	target = lg->durable;
	lg->syncing = true;
	rlog_unlock(lg);
	marker_write(lg, &target);
	pthread_mutex_lock(&lg->lock);
	lg->syncing = false;
	wake_after_sync(lg, NULL);
}

/* Becomes the syncer (lock held on entry and exit, dropped over I/O);
 * self is the syncer's own request, settled here with the others. */
static void run_sync(struct rlog *lg, const struct rlog_req *self)
{
	struct chain_head target = lg->closed;
	unsigned char seed[RATCHET_SEED_BYTES];
	uint64_t index = lg->persist_index;
	int fd = lg->seg_fd, r;

	lg->syncing = true;
	memcpy(seed, lg->persist_seed, sizeof(seed));
	rlog_unlock(lg);
	r = sync_to(lg, fd, &target, index, seed);
	OPENSSL_cleanse(seed, sizeof(seed));
	pthread_mutex_lock(&lg->lock);
	if (r < 0)
		lg->broken = true;
	else if (target.seq > lg->durable.seq)
		lg->durable = target;
	lg->syncs++;
	lg->syncing = false;
	wake_after_sync(lg, self);
}

static bool rotation_due(struct rlog *lg)
{
	uint64_t max =
	    lg->opt.segment_max_bytes ? lg->opt.segment_max_bytes : SEGMENT_DEFAULT_MAX_BYTES;

	if (lg->seg_size == 0)
		return false;
	return (uint64_t)lg->seg_size >= max ||
	       (lg->opt.rotate_daily && rlog_day(time(NULL)) != lg->seg_day);
}

/* Closes the full segment (everything in it made durable first) and starts
 * the next.  The signer calls it with the lock held and no sync running. */
static int rotate(struct rlog *lg, const struct rlog_req *self)
{
	struct chain_head target = lg->closed;
	unsigned char seed[RATCHET_SEED_BYTES];
	uint64_t index = lg->persist_index;
	bool synced;
	int r;

	lg->rotating = true;
	memcpy(seed, lg->persist_seed, sizeof(seed));
	rlog_unlock(lg);
	r = sync_to(lg, lg->seg_fd, &target, index, seed);
	OPENSSL_cleanse(seed, sizeof(seed));
	synced = r == 0;
	if (synced)
		r = rlog_open_segment(lg, lg->head.seq + 1, true);
	pthread_mutex_lock(&lg->lock);
	if (!synced)
		lg->broken = true;
	else if (target.seq > lg->durable.seq)
		lg->durable = target;
	lg->rotating = false;
	wake_after_sync(lg, self);
	return r;
}

/* Seals and signs the group into the signer's buffer; its last record
 * announces the next key when a flush is to follow (announce).  Returns the
 * bytes or -errno; each request's result is its seq or its own error. */
static ssize_t seal_group(struct rlog *lg, struct rlog_req *batch, bool announce, bool *announced)
{
	*announced = false;
	buf_reset(&lg->wbuf);
	for (struct rlog_req *q = batch; q; q = q->next) {
		bool last = announce && q->next == NULL;
		int r =
		    record_seal(q->payload, &lg->ratchet, last, &lg->head, &lg->sealer, &lg->wbuf);

		if (r < 0) {
			q->result = r;
			continue;
		}
		q->result = (int64_t)lg->head.seq;
		*announced = last;
	}
	return (ssize_t)lg->wbuf.len;
}

/* Signs and writes one group (no lock held).  On any failure the chain is
 * as it was before: the segment is cut back and the ratchet not stepped. */
static int write_group(struct rlog *lg, struct rlog_req *batch, bool *announced_out)
{
	struct chain_head before = lg->head;
	bool announce = false, announced;
	ssize_t len;

	/* A group a caller waits to see durable closes with the next key; a
	 * group nobody waits for is closed by a later one (rlog_sync writes a
	 * key-rotation record when none comes), so the ratchet steps once per
	 * flush, not once per group. */
	for (struct rlog_req *q = batch; q; q = q->next)
		announce |= q->durable;
	len = seal_group(lg, batch, announce, &announced);
	int r = len < 0 ? (int)len : 0;

	if (r == 0 && len > 0)
		r = write_all(lg->seg_fd, lg->wbuf.data, (size_t)len);
	if (r < 0) {
		lg->head = before;
		for (struct rlog_req *q = batch; q; q = q->next)
			q->result = r;
		if (ftruncate(lg->seg_fd, lg->seg_size) < 0) {
			log_warn("record log %s: cannot cut a failed write back", lg->log_dir);
			return -EIO;
		}
		return r;
	}
	lg->seg_size += len;
	*announced_out = announced;
	if (announced && (r = ratchet_step(&lg->ratchet)) < 0) {
		log_warnx("record log %s: cannot derive the next ratchet key", lg->log_dir);
		return -EIO;
	}
	return 0;
}

/* Takes up to RLOG_GROUP_MAX queued requests (lock held). */
static struct rlog_req *take_batch(struct rlog *lg)
{
	struct rlog_req *batch = lg->queue_head, *q = batch;
	unsigned n = 1;

	for (; q->next && n < RLOG_GROUP_MAX; n++)
		q = q->next;
	lg->queued -= n;
	lg->queue_head = q->next;
	if (!lg->queue_head)
		lg->queue_tail = &lg->queue_head;
	q->next = NULL;
	return batch;
}

/* The group's requests once written (lock held): settled, or listed to
 * wait for the flush (one wake-up per record, not two). */
static void after_group(struct rlog *lg, struct rlog_req *batch)
{
	struct rlog_req *q = batch, *next;

	for (; q; q = next) {
		next = q->next;
		q->taken = true;
		if (q->durable && q->result > 0 && !lg->broken &&
		    lg->durable.seq < (uint64_t)q->result) {
			q->durable_at = (uint64_t)q->result;
			list_waiter(lg, q);
		} else {
			if (q->result > 0 && q->durable && lg->broken)
				q->result = -EIO;
			settle(lg, q);
		}
	}
}

/* Becomes the signer (lock held on entry and exit, dropped over I/O); self
 * is the signer's own request, in the group it takes. */
static void run_group(struct rlog *lg, struct rlog_req *self)
{
	struct rlog_req *batch;
	bool announced = false;
	off_t size_before;
	int r = 0;

	lg->signing = true;
	while (rotation_due(lg) && !lg->broken) {
		if (lg->syncing) {
			pthread_cond_wait(&lg->idle, &lg->lock);
			continue;
		}
		r = rotate(lg, self);
		if (r < 0)
			log_warnx("record log %s: cannot start a new segment: %s", lg->log_dir,
				  strerror(-r));
		break;
	}
	batch = take_batch(lg);
	size_before = lg->seg_size;
	rlog_unlock(lg);
	if (r == 0)
		r = write_group(lg, batch, &announced);
	else
		for (struct rlog_req *q = batch; q; q = q->next)
			q->result = r;
	/* The group's payloads are freed here, together and while the
	 * signer still has them in cache, not by each caller after its
	 * wake-up. */
	for (struct rlog_req *q = batch; q; q = q->next) {
		json_decref(q->payload);
		q->payload = NULL;
	}
	pthread_mutex_lock(&lg->lock);
	if (r == -EIO)
		lg->broken = true;
	if (r == 0 && lg->head.seq > lg->written.seq)
		lg->written = lg->head;
	lg->bytes_written += (uint64_t)(lg->seg_size - size_before);
	lg->written_since += (uint64_t)(lg->seg_size - size_before);
	if (r == 0 && announced) {
		lg->closed = lg->head;
		lg->persist_index = lg->ratchet.index;
		memcpy(lg->persist_seed, lg->ratchet.seed, RATCHET_SEED_BYTES);
	}
	after_group(lg, batch);
	lg->groups++;
	lg->signing = false;
	/* The signer flushes next itself when it waits for the flush too. */
	if (lg->durable_waiters && !lg->syncing && !lg->rotating && !self->listed)
		nudge(lg->durable_waiters);
	wake_queue_head(lg, self);
}

/* Waits for w (lock held on entry, dropped on return): signs the queue
 * when nobody does, flushes when nobody does, sleeps otherwise. */
static void await(struct rlog *lg, struct rlog_req *w)
{
	while (!w->settled) {
		if (!w->taken) {
			if (!lg->signing && (!lg->syncing || lg->queued >= RLOG_GROUP_EAGER)) {
				run_group(lg, w);
				continue;
			}
		} else if (!lg->syncing && !lg->rotating) {
			run_sync(lg, w);
			continue;
		}
		if (req_sleep(lg, w))
			return;
	}
	rlog_unlock(lg);
	req_wait_done(w);
}

/* A record stamped before the last heartbeat's instant but given to the
 * log after it takes that instant (lock held): the heartbeat stated a head
 * without it. */
static int observed_floor(struct rlog *lg, json_t *payload)
{
	const char *at = wjson_str(payload, "observed_at");

	/* RFC 3339 UTC instants of one width compare as strings. */
	if (!lg->observed_floor[0] || !at || strcmp(at, lg->observed_floor) >= 0)
		return 0;
	return wjson_set_str(payload, "observed_at", lg->observed_floor);
}

int64_t rlog_append(struct rlog *lg, json_t *payload, unsigned flags)
{
	struct rlog_req req = {.payload = payload, .durable = flags & RLOG_DURABLE};
	int64_t result = 0;

	pthread_mutex_lock(&lg->lock);
	if (lg->broken) {
		result = -EIO;
	} else if ((flags & RLOG_DROPPABLE) && rlog_over_cap(lg, payload)) {
		result = -ENOBUFS;
	} else if (observed_floor(lg, payload) < 0) {
		result = -ENOMEM;
	}
	if (result < 0) {
		rlog_unlock(lg);
		json_decref(payload);
	} else {
		/* req lives on this stack until it is settled and its DONE
		 * seen: nobody touches it after storing DONE. */
		*lg->queue_tail = &req;
		// cppcheck-suppress autoVariables
		lg->queue_tail = &req.next;
		lg->queued++;
		await(lg, &req);
		result = req.result;
	}
	if (result < 0 && result != -ENOBUFS)
		atomic_fetch_add(&lg->failures, 1);
	return result;
}

/* Closes the open group with a record of its own, made durable. */
static int close_group(struct rlog *lg)
{
	json_t *p = record_new(&lg->origin, "key-rotation", NULL);
	int64_t r;

	if (!p)
		return -ENOMEM;
	r = rlog_append(lg, p, RLOG_DURABLE);
	return r < 0 ? (int)r : 0;
}

int rlog_sync(struct rlog *lg)
{
	struct rlog_req w = {.taken = true};
	bool open_group;
	int64_t r = 0;

	pthread_mutex_lock(&lg->lock);
	/* Records queued or being signed by other callers count as appended:
	 * the closing record follows them in the chain. */
	open_group = (lg->written.seq > lg->closed.seq || lg->queued || lg->signing) && !lg->broken;
	pthread_mutex_unlock(&lg->lock);
	if (open_group && (r = close_group(lg)) < 0)
		return (int)r;
	pthread_mutex_lock(&lg->lock);
	if (!open_group && lg->closed.seq > lg->durable.seq && !lg->broken) {
		w.result = (int64_t)lg->closed.seq;
		w.durable_at = lg->closed.seq;
		list_waiter(lg, &w);
		await(lg, &w);
		r = w.result;
		pthread_mutex_lock(&lg->lock);
	} else if (!open_group && lg->closed.seq > lg->durable.seq) {
		r = -EIO; /* broken before it was durable */
	}
	if (r >= 0)
		marker_catch_up(lg);
	rlog_unlock(lg);
	return r < 0 ? (int)r : 0;
}

int rlog_heartbeat_head(struct rlog *lg, struct chain_head *head, struct timespec *at)
{
	int r;

	pthread_mutex_lock(&lg->lock);
	clock_gettime(CLOCK_REALTIME, at);
	/* The instant as the heartbeat states it (to the millisecond). */
	at->tv_nsec -= at->tv_nsec % 1000000;
	rfc3339_ms(at, lg->observed_floor);
	pthread_mutex_unlock(&lg->lock);
	r = rlog_sync(lg);
	if (r < 0)
		return r;
	rlog_durable_head(lg, head);
	return 0;
}

void rlog_get_stats(struct rlog *lg, struct rlog_stats *st)
{
	pthread_mutex_lock(&lg->lock);
	st->head_seq = lg->written.seq;
	st->durable_seq = lg->durable.seq;
	st->ratchet_index = lg->persist_index;
	st->groups = lg->groups;
	st->syncs = lg->syncs;
	st->broken = lg->broken;
	st->acked_seq = lg->acked_seq;
	st->undelivered = lg->undelivered_base + lg->written_since;
	st->dropped = lg->dropped_total;
	st->segments_deleted = lg->segments_deleted;
	pthread_mutex_unlock(&lg->lock);
	st->failures = atomic_load(&lg->failures);
}

void rlog_durable_head(struct rlog *lg, struct chain_head *head)
{
	pthread_mutex_lock(&lg->lock);
	*head = lg->durable;
	pthread_mutex_unlock(&lg->lock);
}

int rlog_open(const struct rlog_options *opt, struct rlog **out, char *err, size_t errsize)
{
	struct rlog *lg = calloc(1, sizeof(*lg));
	int r;

	if (err && errsize)
		err[0] = '\0';
	if (!lg)
		return -ENOMEM;
	lg->opt = *opt;
	lg->seg_fd = lg->log_dir_fd = lg->state_fd = -1;
	lg->queue_tail = &lg->queue_head;
	r = record_sealer_init(&lg->sealer);
	if (r == 0)
		r = rlog_recover(lg, err, errsize);
	if (r < 0) {
		rlog_close(lg);
		return r;
	}
	pthread_mutex_init(&lg->lock, NULL);
	pthread_cond_init(&lg->idle, NULL);
	lg->ready = true;
	if (lg->written.seq > lg->closed.seq && (r = close_group(lg)) < 0)
		log_warnx("record log %s: cannot close the group left open by a crash: %s",
			  lg->log_dir, strerror(-r));
	*out = lg;
	return 0;
}

void rlog_close(struct rlog *lg)
{
	if (!lg)
		return;
	if (lg->ready) {
		int r = rlog_sync(lg);

		if (r < 0)
			log_warnx(
			    "record log %s: records written since the last sync may be lost: %s",
			    lg->log_dir, strerror(-r));
		pthread_cond_destroy(&lg->idle);
		pthread_mutex_destroy(&lg->lock);
	}
	if (lg->seg_fd >= 0)
		close(lg->seg_fd);
	if (lg->log_dir_fd >= 0)
		close(lg->log_dir_fd);
	if (lg->state_fd >= 0)
		close(lg->state_fd);
	ratchet_wipe(&lg->ratchet);
	OPENSSL_cleanse(lg->persist_seed, sizeof(lg->persist_seed));
	buf_free(&lg->wbuf);
	record_sealer_free(&lg->sealer);
	free(lg);
}
