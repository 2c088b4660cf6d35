/* The Merkle tree of a transparency log, RFC 6962 §2.1 with SHA-256:
 * hashing, proofs built from stored nodes, and RFC 9162's verification of
 * inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs.
 *
 * The collector builds proofs; agents and auditors verify them.  The tree
 * itself lives wherever the caller keeps it: proofs are built through a
 * reader of "perfect" subtree hashes, the node at (level, index) covering
 * leaves [index << level, (index + 1) << level).  A log that stores every
 * such node as it completes (merkle_append tells which) answers any proof
 * with O(log n) reads. */
#ifndef WARD_MERKLE_H
#define WARD_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_BYTES 32
/* A proof for a tree of up to 2^63 leaves has at most 64 hashes (a
 * consistency proof one more than the height). */
#define MERKLE_MAX_PROOF 65

typedef unsigned char merkle_hash[MERKLE_HASH_BYTES];

/* Reads the hash of the perfect subtree at (level, index) into out.
 * Returns 0, or a negative errno that the caller passes on. */
typedef int (*merkle_node_reader)(void *ctx, unsigned level, uint64_t index, merkle_hash out);
/* Receives a node completed by an append. */
typedef int (*merkle_node_writer)(void *ctx, unsigned level, uint64_t index,
				  const merkle_hash hash);

/* SHA-256(0x00 || leaf).  Returns 0 or -ENOMEM. */
int merkle_leaf_hash(const void *leaf, size_t len, merkle_hash out);
/* SHA-256(0x01 || left || right).  Returns 0 or -ENOMEM. */
int merkle_node_hash(const merkle_hash left, const merkle_hash right, merkle_hash out);

/* Appends the leaf whose hash is leaf_hash as leaf number size (the tree
 * had size leaves): calls write for the leaf node and for every node it
 * completes, lowest first, reading the left siblings it needs.  Returns 0
 * or the first negative value of read or write. */
int merkle_append(merkle_node_reader read, void *rctx, merkle_node_writer write, void *wctx,
		  uint64_t size, const merkle_hash leaf_hash);

/* The root of the tree of the first size leaves (SHA-256 of nothing for
 * the empty tree). */
int merkle_root(merkle_node_reader read, void *ctx, uint64_t size, merkle_hash out);

/* The inclusion proof of leaf index in the tree of size leaves (RFC 6962
 * §2.1.1), leaf to root, into proof (MERKLE_MAX_PROOF entries); *count
 * gets its length.  -EINVAL when index >= size. */
int merkle_inclusion_proof(merkle_node_reader read, void *ctx, uint64_t index, uint64_t size,
			   merkle_hash *proof, size_t *count);

/* The consistency proof from the tree of size1 leaves to that of size2
 * (RFC 6962 §2.1.2).  Empty when size1 is 0 or equals size2; -EINVAL when
 * size1 > size2. */
int merkle_consistency_proof(merkle_node_reader read, void *ctx, uint64_t size1, uint64_t size2,
			     merkle_hash *proof, size_t *count);

/* RFC 9162 §2.1.3.2: does proof place leaf_hash at index of the tree of
 * size leaves whose root is root? */
bool merkle_verify_inclusion(const merkle_hash leaf_hash, uint64_t index, uint64_t size,
			     const merkle_hash *proof, size_t count, const merkle_hash root);

/* RFC 9162 §2.1.4.2: is the tree (size2, root2) an append-only extension
 * of (size1, root1)?  Equal sizes need equal roots and an empty proof; an
 * empty old tree is consistent with anything (empty proof). */
bool merkle_verify_consistency(uint64_t size1, uint64_t size2, const merkle_hash root1,
			       const merkle_hash root2, const merkle_hash *proof, size_t count);

#endif
