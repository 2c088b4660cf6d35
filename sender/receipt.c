/* What comes back from the collector, checked before anything is taken as
 * delivered: the checkpoint signed with the pinned collector key, for the
 * pinned origin, an append-only extension of the last one kept
 * (consistency proof), and for each record an inclusion proof of its exact
 * bytes in that tree.  The agent acts as a witness of the collector's log. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "sender/sender.h"

static int hashes_of(const json_t *arr, merkle_hash *out, size_t *count)
{
	size_t i;
	json_t *h;

	*count = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > MERKLE_MAX_PROOF)
		return -EPROTO;
	json_array_foreach(arr, i, h)
	{
		const char *hex = json_string_value(h);

		if (!hex || !hex_decode(hex, strlen(hex), out[i], MERKLE_HASH_BYTES))
			return -EPROTO;
	}
	*count = json_array_size(arr);
	return 0;
}

static int check_checkpoint(const struct sender *s, const json_t *answer,
			    struct receipt_outcome *out, char *err, size_t errsize)
{
	const char *note = wjson_str(answer, "checkpoint");
	merkle_hash proof[MERKLE_MAX_PROOF];
	const struct checkpoint *kept = &s->kept.cp;
	size_t n;

	if (!note)
		return errorf(err, errsize, -EPROTO, "the answer has no checkpoint");
	if (checkpoint_open(note, strlen(note), &s->cfg.key, s->cfg.origin, &out->cp) < 0)
		return errorf(err, errsize, -EBADMSG,
			      "the checkpoint is not signed by the pinned collector key");
	out->note = note;
	if (out->cp.size < kept->size)
		return errorf(err, errsize, -EBADMSG,
			      "the collector's log shrank from %llu to %llu records",
			      (unsigned long long)kept->size, (unsigned long long)out->cp.size);
	if (hashes_of(json_object_get(answer, "consistency"), proof, &n) < 0)
		return errorf(err, errsize, -EPROTO, "malformed consistency proof");
	if (kept->size && !merkle_verify_consistency(kept->size, out->cp.size, kept->root,
						     out->cp.root, proof, n))
		return errorf(err, errsize, -EBADMSG,
			      "checkpoint %llu is not an extension of checkpoint %llu: the "
			      "collector's log was rewritten",
			      (unsigned long long)out->cp.size, (unsigned long long)kept->size);
	return 0;
}

/* The answer's result for the batch's record i, or NULL. */
static const json_t *result_for(const json_t *results, const struct batch *b, size_t i)
{
	const json_t *r = json_array_get(results, i);
	int64_t v;
	size_t k;

	if (wjson_int(r, "seq", &v) && (uint64_t)v == b->seq[i])
		return r;
	json_array_foreach(results, k, r)
	{
		if (wjson_int(r, "seq", &v) && (uint64_t)v == b->seq[i])
			return r;
	}
	return NULL;
}

/* A stored or duplicate record's receipt: its leaf in the checkpoint's tree. */
static bool receipt_ok(const json_t *r, const char *text, size_t len, const struct checkpoint *cp)
{
	merkle_hash leaf, proof[MERKLE_MAX_PROOF];
	int64_t index;
	size_t n;

	if (!wjson_int(r, "index", &index) || index < 0 ||
	    hashes_of(json_object_get(r, "proof"), proof, &n) < 0 ||
	    merkle_leaf_hash(text, len, leaf) < 0)
		return false;
	return merkle_verify_inclusion(leaf, (uint64_t)index, cp->size, proof, n, cp->root);
}

/* Is the batch's record i delivered (kept by the collector, its receipt
 * checked)?  -EBADMSG for a receipt that does not verify. */
static int delivered(const json_t *results, const struct batch *b, size_t i,
		     struct receipt_outcome *out, char *err, size_t errsize)
{
	const json_t *r = result_for(results, b, i);
	const char *status = wjson_str(r, "status");

	if (!status)
		return 0;
	if (strcmp(status, "rejected") == 0) {
		if (out->rejected++ == 0)
			snprintf(out->reject_reason, sizeof(out->reject_reason), "seq %llu: %s",
				 (unsigned long long)b->seq[i],
				 wjson_str(r, "reason") ? wjson_str(r, "reason") : "rejected");
		return 0;
	}
	if ((strcmp(status, "stored") == 0 || strcmp(status, "duplicate") == 0)) {
		if (!receipt_ok(r, b->text[i], b->len[i], &out->cp))
			return errorf(
			    err, errsize, -EBADMSG,
			    "the receipt of seq %llu does not place it in checkpoint %llu",
			    (unsigned long long)b->seq[i], (unsigned long long)out->cp.size);
		return 1;
	}
	/* held and conflict: the collector keeps them (as evidence). */
	return strcmp(status, "held") == 0 || strcmp(status, "conflict") == 0;
}

/* acked moves over seq acked+1, +2, ... while each is delivered and at or
 * below contiguous_seq, whatever order the batch had. */
static int check_results(const json_t *answer, const struct batch *b, struct receipt_outcome *out,
			 char *err, size_t errsize)
{
	const json_t *results = json_object_get(answer, "results");
	bool *ok;
	int r = 0;

	if (!json_is_array(results))
		return errorf(err, errsize, -EPROTO, "the answer has no results");
	ok = calloc(b->n, sizeof(*ok));
	if (!ok)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < b->n; i++)
		ok[i] = (r = delivered(results, b, i, out, err, errsize)) > 0;
	for (bool moved = r >= 0; moved;) {
		moved = false;
		for (size_t i = 0; i < b->n; i++) {
			if (!ok[i] || b->seq[i] != out->acked_seq + 1 ||
			    b->seq[i] > out->contiguous_seq)
				continue;
			out->acked_seq = b->seq[i];
			record_hash(b->text[i], b->len[i], out->acked_hash);
			moved = true;
		}
	}
	free(ok);
	return r < 0 ? r : 0;
}

int receipts_check(const struct sender *s, const json_t *answer, const struct batch *b,
		   struct receipt_outcome *out, char *err, size_t errsize)
{
	int64_t contiguous = 0;
	int r;

	memset(out, 0, sizeof(*out));
	out->acked_seq = s->acked.seq;
	memcpy(out->acked_hash, s->acked.hash, sizeof(out->acked_hash));
	if (!json_is_object(answer))
		return errorf(err, errsize, -EPROTO, "the answer is not a JSON object");
	r = check_checkpoint(s, answer, out, err, errsize);
	if (r < 0 || !b)
		return r;
	if (!wjson_int(answer, "contiguous_seq", &contiguous) || contiguous < 0)
		return errorf(err, errsize, -EPROTO, "the answer has no contiguous_seq");
	out->contiguous_seq = (uint64_t)contiguous;
	return check_results(answer, b, out, err, errsize);
}
