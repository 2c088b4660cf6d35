/* The PostgreSQL driver (libpq): '?' placeholders numbered to $n, each
 * statement prepared once per connection, blobs sent binary and read
 * back from bytea's hex form, the log's advisory lock, and deferred
 * writes sent in pipeline mode.  The pipeline is small (a batch's few
 * dozen statements with one-line answers), so a blocking connection
 * cannot fill the server's output and stall. */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db_driver.h"
#include "common/util.h"

#define STMT_CACHE 96
#define MAX_PARAMS 1024
/* pg_advisory_xact_lock's key for appends to the Merkle log ("WARD"). */
#define LOG_LOCK_KEY "1463898692"

struct prepared {
	const char *sql;
	char name[16];
};

struct pg_db {
	struct db base;
	PGconn *conn;
	struct prepared cache[STMT_CACHE];
	unsigned prepared;
	bool defer; /* db_defer_writes: writes go into the pipeline */
	bool piped; /* in pipeline mode with answers not read yet */
};

struct pg_rows {
	struct db_rows base;
	PGresult *res;
	int row, nrows;
};

static const struct db_driver pg_driver;

static void set_err(struct pg_db *db, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);

	snprintf(db->base.err, sizeof(db->base.err), "%s", msg && *msg ? msg : "error");
	db->base.err[strcspn(db->base.err, "\n")] = '\0';
}

/* The error of a failed result: -EEXIST for a unique violation. */
static int error_of(struct pg_db *db, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	set_err(db, res);
	return state && strcmp(state, "23505") == 0 ? -EEXIST : -EIO;
}

/* Reads the answers of everything sent in pipeline mode and leaves it:
 * 0 or the first error.  Each statement's answers end with a NULL, the
 * whole with PGRES_PIPELINE_SYNC; two NULLs in a row mean the
 * connection is gone. */
static int pipe_sync(struct pg_db *db)
{
	int r = 0, nulls = 0;

	if (!db->piped)
		return 0;
	db->piped = false;
	if (PQpipelineSync(db->conn) != 1)
		r = error_of(db, NULL);
	for (;;) {
		PGresult *res = PQgetResult(db->conn);
		ExecStatusType st;

		if (!res) {
			if (++nulls == 2) {
				r = r ? r : error_of(db, NULL);
				break;
			}
			continue;
		}
		nulls = 0;
		st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (r == 0 && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			r = st == PGRES_PIPELINE_ABORTED ? -EIO : error_of(db, res);
		PQclear(res);
	}
	if (PQexitPipelineMode(db->conn) != 1 && r == 0)
		r = error_of(db, NULL);
	return r;
}

/* sql with each '?' replaced by $1, $2, ... (heap). */
static char *number_params(const char *sql)
{
	size_t len = strlen(sql), extra = 0;
	char *out, *o;
	int n = 0;

	for (const char *p = sql; *p; p++)
		extra += *p == '?' ? 3 : 0;
	out = malloc(len + extra + 1);
	if (!out)
		return NULL;
	for (o = out; *sql; sql++) {
		if (*sql == '?')
			o += sprintf(o, "$%d", ++n);
		else
			*o++ = *sql;
	}
	*o = '\0';
	return out;
}

/* The name of sql's prepared statement on this connection, or NULL. */
static const char *prepared_name(const struct pg_db *db, const char *sql)
{
	for (unsigned i = 0; i < db->prepared; i++)
		if (db->cache[i].sql == sql || strcmp(db->cache[i].sql, sql) == 0)
			return db->cache[i].name;
	return NULL;
}

/* The name of sql's prepared statement on this connection, preparing it
 * the first time (after the pipeline's answers: PQprepare waits). */
static const char *statement(struct pg_db *db, const char *sql)
{
	const char *name = prepared_name(db, sql);
	struct prepared *p;
	PGresult *res;
	char *text;
	bool ok;

	if (name)
		return name;
	if (pipe_sync(db) < 0)
		return NULL;
	if (db->prepared == STMT_CACHE) {
		snprintf(db->base.err, sizeof(db->base.err), "too many distinct statements");
		return NULL;
	}
	p = &db->cache[db->prepared];
	snprintf(p->name, sizeof(p->name), "w%u", db->prepared);
	text = number_params(sql);
	if (!text)
		return NULL;
	res = PQprepare(db->conn, p->name, text, 0, NULL);
	free(text);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		set_err(db, res);
	PQclear(res);
	if (!ok)
		return NULL;
	p->sql = strdup(sql);
	if (!p->sql)
		return NULL;
	db->prepared++;
	return p->name;
}

/* Parameters in libpq's form: integers as text, blobs and sized text
 * binary. */
struct params {
	const char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS], formats[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
};

static void bind_params(struct params *b, const struct db_val *params, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct db_val *v = &params[i];

		b->lengths[i] = 0;
		b->formats[i] = 0;
		switch (v->type) {
		case DB_INT:
			snprintf(b->ints[i], sizeof(b->ints[i]), "%" PRId64, v->i);
			b->values[i] = b->ints[i];
			break;
		case DB_TEXT:
			b->values[i] = v->p;
			if (v->len) {
				/* Text parameters are NUL-terminated for libpq. */
				b->formats[i] = 1;
				b->lengths[i] = (int)v->len;
			}
			break;
		case DB_BLOB:
			b->values[i] = v->p;
			b->lengths[i] = (int)v->len;
			b->formats[i] = 1;
			break;
		default:
			b->values[i] = NULL;
		}
	}
}

/* Runs sql with params, prepared once (or, adhoc, unnamed: planned with
 * these values); NULL (error set) on failure.  Deferred writes are
 * waited for first: their error is this statement's. */
static PGresult *run(struct pg_db *db, const char *sql, const struct db_val *params, size_t n,
		     bool adhoc)
{
	struct params b;
	const char *name;
	PGresult *res;
	char *text;

	if (pipe_sync(db) < 0)
		return NULL;
	name = adhoc ? "" : statement(db, sql);
	if (!name || n > MAX_PARAMS)
		return NULL;
	bind_params(&b, params, n);
	if (!adhoc)
		return PQexecPrepared(db->conn, name, (int)n, b.values, b.lengths, b.formats, 0);
	text = number_params(sql);
	if (!text)
		return NULL;
	res = PQexecParams(db->conn, text, (int)n, NULL, b.values, b.lengths, b.formats, 0);
	free(text);
	return res;
}

static int pipe_enter(struct pg_db *db)
{
	if (!db->piped && PQenterPipelineMode(db->conn) != 1)
		return error_of(db, NULL);
	db->piped = true;
	return 0;
}

/* Sends a deferred write into the pipeline without waiting for it. */
static int pipe_send(struct pg_db *db, const char *sql, const struct db_val *params, size_t n)
{
	const char *name = statement(db, sql);
	struct params b;

	if (!name || n > MAX_PARAMS)
		return -EIO;
	bind_params(&b, params, n);
	if (pipe_enter(db) < 0)
		return -EIO;
	if (PQsendQueryPrepared(db->conn, name, (int)n, b.values, b.lengths, b.formats, 0) != 1)
		return error_of(db, NULL);
	return 0;
}

/* The same for a statement without parameters (BEGIN, the lock, COMMIT). */
static int pipe_send_text(struct pg_db *db, const char *sql)
{
	if (pipe_enter(db) < 0)
		return -EIO;
	if (PQsendQueryParams(db->conn, sql, 0, NULL, NULL, NULL, NULL, 0) != 1)
		return error_of(db, NULL);
	return 0;
}

static int pg_exec(struct db *base, const char *sql, const struct db_val *params, size_t n,
		   int64_t *changes)
{
	struct pg_db *db = (struct pg_db *)base;
	PGresult *res;
	ExecStatusType st;
	int r = 0;

	if (db->defer && !changes)
		return pipe_send(db, sql, params, n);
	res = run(db, sql, params, n, false);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		r = res ? error_of(db, res) : -EIO;
	} else if (changes) {
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	return r;
}

static int pg_exec_script(struct db *base, const char *sql)
{
	struct pg_db *db = (struct pg_db *)base;
	PGresult *res;
	ExecStatusType st;
	int r = pipe_sync(db);

	if (r < 0)
		return r;
	res = PQexec(db->conn, sql);
	st = PQresultStatus(res);
	r = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -EIO;
	if (r < 0)
		set_err(db, res);
	PQclear(res);
	return r;
}

static struct db_rows *pg_rows_of(struct pg_db *db, PGresult *res)
{
	struct pg_rows *rows;

	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res)
			set_err(db, res);
		PQclear(res);
		return NULL;
	}
	rows = calloc(1, sizeof(*rows));
	if (!rows) {
		PQclear(res);
		return NULL;
	}
	rows->base.drv = &pg_driver;
	rows->res = res;
	rows->row = -1;
	rows->nrows = PQntuples(res);
	return &rows->base;
}

static struct db_rows *pg_query(struct db *base, const char *sql, const struct db_val *params,
				size_t n)
{
	struct pg_db *db = (struct pg_db *)base;

	return pg_rows_of(db, run(db, sql, params, n, false));
}

static struct db_rows *pg_query_adhoc(struct db *base, const char *sql, const struct db_val *params,
				      size_t n)
{
	struct pg_db *db = (struct pg_db *)base;

	return pg_rows_of(db, run(db, sql, params, n, true));
}

static bool pg_next(struct db_rows *base)
{
	struct pg_rows *rows = (struct pg_rows *)base;

	if (rows->row + 1 >= rows->nrows)
		return false;
	rows->row++;
	return true;
}

static bool pg_col_null(struct db_rows *base, int col)
{
	struct pg_rows *rows = (struct pg_rows *)base;

	return PQgetisnull(rows->res, rows->row, col);
}

static const char *pg_col_text(struct db_rows *base, int col, size_t *len)
{
	struct pg_rows *rows = (struct pg_rows *)base;

	if (len)
		*len = (size_t)PQgetlength(rows->res, rows->row, col);
	return PQgetvalue(rows->res, rows->row, col);
}

/* bytea in text results is "\x" and hex digits. */
static ssize_t pg_col_blob(struct db_rows *base, int col, void *out, size_t size)
{
	size_t len;
	const char *t = pg_col_text(base, col, &len);

	if (len < 2 || t[0] != '\\' || t[1] != 'x' || (len - 2) / 2 > size ||
	    !hex_decode(t + 2, len - 2, out, (len - 2) / 2))
		return -1;
	return (ssize_t)((len - 2) / 2);
}

static void pg_rows_free(struct db_rows *base)
{
	struct pg_rows *rows = (struct pg_rows *)base;

	PQclear(rows->res);
	free(rows);
}

/* With deferred writes, BEGIN and the lock wait for the first read and
 * COMMIT goes in the pipeline's last round trip. */
static int pg_begin(struct db *base, bool write)
{
	struct pg_db *db = (struct pg_db *)base;

	(void)write;
	return db->defer ? pipe_send_text(db, "BEGIN") : pg_exec_script(base, "BEGIN");
}

static int pg_end(struct db *base, bool commit)
{
	struct pg_db *db = (struct pg_db *)base;
	int r;

	if (!commit) {
		pipe_sync(db); /* the error is the reason for the rollback */
		return pg_exec_script(base, "ROLLBACK");
	}
	if (!db->piped)
		return pg_exec_script(base, "COMMIT");
	r = pipe_send_text(db, "COMMIT");
	return r < 0 ? r : pipe_sync(db);
}

static int pg_lock_log(struct db *base)
{
	static const char sql[] = "SELECT pg_advisory_xact_lock(" LOG_LOCK_KEY ")";
	struct pg_db *db = (struct pg_db *)base;

	return db->defer ? pipe_send_text(db, sql) : pg_exec_script(base, sql);
}

static int pg_defer(struct db *base, bool on)
{
	struct pg_db *db = (struct pg_db *)base;

	db->defer = on;
	return on ? 0 : pipe_sync(db);
}

static void pg_close(struct db *base)
{
	struct pg_db *db = (struct pg_db *)base;

	pipe_sync(db);
	PQfinish(db->conn);
	for (unsigned i = 0; i < db->prepared; i++)
		free((char *)db->cache[i].sql);
	free(db);
}

static const struct db_driver pg_driver = {
    .close = pg_close,
    .exec_script = pg_exec_script,
    .exec = pg_exec,
    .query = pg_query,
    .query_adhoc = pg_query_adhoc,
    .next = pg_next,
    .col_null = pg_col_null,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .rows_free = pg_rows_free,
    .begin = pg_begin,
    .end = pg_end,
    .lock_log = pg_lock_log,
    .defer = pg_defer,
};

struct db *db_pg_open(const char *conninfo, char *err, size_t errsize)
{
	struct pg_db *db = calloc(1, sizeof(*db));

	if (!db) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	db->base.drv = &pg_driver;
	db->base.kind = DB_POSTGRES;
	db->conn = PQconnectdb(conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		snprintf(err, errsize, "%s", PQerrorMessage(db->conn));
		err[strcspn(err, "\n")] = '\0';
		pg_close(&db->base);
		return NULL;
	}
	/* Quiet the server's NOTICEs ("relation already exists, skipping"). */
	if (pg_exec_script(&db->base, "SET client_min_messages = warning") < 0) {
		snprintf(err, errsize, "%s", db->base.err);
		pg_close(&db->base);
		return NULL;
	}
	return &db->base;
}
