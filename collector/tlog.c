#include "collector/tlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t cache_slot(unsigned level, uint64_t idx)
{
	uint64_t h = (idx * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)level * 0xc2b2ae3d27d4eb4full);

	return (size_t)(h >> 52) % TLOG_CACHE;
}

/* Linear probing over a few slots; a full neighbourhood just skips the
 * cache (a later read goes to the database again). */
static bool cache_get(struct tlog_batch *b, unsigned level, uint64_t idx, merkle_hash out)
{
	size_t s = cache_slot(level, idx);

	for (int i = 0; i < 8; i++, s = (s + 1) % TLOG_CACHE) {
		if (!b->cache[s].used)
			return false;
		if (b->cache[s].level == level && b->cache[s].idx == idx) {
			memcpy(out, b->cache[s].hash, MERKLE_HASH_BYTES);
			return true;
		}
	}
	return false;
}

static void cache_put(struct tlog_batch *b, unsigned level, uint64_t idx, const merkle_hash h)
{
	size_t s = cache_slot(level, idx);

	for (int i = 0; i < 8; i++, s = (s + 1) % TLOG_CACHE) {
		if (!b->cache[s].used || (b->cache[s].level == level && b->cache[s].idx == idx)) {
			b->cache[s].used = true;
			b->cache[s].level = (uint8_t)level;
			b->cache[s].idx = idx;
			memcpy(b->cache[s].hash, h, MERKLE_HASH_BYTES);
			return;
		}
	}
}

/* A node written this batch that the cache let go of. */
static bool pending_get(const struct tlog_batch *b, unsigned level, uint64_t idx, merkle_hash out)
{
	for (size_t i = b->pending.rows; i-- > 0;) {
		const struct db_val *row = b->pending.vals + i * 3;

		if (row[0].i == (int64_t)level && row[1].i == (int64_t)idx) {
			memcpy(out, row[2].p, MERKLE_HASH_BYTES);
			return true;
		}
	}
	return false;
}

static int node_read(void *ctx, unsigned level, uint64_t idx, merkle_hash out)
{
	static const char sql[] = "SELECT hash FROM nodes WHERE level = ? AND idx = ?";
	struct tlog_batch *b = ctx;
	struct db_val p[] = {DBV_INT(level), DBV_INT(idx)};
	struct db_rows *rows;
	int r = -ENOENT;

	if (cache_get(b, level, idx, out) || pending_get(b, level, idx, out))
		return 0;
	rows = db_query(b->db, sql, p, 2);
	if (!rows)
		return -EIO;
	if (db_next(rows))
		r = db_col_blob(rows, 0, out, MERKLE_HASH_BYTES) == MERKLE_HASH_BYTES ? 0 : -EIO;
	db_rows_free(rows);
	if (r == 0)
		cache_put(b, level, idx, out);
	return r;
}

static int node_write(void *ctx, unsigned level, uint64_t idx, const merkle_hash hash)
{
	struct tlog_batch *b = ctx;
	struct db_val p[] = {DBV_INT(level), DBV_INT(idx), DBV_BLOB(hash, MERKLE_HASH_BYTES)};
	int r = db_rowbuf_add(&b->pending, p);

	if (r == 0)
		cache_put(b, level, idx, hash);
	return r;
}

static int read_size(struct db *db, uint64_t *size)
{
	struct db_rows *rows = db_query(db, "SELECT size FROM tlog WHERE id = 1", NULL, 0);
	int r = -EIO;

	if (rows && db_next(rows)) {
		*size = (uint64_t)db_col_int(rows, 0);
		r = 0;
	}
	db_rows_free(rows);
	return r;
}

static void batch_init(struct tlog_batch *b, struct db *db)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	db_rowbuf_init(&b->pending, "nodes (level, idx, hash)", 3, NULL);
}

void tlog_batch_free(struct tlog_batch *b)
{
	db_rowbuf_free(&b->pending);
}

int tlog_batch_begin(struct tlog_batch *b, struct db *db)
{
	batch_init(b, db);
	if (db_lock_log(db) < 0)
		return -EIO;
	return read_size(db, &b->size);
}

int tlog_append(struct tlog_batch *b, const merkle_hash leaf_hash, uint64_t *index)
{
	int r = merkle_append(node_read, b, node_write, b, b->size, leaf_hash);

	if (r < 0)
		return r;
	*index = b->size++;
	return 0;
}

int tlog_root(struct tlog_batch *b, uint64_t size, merkle_hash root)
{
	return merkle_root(node_read, b, size, root);
}

int tlog_batch_finish(struct tlog_batch *b, const struct tlog_key *k, int64_t now_ms, char **note)
{
	static const char set_size[] = "UPDATE tlog SET size = ? WHERE id = 1";
	static const char add_cp[] =
	    "INSERT INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)"
	    " ON CONFLICT DO NOTHING";
	struct checkpoint c = {.size = b->size};
	struct db_val p[3] = {DBV_INT(b->size)};
	int r;

	*note = NULL;
	memcpy(c.origin, k->origin, sizeof(c.origin));
	r = tlog_root(b, b->size, c.root);
	if (r == 0)
		r = db_rowbuf_flush(b->db, &b->pending);
	if (r == 0)
		r = db_exec(b->db, set_size, p, 1, NULL);
	if (r == 0)
		r = checkpoint_sign(&c, k->name, &k->key, note);
	if (r == 0) {
		p[1] = DBV_TEXT(*note);
		p[2] = DBV_INT(now_ms);
		r = db_exec(b->db, add_cp, p, 3, NULL);
	}
	if (r < 0) {
		free(*note);
		*note = NULL;
	}
	return r;
}

int tlog_inclusion(struct tlog_batch *b, uint64_t index, uint64_t size, merkle_hash *proof,
		   size_t *count)
{
	return merkle_inclusion_proof(node_read, b, index, size, proof, count);
}

int tlog_consistency(struct tlog_batch *b, uint64_t size1, uint64_t size2, merkle_hash *proof,
		     size_t *count)
{
	return merkle_consistency_proof(node_read, b, size1, size2, proof, count);
}

int tlog_latest(struct tlog_batch *b, struct db *db, char **note)
{
	static const char sql[] = "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1";
	struct db_rows *rows;

	batch_init(b, db);
	*note = NULL;
	rows = db_query(db, sql, NULL, 0);
	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		b->size = (uint64_t)db_col_int(rows, 0);
		*note = strdup(db_col_text(rows, 1, NULL));
	}
	db_rows_free(rows);
	return b->size && !*note ? -ENOMEM : 0;
}

int tlog_first_checkpoint(struct db *db, const struct tlog_key *k, int64_t now_ms)
{
	struct tlog_batch *b = malloc(sizeof(*b));
	char *note = NULL;
	int r = b ? db_begin(db, true) : -ENOMEM;

	if (r < 0) {
		free(b);
		return r;
	}
	r = tlog_latest(b, db, &note);
	if (r == 0 && !note && (r = tlog_batch_begin(b, db)) == 0)
		r = tlog_batch_finish(b, k, now_ms, &note);
	r = r == 0 ? db_commit(db) : (db_rollback(db), r);
	tlog_batch_free(b);
	free(note);
	free(b);
	return r;
}
