/* What a database driver provides behind db.h (db_sqlite.c, db_pg.c). */
#ifndef WARD_COLLECTOR_DB_DRIVER_H
#define WARD_COLLECTOR_DB_DRIVER_H

#include "collector/db.h"

struct db_driver {
	void (*close)(struct db *db);
	int (*exec_script)(struct db *db, const char *sql);
	int (*exec)(struct db *db, const char *sql, const struct db_val *params, size_t n,
		    int64_t *changes);
	struct db_rows *(*query)(struct db *db, const char *sql, const struct db_val *params,
				 size_t n);
	struct db_rows *(*query_adhoc)(struct db *db, const char *sql, const struct db_val *params,
				       size_t n);
	bool (*next)(struct db_rows *rows);
	bool (*col_null)(struct db_rows *rows, int col);
	const char *(*col_text)(struct db_rows *rows, int col, size_t *len);
	ssize_t (*col_blob)(struct db_rows *rows, int col, void *out, size_t size);
	void (*rows_free)(struct db_rows *rows);
	int (*begin)(struct db *db, bool write);
	int (*end)(struct db *db, bool commit);
	int (*lock_log)(struct db *db);
	int (*defer)(struct db *db, bool on);
};

/* Every driver's connection and result set start with these. */
struct db {
	const struct db_driver *drv;
	enum db_kind kind;
	char err[512];
};

struct db_rows {
	const struct db_driver *drv;
};

struct db *db_sqlite_open(const char *path, char *err, size_t errsize);
/* SQLite: the mutex every connection of one process takes for a write
 * transaction, so writers queue in order instead of polling for SQLite's
 * lock. */
void db_sqlite_share_write_lock(struct db *db, void *mutex);
struct db *db_pg_open(const char *conninfo, char *err, size_t errsize);

#endif
