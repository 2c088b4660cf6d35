#include "collector/store.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/db_driver.h"
#include "collector/schema.h"
#include "common/cleanup.h"
#include "common/util.h"

#define POOL_MAX 32

struct store {
	pthread_mutex_t lock;
	pthread_mutex_t sqlite_write; /* SQLite: one writer at a time, queued */
	pthread_cond_t freed;
	struct db *conns[POOL_MAX];
	bool busy[POOL_MAX];
	unsigned n;
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct store *store_open(enum db_kind kind, const char *target, unsigned pool_size, char *err,
			 size_t errsize)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->sqlite_write, NULL);
	pthread_cond_init(&s->freed, NULL);
	if (pool_size == 0)
		pool_size = 1;
	if (pool_size > POOL_MAX)
		pool_size = POOL_MAX;
	for (s->n = 0; s->n < pool_size; s->n++) {
		s->conns[s->n] = db_open(kind, target, err, errsize);
		if (!s->conns[s->n]) {
			store_close(s);
			return NULL;
		}
		if (kind == DB_SQLITE)
			db_sqlite_share_write_lock(s->conns[s->n], &s->sqlite_write);
	}
	if (schema_migrate(s->conns[0], wall_ms()) < 0) {
		snprintf(err, errsize, "schema: %s", db_error(s->conns[0]));
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		db_close(s->conns[i]);
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->sqlite_write);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct db *store_acquire(struct store *s)
{
	struct db *db = NULL;

	pthread_mutex_lock(&s->lock);
	while (!db) {
		for (unsigned i = 0; i < s->n && !db; i++)
			if (!s->busy[i]) {
				s->busy[i] = true;
				db = s->conns[i];
			}
		if (!db)
			pthread_cond_wait(&s->freed, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return db;
}

void store_release(struct store *s, struct db *db)
{
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < s->n; i++)
		if (s->conns[i] == db)
			s->busy[i] = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

static void copy_col(struct db_rows *rows, int col, char *out, size_t size)
{
	str_copy(out, size, db_col_text(rows, col, NULL));
}

int store_agent_get(struct db *db, const char *agent_id, struct agent *a)
{
	static const char sql[] =
	    "SELECT identity_key, ratchet_key, ratchet_index, head_seq, head_hash, hostname,"
	    " machine_id, os, version, cert_serial, enrolled_at, revoked_at, last_seen, hb_at,"
	    " hb_head_seq, hb_boot_id FROM agents WHERE agent_id = ?";
	struct db_val p[] = {DBV_TEXT(agent_id)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	int r = -ENOENT;

	memset(a, 0, sizeof(*a));
	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		str_copy(a->chain.agent_id, sizeof(a->chain.agent_id), agent_id);
		r = db_col_blob(rows, 0, a->identity, ED25519_KEY_BYTES) == ED25519_KEY_BYTES &&
			    db_col_blob(rows, 1, a->chain.key, ED25519_KEY_BYTES) ==
				ED25519_KEY_BYTES
			? 0
			: -EIO;
		a->chain.key_index = (uint64_t)db_col_int(rows, 2);
		a->chain.head.seq = (uint64_t)db_col_int(rows, 3);
		if (r == 0 &&
		    !hex_decode(db_col_text(rows, 4, NULL), 2 * sizeof(a->chain.head.hash),
				a->chain.head.hash, sizeof(a->chain.head.hash)))
			r = -EIO;
		copy_col(rows, 5, a->hostname, sizeof(a->hostname));
		copy_col(rows, 6, a->machine_id, sizeof(a->machine_id));
		copy_col(rows, 7, a->os, sizeof(a->os));
		copy_col(rows, 8, a->version, sizeof(a->version));
		copy_col(rows, 9, a->cert_serial, sizeof(a->cert_serial));
		a->enrolled_at = db_col_int(rows, 10);
		a->revoked_at = db_col_null(rows, 11) ? 0 : db_col_int(rows, 11);
		a->last_seen = db_col_int(rows, 12);
		a->hb_at = db_col_int(rows, 13);
		a->hb_head_seq = db_col_null(rows, 14) ? -1 : db_col_int(rows, 14);
		copy_col(rows, 15, a->hb_boot_id, sizeof(a->hb_boot_id));
	}
	db_rows_free(rows);
	return r;
}

int store_agent_add(struct db *db, const struct agent *a)
{
	char hash[HASH_HEX_LEN + 1];
	static const char sql[] =
	    "INSERT INTO agents (agent_id, identity_key, ratchet_key1, ratchet_key, ratchet_index,"
	    " head_seq, head_hash, hostname, machine_id, os, version, cert_serial, enrolled_at,"
	    " last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct db_val p[] = {DBV_TEXT(a->chain.agent_id),
			     DBV_BLOB(a->identity, ED25519_KEY_BYTES),
			     DBV_BLOB(a->chain.key, ED25519_KEY_BYTES),
			     DBV_BLOB(a->chain.key, ED25519_KEY_BYTES),
			     DBV_INT(a->chain.key_index),
			     DBV_INT(a->chain.head.seq),
			     DBV_TEXT(hash),
			     DBV_TEXT(a->hostname),
			     DBV_TEXT(a->machine_id),
			     DBV_TEXT(a->os),
			     DBV_TEXT(a->version),
			     DBV_TEXT(a->cert_serial),
			     DBV_INT(a->enrolled_at),
			     DBV_INT(a->enrolled_at)};

	hex_encode(a->chain.head.hash, sizeof(a->chain.head.hash), hash);
	return db_exec(db, sql, p, ARRAY_SIZE(p), NULL);
}

int store_agent_set_head(struct db *db, const struct chain_state *st, int64_t now_ms)
{
	char hash[HASH_HEX_LEN + 1];
	static const char sql[] =
	    "UPDATE agents SET head_seq = ?, head_hash = ?, ratchet_index = ?,"
	    " ratchet_key = ?, last_seen = ?, dark_since = NULL"
	    " WHERE agent_id = ?";
	struct db_val p[] = {DBV_INT(st->head.seq),  DBV_TEXT(hash),
			     DBV_INT(st->key_index), DBV_BLOB(st->key, ED25519_KEY_BYTES),
			     DBV_INT(now_ms),	     DBV_TEXT(st->agent_id)};

	hex_encode(st->head.hash, sizeof(st->head.hash), hash);
	return db_exec(db, sql, p, ARRAY_SIZE(p), NULL);
}

int store_agent_set_heartbeat(struct db *db, const char *agent_id, int64_t now_ms,
			      const char *boot_id, int64_t head_seq, int64_t backlog,
			      const char *policy_version)
{
	static const char sql[] =
	    "UPDATE agents SET hb_at = ?, last_seen = ?, hb_boot_id = ?, hb_head_seq = ?,"
	    " hb_backlog = ?, policy_version = ?, dark_since = NULL WHERE agent_id = ?";
	struct db_val p[] = {DBV_INT(now_ms),	DBV_INT(now_ms),  DBV_TEXT(boot_id),
			     DBV_INT(head_seq), DBV_INT(backlog), DBV_TEXT(policy_version),
			     DBV_TEXT(agent_id)};

	return db_exec(db, sql, p, ARRAY_SIZE(p), NULL);
}

int store_agent_revoke(struct db *db, const char *agent_id, int64_t now_ms)
{
	static const char sql[] =
	    "UPDATE agents SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL";
	struct db_val p[] = {DBV_INT(now_ms), DBV_TEXT(agent_id)};
	int64_t changes = 0;
	int r = db_exec(db, sql, p, 2, &changes);

	return r < 0 ? r : changes == 1 ? 0 : -ENOENT;
}

int store_token_add(struct db *db, const char *id, const char *secret_hash, int64_t now_ms,
		    int64_t expires_ms, const char *label)
{
	static const char sql[] =
	    "INSERT INTO tokens (token_id, secret_hash, created_at, expires_at,"
	    " label) VALUES (?, ?, ?, ?, ?)";
	struct db_val p[] = {DBV_TEXT(id), DBV_TEXT(secret_hash), DBV_INT(now_ms),
			     DBV_INT(expires_ms), DBV_TEXT(label)};

	return db_exec(db, sql, p, ARRAY_SIZE(p), NULL);
}

int store_token_take(struct db *db, const char *id, const char *secret_hash, int64_t now_ms,
		     const char *agent_id)
{
	static const char get[] = "SELECT secret_hash FROM tokens WHERE token_id = ?"
				  " AND used_at IS NULL AND expires_at > ?";
	static const char use[] = "UPDATE tokens SET used_at = ?, agent_id = ? WHERE token_id = ?"
				  " AND used_at IS NULL";
	struct db_val p[] = {DBV_TEXT(id), DBV_INT(now_ms)};
	struct db_val u[] = {DBV_INT(now_ms), DBV_TEXT(agent_id), DBV_TEXT(id)};
	struct db_rows *rows = db_query(db, get, p, 2);
	bool match = false;
	int64_t changes = 0;
	int r;

	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		size_t len;
		const char *stored = db_col_text(rows, 0, &len);

		match = len == HASH_HEX_LEN && strlen(secret_hash) == HASH_HEX_LEN &&
			CRYPTO_memcmp(stored, secret_hash, HASH_HEX_LEN) == 0;
	}
	db_rows_free(rows);
	if (!match)
		return -ENOENT;
	r = db_exec(db, use, u, 3, &changes);
	return r < 0 ? r : changes == 1 ? 0 : -ENOENT;
}

int store_alert(struct db *db, int64_t now_ms, const char *agent_id, const char *kind, int64_t seq,
		const char *detail, int64_t leaf_idx)
{
	static const char sql[] = "INSERT INTO alerts (created_at, agent_id, kind, seq, detail,"
				  " leaf_idx) VALUES (?, ?, ?, ?, ?, ?)";
	struct db_val p[] = {DBV_INT(now_ms),  DBV_TEXT(agent_id),
			     DBV_TEXT(kind),   seq > 0 ? DBV_INT(seq) : DBV_NULL,
			     DBV_TEXT(detail), leaf_idx >= 0 ? DBV_INT(leaf_idx) : DBV_NULL};

	return db_exec(db, sql, p, ARRAY_SIZE(p), NULL);
}

#define LEAF_COLS 18
static const char LEAF_INTO[] =
    "leaves (leaf_idx, received_at, agent_id, seq, kind, raw, sha256, observed_at, host,"
    " username, level, action, outcome, device_serial, file_name, file_sha256, ref, rule)";

/* A leaf's row; sha (65 bytes) must live as long as p. */
static void leaf_row(struct db_val p[LEAF_COLS], uint64_t idx, int64_t now_ms, const char *agent_id,
		     const struct delivered *r, const char *raw, size_t raw_len, char *sha)
{
	sha256_hex(raw, raw_len, sha);
	p[0] = DBV_INT(idx);
	p[1] = DBV_INT(now_ms);
	p[2] = DBV_TEXT(agent_id);
	p[3] = r ? DBV_INT(r->info.seq) : DBV_NULL;
	p[4] = DBV_TEXT(r ? r->kind : "collector");
	p[5] = DBV_TEXTN(raw, raw_len);
	p[6] = DBV_TEXT(sha);
	p[7] = DBV_TEXT(r ? r->observed_at : NULL);
	p[8] = DBV_TEXT(r ? r->host : NULL);
	p[9] = DBV_TEXT(r ? r->user : NULL);
	p[10] = DBV_TEXT(r ? r->level : NULL);
	p[11] = DBV_TEXT(r ? r->action : NULL);
	p[12] = DBV_TEXT(r ? r->outcome : NULL);
	p[13] = DBV_TEXT(r ? r->device_serial : NULL);
	p[14] = DBV_TEXT(r ? r->file_name : NULL);
	p[15] = DBV_TEXT(r ? r->file_sha256 : NULL);
	p[16] = DBV_TEXT(r ? r->ref : NULL);
	p[17] = DBV_TEXT(r && r->rule[0] ? r->rule : NULL);
}

int store_leaf_add(struct db *db, uint64_t idx, int64_t now_ms, const char *agent_id,
		   const struct delivered *r, const char *raw, size_t raw_len)
{
	static const char sql[] =
	    "INSERT INTO leaves (leaf_idx, received_at, agent_id, seq, kind,"
	    " raw, sha256, observed_at, host, username, level, action, outcome,"
	    " device_serial, file_name, file_sha256, ref, rule)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct db_val p[LEAF_COLS];
	char sha[HASH_HEX_LEN + 1];

	leaf_row(p, idx, now_ms, agent_id, r, raw, raw_len, sha);
	return db_exec(db, sql, p, LEAF_COLS, NULL);
}

void store_leaf_rows_init(struct db_rowbuf *rb)
{
	db_rowbuf_init(rb, LEAF_INTO, LEAF_COLS, NULL);
}

int store_leaf_row(struct db_rowbuf *rb, uint64_t idx, int64_t now_ms, const char *agent_id,
		   const struct delivered *r, const char *raw, size_t raw_len)
{
	struct db_val p[LEAF_COLS];
	char sha[HASH_HEX_LEN + 1];

	leaf_row(p, idx, now_ms, agent_id, r, raw, raw_len, sha);
	return db_rowbuf_add(rb, p);
}

void store_chain_rows_init(struct db_rowbuf *rb)
{
	db_rowbuf_init(rb, "chain (agent_id, seq, leaf_idx, status, hash)", 5,
		       " ON CONFLICT DO NOTHING");
}

int store_chain_row(struct db_rowbuf *rb, const char *agent_id, int64_t seq, uint64_t leaf_idx,
		    const char *status, const char *hash)
{
	struct db_val p[] = {DBV_TEXT(agent_id), DBV_INT(seq), DBV_INT(leaf_idx), DBV_TEXT(status),
			     DBV_TEXT(hash)};

	return db_rowbuf_add(rb, p);
}

int store_leaf_read(struct db *db, uint64_t idx, char **raw, size_t *len, char *sha)
{
	static const char sql[] = "SELECT raw, sha256 FROM leaves WHERE leaf_idx = ?";
	struct db_val p[] = {DBV_INT(idx)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	int r = -ENOENT;

	*raw = NULL;
	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		const char *t = db_col_text(rows, 0, len);

		*raw = strndup(t, *len);
		r = *raw ? 0 : -ENOMEM;
		if (sha)
			str_copy(sha, HASH_HEX_LEN + 1, db_col_text(rows, 1, NULL));
	}
	db_rows_free(rows);
	return r;
}

int store_leaf_raw(struct db *db, uint64_t idx, char **raw, size_t *len)
{
	return store_leaf_read(db, idx, raw, len, NULL);
}

int store_chain_get(struct db *db, const char *agent_id, int64_t seq, struct chain_row *row)
{
	static const char sql[] =
	    "SELECT leaf_idx, status, hash FROM chain WHERE agent_id = ? AND seq = ?";
	struct db_val p[] = {DBV_TEXT(agent_id), DBV_INT(seq)};
	struct db_rows *rows = db_query(db, sql, p, 2);
	int r = -ENOENT;

	memset(row, 0, sizeof(*row));
	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		row->leaf_idx = (uint64_t)db_col_int(rows, 0);
		copy_col(rows, 1, row->status, sizeof(row->status));
		copy_col(rows, 2, row->hash, sizeof(row->hash));
		r = 0;
	}
	db_rows_free(rows);
	return r;
}

int store_chain_set_status(struct db *db, const char *agent_id, int64_t seq, const char *status)
{
	static const char sql[] = "UPDATE chain SET status = ? WHERE agent_id = ? AND seq = ?";
	struct db_val p[] = {DBV_TEXT(status), DBV_TEXT(agent_id), DBV_INT(seq)};

	return db_exec(db, sql, p, 3, NULL);
}

int store_chain_replace(struct db *db, const char *agent_id, int64_t seq, uint64_t leaf_idx,
			const char *hash)
{
	static const char sql[] = "UPDATE chain SET leaf_idx = ?, status = 'stored', hash = ?"
				  " WHERE agent_id = ? AND seq = ? AND status = 'invalid'";
	struct db_val p[] = {DBV_INT(leaf_idx), DBV_TEXT(hash), DBV_TEXT(agent_id), DBV_INT(seq)};
	int64_t changes = 0;
	int r = db_exec(db, sql, p, 4, &changes);

	return r < 0 ? r : changes == 1 ? 0 : -EIO;
}
