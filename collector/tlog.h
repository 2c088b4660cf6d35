/* The collector's transparency log on the database: leaves appended
 * under the log lock, tree nodes stored as they complete (common/merkle),
 * checkpoints signed with the collector's Ed25519 key (common/note), and
 * proofs answered from stored nodes.
 *
 * A tlog_batch lives for one write transaction: it caches the nodes it
 * reads and writes, so the receipts of a batch of contiguous leaves cost
 * O(batch + log n) reads rather than O(batch log n). */
#ifndef WARD_COLLECTOR_TLOG_H
#define WARD_COLLECTOR_TLOG_H

#include <stdint.h>

#include "collector/db.h"
#include "common/ed25519.h"
#include "common/merkle.h"
#include "common/note.h"

#define TLOG_CACHE 4096

struct tlog_key {
	char origin[NOTE_NAME_MAX]; /* checkpoint origin line */
	char name[NOTE_NAME_MAX];   /* signed-note key name */
	struct ed25519_key key;
	struct note_verifier verifier;
};

struct tlog_batch {
	struct db *db;
	uint64_t size; /* tree size, read under the lock */
	struct {
		uint64_t idx;
		uint8_t level;
		bool used;
		merkle_hash hash;
	} cache[TLOG_CACHE];
	struct db_rowbuf pending; /* nodes written this batch, inserted at the end */
};

/* Starts appending: takes the log lock (the caller's write transaction
 * is open) and reads the size.  Returns 0 or -EIO.  tlog_batch_free
 * releases what the batch gathered (after finish, or instead of it). */
int tlog_batch_begin(struct tlog_batch *b, struct db *db);
void tlog_batch_free(struct tlog_batch *b);
/* Appends the leaf hash as leaf b->size; *index gets its index. */
int tlog_append(struct tlog_batch *b, const merkle_hash leaf_hash, uint64_t *index);
/* Inserts the batch's nodes, records the new size and a checkpoint for
 * it signed with k (*note: heap).  Call before committing. */
int tlog_batch_finish(struct tlog_batch *b, const struct tlog_key *k, int64_t now_ms, char **note);

/* Proofs through b's cache (b->db may also be a read transaction's
 * connection with b->size the checkpoint's size). */
int tlog_inclusion(struct tlog_batch *b, uint64_t index, uint64_t size, merkle_hash *proof,
		   size_t *count);
int tlog_consistency(struct tlog_batch *b, uint64_t size1, uint64_t size2, merkle_hash *proof,
		     size_t *count);
int tlog_root(struct tlog_batch *b, uint64_t size, merkle_hash root);

/* For readers: b bound to db at the latest checkpoint; *note (heap) is
 * that checkpoint (NULL when the log is empty). */
int tlog_latest(struct tlog_batch *b, struct db *db, char **note);

/* Signs the empty tree's checkpoint when none exists yet, so enrollment
 * always hands out one. */
int tlog_first_checkpoint(struct db *db, const struct tlog_key *k, int64_t now_ms);

#endif
