/* The console's tables, one schema in two dialects, created with the
 * collector's (collector/schema.c calls console_schema).
 *
 *   users           local accounts: Argon2id password hash, role, lockout,
 *                   a supervisor's Ed25519 signing key sealed under their
 *                   password (crypto_pwhash + crypto_secretbox)
 *   sessions        signed-in browsers: the SHA-256 of the cookie's id,
 *                   the CSRF token, idle and absolute expiry
 *   incidents       one row per decision record (the leaf it is), its
 *                   facts copied for filtering and the review's state; the
 *                   record itself stays in leaves
 *   review_actions  every reviewer action: the collector leaf it is, by
 *                   incident (the leaf is the evidence; this is its index)
 *   approvals       approval tokens issued, revoked, first delivered
 *   desks           a department per agent (set by administrators)
 *   periods         named periods (春節加強期) the filters offer
 *
 * The list filters are served by one index per filter, each ending in the
 * time the list is sorted by (tests/bench/console-plans.txt), and the
 * count of a list filtered by level, state and action together by one
 * index of the three: without it PostgreSQL counts the top-secret closed
 * incidents by ANDing a bitmap of the 20,000 top-secret ones with one of
 * all 200,000 closed ones (120-220 ms of a million; 2 ms with it). */
#include "collector/console/console.h"

#include <stdio.h>

static const char SQLITE_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, display TEXT NOT NULL,"
    " role TEXT NOT NULL, pw_hash TEXT NOT NULL, must_change INTEGER NOT NULL,"
    " failed INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
    " key_pub BLOB, key_salt BLOB, key_nonce BLOB, key_box BLOB);"
    "CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, username TEXT NOT NULL,"
    " csrf TEXT NOT NULL, created_ms INTEGER NOT NULL, seen_ms INTEGER NOT NULL,"
    " addr TEXT);"
    "CREATE TABLE IF NOT EXISTS incidents (leaf_idx INTEGER PRIMARY KEY, agent_id TEXT,"
    " seq INTEGER, record_id TEXT, ref TEXT, observed_ms INTEGER NOT NULL, host TEXT,"
    " username TEXT, level_rank INTEGER NOT NULL, action TEXT, outcome TEXT,"
    " device_serial TEXT, device_name TEXT, file_name TEXT, file_sha256 TEXT, rule TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 1, last_ms INTEGER, approver TEXT,"
    " state TEXT NOT NULL DEFAULT 'new', resolution TEXT, assignee TEXT, updated_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS review_actions (leaf_idx INTEGER PRIMARY KEY,"
    " incident INTEGER NOT NULL, created_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, payload TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS approvals (id TEXT PRIMARY KEY, incident INTEGER NOT NULL,"
    " agent_id TEXT NOT NULL, approver TEXT NOT NULL, approver_display TEXT NOT NULL,"
    " username TEXT NOT NULL, device_serial TEXT, file_sha256 TEXT, level_max INTEGER,"
    " from_ms INTEGER NOT NULL, until_ms INTEGER NOT NULL, reason TEXT NOT NULL,"
    " token TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " revoked_ms INTEGER, revoked_by TEXT, delivered_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS desks (agent_id TEXT PRIMARY KEY, department TEXT);"
    "CREATE TABLE IF NOT EXISTS periods (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " from_day TEXT NOT NULL, to_day TEXT NOT NULL);";

static const char PG_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, display TEXT NOT NULL,"
    " role TEXT NOT NULL, pw_hash TEXT NOT NULL, must_change INTEGER NOT NULL,"
    " failed INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL,"
    " key_pub BYTEA, key_salt BYTEA, key_nonce BYTEA, key_box BYTEA);"
    "CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, username TEXT NOT NULL,"
    " csrf TEXT NOT NULL, created_ms BIGINT NOT NULL, seen_ms BIGINT NOT NULL, addr TEXT);"
    "CREATE TABLE IF NOT EXISTS incidents (leaf_idx BIGINT PRIMARY KEY, agent_id TEXT,"
    " seq BIGINT, record_id TEXT, ref TEXT, observed_ms BIGINT NOT NULL, host TEXT,"
    " username TEXT, level_rank INTEGER NOT NULL, action TEXT, outcome TEXT,"
    " device_serial TEXT, device_name TEXT, file_name TEXT, file_sha256 TEXT, rule TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 1, last_ms BIGINT, approver TEXT,"
    " state TEXT NOT NULL DEFAULT 'new', resolution TEXT, assignee TEXT, updated_ms BIGINT);"
    "CREATE TABLE IF NOT EXISTS review_actions (leaf_idx BIGINT PRIMARY KEY,"
    " incident BIGINT NOT NULL, created_ms BIGINT NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, payload TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS approvals (id TEXT PRIMARY KEY, incident BIGINT NOT NULL,"
    " agent_id TEXT NOT NULL, approver TEXT NOT NULL, approver_display TEXT NOT NULL,"
    " username TEXT NOT NULL, device_serial TEXT, file_sha256 TEXT, level_max INTEGER,"
    " from_ms BIGINT NOT NULL, until_ms BIGINT NOT NULL, reason TEXT NOT NULL,"
    " token TEXT NOT NULL, created_ms BIGINT NOT NULL,"
    " revoked_ms BIGINT, revoked_by TEXT, delivered_ms BIGINT);"
    "CREATE TABLE IF NOT EXISTS desks (agent_id TEXT PRIMARY KEY, department TEXT);"
    "CREATE TABLE IF NOT EXISTS periods (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " from_day TEXT NOT NULL, to_day TEXT NOT NULL);";

/* The same indexes in both dialects. */
static const char INDEXES[] =
    "CREATE INDEX IF NOT EXISTS incidents_time ON incidents (observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_state ON incidents (state, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_level ON incidents (level_rank, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_action ON incidents (action, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_level_state ON incidents (level_rank, state, action);"
    "CREATE INDEX IF NOT EXISTS incidents_host ON incidents (host, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_user ON incidents (username, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_device ON incidents (device_serial, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_agent ON incidents (agent_id, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_assignee ON incidents (assignee, observed_ms, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS incidents_sha256 ON incidents (file_sha256);"
    "CREATE INDEX IF NOT EXISTS incidents_ref ON incidents (ref);"
    "CREATE INDEX IF NOT EXISTS incidents_record ON incidents (record_id);"
    "CREATE INDEX IF NOT EXISTS review_actions_incident ON review_actions (incident, leaf_idx);"
    "CREATE INDEX IF NOT EXISTS approvals_agent ON approvals (agent_id, until_ms);"
    "CREATE INDEX IF NOT EXISTS approvals_incident ON approvals (incident);"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);";

int console_schema(struct db *db)
{
	int r = db_exec_script(db, db_kind(db) == DB_SQLITE ? SQLITE_SCHEMA : PG_SCHEMA);

	return r < 0 ? r : db_exec_script(db, INDEXES);
}
