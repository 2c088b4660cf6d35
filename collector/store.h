/* The collector's storage interface: a pool of database connections
 * (SQLite or PostgreSQL, db.h) and the operations the collector, its
 * admin commands and the console run on them.  Every function takes the
 * connection the caller holds; transactions are the caller's. */
#ifndef WARD_COLLECTOR_STORE_H
#define WARD_COLLECTOR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/db.h"
#include "collector/record.h"

struct store;

/* Opens pool_size connections (SQLite: readers in parallel, writers
 * queued on one process lock) and creates the schema.  NULL with why in err. */
struct store *store_open(enum db_kind kind, const char *target, unsigned pool_size, char *err,
			 size_t errsize);
void store_close(struct store *s);
/* A connection of one's own until store_release; waits for one. */
struct db *store_acquire(struct store *s);
void store_release(struct store *s, struct db *db);

struct agent {
	struct chain_state chain; /* report/chain.h: head seq and hash, key in force */
	unsigned char identity[ED25519_KEY_BYTES];
	char hostname[256], machine_id[64], os[128], version[64], cert_serial[64];
	int64_t enrolled_at, revoked_at, last_seen, hb_at, hb_head_seq;
	char hb_boot_id[64];
};

/* Returns 0, -ENOENT or -EIO. */
int store_agent_get(struct db *db, const char *agent_id, struct agent *a);
int store_agent_add(struct db *db, const struct agent *a);
int store_agent_set_head(struct db *db, const struct chain_state *st, int64_t now_ms);
int store_agent_set_heartbeat(struct db *db, const char *agent_id, int64_t now_ms,
			      const char *boot_id, int64_t head_seq, int64_t backlog,
			      const char *policy_version);
int store_agent_revoke(struct db *db, const char *agent_id, int64_t now_ms);

/* Enrollment tokens: id and SHA-256 of the secret.  store_token_take
 * compares the secret's hash in constant time and consumes the token.
 * Returns 0 or -ENOENT (unknown, used, expired or wrong secret). */
int store_token_add(struct db *db, const char *id, const char *secret_hash, int64_t now_ms,
		    int64_t expires_ms, const char *label);
int store_token_take(struct db *db, const char *id, const char *secret_hash, int64_t now_ms,
		     const char *agent_id);

int store_alert(struct db *db, int64_t now_ms, const char *agent_id, const char *kind, int64_t seq,
		const char *detail, int64_t leaf_idx);

/* A leaf: a record's exact bytes and its facts (r may be NULL for a
 * collector leaf with raw text only). */
int store_leaf_add(struct db *db, uint64_t idx, int64_t now_ms, const char *agent_id,
		   const struct delivered *r, const char *raw, size_t raw_len);
/* The same rows gathered for one multi-row insert (db_rowbuf_flush):
 * what a batch of records writes. */
void store_leaf_rows_init(struct db_rowbuf *rb);
int store_leaf_row(struct db_rowbuf *rb, uint64_t idx, int64_t now_ms, const char *agent_id,
		   const struct delivered *r, const char *raw, size_t raw_len);
void store_chain_rows_init(struct db_rowbuf *rb);
int store_chain_row(struct db_rowbuf *rb, const char *agent_id, int64_t seq, uint64_t leaf_idx,
		    const char *status, const char *hash);
/* The raw text of leaf idx (heap). */
int store_leaf_raw(struct db *db, uint64_t idx, char **raw, size_t *len);
/* The same, and the hex SHA-256 kept beside it (sha: 65 bytes) when sha
 * is not NULL. */
int store_leaf_read(struct db *db, uint64_t idx, char **raw, size_t *len, char *sha);

#define AGENT_ID_HEX AGENT_ID_CHARS

struct chain_row {
	uint64_t leaf_idx;
	char status[16];
	char hash[HASH_HEX_LEN + 1];
};

int store_chain_get(struct db *db, const char *agent_id, int64_t seq, struct chain_row *row);
int store_chain_set_status(struct db *db, const char *agent_id, int64_t seq, const char *status);
/* The verified record that takes the seq of an invalid held one (whose
 * leaf stays in the log as evidence). */
int store_chain_replace(struct db *db, const char *agent_id, int64_t seq, uint64_t leaf_idx,
			const char *hash);

#endif
