#include "common/merkle.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

int merkle_leaf_hash(const void *leaf, size_t len, merkle_hash out)
{
	static const unsigned char prefix = 0x00;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, &prefix, 1) == 1 && EVP_DigestUpdate(ctx, leaf, len) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

int merkle_node_hash(const merkle_hash left, const merkle_hash right, merkle_hash out)
{
	unsigned char buf[1 + 2 * MERKLE_HASH_BYTES];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_BYTES);
	memcpy(buf + 1 + MERKLE_HASH_BYTES, right, MERKLE_HASH_BYTES);
	return EVP_Digest(buf, sizeof(buf), out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -ENOMEM;
}

int merkle_append(merkle_node_reader read, void *rctx, merkle_node_writer write, void *wctx,
		  uint64_t size, const merkle_hash leaf_hash)
{
	merkle_hash hash, left;
	uint64_t index = size;
	unsigned level = 0;
	int r;

	memcpy(hash, leaf_hash, MERKLE_HASH_BYTES);
	r = write(wctx, 0, index, hash);
	/* A right child completes its parent: climb while the node is one. */
	while (r == 0 && (index & 1)) {
		r = read(rctx, level, index - 1, left);
		if (r == 0)
			r = merkle_node_hash(left, hash, hash);
		index >>= 1;
		level++;
		if (r == 0)
			r = write(wctx, level, index, hash);
	}
	return r;
}

/* The largest power of two smaller than n (n >= 2): RFC 6962's k. */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* MTH of leaves [begin, begin + size), size >= 1, a subtree RFC 6962's
 * recursion visits: its left parts are perfect and aligned, so each is one
 * stored node and only the right spine needs hashing. */
static int range_hash(merkle_node_reader read, void *ctx, uint64_t begin, uint64_t size,
		      merkle_hash out)
{
	merkle_hash left, right;
	uint64_t k;
	int r;

	if ((size & (size - 1)) == 0) {
		unsigned level = (unsigned)__builtin_ctzll(size);

		if (begin & (size - 1))
			return -EINVAL;
		return read(ctx, level, begin >> level, out);
	}
	k = split_point(size);
	r = range_hash(read, ctx, begin, k, left);
	if (r == 0)
		r = range_hash(read, ctx, begin + k, size - k, right);
	if (r == 0)
		r = merkle_node_hash(left, right, out);
	return r;
}

int merkle_root(merkle_node_reader read, void *ctx, uint64_t size, merkle_hash out)
{
	if (size == 0)
		return EVP_Digest("", 0, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -ENOMEM;
	return range_hash(read, ctx, 0, size, out);
}

struct proof_out {
	merkle_hash *hashes;
	size_t count;
};

static int proof_add(merkle_node_reader read, void *ctx, struct proof_out *p, uint64_t begin,
		     uint64_t size)
{
	if (p->count >= MERKLE_MAX_PROOF)
		return -EOVERFLOW;
	return range_hash(read, ctx, begin, size, p->hashes[p->count++]);
}

/* RFC 6962 §2.1.1 PATH(m, D[begin:begin+n]). */
static int path(merkle_node_reader read, void *ctx, uint64_t m, uint64_t begin, uint64_t n,
		struct proof_out *p)
{
	uint64_t k;
	int r;

	if (n <= 1)
		return 0;
	k = split_point(n);
	if (m < k) {
		r = path(read, ctx, m, begin, k, p);
		return r ? r : proof_add(read, ctx, p, begin + k, n - k);
	}
	r = path(read, ctx, m - k, begin + k, n - k, p);
	return r ? r : proof_add(read, ctx, p, begin, k);
}

int merkle_inclusion_proof(merkle_node_reader read, void *ctx, uint64_t index, uint64_t size,
			   merkle_hash *proof, size_t *count)
{
	struct proof_out p = {proof, 0};
	int r;

	*count = 0;
	if (index >= size)
		return -EINVAL;
	r = path(read, ctx, index, 0, size, &p);
	if (r == 0)
		*count = p.count;
	return r;
}

/* RFC 6962 §2.1.2 SUBPROOF(m, D[begin:begin+n], b). */
static int subproof(merkle_node_reader read, void *ctx, uint64_t m, uint64_t begin, uint64_t n,
		    bool whole, struct proof_out *p)
{
	uint64_t k;
	int r;

	if (m == n)
		return whole ? 0 : proof_add(read, ctx, p, begin, n);
	k = split_point(n);
	if (m <= k) {
		r = subproof(read, ctx, m, begin, k, whole, p);
		return r ? r : proof_add(read, ctx, p, begin + k, n - k);
	}
	r = subproof(read, ctx, m - k, begin + k, n - k, false, p);
	return r ? r : proof_add(read, ctx, p, begin, k);
}

int merkle_consistency_proof(merkle_node_reader read, void *ctx, uint64_t size1, uint64_t size2,
			     merkle_hash *proof, size_t *count)
{
	struct proof_out p = {proof, 0};
	int r;

	*count = 0;
	if (size1 > size2)
		return -EINVAL;
	if (size1 == 0 || size1 == size2)
		return 0;
	r = subproof(read, ctx, size1, 0, size2, true, &p);
	if (r == 0)
		*count = p.count;
	return r;
}

static bool hash_equal(const merkle_hash a, const merkle_hash b)
{
	return CRYPTO_memcmp(a, b, MERKLE_HASH_BYTES) == 0;
}

/* RFC 9162's proof walk, shared by both verifications (§2.1.3.2 steps
 * 3-5, §2.1.4.2 steps 5-7): sr climbs to the root of the larger tree; fr,
 * when given, takes only the left siblings and ends at the root of the
 * smaller one.  True when the path had exactly the length the sizes
 * call for and every hash was computed. */
static bool proof_walk(uint64_t fn, uint64_t sn, const merkle_hash *path, size_t count,
		       unsigned char *fr, unsigned char *sr)
{
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			if ((fr && merkle_node_hash(path[i], fr, fr) < 0) ||
			    merkle_node_hash(path[i], sr, sr) < 0)
				return false;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (merkle_node_hash(sr, path[i], sr) < 0) {
			return false;
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0;
}

bool merkle_verify_inclusion(const merkle_hash leaf_hash, uint64_t index, uint64_t size,
			     const merkle_hash *proof, size_t count, const merkle_hash root)
{
	merkle_hash r;

	if (index >= size)
		return false;
	memcpy(r, leaf_hash, MERKLE_HASH_BYTES);
	return proof_walk(index, size - 1, proof, count, NULL, r) && hash_equal(r, root);
}

/* The walk from seed (the first proof hash, or root1 itself when the old
 * tree is a power of two and so a node of the new one). */
static bool consistency_walk(uint64_t fn, uint64_t sn, const merkle_hash seed,
			     const merkle_hash *rest, size_t count, const merkle_hash root1,
			     const merkle_hash root2)
{
	merkle_hash fr, sr;

	memcpy(fr, seed, MERKLE_HASH_BYTES);
	memcpy(sr, seed, MERKLE_HASH_BYTES);
	return proof_walk(fn, sn, rest, count, fr, sr) && hash_equal(fr, root1) &&
	       hash_equal(sr, root2);
}

bool merkle_verify_consistency(uint64_t size1, uint64_t size2, const merkle_hash root1,
			       const merkle_hash root2, const merkle_hash *proof, size_t count)
{
	uint64_t fn, sn;

	if (size1 > size2)
		return false;
	if (size1 == size2)
		return count == 0 && hash_equal(root1, root2);
	if (size1 == 0)
		return count == 0;
	if (count == 0)
		return false;
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	if ((size1 & (size1 - 1)) == 0)
		return consistency_walk(fn, sn, root1, proof, count, root1, root2);
	return consistency_walk(fn, sn, proof[0], proof + 1, count - 1, root1, root2);
}
