/* tlog-sample: a transparency log built with common/merkle and signed
 * with common/note, written as JSON for an independent verifier (the
 * Node.js check in tests/js/tlog-check.js).
 *
 *   tlog-sample N
 *
 * Builds a tree of N leaves ("leaf <i>"), then prints
 *   {"name":..,"key_hash":"<8 hex>","public_key":"<base64 raw>","vkey":..,
 *    "checkpoint":"<signed note>","size":N,"root":"<hex>",
 *    "leaves":[{"index":i,"leaf":"<base64>","proof":["<hex>",..]},..]}
 * for every leaf when N <= 64, else for 64 spread over the tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/ed25519.h"
#include "common/json.h"
#include "common/merkle.h"
#include "common/note.h"
#include "common/util.h"

#define SAMPLES 64

/* Every node, level by level, in one growable array per level. */
struct tree {
	merkle_hash *level[64];
	uint64_t width[64];
};

static int tree_read(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct tree *t = ctx;

	if (index >= t->width[level])
		return -ENOENT;
	memcpy(out, t->level[level][index], MERKLE_HASH_BYTES);
	return 0;
}

static int tree_write(void *ctx, unsigned level, uint64_t index, const merkle_hash hash)
{
	struct tree *t = ctx;

	if (index % 1024 == 0) {
		merkle_hash *grown = realloc(t->level[level], (index + 1024) * sizeof(merkle_hash));

		if (!grown)
			return -ENOMEM;
		t->level[level] = grown;
	}
	memcpy(t->level[level][index], hash, MERKLE_HASH_BYTES);
	t->width[level] = index + 1;
	return 0;
}

static json_t *leaf_sample(struct tree *t, uint64_t i, uint64_t n)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	char leaf[32], b64[64];
	size_t count;
	int len = snprintf(leaf, sizeof(leaf), "leaf %llu", (unsigned long long)i);

	if (merkle_inclusion_proof(tree_read, t, i, n, proof, &count) < 0)
		return NULL;
	b64_encode(B64_STD, leaf, (size_t)len, b64);
	return json_pack("{sIsss o}", "index", (json_int_t)i, "leaf", b64, "proof",
			 wjson_hash_array(proof, count));
}

static int build(struct tree *t, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		char leaf[32];
		merkle_hash h;
		int len = snprintf(leaf, sizeof(leaf), "leaf %llu", (unsigned long long)i);
		int r = merkle_leaf_hash(leaf, (size_t)len, h);

		if (r == 0)
			r = merkle_append(tree_read, t, tree_write, t, i, h);
		if (r < 0)
			return r;
	}
	return 0;
}

static json_t *describe(struct tree *t, uint64_t n, const struct ed25519_key *key)
{
	struct checkpoint c = {.size = n};
	struct note_verifier v;
	char vkey[NOTE_VKEY_MAX], hex[2 * MERKLE_HASH_BYTES + 1], pub[48], kh[9];
	char *note = NULL;
	json_t *out, *leaves = json_array();
	uint64_t step = n <= SAMPLES ? 1 : n / SAMPLES;

	snprintf(c.origin, sizeof(c.origin), "ward.test/tlog-sample");
	if (merkle_root(tree_read, t, n, c.root) < 0 ||
	    note_verifier_init(&v, "ward-tlog-sample", key->pub) < 0 ||
	    note_verifier_key(&v, vkey, sizeof(vkey)) < 0 ||
	    checkpoint_sign(&c, v.name, key, &note) < 0)
		return NULL;
	for (uint64_t i = 0; i < n; i += step) {
		json_array_append_new(leaves, leaf_sample(t, i, n));
	}
	hex_encode(c.root, MERKLE_HASH_BYTES, hex);
	b64_encode(B64_STD, key->pub, ED25519_KEY_BYTES, pub);
	snprintf(kh, sizeof(kh), "%08x", v.hash);
	out = json_pack("{sssssssssssIssso}", "name", v.name, "key_hash", kh, "public_key", pub,
			"vkey", vkey, "checkpoint", note, "size", (json_int_t)n, "root", hex,
			"leaves", leaves);
	free(note);
	return out;
}

int main(int argc, char **argv)
{
	struct tree t = {0};
	struct ed25519_key key;
	json_t *out;
	uint64_t n;
	int status = 1;

	if (argc != 2 || (n = strtoull(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: tlog-sample N (N >= 1)\n");
		return 2;
	}
	if (ed25519_generate(&key) < 0 || build(&t, n) < 0) {
		fprintf(stderr, "tlog-sample: could not build the tree\n");
		return 1;
	}
	out = describe(&t, n, &key);
	if (out && wjson_print(stdout, out, false) == 0)
		status = 0;
	else
		fprintf(stderr, "tlog-sample: could not describe the tree\n");
	json_decref(out);
	ed25519_free(&key);
	for (size_t l = 0; l < 64; l++)
		free(t.level[l]);
	return status;
}
