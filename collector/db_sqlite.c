/* The SQLite driver: one database file in WAL mode, synchronous=FULL (an
 * acknowledged record survives a power cut, not only a crash), a busy
 * timeout instead of SQLITE_BUSY errors, and prepared statements kept per
 * connection (the collector runs the same few statements all day). */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db_driver.h"

#define STMT_CACHE 64

struct cached_stmt {
	const char *sql; /* a copy of the statement's text */
	sqlite3_stmt *stmt;
	bool busy;
};

struct sqlite_db {
	struct db base;
	sqlite3 *conn;
	pthread_mutex_t *write_lock; /* shared by the process's connections */
	bool writing;
	struct cached_stmt cache[STMT_CACHE];
};

struct sqlite_rows {
	struct db_rows base;
	struct sqlite_db *db;
	sqlite3_stmt *stmt;
	struct cached_stmt *cached; /* NULL: finalize on free */
	bool first, has_row;
};

static const struct db_driver sqlite_driver;

static void set_err(struct sqlite_db *db)
{
	snprintf(db->base.err, sizeof(db->base.err), "%s", sqlite3_errmsg(db->conn));
}

/* A prepared statement for sql: the cached one when free, else a fresh
 * one (*cached NULL) the caller finalizes; adhoc, always a fresh one. */
static sqlite3_stmt *stmt_get(struct sqlite_db *db, const char *sql, struct cached_stmt **cached,
			      bool adhoc)
{
	struct cached_stmt *slot = NULL;
	sqlite3_stmt *stmt;

	*cached = NULL;
	for (size_t i = 0; i < STMT_CACHE && !adhoc; i++) {
		struct cached_stmt *c = &db->cache[i];

		if (c->sql && (c->sql == sql || strcmp(c->sql, sql) == 0)) {
			if (c->busy)
				break;
			c->busy = true;
			*cached = c;
			return c->stmt;
		}
		if (!c->sql && !slot)
			slot = c;
	}
	if (sqlite3_prepare_v3(db->conn, sql, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, &stmt,
			       NULL) != SQLITE_OK) {
		set_err(db);
		return NULL;
	}
	if (slot && !(slot->sql = strdup(sql))) {
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (slot) {
		slot->stmt = stmt;
		slot->busy = true;
		*cached = slot;
	}
	return stmt;
}

static void stmt_put(sqlite3_stmt *stmt, struct cached_stmt *cached)
{
	if (!cached) {
		sqlite3_finalize(stmt);
		return;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	cached->busy = false;
}

static int bind_all(struct sqlite_db *db, sqlite3_stmt *stmt, const struct db_val *params, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct db_val *v = &params[i];
		int col = (int)i + 1, rc;

		switch (v->type) {
		case DB_INT:
			rc = sqlite3_bind_int64(stmt, col, v->i);
			break;
		case DB_TEXT:
			rc = sqlite3_bind_text(stmt, col, v->p, v->len ? (int)v->len : -1,
					       SQLITE_TRANSIENT);
			break;
		case DB_BLOB:
			rc = sqlite3_bind_blob(stmt, col, v->p, (int)v->len, SQLITE_TRANSIENT);
			break;
		default:
			rc = sqlite3_bind_null(stmt, col);
		}
		if (rc != SQLITE_OK) {
			set_err(db);
			return -EIO;
		}
	}
	return 0;
}

static int sqlite_exec(struct db *base, const char *sql, const struct db_val *params, size_t n,
		       int64_t *changes)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	struct cached_stmt *cached;
	sqlite3_stmt *stmt = stmt_get(db, sql, &cached, false);
	int rc, r = 0;

	if (!stmt)
		return -EIO;
	if (bind_all(db, stmt, params, n) < 0) {
		stmt_put(stmt, cached);
		return -EIO;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		set_err(db);
		r = (rc & 0xff) == SQLITE_CONSTRAINT &&
			    (sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_PRIMARYKEY ||
			     sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_UNIQUE)
			? -EEXIST
			: -EIO;
	} else if (changes) {
		*changes = sqlite3_changes64(db->conn);
	}
	stmt_put(stmt, cached);
	return r;
}

static int sqlite_exec_script(struct db *base, const char *sql)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	char *msg = NULL;

	if (sqlite3_exec(db->conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(db->base.err, sizeof(db->base.err), "%s", msg ? msg : "error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static struct db_rows *sqlite_rows_of(struct db *base, const char *sql, const struct db_val *params,
				      size_t n, bool adhoc)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	struct sqlite_rows *rows = calloc(1, sizeof(*rows));

	if (!rows)
		return NULL;
	rows->stmt = stmt_get(db, sql, &rows->cached, adhoc);
	if (!rows->stmt || bind_all(db, rows->stmt, params, n) < 0) {
		if (rows->stmt)
			stmt_put(rows->stmt, rows->cached);
		free(rows);
		return NULL;
	}
	rows->base.drv = &sqlite_driver;
	rows->db = db;
	return &rows->base;
}

static struct db_rows *sqlite_query(struct db *base, const char *sql, const struct db_val *params,
				    size_t n)
{
	return sqlite_rows_of(base, sql, params, n, false);
}

static struct db_rows *sqlite_query_adhoc(struct db *base, const char *sql,
					  const struct db_val *params, size_t n)
{
	return sqlite_rows_of(base, sql, params, n, true);
}

static bool sqlite_next(struct db_rows *base)
{
	struct sqlite_rows *rows = (struct sqlite_rows *)base;
	int rc = sqlite3_step(rows->stmt);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		set_err(rows->db);
	rows->has_row = rc == SQLITE_ROW;
	return rows->has_row;
}

static bool sqlite_col_null(struct db_rows *base, int col)
{
	struct sqlite_rows *rows = (struct sqlite_rows *)base;

	return sqlite3_column_type(rows->stmt, col) == SQLITE_NULL;
}

static const char *sqlite_col_text(struct db_rows *base, int col, size_t *len)
{
	struct sqlite_rows *rows = (struct sqlite_rows *)base;
	const unsigned char *t = sqlite3_column_text(rows->stmt, col);

	if (len)
		*len = t ? (size_t)sqlite3_column_bytes(rows->stmt, col) : 0;
	return t ? (const char *)t : "";
}

static ssize_t sqlite_col_blob(struct db_rows *base, int col, void *out, size_t size)
{
	struct sqlite_rows *rows = (struct sqlite_rows *)base;
	const void *b = sqlite3_column_blob(rows->stmt, col);
	int n = sqlite3_column_bytes(rows->stmt, col);

	if (sqlite3_column_type(rows->stmt, col) != SQLITE_BLOB || n < 0 || (size_t)n > size)
		return -1;
	memcpy(out, b, (size_t)n);
	return n;
}

static void sqlite_rows_free(struct db_rows *base)
{
	struct sqlite_rows *rows = (struct sqlite_rows *)base;

	stmt_put(rows->stmt, rows->cached);
	free(rows);
}

static int sqlite_begin(struct db *base, bool write)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	int r;

	if (write && db->write_lock) {
		pthread_mutex_lock(db->write_lock);
		db->writing = true;
	}
	r = sqlite_exec_script(base, write ? "BEGIN IMMEDIATE" : "BEGIN");
	if (r < 0 && db->writing) {
		db->writing = false;
		pthread_mutex_unlock(db->write_lock);
	}
	return r;
}

static int sqlite_end(struct db *base, bool commit)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	int r = sqlite_exec_script(base, commit ? "COMMIT" : "ROLLBACK");

	/* A failed COMMIT leaves the transaction open: roll it back. */
	if (r < 0 && commit)
		sqlite_exec_script(base, "ROLLBACK");
	if (db->writing) {
		db->writing = false;
		pthread_mutex_unlock(db->write_lock);
	}
	return r;
}

void db_sqlite_share_write_lock(struct db *base, void *mutex)
{
	((struct sqlite_db *)base)->write_lock = mutex;
}

/* BEGIN IMMEDIATE already holds the database's one write lock. */
static int sqlite_lock_log(struct db *db)
{
	(void)db;
	return 0;
}

/* In-process: a statement costs no round trip to defer. */
static int sqlite_defer(struct db *db, bool on)
{
	(void)db;
	(void)on;
	return 0;
}

static void sqlite_close(struct db *base)
{
	struct sqlite_db *db = (struct sqlite_db *)base;

	for (size_t i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(db->cache[i].stmt);
		free((char *)db->cache[i].sql);
	}
	sqlite3_close(db->conn);
	free(db);
}

static const struct db_driver sqlite_driver = {
    .close = sqlite_close,
    .exec_script = sqlite_exec_script,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .query_adhoc = sqlite_query_adhoc,
    .next = sqlite_next,
    .col_null = sqlite_col_null,
    .col_text = sqlite_col_text,
    .col_blob = sqlite_col_blob,
    .rows_free = sqlite_rows_free,
    .begin = sqlite_begin,
    .end = sqlite_end,
    .lock_log = sqlite_lock_log,
    .defer = sqlite_defer,
};

struct db *db_sqlite_open(const char *path, char *err, size_t errsize)
{
	struct sqlite_db *db = calloc(1, sizeof(*db));

	if (!db) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	db->base.drv = &sqlite_driver;
	db->base.kind = DB_SQLITE;
	if (sqlite3_open_v2(path, &db->conn,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db->conn, 30000) != SQLITE_OK ||
	    sqlite_exec_script(&db->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
					  "PRAGMA foreign_keys=ON;") < 0) {
		snprintf(err, errsize, "%s: %s", path,
			 db->conn ? sqlite3_errmsg(db->conn) : "cannot open");
		sqlite_close(&db->base);
		return NULL;
	}
	return &db->base;
}
