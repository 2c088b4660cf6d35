#define _GNU_SOURCE
/* What ward-sender takes as delivered: receipts_check against answers a
 * collector could give, honest and not.  The tree is built with
 * common/merkle, checkpoints signed with common/note; the sender must
 * refuse a checkpoint signed by another key, one that does not extend the
 * last one kept, a log that shrank, a receipt that does not place the
 * record, and must not acknowledge past a rejection or a gap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/merkle.h"
#include "common/note.h"
#include "common/util.h"
#include "sender/sender.h"

#define LEAVES 40
#define ORIGIN "collector.test/log"

struct world {
	merkle_hash leaf[LEAVES]; /* leaf hashes of the records, leaf i = seq i + 1 */
	char *text[LEAVES];	  /* the records' "bytes" */
	struct ed25519_key key, other;
	struct sender s;
};

/* Perfect subtree hashes computed from the leaves (no stored nodes). */
static int subtree(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct world *w = ctx;
	merkle_hash l, r;

	if (level == 0) {
		if (index >= LEAVES)
			return -ENOENT;
		memcpy(out, w->leaf[index], MERKLE_HASH_BYTES);
		return 0;
	}
	if (subtree(w, level - 1, 2 * index, l) < 0 || subtree(w, level - 1, 2 * index + 1, r) < 0)
		return -ENOENT;
	return merkle_node_hash(l, r, out);
}

static char *checkpoint_of(struct world *w, uint64_t size, const struct ed25519_key *key)
{
	struct checkpoint cp = {.size = size};
	char *note = NULL;

	snprintf(cp.origin, sizeof(cp.origin), "%s", ORIGIN);
	assert_int_equal(merkle_root(subtree, w, size, cp.root), 0);
	assert_int_equal(checkpoint_sign(&cp, ORIGIN, key, &note), 0);
	return note;
}

static json_t *hex_list(const merkle_hash *h, size_t n)
{
	json_t *a = json_array();
	char hex[65];

	for (size_t i = 0; i < n; i++) {
		hex_encode(h[i], MERKLE_HASH_BYTES, hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	for (int i = 0; i < LEAVES; i++) {
		if (asprintf(&w->text[i], "record-%d", i + 1) < 0)
			return -1;
		merkle_leaf_hash(w->text[i], strlen(w->text[i]), w->leaf[i]);
	}
	if (ed25519_generate(&w->key) < 0 || ed25519_generate(&w->other) < 0 ||
	    note_verifier_init(&w->s.cfg.key, ORIGIN, w->key.pub) < 0)
		return -1;
	snprintf(w->s.cfg.origin, sizeof(w->s.cfg.origin), "%s", ORIGIN);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	for (int i = 0; i < LEAVES; i++)
		free(w->text[i]);
	ed25519_free(&w->key);
	ed25519_free(&w->other);
	free(w->s.kept.note);
	free(w);
	return 0;
}

/* Keeps the checkpoint of size as the sender's last one. */
static void keep(struct world *w, uint64_t size)
{
	free(w->s.kept.note);
	w->s.kept.note = checkpoint_of(w, size, &w->key);
	assert_int_equal(checkpoint_open(w->s.kept.note, strlen(w->s.kept.note), &w->s.cfg.key,
					 ORIGIN, &w->s.kept.cp),
			 0);
}

/* A batch of the records seq first..last (1-based). */
static void batch_of(struct world *w, uint64_t first, uint64_t last, struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->n = last - first + 1;
	b->text = calloc(b->n, sizeof(*b->text));
	b->len = calloc(b->n, sizeof(*b->len));
	b->seq = calloc(b->n, sizeof(*b->seq));
	for (size_t i = 0; i < b->n; i++) {
		b->text[i] = strdup(w->text[first - 1 + i]);
		b->len[i] = strlen(b->text[i]);
		b->seq[i] = first + i;
	}
}

/* An honest answer for a batch first..last stored as leaves first-1..,
 * the tree then of size; statuses may be overridden per seq. */
static json_t *answer_of(struct world *w, uint64_t first, uint64_t last, uint64_t size,
			 uint64_t contiguous, const struct ed25519_key *key)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	json_t *a = json_object(), *results = json_array();
	char *note = checkpoint_of(w, size, key);
	size_t n;

	for (uint64_t seq = first; seq <= last; seq++) {
		json_t *r = json_object();

		assert_int_equal(merkle_inclusion_proof(subtree, w, seq - 1, size, proof, &n), 0);
		wjson_set_int(r, "seq", (int64_t)seq);
		wjson_set_str(r, "status", "stored");
		wjson_set_int(r, "index", (int64_t)(seq - 1));
		json_object_set_new(r, "proof", hex_list(proof, n));
		json_array_append_new(results, r);
	}
	n = 0;
	if (w->s.kept.cp.size <= size)
		assert_int_equal(
		    merkle_consistency_proof(subtree, w, w->s.kept.cp.size, size, proof, &n), 0);
	json_object_set_new(a, "results", results);
	json_object_set_new(a, "consistency", hex_list(proof, n));
	wjson_set_str(a, "checkpoint", note);
	wjson_set_int(a, "contiguous_seq", (int64_t)contiguous);
	free(note);
	return a;
}

#define FIRST 11 /* every batch here starts after a kept checkpoint of 10 */

static void set_status(json_t *a, uint64_t seq, const char *status)
{
	json_t *r = json_array_get(json_object_get(a, "results"), seq - FIRST);

	wjson_set_str(r, "status", status);
	json_object_del(r, "index");
	json_object_del(r, "proof");
}

static int check(struct world *w, json_t *answer, struct batch *b, struct receipt_outcome *o)
{
	char err[256] = "";
	int r = receipts_check(&w->s, answer, b, o, err, sizeof(err));

	if (r < 0)
		print_message("refused: %s\n", err);
	json_decref(answer);
	return r;
}

static void an_honest_answer_acknowledges_all(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;
	unsigned char want[32];
	struct batch b;

	keep(w, 10);
	w->s.acked.seq = 10;
	batch_of(w, FIRST, 30, &b);
	assert_int_equal(check(w, answer_of(w, FIRST, 30, 30, 30, &w->key), &b, &o), 0);
	assert_int_equal(o.acked_seq, 30);
	record_hash(w->text[29], strlen(w->text[29]), want);
	assert_memory_equal(o.acked_hash, want, 32);
	assert_int_equal(o.cp.size, 30);
	batch_free(&b);
}

static void a_checkpoint_by_another_key_is_refused(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;
	struct batch b;

	keep(w, 10);
	w->s.acked.seq = 10;
	batch_of(w, FIRST, 30, &b);
	assert_int_equal(check(w, answer_of(w, FIRST, 30, 30, 30, &w->other), &b, &o), -EBADMSG);
	batch_free(&b);
}

static void a_log_that_shrank_is_refused(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;

	keep(w, 30);
	assert_int_equal(check(w, answer_of(w, FIRST, 20, 20, 20, &w->key), NULL, &o), -EBADMSG);
}

static void a_rewritten_history_is_refused(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;
	merkle_hash saved;
	struct batch b;

	/* The checkpoint kept saw leaf 5 as it was... */
	keep(w, 10);
	/* ...the collector since rewrote it and answers from the new tree. */
	memcpy(saved, w->leaf[4], sizeof(saved));
	w->leaf[4][0] ^= 1;
	w->s.acked.seq = 10;
	batch_of(w, FIRST, 30, &b);
	assert_int_equal(check(w, answer_of(w, FIRST, 30, 30, 30, &w->key), &b, &o), -EBADMSG);
	memcpy(w->leaf[4], saved, sizeof(saved));
	batch_free(&b);
}

static void a_receipt_that_does_not_place_the_record_is_refused(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;
	struct batch b;
	json_t *a, *proof;
	char *hex;

	keep(w, 10);
	w->s.acked.seq = 10;
	batch_of(w, FIRST, 30, &b);
	a = answer_of(w, FIRST, 30, 30, 30, &w->key);
	proof = json_object_get(json_array_get(json_object_get(a, "results"), 15 - FIRST), "proof");
	hex = strdup(json_string_value(json_array_get(proof, 0)));
	hex[0] = hex[0] == '0' ? '1' : '0';
	json_array_set_new(proof, 0, json_string(hex));
	free(hex);
	assert_int_equal(check(w, a, &b, &o), -EBADMSG);
	batch_free(&b);
}

static void nothing_past_a_rejection_or_a_gap_is_acknowledged(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;
	struct batch b;
	json_t *a;

	keep(w, 10);
	w->s.acked.seq = 10;
	batch_of(w, FIRST, 30, &b);
	a = answer_of(w, FIRST, 30, 30, 30, &w->key);
	set_status(a, 15, "rejected");
	assert_int_equal(check(w, a, &b, &o), 0);
	assert_int_equal(o.acked_seq, 14);
	assert_int_equal(o.rejected, 1);

	/* Held past the collector's contiguous head: kept there, not ours to
	 * drop yet. */
	a = answer_of(w, FIRST, 30, 30, 20, &w->key);
	for (uint64_t seq = 21; seq <= 30; seq++)
		set_status(a, seq, "held");
	assert_int_equal(check(w, a, &b, &o), 0);
	assert_int_equal(o.acked_seq, 20);
	batch_free(&b);
}

static void a_batch_out_of_order_is_acknowledged_in_seq_order(void **state)
{
	struct world *w = *state;
	struct receipt_outcome o;
	struct batch b;
	json_t *a, *results;

	keep(w, 10);
	w->s.acked.seq = 10;
	batch_of(w, FIRST, 13, &b);
	/* The log held 12 before 11. */
	b.seq[0] = 12;
	b.seq[1] = 11;
	free(b.text[0]);
	free(b.text[1]);
	b.text[0] = strdup(w->text[11]);
	b.text[1] = strdup(w->text[10]);
	a = answer_of(w, FIRST, 13, 13, 13, &w->key);
	results = json_object_get(a, "results");
	json_array_insert(results, 0, json_array_get(results, 1));
	json_array_remove(results, 2);
	assert_int_equal(check(w, a, &b, &o), 0);
	assert_int_equal(o.acked_seq, 13);
	batch_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(an_honest_answer_acknowledges_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_checkpoint_by_another_key_is_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_log_that_shrank_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_rewritten_history_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_receipt_that_does_not_place_the_record_is_refused,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(nothing_past_a_rejection_or_a_gap_is_acknowledged,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(a_batch_out_of_order_is_acknowledged_in_seq_order,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
