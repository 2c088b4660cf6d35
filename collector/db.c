/* Dispatch from db.h to the driver a connection was opened with. */
#include "collector/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
