/* The agent listener's handlers (protocol §3): enrollment, record
 * batches, heartbeats.  Every error is {"error","message"} with nothing
 * stored. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/collector.h"
#include "collector/console/console.h"
#include "collector/http.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/log.h"
#include "common/util.h"

int64_t collector_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int collector_log_key(struct collector *c, const char *state_dir, const char *origin)
{
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/checkpoint.key", state_dir);
	r = ed25519_load_private_pem(path, &c->log.key);
	if (r == -ENOENT) {
		r = ed25519_generate(&c->log.key);
		if (r == 0)
			r = ed25519_create_private_pem(&c->log.key, path);
		if (r == -EEXIST) {
			/* An admin command and the service started together:
			 * the first key written is the log's. */
			ed25519_free(&c->log.key);
			r = ed25519_load_private_pem(path, &c->log.key);
		}
	}
	if (r < 0)
		return r;
	str_copy(c->log.origin, sizeof(c->log.origin), origin);
	str_copy(c->log.name, sizeof(c->log.name), origin);
	r = note_verifier_init(&c->log.verifier, c->log.name, c->log.key.pub);
	if (r == 0)
		r = note_verifier_key(&c->log.verifier, c->vkey, sizeof(c->vkey));
	return r;
}

int receipt_tail(struct tlog_batch *b, const char *note, int64_t known_size, json_t *obj)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t count = 0;

	json_object_set_new(obj, "checkpoint", note ? json_string(note) : json_null());
	if (known_size > 0 && (uint64_t)known_size <= b->size &&
	    tlog_consistency(b, (uint64_t)known_size, b->size, proof, &count) < 0)
		return -EIO;
	json_object_set_new(obj, "consistency", wjson_hash_array(proof, count));
	return 0;
}

/* The JSON body as an object, or a 400 reply. */
static json_t *body_object(const struct http_request *req, struct http_reply *reply)
{
	char why[160];
	json_t *v = wjson_parse(req->body, req->body_len, why, sizeof(why));

	if (!json_is_object(v)) {
		json_decref(v);
		http_error(reply, 400, "malformed", "the body is not a JSON object");
		return NULL;
	}
	return v;
}

void api_records(void *ctx, const struct http_request *req, struct http_reply *reply)
{
	struct collector *c = ctx;
	json_t *body = body_object(req, reply), *records, *out = NULL;
	const char *code = NULL, *message = NULL;
	int64_t known = 0;
	struct db *db;
	int status;

	if (!body)
		return;
	records = json_object_get(body, "records");
	if (!json_is_array(records) || (json_object_get(body, "known_size") &&
					(!wjson_int(body, "known_size", &known) || known < 0))) {
		json_decref(body);
		http_error(reply, 400, "malformed", "records must be an array, known_size a count");
		return;
	}
	if (json_array_size(records) > MAX_BATCH_RECORDS) {
		json_decref(body);
		http_error(reply, 413, "batch-too-large", "at most 500 records per batch");
		return;
	}
	db = store_acquire(c->store);
	status = ingest_batch(c, db, req->peer_cn, records, known, &out, &code, &message);
	store_release(c->store, db);
	json_decref(body);
	if (status == 200)
		http_json(reply, 200, out);
	else
		http_error(reply, status, code, message);
}

int receipt_latest(struct collector *c, struct db *db, int64_t known, json_t *obj)
{
	struct tlog_batch *b = malloc(sizeof(*b));
	char *note = NULL;
	int e = b ? tlog_latest(b, db, &note) : -ENOMEM;

	(void)c;
	if (e == 0)
		e = receipt_tail(b, note, known, obj);
	if (b)
		tlog_batch_free(b);
	free(note);
	free(b);
	return e;
}

struct heartbeat {
	int64_t head_seq, backlog;
	const char *head_hash, *boot_id, *observed_at, *policy_version;
};

/* The contradictions protocol §3.3 names: a head hash other than the
 * kept record's, a chain shorter than an earlier heartbeat said, or a
 * kept record past the claimed head that was observed before it. */
static int heartbeat_checks(struct db *db, const struct agent *a, const struct heartbeat *hb,
			    int64_t now)
{
	static const char later[] = "SELECT seq FROM leaves WHERE agent_id = ? AND seq > ?"
				    " AND observed_at < ? LIMIT 1";
	struct db_val p[] = {DBV_TEXT(a->chain.agent_id), DBV_INT(hb->head_seq),
			     DBV_TEXT(hb->observed_at)};
	struct chain_row row;
	struct db_rows *rows;
	char why[200];
	int e = 0;

	if (hb->head_seq > 0 && store_chain_get(db, a->chain.agent_id, hb->head_seq, &row) == 0 &&
	    strcmp(row.hash, hb->head_hash) != 0) {
		snprintf(why, sizeof(why), "heartbeat head hash differs from kept seq %" PRId64,
			 hb->head_seq);
		e = store_alert(db, now, a->chain.agent_id, "contradiction", hb->head_seq, why, -1);
	}
	if (e == 0 && a->hb_head_seq > hb->head_seq) {
		snprintf(why, sizeof(why),
			 "heartbeat head %" PRId64 " is behind an earlier heartbeat's %" PRId64,
			 hb->head_seq, a->hb_head_seq);
		e = store_alert(db, now, a->chain.agent_id, "contradiction", hb->head_seq, why, -1);
	}
	rows = e == 0 ? db_query(db, later, p, 3) : NULL;
	if (e == 0 && !rows)
		return -EIO;
	if (rows && db_next(rows)) {
		snprintf(why, sizeof(why),
			 "heartbeat claims head %" PRId64 " but seq %" PRId64
			 " was observed before it",
			 hb->head_seq, db_col_int(rows, 0));
		e = store_alert(db, now, a->chain.agent_id, "contradiction", hb->head_seq, why, -1);
	}
	db_rows_free(rows);
	return e;
}

/* Parses and verifies a heartbeat JWS with the agent's identity key. */
static const char *heartbeat_parse(const struct agent *a, const char *text, struct jws *j,
				   json_t **payload, struct heartbeat *hb)
{
	struct ed25519_key key;
	const char *why = NULL, *id;
	char kid[JWS_KID_MAX];
	bool ok;

	*payload = NULL;
	if (jws_parse(text, strlen(text), j, &why) < 0)
		return why;
	snprintf(kid, sizeof(kid), "%s/id", a->chain.agent_id);
	if (strcmp(j->kid, kid) != 0 || ed25519_from_public(a->identity, &key) < 0)
		return "kid is not the agent's identity key";
	ok = jws_verify(j, &key);
	ed25519_free(&key);
	if (!ok)
		return "the signature does not verify with the agent's identity key";
	*payload = wjson_parse(j->payload, j->payload_len, NULL, 0);
	id = wjson_str(*payload, "agent_id");
	hb->head_hash = wjson_str(*payload, "head_hash");
	hb->boot_id = wjson_str(*payload, "boot_id");
	hb->observed_at = wjson_str(*payload, "observed_at");
	hb->policy_version = wjson_str(*payload, "policy_version");
	if (!id || strcmp(id, a->chain.agent_id) != 0 ||
	    !wjson_int(*payload, "head_seq", &hb->head_seq) || !hb->head_hash || !hb->observed_at ||
	    hb->head_seq < 0)
		return "payload lacks agent_id, head_seq, head_hash or observed_at";
	if (!wjson_int(*payload, "backlog", &hb->backlog))
		hb->backlog = 0;
	return NULL;
}

static int heartbeat_store(struct collector *c, struct db *db, const struct agent *a,
			   const struct heartbeat *hb, int64_t known, json_t *out)
{
	int64_t now = collector_now_ms();
	int e = db_begin(db, true);

	if (e == 0)
		e = heartbeat_checks(db, a, hb, now);
	if (e == 0)
		e = store_agent_set_heartbeat(db, a->chain.agent_id, now, hb->boot_id, hb->head_seq,
					      hb->backlog, hb->policy_version);
	if (e == 0)
		e = console_approvals_deliver(db, a->chain.agent_id, now, out);
	if (e == 0)
		e = db_commit(db);
	else
		db_rollback(db);
	if (e == 0)
		e = receipt_latest(c, db, known, out);
	return e;
}

void api_heartbeat(void *ctx, const struct http_request *req, struct http_reply *reply)
{
	struct collector *c = ctx;
	json_t *body = body_object(req, reply), *payload = NULL, *out;
	const char *text, *why;
	struct heartbeat hb = {0};
	struct agent a;
	struct jws j = {0};
	int64_t known = 0;
	struct db *db;
	int e;

	if (!body)
		return;
	text = wjson_str(body, "heartbeat");
	wjson_int(body, "known_size", &known);
	db = store_acquire(c->store);
	e = store_agent_get(db, req->peer_cn, &a);
	if (e < 0 || a.revoked_at || !text) {
		http_error(reply,
			   e == -EIO ? 503
			   : text    ? 403
				     : 400,
			   e == -EIO ? "unavailable"
			   : text    ? "unknown-agent"
				     : "malformed",
			   e == -EIO ? "the database is unavailable"
			   : text    ? "no enrolled, unrevoked agent has this certificate's id"
				     : "heartbeat missing");
	} else if ((why = heartbeat_parse(&a, text, &j, &payload, &hb))) {
		http_error(reply, 400, "rejected", why);
	} else {
		out = json_pack("{sI}", "contiguous_seq", (json_int_t)a.chain.head.seq);
		if (heartbeat_store(c, db, &a, &hb, known, out) == 0)
			http_json(reply, 200, out);
		else {
			json_decref(out);
			http_error(reply, 503, "unavailable", "the heartbeat could not be stored");
		}
	}
	store_release(c->store, db);
	json_decref(payload);
	jws_free(&j);
	json_decref(body);
}

int collector_dark_sweep(struct collector *c)
{
	static const char find[] = "SELECT agent_id FROM agents WHERE revoked_at IS NULL AND"
				   " dark_since IS NULL AND last_seen < ?";
	static const char mark[] = "UPDATE agents SET dark_since = ? WHERE agent_id = ?";
	int64_t now = collector_now_ms();
	struct db_val p[] = {DBV_INT(now - c->dark_after_ms)};
	struct db *db = store_acquire(c->store);
	struct db_rows *rows;
	int e = db_begin(db, true);

	rows = e == 0 ? db_query(db, find, p, 1) : NULL;
	while (rows && db_next(rows)) {
		char id[AGENT_ID_CHARS + 1];
		struct db_val m[] = {DBV_INT(now), DBV_TEXT(id)};

		str_copy(id, sizeof(id), db_col_text(rows, 0, NULL));
		e = db_exec(db, mark, m, 2, NULL);
		if (e == 0)
			e = store_alert(db, now, id, "dark", 0, "no contact past the threshold",
					-1);
		if (e == 0)
			log_warnx("agent %s is dark (no contact for %" PRId64 " s)", id,
				  c->dark_after_ms / 1000);
	}
	db_rows_free(rows);
	if (e == 0 && rows)
		e = db_commit(db);
	else
		db_rollback(db);
	store_release(c->store, db);
	return rows ? e : -EIO;
}
