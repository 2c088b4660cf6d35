/* The collector's two databases behind one small driver interface:
 * SQLite (embedded, WAL; the default) and PostgreSQL (libpq; several
 * collectors sharing one server).  Everything above this header (store.c)
 * is written once, in SQL both understand, with '?' placeholders; the
 * PostgreSQL driver numbers them.  Only parameterized statements exist:
 * no value is ever spliced into SQL text.
 *
 * A connection belongs to one thread at a time (the store's pool hands
 * them out). */
#ifndef WARD_COLLECTOR_DB_H
#define WARD_COLLECTOR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum db_kind { DB_SQLITE, DB_POSTGRES };

enum db_type { DB_NULL, DB_INT, DB_TEXT, DB_BLOB };

/* One parameter: text is NUL-terminated unless len is set (> 0). */
struct db_val {
	enum db_type type;
	int64_t i;
	const void *p;
	size_t len;
};

#define DBV_INT(v) ((struct db_val){.type = DB_INT, .i = (int64_t)(v)})
static inline struct db_val dbv_text(const char *s)
{
	return (struct db_val){.type = s ? DB_TEXT : DB_NULL, .p = s};
}
#define DBV_TEXT(s) dbv_text(s)
#define DBV_TEXTN(s, n) ((struct db_val){.type = DB_TEXT, .p = (s), .len = (n)})
#define DBV_BLOB(b, n) ((struct db_val){.type = DB_BLOB, .p = (b), .len = (n)})
#define DBV_NULL ((struct db_val){.type = DB_NULL})

struct db;
struct db_rows;

/* Opens a connection: a file path for SQLite, a libpq conninfo string
 * ("postgresql://..." or "host=... dbname=...") for PostgreSQL.  On error
 * returns NULL with why in err. */
struct db *db_open(enum db_kind kind, const char *target, char *err, size_t errsize);
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The last error's text (the database's words), for logs. */
const char *db_error(const struct db *db);

/* Runs statements without parameters (schema, BEGIN, ...). */
int db_exec_script(struct db *db, const char *sql);
/* Runs one statement; *changes (may be NULL) gets the rows it changed.
 * Returns 0, -EEXIST on a unique violation, -EIO otherwise. */
int db_exec(struct db *db, const char *sql, const struct db_val *params, size_t n,
	    int64_t *changes);

/* Runs one query.  Returns the rows (possibly none) or NULL on error. */
struct db_rows *db_query(struct db *db, const char *sql, const struct db_val *params, size_t n);
/* The same for SQL built at run time (the console's filters): planned
 * with its values every time and never kept prepared, so the many shapes
 * a filter form makes neither fill the statement cache nor run on a
 * generic plan. */
struct db_rows *db_query_adhoc(struct db *db, const char *sql, const struct db_val *params,
			       size_t n);
/* Moves to the next row; false after the last. */
bool db_next(struct db_rows *rows);
bool db_col_null(struct db_rows *rows, int col);
int64_t db_col_int(struct db_rows *rows, int col);
/* Text of a column, valid until the next db_next / db_rows_free; "" for
 * NULL.  *len (may be NULL) gets its length. */
const char *db_col_text(struct db_rows *rows, int col, size_t *len);
/* A blob column into out (size bytes); returns its length or -1 when it
 * does not fit or is not a blob. */
ssize_t db_col_blob(struct db_rows *rows, int col, void *out, size_t size);
void db_rows_free(struct db_rows *rows);

/* Rows for one table gathered in memory and inserted with multi-row
 * INSERTs (64, 16, 4 or 1 rows a statement), so a batch of records
 * costs a few round trips to PostgreSQL instead of several per record.
 * Text and blobs are copied.  into is "table (col, col, ...)", suffix
 * what follows VALUES (e.g. " ON CONFLICT DO NOTHING"). */
struct db_rowbuf {
	const char *into, *suffix;
	size_t cols;
	struct db_val *vals; /* rows * cols */
	size_t rows, cap;
	char **copies;
	size_t ncopies;
};

void db_rowbuf_init(struct db_rowbuf *rb, const char *into, size_t cols, const char *suffix);
int db_rowbuf_add(struct db_rowbuf *rb, const struct db_val *row);
/* Inserts every gathered row (then empties the buffer).  Returns 0 or
 * db_exec's error. */
int db_rowbuf_flush(struct db *db, struct db_rowbuf *rb);
void db_rowbuf_free(struct db_rowbuf *rb);

/* Transactions.  db_begin_immediate takes SQLite's write lock at once
 * (PostgreSQL: a plain BEGIN); db_lock_log serializes appends to the
 * Merkle log across every process on the database (PostgreSQL: an
 * advisory lock held to the end of the transaction; SQLite: the
 * immediate transaction already does). */
int db_begin(struct db *db, bool write);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_lock_log(struct db *db);
/* Writes that need no answer (db_exec without changes), BEGIN and the
 * log lock are sent without waiting for the server (PostgreSQL's
 * pipeline mode) until the next statement that reads or db_commit, so a
 * batch costs a few round trips under the log lock rather than one per
 * statement.  Such a write's error is returned by that later statement.
 * Turning it off waits for what was sent.  SQLite has no round trips:
 * nothing changes there. */
int db_defer_writes(struct db *db, bool on);

#endif
