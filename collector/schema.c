/* The collector's tables, one schema in two dialects.
 *
 *   leaves       the log: every kept record (and, later, every reviewer
 *                action) by leaf index, the exact signed bytes beside the
 *                parsed fields the console filters on.  Append-only
 *                (triggers refuse UPDATE and DELETE).  PostgreSQL
 *                partitions it by month of received_at, so its primary
 *                key carries received_at.
 *   chain        one row per (agent, seq): the uniqueness the partitioned
 *                table cannot hold, the first version's leaf and hash, and
 *                its verification status (stored, held, invalid).
 *   nodes        every perfect Merkle subtree hash (RFC 6962), append-only.
 *   tlog         the tree size (one row); checkpoints: every signed one.
 *   agents, tokens, alerts.
 *   The review console's own tables: collector/console/schema.c. */
#include "collector/schema.h"

#include "collector/console/console.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static const char SQLITE_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS agents (agent_id TEXT PRIMARY KEY, identity_key BLOB NOT NULL,"
    " ratchet_key1 BLOB NOT NULL, ratchet_key BLOB NOT NULL, ratchet_index INTEGER NOT NULL, head_seq INTEGER NOT NULL,"
    " head_hash TEXT NOT NULL, hostname TEXT, machine_id TEXT, os TEXT, version TEXT,"
    " cert_serial TEXT, enrolled_at INTEGER NOT NULL, revoked_at INTEGER, last_seen INTEGER,"
    " hb_at INTEGER, hb_boot_id TEXT, hb_head_seq INTEGER, hb_backlog INTEGER,"
    " policy_version TEXT, dark_since INTEGER);"
    "CREATE TABLE IF NOT EXISTS tokens (token_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL, used_at INTEGER, agent_id TEXT, label TEXT);"
    "CREATE TABLE IF NOT EXISTS leaves (leaf_idx INTEGER NOT NULL, received_at INTEGER NOT NULL,"
    " agent_id TEXT, seq INTEGER, kind TEXT, raw TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " observed_at TEXT, host TEXT, username TEXT, level TEXT, action TEXT, outcome TEXT,"
    " device_serial TEXT, file_name TEXT, file_sha256 TEXT, ref TEXT, rule TEXT,"
    " PRIMARY KEY (leaf_idx, received_at));"
    "CREATE TABLE IF NOT EXISTS chain (agent_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " leaf_idx INTEGER NOT NULL, status TEXT NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY (agent_id, seq));"
    "CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL, PRIMARY KEY (level, idx));"
    "CREATE TABLE IF NOT EXISTS tlog (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);"
    "INSERT INTO tlog (id, size) VALUES (1, 0) ON CONFLICT DO NOTHING;"
    "CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL,"
    " agent_id TEXT, kind TEXT NOT NULL, seq INTEGER, detail TEXT, leaf_idx INTEGER);"
    "CREATE INDEX IF NOT EXISTS leaves_agent_seq ON leaves (agent_id, seq);"
    "CREATE INDEX IF NOT EXISTS leaves_observed ON leaves (observed_at);"
    "CREATE INDEX IF NOT EXISTS leaves_ref ON leaves (ref);"
    "CREATE INDEX IF NOT EXISTS leaves_file_sha256 ON leaves (file_sha256);"
    "CREATE INDEX IF NOT EXISTS alerts_agent ON alerts (agent_id, created_at);"
    "CREATE TRIGGER IF NOT EXISTS leaves_no_update BEFORE UPDATE ON leaves"
    " BEGIN SELECT RAISE(ABORT, 'leaves are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS leaves_no_delete BEFORE DELETE ON leaves"
    " BEGIN SELECT RAISE(ABORT, 'leaves are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS nodes_no_update BEFORE UPDATE ON nodes"
    " BEGIN SELECT RAISE(ABORT, 'nodes are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS nodes_no_delete BEFORE DELETE ON nodes"
    " BEGIN SELECT RAISE(ABORT, 'nodes are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;";

static const char PG_SCHEMA[] =
    "SELECT pg_advisory_xact_lock(1463898693);"
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS agents (agent_id TEXT PRIMARY KEY, identity_key BYTEA NOT NULL,"
    " ratchet_key1 BYTEA NOT NULL, ratchet_key BYTEA NOT NULL, ratchet_index BIGINT NOT NULL, head_seq BIGINT NOT NULL,"
    " head_hash TEXT NOT NULL, hostname TEXT, machine_id TEXT, os TEXT, version TEXT,"
    " cert_serial TEXT, enrolled_at BIGINT NOT NULL, revoked_at BIGINT, last_seen BIGINT,"
    " hb_at BIGINT, hb_boot_id TEXT, hb_head_seq BIGINT, hb_backlog BIGINT,"
    " policy_version TEXT, dark_since BIGINT);"
    "CREATE TABLE IF NOT EXISTS tokens (token_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL, used_at BIGINT, agent_id TEXT, label TEXT);"
    "CREATE TABLE IF NOT EXISTS leaves (leaf_idx BIGINT NOT NULL, received_at BIGINT NOT NULL,"
    " agent_id TEXT, seq BIGINT, kind TEXT, raw TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " observed_at TEXT, host TEXT, username TEXT, level TEXT, action TEXT, outcome TEXT,"
    " device_serial TEXT, file_name TEXT, file_sha256 TEXT, ref TEXT, rule TEXT,"
    " PRIMARY KEY (leaf_idx, received_at)) PARTITION BY RANGE (received_at);"
    "CREATE TABLE IF NOT EXISTS leaves_default PARTITION OF leaves DEFAULT;"
    "CREATE TABLE IF NOT EXISTS chain (agent_id TEXT NOT NULL, seq BIGINT NOT NULL,"
    " leaf_idx BIGINT NOT NULL, status TEXT NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY (agent_id, seq));"
    "CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL,"
    " hash BYTEA NOT NULL, PRIMARY KEY (level, idx));"
    "CREATE TABLE IF NOT EXISTS tlog (id INTEGER PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL);"
    "INSERT INTO tlog (id, size) VALUES (1, 0) ON CONFLICT DO NOTHING;"
    "CREATE TABLE IF NOT EXISTS checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL,"
    " created_at BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alerts (id BIGSERIAL PRIMARY KEY, created_at BIGINT NOT NULL,"
    " agent_id TEXT, kind TEXT NOT NULL, seq BIGINT, detail TEXT, leaf_idx BIGINT);"
    "CREATE INDEX IF NOT EXISTS leaves_agent_seq ON leaves (agent_id, seq);"
    "CREATE INDEX IF NOT EXISTS leaves_observed ON leaves (observed_at);"
    "CREATE INDEX IF NOT EXISTS leaves_ref ON leaves (ref);"
    "CREATE INDEX IF NOT EXISTS leaves_file_sha256 ON leaves (file_sha256);"
    "CREATE INDEX IF NOT EXISTS alerts_agent ON alerts (agent_id, created_at);"
    "CREATE OR REPLACE FUNCTION ward_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END$$;"
    "CREATE OR REPLACE TRIGGER leaves_append_only BEFORE UPDATE OR DELETE ON leaves"
    " FOR EACH ROW EXECUTE FUNCTION ward_append_only();"
    "CREATE OR REPLACE TRIGGER nodes_append_only BEFORE UPDATE OR DELETE ON nodes"
    " FOR EACH ROW EXECUTE FUNCTION ward_append_only();"
    "CREATE OR REPLACE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints"
    " FOR EACH ROW EXECUTE FUNCTION ward_append_only();";

/* Milliseconds since the epoch of the first day of month m (0-11) of
 * year y, UTC. */
static int64_t month_start_ms(int y, int m)
{
	struct tm tm = {.tm_year = y - 1900 + m / 12, .tm_mon = m % 12, .tm_mday = 1};

	return (int64_t)timegm(&tm) * 1000;
}

/* This month's and the next two months' partitions of leaves, so ingest
 * never waits on DDL; rows of other months land in leaves_default. */
static int pg_partitions(struct db *db, int64_t now_ms)
{
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	char sql[512];

	gmtime_r(&now, &tm);
	for (int k = 0; k < 3; k++) {
		int y = tm.tm_year + 1900, m = tm.tm_mon + k;
		int64_t from = month_start_ms(y, m), to = month_start_ms(y, m + 1);

		/* Only numbers computed here enter this DDL (no parameters in DDL). */
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE IF NOT EXISTS leaves_%04d%02d PARTITION OF leaves"
			 " FOR VALUES FROM (%lld) TO (%lld)",
			 y + m / 12, m % 12 + 1, (long long)from, (long long)to);
		if (db_exec_script(db, sql) < 0)
			return -EIO;
	}
	return 0;
}

int schema_migrate(struct db *db, int64_t now_ms)
{
	int r;

	if (db_kind(db) == DB_SQLITE) {
		r = db_exec_script(db, SQLITE_SCHEMA);
		return r < 0 ? r : console_schema(db);
	}
	r = db_begin(db, true);
	if (r == 0)
		r = db_exec_script(db, PG_SCHEMA);
	if (r == 0)
		r = pg_partitions(db, now_ms);
	if (r == 0)
		r = console_schema(db);
	if (r == 0)
		return db_commit(db);
	db_rollback(db);
	return r;
}
