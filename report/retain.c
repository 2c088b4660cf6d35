/* What the log keeps on the desk: the cap on what is not yet acknowledged
 * (audit-level records dropped first, and counted in a signed
 * spool-overflow record), and the deletion of segments the collector
 * acknowledged once the local retention has passed, leaving log/anchor so
 * that what remains still verifies from its first record. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "report/anchor.h"
#include "report/chain.h"
#include "report/log_internal.h"
#include "report/segment.h"

void rlog_set_limits(struct rlog *lg, const struct rlog_limits *l)
{
	pthread_mutex_lock(&lg->lock);
	lg->limits = *l;
	pthread_mutex_unlock(&lg->lock);
}

bool rlog_over_cap(struct rlog *lg, const json_t *payload)
{
	struct rlog_drops *d = &lg->drops;
	const char *action = wjson_str(payload, "action");
	struct timespec now;
	size_t i;

	if (!lg->limits.undelivered_cap ||
	    lg->undelivered_base + lg->written_since < lg->limits.undelivered_cap)
		return false;
	if (!action)
		action = "other";
	for (i = 0; i < RLOG_DROP_ACTIONS - 1 && d->action[i][0]; i++)
		if (strcmp(d->action[i], action) == 0)
			break;
	if (!d->action[i][0] || i == RLOG_DROP_ACTIONS - 1)
		str_copy(d->action[i], sizeof(d->action[i]),
			 i == RLOG_DROP_ACTIONS - 1 ? "other" : action);
	clock_gettime(CLOCK_REALTIME, &now);
	if (d->total++ == 0)
		d->first = now;
	d->last = now;
	d->count[i]++;
	lg->dropped_total++;
	return true;
}

/* The signed record of what was dropped since the last one. */
static int report_overflow(struct rlog *lg)
{
	struct rlog_drops d;
	char at[RFC3339_MAX];
	json_t *p, *counts;
	int64_t r;

	pthread_mutex_lock(&lg->lock);
	d = lg->drops;
	memset(&lg->drops, 0, sizeof(lg->drops));
	pthread_mutex_unlock(&lg->lock);
	if (d.total == 0)
		return 0;
	p = record_new(&lg->origin, "spool-overflow", NULL);
	counts = json_object();
	if (!p || !counts) {
		json_decref(p);
		json_decref(counts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < RLOG_DROP_ACTIONS && d.action[i][0]; i++)
		wjson_set_int(counts, d.action[i], (int64_t)d.count[i]);
	json_object_set_new(p, "dropped", counts);
	rfc3339_ms(&d.first, at);
	wjson_set_str(p, "first_at", at);
	rfc3339_ms(&d.last, at);
	wjson_set_str(p, "last_at", at);
	wjson_set_int(p, "cap", (int64_t)lg->limits.undelivered_cap);
	/* Never droppable itself: the loss must show in the chain. */
	r = rlog_append(lg, p, RLOG_DURABLE);
	if (r < 0)
		log_warnx("record log %s: cannot write the spool-overflow record (%" PRIu64
			  " records dropped): %s",
			  lg->log_dir, d.total, strerror((int)-r));
	return r < 0 ? (int)r : 0;
}

/* The segments as they are now: first seqs, sizes, last writes. */
struct segs {
	uint64_t *first;
	off_t *size;
	time_t *mtime;
	size_t n;
};

static void segs_free(struct segs *s)
{
	free(s->first);
	free(s->size);
	free(s->mtime);
	memset(s, 0, sizeof(*s));
}

static int segs_read(struct rlog *lg, struct segs *s)
{
	char name[SEGMENT_NAME_MAX];
	struct stat st;
	int r = segment_list(lg->log_dir, &s->first, &s->n);

	s->size = calloc(s->n ? s->n : 1, sizeof(*s->size));
	s->mtime = calloc(s->n ? s->n : 1, sizeof(*s->mtime));
	if (r == 0 && (!s->size || !s->mtime))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < s->n; i++) {
		segment_name(s->first[i], name);
		if (fstatat(lg->log_dir_fd, name, &st, 0) < 0)
			r = -errno;
		s->size[i] = st.st_size;
		s->mtime[i] = st.st_mtime;
	}
	if (r < 0)
		segs_free(s);
	return r;
}

/* Bytes of segment first up to and including record seq (records of a
 * segment are consecutive, so that is seq - first + 1 lines). */
static int64_t bytes_through(struct rlog *lg, uint64_t first, uint64_t seq)
{
	struct segment_reader sr;
	const char *line;
	uint64_t lines = seq - first + 1;
	int r = segment_reader_open(&sr, lg->log_dir, first);
	int64_t out;

	if (r < 0)
		return r;
	while (sr.line_no < lines && segment_reader_next(&sr, &line, NULL) > 0)
		;
	out = sr.offset;
	segment_reader_close(&sr);
	return out;
}

static uint64_t undelivered_of(struct rlog *lg, const struct segs *s, uint64_t acked)
{
	uint64_t total = 0;

	for (size_t i = 0; i < s->n; i++) {
		uint64_t last = i + 1 < s->n ? s->first[i + 1] - 1 : UINT64_MAX;
		int64_t done;

		if (last <= acked)
			continue;
		if (s->first[i] > acked) {
			total += (uint64_t)s->size[i];
			continue;
		}
		done = bytes_through(lg, s->first[i], acked);
		total += done < 0 ? (uint64_t)s->size[i] : (uint64_t)(s->size[i] - done);
	}
	return total;
}

/* The key in force at the first record after segments 0..k, and the hash
 * of the last record in them: the anchor of what is left. */
static int anchor_after(struct rlog *lg, const struct segs *s, size_t k, struct anchor *a)
{
	char path[RLOG_PATH_MAX + 32];
	int r;

	if (s->first[0] == 1) {
		snprintf(path, sizeof(path), "%s/ratchet-1.pub", lg->keys_dir);
		a->key_index = 1;
		r = public_key_file_load(path, a->key);
	} else {
		r = anchor_read(lg->log_dir, a);
		if (r == 0 && a->seq != s->first[0])
			r = -EBADMSG;
	}
	for (size_t i = 0; r == 0 && i <= k; i++) {
		struct segment_reader sr;
		const char *line, *why;
		ssize_t n;

		if ((r = segment_reader_open(&sr, lg->log_dir, s->first[i])) < 0)
			break;
		while (r == 0 && (n = segment_reader_next(&sr, &line, NULL)) > 0) {
			struct record_info info;

			if ((r = record_parse(line, (size_t)n, &info, &why)) < 0)
				break;
			if (info.has_next) {
				a->key_index = info.ratchet + 1;
				memcpy(a->key, info.next_pub, sizeof(a->key));
			}
			a->seq = info.seq + 1;
			memcpy(a->prev, info.hash, sizeof(a->prev));
			record_info_free(&info);
		}
		segment_reader_close(&sr);
	}
	return r == 0 && a->seq != s->first[k + 1] ? -EBADMSG : r;
}

/* Deletes the oldest segments wholly acknowledged and past retention,
 * never the one holding the head.  Returns how many, or -errno. */
static int prune(struct rlog *lg, const struct segs *s, uint64_t acked, uint32_t retention_s)
{
	char name[SEGMENT_NAME_MAX];
	time_t now = time(NULL);
	size_t keep_from = s->n && s->size[s->n - 1] == 0 ? 2 : 1; /* the head's segment */
	struct anchor a;
	ssize_t k = -1;
	int r;

	for (size_t i = 0; i + keep_from < s->n; i++) {
		if (s->first[i + 1] - 1 > acked || now - s->mtime[i] < (time_t)retention_s)
			break;
		k = (ssize_t)i;
	}
	if (k < 0)
		return 0;
	r = anchor_after(lg, s, (size_t)k, &a);
	if (r == 0)
		r = anchor_write(lg->log_dir_fd, &a, lg->opt.reader_gid);
	if (r < 0) {
		log_warnx("record log %s: cannot anchor what is left after seq %llu, nothing "
			  "deleted: %s",
			  lg->log_dir, (unsigned long long)s->first[k + 1] - 1, strerror(-r));
		return r;
	}
	for (ssize_t i = 0; i <= k; i++) {
		segment_name(s->first[i], name);
		if (unlinkat(lg->log_dir_fd, name, 0) < 0)
			return -errno;
	}
	if (fsync(lg->log_dir_fd) < 0)
		return -errno;
	return (int)k + 1;
}

int rlog_maintain(struct rlog *lg)
{
	struct chain_head acked = {0};
	struct rlog_limits limits;
	struct segs s;
	uint64_t written0, undelivered;
	char spool[RLOG_PATH_MAX + 8];
	int r, deleted = 0;

	snprintf(spool, sizeof(spool), "%s/spool", lg->opt.state_dir);
	r = head_file_read(spool, ACKED_NAME, &acked);
	if (r < 0 && r != -ENOENT)
		log_warnx("record log %s: %s/acked is unreadable: %s", lg->log_dir, spool,
			  strerror(-r));
	pthread_mutex_lock(&lg->lock);
	written0 = lg->bytes_written;
	limits = lg->limits;
	if (acked.seq > lg->durable.seq)
		acked.seq = lg->durable.seq; /* a sender ahead of the log: not to be believed */
	pthread_mutex_unlock(&lg->lock);
	if ((r = segs_read(lg, &s)) < 0)
		return r;
	undelivered = undelivered_of(lg, &s, acked.seq);
	pthread_mutex_lock(&lg->lock);
	lg->acked_seq = acked.seq;
	lg->undelivered_base = undelivered;
	lg->written_since = lg->bytes_written - written0;
	pthread_mutex_unlock(&lg->lock);
	r = report_overflow(lg);
	if (r == 0)
		deleted = prune(lg, &s, acked.seq, limits.retention_s);
	segs_free(&s);
	if (deleted > 0) {
		pthread_mutex_lock(&lg->lock);
		lg->segments_deleted += (uint64_t)deleted;
		pthread_mutex_unlock(&lg->lock);
	}
	if (r == 0)
		r = rlog_sync(lg);
	return r < 0 ? r : deleted < 0 ? deleted : 0;
}
