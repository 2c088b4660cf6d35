/* ward-collector admin verify: trusts nothing the database says about
 * itself.  The tree is rebuilt from the stored record bytes and compared
 * node by node with the stored nodes and with every signed checkpoint;
 * every agent's chain is walked again from its enrollment key. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "collector/verify.h"
#include "common/i18n.h"
#include "common/util.h"

#define CHUNK 5000

struct rebuild {
	struct collector *c;
	struct db *db;
	FILE *out;
	unsigned findings;
	/* The last two nodes of each level, by the parity of their index:
	 * an append writes a node before it reads its left sibling. */
	struct {
		uint64_t idx;
		bool set;
		merkle_hash hash;
	} frontier[64][2];
};

static void finding(struct rebuild *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void finding(struct rebuild *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->out);
	v->findings++;
}

static int frontier_read(void *ctx, unsigned level, uint64_t idx, merkle_hash out)
{
	struct rebuild *v = ctx;

	if (level >= 64 || !v->frontier[level][idx & 1].set ||
	    v->frontier[level][idx & 1].idx != idx)
		return -ENOENT;
	memcpy(out, v->frontier[level][idx & 1].hash, MERKLE_HASH_BYTES);
	return 0;
}

/* A node the rebuild completed: remember it, compare the stored one. */
static int frontier_write(void *ctx, unsigned level, uint64_t idx, const merkle_hash hash)
{
	static const char sql[] = "SELECT hash FROM nodes WHERE level = ? AND idx = ?";
	struct rebuild *v = ctx;
	struct db_val p[] = {DBV_INT(level), DBV_INT(idx)};
	struct db_rows *rows = db_query(v->db, sql, p, 2);
	merkle_hash stored;

	if (!rows)
		return -EIO;
	if (!db_next(rows) ||
	    db_col_blob(rows, 0, stored, MERKLE_HASH_BYTES) != MERKLE_HASH_BYTES ||
	    memcmp(stored, hash, MERKLE_HASH_BYTES) != 0)
		finding(v,
			"tree: stored node (level %u, index %" PRIu64
			") differs from the one the records give",
			level, idx);
	db_rows_free(rows);
	v->frontier[level][idx & 1].idx = idx;
	v->frontier[level][idx & 1].set = true;
	memcpy(v->frontier[level][idx & 1].hash, hash, MERKLE_HASH_BYTES);
	return 0;
}

/* Every checkpoint signed for size: the rebuilt root must be its root. */
static int check_checkpoints_at(struct rebuild *v, uint64_t size)
{
	static const char sql[] = "SELECT note FROM checkpoints WHERE size = ?";
	struct db_val p[] = {DBV_INT(size)};
	struct db_rows *rows = db_query(v->db, sql, p, 1);
	struct checkpoint cp;
	merkle_hash root;

	if (!rows)
		return -EIO;
	while (db_next(rows)) {
		size_t len;
		const char *note = db_col_text(rows, 0, &len);

		if (checkpoint_open(note, len, &v->c->log.verifier, v->c->log.origin, &cp) < 0)
			finding(v, "checkpoint %" PRIu64 ": signature or form invalid", size);
		else if (merkle_root(frontier_read, v, size, root) < 0 ||
			 memcmp(root, cp.root, MERKLE_HASH_BYTES) != 0 || cp.size != size)
			finding(v, "checkpoint %" PRIu64 ": root differs from the stored records'",
				size);
	}
	db_rows_free(rows);
	return 0;
}

static int rebuild_chunk(struct rebuild *v, uint64_t from, uint64_t size, uint64_t *next)
{
	static const char sql[] = "SELECT leaf_idx, raw, sha256 FROM leaves WHERE leaf_idx >= ?"
				  " ORDER BY leaf_idx LIMIT ?";
	struct db_val p[] = {DBV_INT(from), DBV_INT(CHUNK)};
	struct db_rows *rows = db_query(v->db, sql, p, 2);
	uint64_t i = from;
	int e = 0;

	if (!rows)
		return -EIO;
	while (e == 0 && i < size && db_next(rows)) {
		uint64_t idx = (uint64_t)db_col_int(rows, 0);
		size_t len;
		const char *raw = db_col_text(rows, 1, &len);
		char sha[HASH_HEX_LEN + 1];
		merkle_hash h;

		if (idx != i) {
			finding(v, "leaf %" PRIu64 ": missing (the next stored is %" PRIu64 ")", i,
				idx);
			break;
		}
		sha256_hex(raw, len, sha);
		if (strcmp(sha, db_col_text(rows, 2, NULL)) != 0)
			finding(v, "leaf %" PRIu64 ": stored bytes do not match their hash", i);
		e = merkle_leaf_hash(raw, len, h);
		if (e == 0)
			e = merkle_append(frontier_read, v, frontier_write, v, i, h);
		if (e == 0)
			e = check_checkpoints_at(v, ++i);
	}
	db_rows_free(rows);
	*next = i;
	return e;
}

static int rebuild_tree(struct rebuild *v, uint64_t *size)
{
	struct db_rows *rows = db_query(v->db, "SELECT size FROM tlog WHERE id = 1", NULL, 0);
	uint64_t i = 0, next;
	int e = 0;

	if (!rows || !db_next(rows)) {
		db_rows_free(rows);
		return -EIO;
	}
	*size = (uint64_t)db_col_int(rows, 0);
	db_rows_free(rows);
	while (e == 0 && i < *size) {
		e = rebuild_chunk(v, i, *size, &next);
		if (next == i)
			break;
		i = next;
	}
	if (e == 0 && i < *size)
		finding(v, "log: %" PRIu64 " leaves stored of %" PRIu64, i, *size);
	return e;
}

/* One agent's chain from its enrollment key to its head. */
static int verify_chain(struct rebuild *v, const struct agent *a, const unsigned char key1[32])
{
	static const char sql[] = "SELECT c.seq, c.hash, l.raw FROM chain c JOIN leaves l ON"
				  " l.leaf_idx = c.leaf_idx WHERE c.agent_id = ? AND"
				  " c.status = 'stored' ORDER BY c.seq";
	struct db_val p[] = {DBV_TEXT(a->chain.agent_id)};
	struct db_rows *rows = db_query(v->db, sql, p, 1);
	struct chain_state st;

	if (!rows)
		return -EIO;
	chain_start(&st, a->chain.agent_id, key1);
	while (db_next(rows)) {
		int64_t seq = db_col_int(rows, 0);
		size_t len;
		const char *raw = db_col_text(rows, 2, &len), *why;
		struct delivered d;
		enum chain_verdict verdict;

		if (delivered_parse(&d, raw, len, st.agent_id, &why) < 0) {
			finding(v, "agent %s seq %" PRId64 ": %s", st.agent_id, seq, why);
			break;
		}
		verdict =
		    d.info.seq == (uint64_t)seq ? chain_check(&st, &d.info, &why) : CHAIN_FORK;
		if (verdict == CHAIN_NEXT && strcmp(d.sha256, db_col_text(rows, 1, NULL)) != 0)
			finding(v, "agent %s seq %" PRId64 ": chain hash differs from the record",
				st.agent_id, seq);
		if (verdict == CHAIN_NEXT)
			chain_advance(&st, &d.info);
		else
			finding(v, "agent %s seq %" PRId64 ": %s: %s", st.agent_id, seq,
				chain_verdict_name(verdict), why ? why : "not the next record");
		delivered_free(&d);
		if (verdict != CHAIN_NEXT)
			break;
	}
	db_rows_free(rows);
	if (st.head.seq != a->chain.head.seq ||
	    memcmp(st.head.hash, a->chain.head.hash, sizeof(st.head.hash)) != 0)
		finding(v, "agent %s: head %" PRIu64 " recorded, %" PRIu64 " verifiable",
			a->chain.agent_id, a->chain.head.seq, st.head.seq);
	return 0;
}

static int verify_agents(struct rebuild *v, unsigned *count)
{
	static const char sql[] = "SELECT agent_id, ratchet_key1 FROM agents ORDER BY agent_id";
	struct db_rows *rows = db_query(v->db, sql, NULL, 0);
	int e = 0;

	if (!rows)
		return -EIO;
	while (e == 0 && db_next(rows)) {
		unsigned char key1[ED25519_KEY_BYTES];
		char id[AGENT_ID_CHARS + 1];
		struct agent a;

		str_copy(id, sizeof(id), db_col_text(rows, 0, NULL));
		if (db_col_blob(rows, 1, key1, sizeof(key1)) != ED25519_KEY_BYTES ||
		    store_agent_get(v->db, id, &a) < 0)
			return -EIO;
		e = verify_chain(v, &a, key1);
		(*count)++;
	}
	db_rows_free(rows);
	return e;
}

int verify_all(struct collector *c, FILE *out)
{
	struct rebuild *v = calloc(1, sizeof(*v));
	unsigned agents = 0;
	uint64_t size = 0;
	int e;

	if (!v)
		return 1;
	v->c = c;
	v->out = out;
	v->db = store_acquire(c->store);
	e = db_begin(v->db, false);
	if (e == 0)
		e = rebuild_tree(v, &size);
	if (e == 0)
		e = verify_agents(v, &agents);
	db_rollback(v->db);
	store_release(c->store, v->db);
	if (e < 0)
		fprintf(out, _("verify: database error: %s\n"), db_error(v->db));
	else if (v->findings)
		fprintf(out, _("verify: %u findings (%llu leaves, %u agents)\n"), v->findings,
			(unsigned long long)size, agents);
	else
		fprintf(out, _("verify: ok: %llu leaves, every checkpoint and %u chains\n"),
			(unsigned long long)size, agents);
	e = e < 0 || v->findings ? 1 : 0;
	free(v);
	return e;
}
