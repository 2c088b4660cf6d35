/* A batch of records from one agent, in one write transaction (protocol
 * §3.2): each record parsed and checked against the agent's chain,
 * kept records appended to the Merkle log, receipts built from the
 * checkpoint signed at the end.  Any database error rolls everything
 * back: the agent keeps its records and sends them again. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "collector/console/console.h"
#include "common/json.h"

struct result {
	int64_t seq;
	const char *status, *reason;
	char reason_buf[160];
	int64_t index; /* leaf index, or -1 */
};

struct parsed {
	struct delivered r;
	bool parsed;
	const char *why;
};

struct batch {
	struct collector *c;
	struct parsed *in;
	struct db *db;
	struct agent agent;
	struct tlog_batch *log;
	int64_t now;
	unsigned held; /* records this batch held past a gap */
	bool any_held; /* the agent has rows past its head: held or invalid (kept earlier or now) */
	struct db_rowbuf leaves, chain; /* rows written, inserted before the next read */
};

/* Inserts the gathered rows: before anything reads leaves or chain. */
static int flush(struct batch *b)
{
	int e = db_rowbuf_flush(b->db, &b->leaves);

	return e ? e : db_rowbuf_flush(b->db, &b->chain);
}

/* Whether the agent has held records at all: when not, no chain row
 * exists past the head, so a record after it needs no lookup and no
 * drain (the common case, and two round trips per record saved).  Held
 * and invalid rows are all past the head (storing seq head + 1 moves the
 * head), so the rows past it are the ones looked at: a few index
 * entries, where counting the agent's rows that are not stored read
 * every row of its chain, under the log lock. */
static int held_before(struct batch *b)
{
	static const char sql[] = "SELECT count(*) FROM (SELECT 1 FROM chain WHERE agent_id = ? AND"
				  " seq > ? LIMIT 1) t";
	struct db_val p[] = {DBV_TEXT(b->agent.chain.agent_id), DBV_INT(b->agent.chain.head.seq)};
	struct db_rows *rows = db_query(b->db, sql, p, 2);

	if (!rows || !db_next(rows)) {
		db_rows_free(rows);
		return -EIO;
	}
	b->any_held = db_col_int(rows, 0) > 0;
	db_rows_free(rows);
	return 0;
}

/* Appends text as a new leaf of the log and the leaves table. */
static int keep_leaf(struct batch *b, const struct delivered *r, uint64_t *idx)
{
	merkle_hash h;
	int e = merkle_leaf_hash(r->text, r->len, h);

	if (e == 0)
		e = tlog_append(b->log, h, idx);
	if (e == 0)
		e = store_leaf_row(&b->leaves, *idx, b->now, b->agent.chain.agent_id, r, r->text,
				   r->len);
	return e;
}

static int alert(struct batch *b, const char *kind, int64_t seq, const char *detail, int64_t leaf)
{
	return store_alert(b->db, b->now, b->agent.chain.agent_id, kind, seq, detail, leaf);
}

/* After the head moved: held records right after it verify now, in
 * order, until one is missing or fails (that one is marked invalid). */
static int drain_held(struct batch *b)
{
	struct chain_state *st = &b->agent.chain;
	struct chain_row row;
	int64_t seq;
	int e;

	if (!b->any_held)
		return 0;
	e = flush(b);
	if (e < 0)
		return e;
	while ((e = store_chain_get(b->db, st->agent_id, seq = (int64_t)st->head.seq + 1, &row)) ==
		   0 &&
	       strcmp(row.status, "held") == 0) {
		enum chain_verdict v = CHAIN_FORGED;
		const char *why = "the held record no longer parses";
		struct delivered r;
		char *raw;
		size_t len;

		e = store_leaf_raw(b->db, row.leaf_idx, &raw, &len);
		if (e < 0)
			return e;
		if (delivered_parse(&r, raw, len, st->agent_id, &why) == 0) {
			v = delivered_check(&r, st, &why);
			if (v == CHAIN_NEXT)
				chain_advance(st, &r.info);
			delivered_free(&r);
		}
		free(raw);
		e = store_chain_set_status(b->db, st->agent_id, seq,
					   v == CHAIN_NEXT ? "stored" : "invalid");
		if (e == 0 && v != CHAIN_NEXT)
			e = alert(b, "invalid-held", seq, why, (int64_t)row.leaf_idx);
		if (e < 0 || v != CHAIN_NEXT)
			return e;
	}
	return e == -ENOENT ? 0 : e;
}

/* After the batch: records still held past the head are a gap. */
static int gap_alert(struct batch *b)
{
	static const char sql[] = "SELECT min(seq), max(seq), count(*) FROM chain WHERE"
				  " agent_id = ? AND status = 'held' AND seq > ?";
	struct db_val p[] = {DBV_TEXT(b->agent.chain.agent_id), DBV_INT(b->agent.chain.head.seq)};
	struct db_rows *rows = db_query(b->db, sql, p, 2);
	char why[200];
	int e = 0;

	if (!rows)
		return -EIO;
	if (db_next(rows) && db_col_int(rows, 2) > 0) {
		snprintf(why, sizeof(why),
			 "gap: the chain ends at %" PRId64 "; %" PRId64
			 " records held from %" PRId64 " to %" PRId64,
			 b->agent.chain.head.seq, db_col_int(rows, 2), db_col_int(rows, 0),
			 db_col_int(rows, 1));
		e = alert(b, "gap", b->agent.chain.head.seq + 1, why, -1);
	}
	db_rows_free(rows);
	return e;
}

/* A record at a seq already kept: the same bytes (a replay or a resend)
 * or another record (a tamper alert; both kept as evidence). */
static int seen_seq(struct batch *b, const struct delivered *r, const struct chain_row *row,
		    struct result *res)
{
	uint64_t idx;
	int e;

	if (strcmp(row->hash, r->sha256) == 0) {
		res->status = "duplicate";
		res->index = (int64_t)row->leaf_idx;
		return 0;
	}
	e = keep_leaf(b, r, &idx);
	if (e == 0)
		e = alert(b, "conflict", (int64_t)r->info.seq,
			  "a different record at a seq already kept: both kept", (int64_t)idx);
	res->status = "conflict";
	res->reason = "a different record is already kept at this seq";
	res->index = (int64_t)idx;
	return e;
}

static int next_seq(struct batch *b, struct delivered *r, struct result *res, bool replace)
{
	const char *why;
	enum chain_verdict v = delivered_check(r, &b->agent.chain, &why);
	uint64_t idx;
	int e;

	if (v != CHAIN_NEXT) {
		res->status = "rejected";
		snprintf(res->reason_buf, sizeof(res->reason_buf), "%s: %s", chain_verdict_name(v),
			 why);
		res->reason = res->reason_buf;
		return alert(b, v == CHAIN_FORK ? "fork" : "forgery", (int64_t)r->info.seq,
			     res->reason, -1);
	}
	chain_advance(&b->agent.chain, &r->info);
	e = keep_leaf(b, r, &idx);
	if (e == 0 && replace)
		e = store_chain_replace(b->db, b->agent.chain.agent_id, (int64_t)r->info.seq, idx,
					r->sha256);
	else if (e == 0)
		e = store_chain_row(&b->chain, b->agent.chain.agent_id, (int64_t)r->info.seq, idx,
				    "stored", r->sha256);
	res->status = "stored";
	res->index = (int64_t)idx;
	return e == 0 ? drain_held(b) : e;
}

static int gap_seq(struct batch *b, const struct delivered *r, struct result *res)
{
	uint64_t idx;
	int e = keep_leaf(b, r, &idx);

	if (e == 0)
		e = store_chain_row(&b->chain, b->agent.chain.agent_id, (int64_t)r->info.seq, idx,
				    "held", r->sha256);
	b->held++;
	b->any_held = true;
	res->status = "held";
	res->reason = "gap before this seq: kept, verified when the missing records arrive";
	res->index = (int64_t)idx;
	return e;
}

/* A parsed record: its place against the chain.  parsed is false (why
 * set) when it did not parse. */
static int one_record(struct batch *b, struct parsed *in, struct result *res)
{
	struct delivered *r = &in->r;
	struct chain_row row;
	int e;

	res->index = -1;
	res->seq = 0;
	if (!in->parsed) {
		res->status = "rejected";
		snprintf(res->reason_buf, sizeof(res->reason_buf), "malformed: %s", in->why);
		res->reason = res->reason_buf;
		return 0;
	}
	res->seq = (int64_t)r->info.seq;
	/* Past the head only held (or invalid) records have rows. */
	if (r->info.seq > b->agent.chain.head.seq && !b->any_held)
		e = -ENOENT;
	else if ((e = flush(b)) == 0)
		e = store_chain_get(b->db, b->agent.chain.agent_id, res->seq, &row);
	/* A held record that failed does not own its seq: the real one may
	 * still come and take it. */
	if (e == 0 && strcmp(row.status, "invalid") == 0 &&
	    r->info.seq == b->agent.chain.head.seq + 1 && strcmp(row.hash, r->sha256) != 0)
		e = next_seq(b, r, res, true);
	else if (e == 0)
		e = seen_seq(b, r, &row, res);
	else if (e == -ENOENT && r->info.seq == b->agent.chain.head.seq + 1)
		e = next_seq(b, r, res, false);
	else if (e == -ENOENT && r->info.seq > b->agent.chain.head.seq + 1)
		e = gap_seq(b, r, res);
	else if (e == -ENOENT) {
		res->status = "rejected";
		res->reason = "seq below the chain's head but never kept";
		e = 0;
	}
	return e;
}

static json_t *result_json(struct batch *b, const struct result *res)
{
	json_t *o = json_pack("{sIss}", "seq", (json_int_t)res->seq, "status", res->status);
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t count;

	if (res->reason)
		json_object_set_new(o, "reason", json_string(res->reason));
	if (res->index >= 0 &&
	    tlog_inclusion(b->log, (uint64_t)res->index, b->log->size, proof, &count) == 0) {
		json_object_set_new(o, "index", json_integer(res->index));
		json_object_set_new(o, "proof", wjson_hash_array(proof, count));
	}
	return o;
}

static int run_batch(struct batch *b, json_t *records, int64_t known_size, json_t **out)
{
	size_t n = json_array_size(records), i;
	struct result *res = calloc(n ? n : 1, sizeof(*res));
	json_t *results = json_array();
	char *note = NULL;
	int e = res ? held_before(b) : -ENOMEM;

	/* Held records the head reaches already are stored first: a chain
	 * never stays held behind a predecessor that is kept. */
	if (e == 0)
		e = drain_held(b);
	for (i = 0; e == 0 && i < n; i++)
		e = one_record(b, &b->in[i], &res[i]);
	if (e == 0)
		e = flush(b);
	if (e == 0 && b->held)
		e = gap_alert(b);
	if (e == 0)
		e = store_agent_set_head(b->db, &b->agent.chain, b->now);
	if (e == 0)
		e = tlog_batch_finish(b->log, &b->c->log, b->now, &note);
	for (i = 0; e == 0 && i < n; i++)
		json_array_append_new(results, result_json(b, &res[i]));
	if (e == 0) {
		json_object_set(*out, "results", results);
		json_object_set_new(*out, "contiguous_seq",
				    json_integer((json_int_t)b->agent.chain.head.seq));
		e = receipt_tail(b->log, note, known_size, *out);
	}
	json_decref(results);
	free(note);
	free(res);
	return e;
}

/* Parses every record and, before any lock is taken, checks the
 * signatures of the records that continue the chain as it stands (the
 * costly part, so it runs in this request's thread in parallel with
 * others); the transaction re-checks only what changed meanwhile. */
static void prevalidate(struct batch *b, json_t *records, const char *agent_id)
{
	struct chain_state st;
	bool walking;
	size_t i;

	walking = store_agent_get(b->db, agent_id, &b->agent) == 0;
	st = b->agent.chain;
	for (i = 0; i < json_array_size(records); i++) {
		const json_t *item = json_array_get(records, i);
		struct parsed *p = &b->in[i];
		const char *text = json_string_value(item), *why;

		p->why = "not a string";
		p->parsed = text && delivered_parse(&p->r, text, json_string_length(item), agent_id,
						    &p->why) == 0;
		if (walking && p->parsed && p->r.info.seq == st.head.seq + 1) {
			walking = delivered_check(&p->r, &st, &why) == CHAIN_NEXT;
			if (walking)
				chain_advance(&st, &p->r.info);
		}
	}
}

static void parsed_free(struct parsed *in, size_t n)
{
	for (size_t i = 0; in && i < n; i++)
		if (in[i].parsed)
			delivered_free(&in[i].r);
	free(in);
}

/* The write transaction: the log lock taken first, then the agent's
 * state read under it, every record placed, the checkpoint signed.
 * Returns the HTTP status.  The order matters: a head read before the
 * lock may be one that a batch of this agent on another connection or
 * process is about to move; written back at the end, it would undo that
 * batch's head and leave the records after it held for ever. */
static int ingest_locked(struct batch *b, json_t *records, const char *agent_id, int64_t known_size,
			 json_t **out, const char **code, const char **message)
{
	int e;

	*code = "unavailable";
	*message = "the batch could not be stored; nothing was kept, retry later";
	*out = json_object();
	if (!*out || db_begin(b->db, true) < 0) {
		json_decref(*out);
		*out = NULL;
		return 503;
	}
	/* The approvals need no place in the log: read before its lock, in
	 * the same transaction (kept as delivered only with the batch). */
	e = console_approvals_deliver(b->db, agent_id, b->now, *out);
	if (e == 0)
		e = tlog_batch_begin(b->log, b->db);
	if (e == 0)
		e = store_agent_get(b->db, agent_id, &b->agent);
	if (e == 0 && b->agent.revoked_at) {
		db_rollback(b->db);
		json_decref(*out);
		*out = NULL;
		*code = "revoked";
		*message = "this agent was revoked; nothing was stored";
		return 403;
	}
	if (e == -ENOENT) {
		db_rollback(b->db);
		json_decref(*out);
		*out = NULL;
		*code = "unknown-agent";
		*message = "no enrolled agent has this certificate's id; nothing was stored";
		return 403;
	}
	if (e == 0)
		e = run_batch(b, records, known_size, out);
	if (e == 0)
		e = db_commit(b->db);
	if (e == 0)
		return 200;
	db_rollback(b->db);
	json_decref(*out);
	*out = NULL;
	return 503;
}

int ingest_batch(struct collector *c, struct db *db, const char *agent_id, json_t *records,
		 int64_t known_size, json_t **out, const char **code, const char **message)
{
	size_t n = json_array_size(records);
	struct batch b = {.c = c, .db = db, .now = collector_now_ms()};
	int status = 503;

	*out = NULL;
	*code = "unavailable";
	*message = "out of memory; retry later";
	b.in = calloc(n ? n : 1, sizeof(*b.in));
	/* zeroed: freed even when the transaction ends before the log is begun */
	b.log = calloc(1, sizeof(*b.log));
	store_leaf_rows_init(&b.leaves);
	store_chain_rows_init(&b.chain);
	if (b.in && b.log) {
		prevalidate(&b, records, agent_id);
		/* Under the log lock only reads wait for the database. */
		if (db_defer_writes(db, true) == 0)
			status =
			    ingest_locked(&b, records, agent_id, known_size, out, code, message);
		if (db_defer_writes(db, false) < 0 && status == 200) {
			json_decref(*out);
			*out = NULL;
			status = 503;
		}
	}
	parsed_free(b.in, n);
	db_rowbuf_free(&b.leaves);
	db_rowbuf_free(&b.chain);
	if (b.log)
		tlog_batch_free(b.log);
	free(b.log);
	return status;
}
