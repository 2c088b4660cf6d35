#include "collector/console/sync.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/level.h"
#include "common/log.h"
#include "common/util.h"

#define SYNC_BATCH 500
#define SYNC_ROUNDS 20 /* a request waits for at most this many batches */

/* A decision record's facts, pointing into its parsed payload. */
struct facts {
	const char *record_id, *ref, *host, *user, *action, *outcome, *serial, *file_name, *sha256;
	const char *first_record, *approver;
	char device[160], rule[200];
	int64_t observed_ms, last_ms, attempts;
	int level_rank;
};

static void read_facts(const json_t *p, int64_t received_ms, struct facts *f)
{
	const json_t *file = json_object_get(p, "file"), *dev = json_object_get(p, "device");
	const json_t *rule = json_object_get(p, "rule"), *content = json_object_get(p, "content");
	const char *level = wjson_str(content, "level"), *vendor, *model, *rfile;
	enum ward_level lv = WARD_LEVEL_NONE;
	int64_t line;

	memset(f, 0, sizeof(*f));
	f->record_id = wjson_str(p, "record_id");
	f->ref = wjson_str(p, "ref");
	f->host = wjson_str(p, "host");
	f->user = wjson_str(json_object_get(p, "subject"), "user");
	f->action = wjson_str(p, "action");
	f->outcome = wjson_str(p, "outcome");
	f->serial = wjson_str(dev, "serial");
	f->file_name = wjson_str(file, "name");
	if (!f->file_name)
		f->file_name = wjson_str(file, "name_hmac");
	f->sha256 = wjson_str(file, "sha256");
	f->first_record = wjson_str(p, "first_record");
	f->approver = wjson_str(json_object_get(p, "approval"), "approver");
	vendor = wjson_str(dev, "vendor");
	model = wjson_str(dev, "model");
	snprintf(f->device, sizeof(f->device), "%s%s%s", vendor ? vendor : "",
		 vendor && model ? " " : "", model ? model : "");
	rfile = wjson_str(rule, "file");
	if (rfile && wjson_int(rule, "line", &line))
		snprintf(f->rule, sizeof(f->rule), "%s:%" PRId64, rfile, line);
	else if (rfile)
		snprintf(f->rule, sizeof(f->rule), "%s", rfile);
	if (level && level_parse(level, strlen(level), &lv))
		f->level_rank = (int)lv;
	if (!rfc3339_parse_ms(wjson_str(p, "observed_at"), &f->observed_ms))
		f->observed_ms = received_ms;
	if (!rfc3339_parse_ms(wjson_str(p, "last_at"), &f->last_ms))
		f->last_ms = f->observed_ms;
	if (!wjson_int(p, "count", &f->attempts) || f->attempts < 1)
		f->attempts = 1;
}

static int insert_incident(struct db *db, int64_t leaf, const char *agent_id, int64_t seq,
			   const struct facts *f)
{
	static const char sql[] =
	    "INSERT INTO incidents (leaf_idx, agent_id, seq, record_id, ref, observed_ms, host,"
	    " username, level_rank, action, outcome, device_serial, device_name, file_name,"
	    " file_sha256, rule, attempts, last_ms, approver, updated_ms)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT DO NOTHING";
	struct db_val p[] = {DBV_INT(leaf),
			     DBV_TEXT(agent_id),
			     DBV_INT(seq),
			     DBV_TEXT(f->record_id),
			     DBV_TEXT(f->ref),
			     DBV_INT(f->observed_ms),
			     DBV_TEXT(f->host),
			     DBV_TEXT(f->user),
			     DBV_INT(f->level_rank),
			     DBV_TEXT(f->action),
			     DBV_TEXT(f->outcome),
			     DBV_TEXT(f->serial),
			     DBV_TEXT(f->device[0] ? f->device : NULL),
			     DBV_TEXT(f->file_name),
			     DBV_TEXT(f->sha256),
			     DBV_TEXT(f->rule[0] ? f->rule : NULL),
			     DBV_INT(f->attempts),
			     DBV_INT(f->last_ms),
			     DBV_TEXT(f->approver),
			     DBV_INT(f->observed_ms)};

	return db_exec(db, sql, p, ARRAY_SIZE(p), NULL);
}

/* One kept decision record: a new incident, or the repeat summary of an
 * incident already there (its count and last time). */
static int one_record(struct db *db, int64_t leaf, const char *agent_id, int64_t seq,
		      const char *raw, size_t len, int64_t received_ms)
{
	static const char repeat[] =
	    "UPDATE incidents SET attempts = ?, last_ms = ? WHERE record_id = ? AND agent_id = ?";
	struct jws j = {0};
	const char *why;
	json_t *payload;
	struct facts f;
	int64_t changes = 0;
	int e = 0;

	if (jws_parse(raw, len, &j, &why) < 0)
		return 0; /* kept as evidence, not an incident anyone can read */
	payload = wjson_parse(j.payload, j.payload_len, NULL, 0);
	if (payload) {
		read_facts(payload, received_ms, &f);
		if (f.first_record && f.attempts > 1) {
			struct db_val p[] = {DBV_INT(f.attempts), DBV_INT(f.last_ms),
					     DBV_TEXT(f.first_record), DBV_TEXT(agent_id)};

			e = db_exec(db, repeat, p, ARRAY_SIZE(p), &changes);
		}
		if (e == 0 && changes == 0)
			e = insert_incident(db, leaf, agent_id, seq, &f);
	}
	json_decref(payload);
	jws_free(&j);
	return e;
}

/* One number; 0 when there is no row. */
static int read_int(struct db *db, const char *sql, int64_t *out)
{
	struct db_rows *rows = db_query(db, sql, NULL, 0);

	*out = 0;
	if (!rows)
		return -EIO;
	if (db_next(rows) && !db_col_null(rows, 0))
		*out = db_col_int(rows, 0);
	db_rows_free(rows);
	return 0;
}

/* One batch past the watermark, in one write transaction; *done when
 * the log has nothing more. */
static int sync_batch(struct db *db, int64_t *size, bool *done)
{
	static const char get_mark[] =
	    "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'console_synced'";
	static const char leaves[] =
	    "SELECT leaf_idx, agent_id, seq, raw, received_at FROM leaves WHERE leaf_idx >= ?"
	    " AND leaf_idx < ? AND kind = 'decision' ORDER BY leaf_idx LIMIT ?";
	static const char set_mark[] =
	    "INSERT INTO meta (key, value) VALUES ('console_synced', ?) ON CONFLICT (key) DO"
	    " UPDATE SET value = excluded.value WHERE CAST(meta.value AS BIGINT) <"
	    " CAST(excluded.value AS BIGINT)";
	int64_t mark = 0, upto, last = -1, n = 0;
	struct db_rows *rows;
	char text[24];
	int e = db_begin(db, true);

	if (e == 0)
		e = read_int(db, "SELECT size FROM tlog WHERE id = 1", size);
	if (e == 0)
		e = read_int(db, get_mark, &mark);
	if (e < 0 || mark >= *size) {
		db_rollback(db);
		*done = true;
		return e;
	}
	{
		struct db_val p[] = {DBV_INT(mark), DBV_INT(*size), DBV_INT(SYNC_BATCH)};

		rows = db_query(db, leaves, p, 3);
	}
	while (e == 0 && rows && db_next(rows)) {
		size_t len;
		const char *raw = db_col_text(rows, 3, &len);

		last = db_col_int(rows, 0);
		n++;
		e = one_record(db, last, db_col_text(rows, 1, NULL), db_col_int(rows, 2), raw, len,
			       db_col_int(rows, 4));
	}
	if (!rows)
		e = -EIO;
	db_rows_free(rows);
	*done = n < SYNC_BATCH;
	upto = *done ? *size : last + 1;
	snprintf(text, sizeof(text), "%" PRId64, upto);
	if (e == 0) {
		struct db_val p[] = {DBV_TEXT(text)};

		e = db_exec(db, set_mark, p, 1, NULL);
	}
	if (e == 0)
		return db_commit(db);
	db_rollback(db);
	return e;
}

int sync_incidents(struct console *con, struct db *db)
{
	int64_t size = 0;
	bool done = false;
	int e = read_int(db, "SELECT size FROM tlog WHERE id = 1", &size);

	pthread_mutex_lock(&con->lock);
	done = e == 0 && size == con->synced_size;
	pthread_mutex_unlock(&con->lock);
	for (int i = 0; e == 0 && !done && i < SYNC_ROUNDS; i++)
		e = sync_batch(db, &size, &done);
	if (e == 0 && done) {
		pthread_mutex_lock(&con->lock);
		con->synced_size = size;
		pthread_mutex_unlock(&con->lock);
	}
	return e;
}

void sync_extras(struct collector *c)
{
	static const char trigram[] = "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
				      "CREATE INDEX IF NOT EXISTS incidents_file_name ON incidents"
				      " USING gin (file_name gin_trgm_ops)";
	struct db *db = store_acquire(c->store);

	if (db_kind(db) == DB_POSTGRES && db_exec_script(db, trigram) < 0)
		log_info("console: no trigram index for file-name search (%s)", db_error(db));
	store_release(c->store, db);
}
