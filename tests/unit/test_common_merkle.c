/* RFC 6962 Merkle trees: the published reference tree (the eight leaf
 * inputs, node and root hashes, inclusion and consistency proofs used by
 * the Certificate Transparency implementations), the corruptions a
 * verifier must refuse, and every proof of every tree up to 70 leaves
 * against a naive recursive MTH written from the RFC's definition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/merkle.h"
#include "common/util.h"

#define MAX_LEAVES 128
#define MAX_LEVELS 8

/* An in-memory log: every perfect node merkle_append reports. */
struct mem_tree {
	merkle_hash nodes[MAX_LEVELS][MAX_LEAVES];
	bool present[MAX_LEVELS][MAX_LEAVES];
	uint64_t size;
	unsigned reads;
};

static int mem_read(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct mem_tree *t = ctx;

	if (level >= MAX_LEVELS || index >= MAX_LEAVES || !t->present[level][index])
		return -ENOENT;
	t->reads++;
	memcpy(out, t->nodes[level][index], MERKLE_HASH_BYTES);
	return 0;
}

static int mem_write(void *ctx, unsigned level, uint64_t index, const merkle_hash hash)
{
	struct mem_tree *t = ctx;

	if (level >= MAX_LEVELS || index >= MAX_LEAVES)
		return -ENOSPC;
	memcpy(t->nodes[level][index], hash, MERKLE_HASH_BYTES);
	t->present[level][index] = true;
	return 0;
}

static void mem_append(struct mem_tree *t, const void *leaf, size_t len)
{
	merkle_hash h;

	assert_int_equal(merkle_leaf_hash(leaf, len, h), 0);
	assert_int_equal(merkle_append(mem_read, t, mem_write, t, t->size, h), 0);
	t->size++;
}

static void hx(const char *hex, merkle_hash out)
{
	assert_true(hex_decode(hex, strlen(hex), out, MERKLE_HASH_BYTES));
}

/* The reference tree's leaf inputs (hex) and hashes. */
static const char *const LEAVES[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const LEVEL0[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};
static const char *const LEVEL1[] = {
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
};
static const char *const LEVEL2[] = {
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
};
/* Roots by tree size, 0 to 8. */
static const char *const ROOTS[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct proof_vector {
	uint64_t a, b; /* leaf index and size, or size1 and size2 */
	const char *hashes[3];
	size_t count;
};

static const struct proof_vector INCLUSION[] = {
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
     3},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
     3},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}, 1},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"},
     3},
};

static const struct proof_vector CONSISTENCY[] = {
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
     3},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
     3},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"},
     2},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
     3},
};

static void reference_tree(struct mem_tree *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < ARRAY_SIZE(LEAVES); i++) {
		unsigned char leaf[16];
		size_t n = strlen(LEAVES[i]) / 2;

		assert_true(hex_decode(LEAVES[i], 2 * n, leaf, n));
		mem_append(t, leaf, n);
	}
}

static void reference_nodes_and_roots(void **state)
{
	static const char *const *levels[] = {LEVEL0, LEVEL1, LEVEL2};
	static const size_t widths[] = {8, 4, 2};
	struct mem_tree t;
	merkle_hash want, root;

	(void)state;
	reference_tree(&t);
	for (unsigned l = 0; l < 3; l++)
		for (size_t i = 0; i < widths[l]; i++) {
			hx(levels[l][i], want);
			assert_true(t.present[l][i]);
			assert_memory_equal(t.nodes[l][i], want, MERKLE_HASH_BYTES);
		}
	for (uint64_t size = 0; size <= 8; size++) {
		hx(ROOTS[size], want);
		assert_int_equal(merkle_root(mem_read, &t, size, root), 0);
		assert_memory_equal(root, want, MERKLE_HASH_BYTES);
	}
}

/* Every change a verifier must notice in a good inclusion proof. */
static void inclusion_corruptions_fail(const merkle_hash leaf, uint64_t index, uint64_t size,
				       const merkle_hash *proof, size_t count,
				       const merkle_hash root)
{
	merkle_hash bad[MERKLE_MAX_PROOF + 1], other;

	assert_false(merkle_verify_inclusion(leaf, index - 1, size, proof, count, root));
	assert_false(merkle_verify_inclusion(leaf, index + 1, size, proof, count, root));
	assert_false(merkle_verify_inclusion(leaf, index ^ 2, size, proof, count, root));
	assert_false(merkle_verify_inclusion(leaf, index, size * 2, proof, count, root));
	assert_false(merkle_verify_inclusion(leaf, index, size / 2, proof, count, root));
	memset(other, 0x5a, sizeof(other));
	assert_false(merkle_verify_inclusion(other, index, size, proof, count, root));
	assert_false(merkle_verify_inclusion(leaf, index, size, proof, count, other));
	memcpy(bad, proof, count * MERKLE_HASH_BYTES);
	memcpy(bad[count], root, MERKLE_HASH_BYTES);
	assert_false(merkle_verify_inclusion(leaf, index, size, bad, count + 1, root));
	memcpy(bad[0], root, MERKLE_HASH_BYTES);
	memcpy(bad + 1, proof, count * MERKLE_HASH_BYTES);
	assert_false(merkle_verify_inclusion(leaf, index, size, bad, count + 1, root));
	for (size_t i = 0; i < count; i++) {
		memcpy(bad, proof, count * MERKLE_HASH_BYTES);
		bad[i][0] ^= 8;
		assert_false(merkle_verify_inclusion(leaf, index, size, bad, count, root));
	}
	if (count > 0)
		assert_false(merkle_verify_inclusion(leaf, index, size, proof, count - 1, root));
}

static void reference_inclusion_proofs(void **state)
{
	struct mem_tree t;
	merkle_hash proof[MERKLE_MAX_PROOF], want, root, leaf;
	size_t count;

	(void)state;
	reference_tree(&t);
	for (size_t v = 0; v < ARRAY_SIZE(INCLUSION); v++) {
		const struct proof_vector *pv = &INCLUSION[v];

		assert_int_equal(merkle_inclusion_proof(mem_read, &t, pv->a, pv->b, proof, &count),
				 0);
		assert_int_equal(count, pv->count);
		for (size_t i = 0; i < count; i++) {
			hx(pv->hashes[i], want);
			assert_memory_equal(proof[i], want, MERKLE_HASH_BYTES);
		}
		hx(ROOTS[pv->b], root);
		memcpy(leaf, t.nodes[0][pv->a], MERKLE_HASH_BYTES);
		assert_true(merkle_verify_inclusion(leaf, pv->a, pv->b, proof, count, root));
		inclusion_corruptions_fail(leaf, pv->a, pv->b, proof, count, root);
	}
	assert_int_equal(merkle_inclusion_proof(mem_read, &t, 8, 8, proof, &count), -EINVAL);
	/* A one-leaf tree: the root is the leaf, the proof empty. */
	hx(ROOTS[1], root);
	assert_true(merkle_verify_inclusion(root, 0, 1, NULL, 0, root));
	assert_false(merkle_verify_inclusion(root, 1, 1, NULL, 0, root));
	assert_false(merkle_verify_inclusion(root, 0, 0, NULL, 0, root));
}

static void consistency_corruptions_fail(uint64_t s1, uint64_t s2, const merkle_hash r1,
					 const merkle_hash r2, const merkle_hash *proof,
					 size_t count)
{
	merkle_hash bad[MERKLE_MAX_PROOF + 1], other;

	assert_false(merkle_verify_consistency(s1 - 1, s2, r1, r2, proof, count));
	assert_false(merkle_verify_consistency(s1 + 1, s2, r1, r2, proof, count));
	assert_false(merkle_verify_consistency(s1 ^ 2, s2, r1, r2, proof, count));
	assert_false(merkle_verify_consistency(s1, s2 * 2, r1, r2, proof, count));
	assert_false(merkle_verify_consistency(s1, s2 / 2, r1, r2, proof, count));
	memset(other, 0xa5, sizeof(other));
	assert_false(merkle_verify_consistency(s1, s2, other, r2, proof, count));
	assert_false(merkle_verify_consistency(s1, s2, r1, other, proof, count));
	assert_false(merkle_verify_consistency(s1, s2, r2, r1, proof, count));
	assert_false(merkle_verify_consistency(s1, s2, r1, r2, proof, 0));
	memcpy(bad, proof, count * MERKLE_HASH_BYTES);
	memcpy(bad[count], r2, MERKLE_HASH_BYTES);
	assert_false(merkle_verify_consistency(s1, s2, r1, r2, bad, count + 1));
	memcpy(bad[0], r1, MERKLE_HASH_BYTES);
	memcpy(bad + 1, proof, count * MERKLE_HASH_BYTES);
	assert_false(merkle_verify_consistency(s1, s2, r1, r2, bad, count + 1));
	assert_false(merkle_verify_consistency(s1, s2, r1, r2, proof, count - 1));
	for (size_t i = 0; i < count; i++) {
		memcpy(bad, proof, count * MERKLE_HASH_BYTES);
		bad[i][0] ^= 16;
		assert_false(merkle_verify_consistency(s1, s2, r1, r2, bad, count));
	}
}

static void reference_consistency_proofs(void **state)
{
	struct mem_tree t;
	merkle_hash proof[MERKLE_MAX_PROOF], want, r1, r2;
	size_t count;

	(void)state;
	reference_tree(&t);
	for (size_t v = 0; v < ARRAY_SIZE(CONSISTENCY); v++) {
		const struct proof_vector *pv = &CONSISTENCY[v];

		assert_int_equal(
		    merkle_consistency_proof(mem_read, &t, pv->a, pv->b, proof, &count), 0);
		assert_int_equal(count, pv->count);
		for (size_t i = 0; i < count; i++) {
			hx(pv->hashes[i], want);
			assert_memory_equal(proof[i], want, MERKLE_HASH_BYTES);
		}
		hx(ROOTS[pv->a], r1);
		hx(ROOTS[pv->b], r2);
		assert_true(merkle_verify_consistency(pv->a, pv->b, r1, r2, proof, count));
		consistency_corruptions_fail(pv->a, pv->b, r1, r2, proof, count);
	}
}

/* RFC 9162's edge cases: equal sizes, the empty tree, time travel. */
static void consistency_edges(void **state)
{
	merkle_hash a, b, empty, one[1];
	struct mem_tree t;
	size_t count;

	(void)state;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	hx(ROOTS[0], empty);
	memcpy(one[0], empty, MERKLE_HASH_BYTES);
	assert_false(merkle_verify_consistency(0, 0, a, b, NULL, 0));
	assert_false(merkle_verify_consistency(1, 1, a, b, NULL, 0));
	assert_true(merkle_verify_consistency(0, 0, a, a, NULL, 0));
	assert_true(merkle_verify_consistency(0, 1, a, b, NULL, 0));
	assert_true(merkle_verify_consistency(1, 1, b, b, NULL, 0));
	assert_false(merkle_verify_consistency(1, 0, a, b, NULL, 0));
	assert_false(merkle_verify_consistency(2, 1, a, b, NULL, 0));
	assert_false(merkle_verify_consistency(1, 2, a, b, NULL, 0));
	assert_false(merkle_verify_consistency(0, 0, empty, empty, one, 1));
	assert_false(merkle_verify_consistency(0, 1, empty, empty, one, 1));
	assert_false(merkle_verify_consistency(1, 1, empty, empty, one, 1));
	reference_tree(&t);
	assert_int_equal(merkle_consistency_proof(mem_read, &t, 5, 3, one, &count), -EINVAL);
	assert_int_equal(merkle_consistency_proof(mem_read, &t, 4, 4, one, &count), 0);
	assert_int_equal(count, 0);
}

/* MTH(D[begin:begin+n]) by RFC 6962's definition, from the leaf hashes. */
static void naive_mth(const merkle_hash *leaves, uint64_t n, merkle_hash out)
{
	merkle_hash l, r;
	uint64_t k = 1;

	if (n == 1) {
		memcpy(out, leaves[0], MERKLE_HASH_BYTES);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	naive_mth(leaves, k, l);
	naive_mth(leaves + k, n - k, r);
	assert_int_equal(merkle_node_hash(l, r, out), 0);
}

/* Every inclusion and consistency proof of every tree up to 70 leaves
 * verifies against the naive roots; proof sizes stay within the height;
 * proofs read O(log n) nodes. */
static void every_proof_of_small_trees(void **state)
{
	enum { N = 70 };
	static struct mem_tree t;
	merkle_hash leaves[N], roots[N + 1], proof[MERKLE_MAX_PROOF], root;
	size_t count;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (unsigned i = 0; i < N; i++) {
		char leaf[32];
		int len = snprintf(leaf, sizeof(leaf), "record %u", i);

		assert_int_equal(merkle_leaf_hash(leaf, (size_t)len, leaves[i]), 0);
		mem_append(&t, leaf, (size_t)len);
		naive_mth(leaves, i + 1, roots[i + 1]);
		assert_int_equal(merkle_root(mem_read, &t, i + 1, root), 0);
		assert_memory_equal(root, roots[i + 1], MERKLE_HASH_BYTES);
	}
	for (uint64_t n = 1; n <= N; n++) {
		for (uint64_t i = 0; i < n; i++) {
			t.reads = 0;
			assert_int_equal(merkle_inclusion_proof(mem_read, &t, i, n, proof, &count),
					 0);
			assert_true(count <= 7);
			assert_true(t.reads <= 2 * 7);
			assert_true(
			    merkle_verify_inclusion(leaves[i], i, n, proof, count, roots[n]));
			assert_false(merkle_verify_inclusion(leaves[(i + 1) % N], i, n, proof,
							     count, roots[n]));
		}
		for (uint64_t m = 1; m <= n; m++) {
			assert_int_equal(
			    merkle_consistency_proof(mem_read, &t, m, n, proof, &count), 0);
			assert_true(count <= 8);
			assert_true(
			    merkle_verify_consistency(m, n, roots[m], roots[n], proof, count));
			if (m < n)
				assert_false(merkle_verify_consistency(m, n, roots[m], roots[n - 1],
								       proof, count));
		}
	}
}

/* A reader's error reaches the caller. */
static int failing_read(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	(void)ctx;
	(void)level;
	(void)index;
	(void)out;
	return -EIO;
}

static void reader_errors_are_returned(void **state)
{
	merkle_hash proof[MERKLE_MAX_PROOF], h;
	struct mem_tree t;
	size_t count = 99;

	(void)state;
	memset(h, 0, sizeof(h));
	assert_int_equal(merkle_root(failing_read, NULL, 3, h), -EIO);
	assert_int_equal(merkle_inclusion_proof(failing_read, NULL, 1, 3, proof, &count), -EIO);
	assert_int_equal(count, 0);
	assert_int_equal(merkle_consistency_proof(failing_read, NULL, 1, 3, proof, &count), -EIO);
	memset(&t, 0, sizeof(t));
	assert_int_equal(merkle_append(failing_read, NULL, mem_write, &t, 1, h), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reference_nodes_and_roots),
	    cmocka_unit_test(reference_inclusion_proofs),
	    cmocka_unit_test(reference_consistency_proofs),
	    cmocka_unit_test(consistency_edges),
	    cmocka_unit_test(every_proof_of_small_trees),
	    cmocka_unit_test(reader_errors_are_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
