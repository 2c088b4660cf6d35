/* Dispatch from db.h to the driver a connection was opened with. */
#include "collector/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db_driver.h"

struct db *db_open(enum db_kind kind, const char *target, char *err, size_t errsize)
{
	return kind == DB_POSTGRES ? db_pg_open(target, err, errsize)
				   : db_sqlite_open(target, err, errsize);
}

void db_close(struct db *db)
{
	if (db)
		db->drv->close(db);
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

const char *db_error(const struct db *db)
{
	return db->err;
}

int db_exec_script(struct db *db, const char *sql)
{
	return db->drv->exec_script(db, sql);
}

int db_exec(struct db *db, const char *sql, const struct db_val *params, size_t n, int64_t *changes)
{
	return db->drv->exec(db, sql, params, n, changes);
}

struct db_rows *db_query(struct db *db, const char *sql, const struct db_val *params, size_t n)
{
	return db->drv->query(db, sql, params, n);
}

struct db_rows *db_query_adhoc(struct db *db, const char *sql, const struct db_val *params,
			       size_t n)
{
	return db->drv->query_adhoc(db, sql, params, n);
}

bool db_next(struct db_rows *rows)
{
	return rows->drv->next(rows);
}

bool db_col_null(struct db_rows *rows, int col)
{
	return rows->drv->col_null(rows, col);
}

int64_t db_col_int(struct db_rows *rows, int col)
{
	return strtoll(rows->drv->col_text(rows, col, NULL), NULL, 10);
}

const char *db_col_text(struct db_rows *rows, int col, size_t *len)
{
	return rows->drv->col_text(rows, col, len);
}

ssize_t db_col_blob(struct db_rows *rows, int col, void *out, size_t size)
{
	return rows->drv->col_blob(rows, col, out, size);
}

void db_rows_free(struct db_rows *rows)
{
	if (rows)
		rows->drv->rows_free(rows);
}

int db_begin(struct db *db, bool write)
{
	return db->drv->begin(db, write);
}

int db_commit(struct db *db)
{
	return db->drv->end(db, true);
}

int db_rollback(struct db *db)
{
	return db->drv->end(db, false);
}

int db_lock_log(struct db *db)
{
	return db->drv->lock_log(db);
}

int db_defer_writes(struct db *db, bool on)
{
	return db->drv->defer(db, on);
}

void db_rowbuf_init(struct db_rowbuf *rb, const char *into, size_t cols, const char *suffix)
{
	memset(rb, 0, sizeof(*rb));
	rb->into = into;
	rb->cols = cols;
	rb->suffix = suffix ? suffix : "";
}

static const void *copy_bytes(struct db_rowbuf *rb, const void *p, size_t len)
{
	char **grown = realloc(rb->copies, (rb->ncopies + 1) * sizeof(*grown));
	char *c = malloc(len + 1);

	if (!grown || !c) {
		free(c);
		if (grown)
			rb->copies = grown;
		return NULL;
	}
	rb->copies = grown;
	memcpy(c, p, len);
	c[len] = '\0';
	rb->copies[rb->ncopies++] = c;
	return c;
}

int db_rowbuf_add(struct db_rowbuf *rb, const struct db_val *row)
{
	if (rb->rows == rb->cap) {
		size_t cap = rb->cap ? rb->cap * 2 : 64;
		struct db_val *v = realloc(rb->vals, cap * rb->cols * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rb->vals = v;
		rb->cap = cap;
	}
	for (size_t i = 0; i < rb->cols; i++) {
		struct db_val v = row[i];

		if (v.type == DB_TEXT || v.type == DB_BLOB) {
			size_t len = v.type == DB_TEXT && !v.len ? strlen(v.p) : v.len;

			v.p = copy_bytes(rb, v.p, len);
			if (!v.p)
				return -ENOMEM;
			if (v.type == DB_BLOB || v.len)
				v.len = len;
		}
		rb->vals[rb->rows * rb->cols + i] = v;
	}
	rb->rows++;
	return 0;
}

/* "INSERT INTO <into> VALUES (?, ...), ... <suffix>" for n rows. */
static char *insert_sql(const struct db_rowbuf *rb, size_t n)
{
	size_t len = strlen(rb->into) + strlen(rb->suffix) + 32 + n * (rb->cols * 3 + 4);
	char *sql = malloc(len), *o;

	if (!sql)
		return NULL;
	o = sql + sprintf(sql, "INSERT INTO %s VALUES ", rb->into);
	for (size_t r = 0; r < n; r++) {
		*o++ = r ? ',' : ' ';
		*o++ = '(';
		for (size_t c = 0; c < rb->cols; c++)
			o += sprintf(o, c ? ", ?" : "?");
		*o++ = ')';
	}
	strcpy(o, rb->suffix);
	return sql;
}

int db_rowbuf_flush(struct db *db, struct db_rowbuf *rb)
{
	static const size_t chunks[] = {64, 16, 4, 1};
	size_t done = 0;
	int e = 0;

	for (size_t k = 0; e == 0 && k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		size_t n = chunks[k];
		char *sql;

		if (rb->rows - done < n || n * rb->cols > 1000)
			continue;
		sql = insert_sql(rb, n);
		if (!sql)
			return -ENOMEM;
		while (e == 0 && rb->rows - done >= n) {
			e = db_exec(db, sql, rb->vals + done * rb->cols, n * rb->cols, NULL);
			done += n;
		}
		free(sql);
	}
	for (size_t i = 0; i < rb->ncopies; i++)
		free(rb->copies[i]);
	rb->ncopies = 0;
	rb->rows = 0;
	return e;
}

void db_rowbuf_free(struct db_rowbuf *rb)
{
	for (size_t i = 0; i < rb->ncopies; i++)
		free(rb->copies[i]);
	free(rb->copies);
	free(rb->vals);
	memset(rb, 0, sizeof(*rb));
}
