/* One round of delivery: the records past spool/acked up to the durable
 * marker, in seq order, in one batch; the answer's receipts checked; the
 * acknowledgement moved.  At-least-once on the wire: a batch that got no
 * checked answer is simply sent again (the collector stores each record
 * once). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/log.h"
#include "common/util.h"
#include "report/chain.h"
#include "report/segment.h"
#include "sender/sender.h"

void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->text[i]);
	free(b->text);
	free(b->len);
	free(b->seq);
	memset(b, 0, sizeof(*b));
}

static int batch_add(struct batch *b, const char *line, size_t len, uint64_t seq, size_t max)
{
	if (b->n == 0) {
		b->text = calloc(max, sizeof(*b->text));
		b->len = calloc(max, sizeof(*b->len));
		b->seq = calloc(max, sizeof(*b->seq));
		if (!b->text || !b->len || !b->seq)
			return -ENOMEM;
	}
	b->text[b->n] = strndup(line, len);
	if (!b->text[b->n])
		return -ENOMEM;
	if (b->n && seq != b->seq[b->n - 1] + 1)
		b->out_of_order = true;
	b->len[b->n] = len;
	b->seq[b->n++] = seq;
	b->bytes += len;
	return 0;
}

int batch_read(const struct sender *s, uint64_t durable_seq, struct batch *b)
{
	size_t max = s->batch_records ? s->batch_records : BATCH_MAX_RECORDS;
	struct log_reader lr;
	const char *line;
	ssize_t n;
	int r;

	memset(b, 0, sizeof(*b));
	if (durable_seq <= s->acked.seq)
		return 0;
	r = log_reader_open_at(&lr, s->paths.log, s->acked.seq + 1);
	while (r == 0 && b->n < max && (n = log_reader_next(&lr, &line, NULL)) != 0) {
		struct record_info info;
		const char *why;

		if (n == -EINVAL || n == -E2BIG)
			continue; /* not a record: the collector would refuse it */
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (record_parse(line, (size_t)n, &info, &why) < 0)
			continue;
		if (info.seq > s->acked.seq && info.seq <= durable_seq) {
			if (b->bytes + (size_t)n + 8 > BATCH_MAX_BYTES - 64)
				n = 0; /* full: the rest goes in the next batch */
			else
				r = batch_add(b, line, (size_t)n, info.seq, max);
		}
		record_info_free(&info);
		if (n == 0)
			break;
	}
	log_reader_close(&lr);
	if (r < 0)
		batch_free(b);
	return r;
}

static char *batch_body(const struct batch *b, uint64_t known_size, size_t *len)
{
	json_t *body = json_object(), *arr = json_array();
	char *text = NULL;
	bool ok = body && arr && json_object_set(body, "records", arr) == 0 &&
		  wjson_set_int(body, "known_size", (int64_t)known_size) == 0;

	for (size_t i = 0; ok && i < b->n; i++)
		ok = json_array_append_new(arr, json_stringn(b->text[i], b->len[i])) == 0;
	if (ok)
		text = wjson_canonical(body, len);
	json_decref(arr);
	json_decref(body);
	return text;
}

/* POSTs and parses; an HTTP error's {"error","message"} goes into err. */
static int post(struct sender *s, const char *path, const char *body, size_t len, json_t **answer,
		char *err, size_t errsize)
{
	struct http_reply reply;
	json_t *v;
	int r = http_post_json(s->http, path, body, len, &reply, err, errsize);

	s->status.last_attempt = time(NULL);
	s->status.reachable = r == 0;
	if (r < 0)
		return r;
	v = reply.body ? wjson_parse(reply.body, reply.len, NULL, 0) : NULL;
	if (reply.status != 200) {
		const char *msg = wjson_str(v, "message"), *code = wjson_str(v, "error");

		r = errorf(err, errsize, reply.status >= 500 ? -EAGAIN : -EACCES,
			   "the collector answered %ld %s: %s", reply.status, code ? code : "",
			   msg ? msg : "");
		json_decref(v);
	} else if (!v) {
		r = errorf(err, errsize, -EPROTO, "the collector's answer is not JSON");
	} else {
		*answer = v;
	}
	http_reply_free(&reply);
	return r;
}

/* Keeps what a checked answer establishes: the checkpoint, approvals
 * issued and revoked (protocol §4). */
static void keep_answer(struct sender *s, const json_t *answer, const struct receipt_outcome *o)
{
	const json_t *approvals = json_object_get(answer, "approvals");
	const json_t *revoked = json_object_get(answer, "revoked_approvals");
	json_t *t;
	size_t i;
	int r;

	if (o->cp.size != s->kept.cp.size || !s->kept.note) {
		r = spool_checkpoint_save(&s->paths, o->note);
		if (r < 0)
			log_warnx("cannot keep the checkpoint: %s", strerror(-r));
		free(s->kept.note);
		s->kept.note = strdup(o->note);
		s->kept.cp = o->cp;
	}
	json_array_foreach(approvals, i, t)
	{
		const char *token = json_string_value(t);

		if (token && (r = spool_approval_save(&s->paths, token)) < 0)
			log_warnx("cannot keep an approval: %s", strerror(-r));
	}
	json_array_foreach(revoked, i, t)
	{
		const char *id = json_string_value(t);

		if (id && (r = spool_approval_revoke(&s->paths, id)) < 0)
			log_warnx("cannot note a revoked approval: %s", strerror(-r));
	}
	s->status.tree_size = o->cp.size;
	s->status.last_success = time(NULL);
}

/* Takes what a checked answer to a batch establishes; returns the records
 * newly acknowledged, or -EBADMSG when the collector rejected the next one. */
static int take_answer(struct sender *s, const json_t *answer, const struct receipt_outcome *o,
		       char *err, size_t errsize)
{
	int r;

	keep_answer(s, answer, o);
	s->status.contiguous_seq = o->contiguous_seq;
	if (o->rejected)
		spool_alert(&s->paths, "the collector rejected %s", o->reject_reason);
	if (o->acked_seq <= s->acked.seq)
		return o->rejected
			   ? errorf(err, errsize, -EBADMSG, "rejected: %s", o->reject_reason)
			   : 0;
	r = (int)(o->acked_seq - s->acked.seq);
	s->acked.seq = o->acked_seq;
	memcpy(s->acked.hash, o->acked_hash, sizeof(o->acked_hash));
	if (spool_acked_save(&s->paths, &s->acked) < 0)
		log_warn("cannot move %s/acked", s->paths.spool);
	return r;
}

int deliver_once(struct sender *s, bool *more, char *err, size_t errsize)
{
	struct chain_head durable;
	struct receipt_outcome o;
	_cleanup_free_ char *body = NULL;
	struct batch b;
	json_t *answer = NULL;
	size_t len;
	int r = head_file_read(s->paths.log, DURABLE_NAME, &durable);

	*more = false;
	if (r == -ENOENT || (r == 0 && durable.seq <= s->acked.seq))
		return 0;
	if (r < 0 || (r = batch_read(s, durable.seq, &b)) < 0)
		return errorf(err, errsize, r, "cannot read the record log: %s", strerror(-r));
	if (b.n == 0)
		return 0;
	if (b.out_of_order)
		spool_alert(&s->paths,
			    "the local log is out of order after seq %llu: sent as it is",
			    (unsigned long long)s->acked.seq);
	log_debug("posting %zu records, seq %llu to %llu", b.n, (unsigned long long)b.seq[0],
		  (unsigned long long)b.seq[b.n - 1]);
	body = batch_body(&b, s->kept.cp.size, &len);
	r = body ? post(s, "/v1/records", body, len, &answer, err, errsize) : -ENOMEM;
	if (r == 0)
		r = receipts_check(s, answer, &b, &o, err, errsize);
	if (r == -EBADMSG)
		spool_alert(&s->paths, "%s", err);
	if (r == 0)
		r = take_answer(s, answer, &o, err, errsize);
	*more = r > 0 && s->acked.seq < durable.seq;
	json_decref(answer);
	batch_free(&b);
	return r;
}

int heartbeat_once(struct sender *s, char *err, size_t errsize)
{
	_cleanup_free_ char *hb = NULL, *body = NULL;
	char path[SPOOL_PATH_MAX + 32];
	struct receipt_outcome o;
	json_t *req, *answer = NULL;
	size_t n, len;
	int r;

	snprintf(path, sizeof(path), "%s/heartbeat.jws", s->paths.log);
	r = read_file(AT_FDCWD, path, JWS_MAX_BYTES, &hb, &n);
	if (r < 0)
		return errorf(err, errsize, r, "no heartbeat from wardd: %s", strerror(-r));
	while (n && hb[n - 1] == '\n')
		hb[--n] = '\0';
	req = json_object();
	if (req && wjson_set_str(req, "heartbeat", hb) == 0 &&
	    wjson_set_int(req, "known_size", (int64_t)s->kept.cp.size) == 0)
		body = wjson_canonical(req, &len);
	json_decref(req);
	r = body ? post(s, "/v1/heartbeat", body, len, &answer, err, errsize) : -ENOMEM;
	if (r == 0)
		r = receipts_check(s, answer, NULL, &o, err, errsize);
	if (r == -EBADMSG)
		spool_alert(&s->paths, "%s", err);
	if (r == 0)
		keep_answer(s, answer, &o);
	json_decref(answer);
	return r;
}
