/* bench_collector: the collector's log costs, for tests/bench/collector.sh.
 *
 *   bench_collector prefill sqlite:PATH|CONNINFO N
 *       bulk-loads N leaves (small stand-in records of a stand-in agent)
 *       with every tree node, as if N records had been ingested
 *   bench_collector append sqlite:PATH|CONNINFO N
 *       appends N leaves through the log (tlog_append: node reads and
 *       writes) in transactions of 500; prints microseconds per append
 *   bench_collector proofs sqlite:PATH|CONNINFO
 *       1000 inclusion proofs at random leaves of the whole tree, and one
 *       consistency proof from half the size: microseconds per proof, hashes
 *       and receipt bytes */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db.h"
#include "collector/schema.h"
#include "collector/tlog.h"
#include "common/util.h"

static struct db *open_db(const char *target)
{
	char err[512];
	bool sqlite = strncmp(target, "sqlite:", 7) == 0;
	struct db *db = db_open(sqlite ? DB_SQLITE : DB_POSTGRES, sqlite ? target + 7 : target, err,
				sizeof(err));

	if (!db || schema_migrate(db, 1764460800000) < 0) {
		fprintf(stderr, "bench_collector: %s\n", db ? db_error(db) : err);
		return NULL;
	}
	return db;
}

static int add_leaf(struct tlog_batch *b, uint64_t i)
{
	static const char sql[] = "INSERT INTO leaves (leaf_idx, received_at, agent_id, seq, kind,"
				  " raw, sha256) VALUES (?, ?, 'bulk', ?, 'decision', ?, ?)";
	char raw[96], sha[65];
	merkle_hash h;
	uint64_t idx;
	int n = snprintf(raw, sizeof(raw), "bulk record %" PRIu64, i);
	struct db_val p[5];
	int e = merkle_leaf_hash(raw, (size_t)n, h);

	hex_encode(h, 32, sha);
	p[0] = DBV_INT(i);
	p[1] = DBV_INT(1764460800000 + (int64_t)i);
	p[2] = DBV_INT(i + 1);
	p[3] = DBV_TEXT(raw);
	p[4] = DBV_TEXT(sha);
	if (e == 0)
		e = tlog_append(b, h, &idx);
	if (e == 0)
		e = db_exec(b->db, sql, p, 5, NULL);
	return e;
}

/* Leaves [size, size + n) in transactions of 500. */
static int append(struct db *db, uint64_t n, bool quiet)
{
	struct tlog_batch *b = malloc(sizeof(*b));
	uint64_t start = monotonic_ns(), done = 0;
	int e = b ? 0 : -ENOMEM;

	while (e == 0 && done < n) {
		uint64_t size;

		e = db_begin(db, true);
		if (e == 0)
			e = tlog_batch_begin(b, db);
		size = b->size;
		for (uint64_t k = 0; e == 0 && k < 500 && done < n; k++, done++)
			e = add_leaf(b, size + k);
		if (e == 0)
			e = db_rowbuf_flush(db, &b->pending);
		if (e == 0) {
			struct db_val p = DBV_INT(b->size);

			e = db_exec(db, "UPDATE tlog SET size = ? WHERE id = 1", &p, 1, NULL);
		}
		e = e == 0 ? db_commit(db) : (db_rollback(db), e);
		tlog_batch_free(b);
	}
	if (!quiet && e == 0)
		printf("append %" PRIu64
		       " leaves: %.1f us per leaf (node reads and writes, leaf row)\n",
		       n, (double)(monotonic_ns() - start) / 1e3 / (double)n);
	free(b);
	return e;
}

static int proofs(struct db *db)
{
	struct tlog_batch *b = malloc(sizeof(*b));
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t count = 0, total = 0;
	uint64_t start, size;
	int e = b ? db_begin(db, false) : -ENOMEM;

	if (e == 0)
		e = tlog_batch_begin(b, db);
	size = b->size;
	start = monotonic_ns();
	for (int i = 0; e == 0 && i < 1000; i++) {
		/* A fresh cache each time: every proof from the database. */
		memset(b->cache, 0, sizeof(b->cache));
		e = tlog_inclusion(b, (uint64_t)rand() % size, size, proof, &count);
		total += count;
	}
	if (e == 0)
		printf("tree %" PRIu64
		       ": inclusion proof %.1f us, %.1f hashes, receipt ~%zu bytes\n",
		       size, (double)(monotonic_ns() - start) / 1e3 / 1000, (double)total / 1000,
		       total / 1000 * 67 + 40);
	memset(b->cache, 0, sizeof(b->cache));
	start = monotonic_ns();
	if (e == 0)
		e = tlog_consistency(b, size / 2, size, proof, &count);
	if (e == 0)
		printf("tree %" PRIu64 ": consistency proof from %" PRIu64 " %.1f us, %zu hashes\n",
		       size, size / 2, (double)(monotonic_ns() - start) / 1e3, count);
	db_rollback(db);
	tlog_batch_free(b);
	free(b);
	return e;
}

int main(int argc, char **argv)
{
	struct db *db;
	int e = -EINVAL;

	if (argc < 3 || !(db = open_db(argv[2]))) {
		fprintf(stderr, "usage: bench_collector prefill|append|proofs DB [N]\n");
		return 2;
	}
	if (strcmp(argv[1], "prefill") == 0 && argc == 4)
		e = append(db, strtoull(argv[3], NULL, 10), true);
	else if (strcmp(argv[1], "append") == 0 && argc == 4)
		e = append(db, strtoull(argv[3], NULL, 10), false);
	else if (strcmp(argv[1], "proofs") == 0)
		e = proofs(db);
	if (e < 0)
		fprintf(stderr, "bench_collector: %s\n", db_error(db));
	db_close(db);
	return e < 0 ? 1 : 0;
}
