#include "collector/console/proof.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/util.h"
#include "report/chain.h"

bool proof_receipt(struct console *con, struct db *db, int64_t leaf, const char *raw, size_t len,
		   char why[PROOF_WHY])
{
	struct collector *c = con->c;
	struct tlog_batch *b = malloc(sizeof(*b));
	merkle_hash proof[MERKLE_MAX_PROOF], h;
	struct checkpoint cp;
	char *note = NULL;
	size_t count = 0;
	bool ok = false;

	if (!b || tlog_latest(b, db, &note) < 0 || !note)
		snprintf(why, PROOF_WHY, "%s", _("no signed checkpoint could be read"));
	else if (checkpoint_open(note, strlen(note), &c->log.verifier, c->log.origin, &cp) < 0)
		snprintf(why, PROOF_WHY, "%s",
			 _("the latest checkpoint's signature does not verify with the "
			   "collector's key"));
	else if ((uint64_t)leaf >= cp.size)
		snprintf(why, PROOF_WHY, "%s", _("not yet in a signed checkpoint"));
	else if (merkle_leaf_hash(raw, len, h) < 0 ||
		 tlog_inclusion(b, (uint64_t)leaf, cp.size, proof, &count) < 0)
		snprintf(why, PROOF_WHY, "%s", _("the inclusion proof could not be built"));
	else if (!merkle_verify_inclusion(h, (uint64_t)leaf, cp.size, proof, count, cp.root))
		snprintf(why, PROOF_WHY, "%s",
			 _("the inclusion proof does not lead to the signed root: the log was "
			   "changed"));
	else {
		snprintf(why, PROOF_WHY, _("leaf %lld of %llu, %zu hashes to the signed root"),
			 (long long)leaf, (unsigned long long)cp.size, count);
		ok = true;
	}
	free(note);
	if (b)
		tlog_batch_free(b);
	free(b);
	return ok;
}

static int leaf_text(struct db *db, int64_t leaf, char **raw, size_t *len, char sha[65])
{
	return store_leaf_read(db, (uint64_t)leaf, raw, len, sha);
}

/* The public key of ratchet index want for agent_id's record at seq:
 * key 1 from enrollment, or announced by the latest earlier record that
 * carried next_key. */
static int ratchet_key(struct db *db, const char *agent_id, int64_t seq, uint64_t want,
		       unsigned char key[ED25519_KEY_BYTES])
{
	static const char key1[] = "SELECT ratchet_key1 FROM agents WHERE agent_id = ?";
	struct chain_row row;
	int r = -ENOENT;

	if (want == 1) {
		struct db_val p[] = {DBV_TEXT(agent_id)};
		struct db_rows *rows = db_query(db, key1, p, 1);

		if (rows && db_next(rows) &&
		    db_col_blob(rows, 0, key, ED25519_KEY_BYTES) == ED25519_KEY_BYTES)
			r = 0;
		db_rows_free(rows);
		return rows ? r : -EIO;
	}
	for (int64_t s = seq - 1; s >= 1 && s >= seq - PROOF_KEY_WALK; s--) {
		struct record_info info;
		char *raw, sha[65];
		const char *why;
		size_t len;

		if (store_chain_get(db, agent_id, s, &row) < 0 ||
		    leaf_text(db, (int64_t)row.leaf_idx, &raw, &len, sha) < 0)
			return -ENOENT;
		if (record_parse(raw, len, &info, &why) < 0) {
			free(raw);
			return -EINVAL;
		}
		r = 1;
		if (info.has_next) {
			r = info.ratchet + 1 == want ? 0 : -EINVAL;
			memcpy(key, info.next_pub, ED25519_KEY_BYTES);
		}
		record_info_free(&info);
		free(raw);
		if (r <= 0)
			return r;
	}
	return -EAGAIN;
}

static void check_signature(struct db *db, const char *agent_id, int64_t seq,
			    const struct record_info *info, struct proof *p)
{
	unsigned char pub[ED25519_KEY_BYTES];
	struct ed25519_key key;
	int r = ratchet_key(db, agent_id, seq, info->ratchet, pub);

	p->ratchet = info->ratchet;
	if (r == -EAGAIN) {
		snprintf(p->sig_why, PROOF_WHY,
			 _("verified at receipt; its key was announced more than %d records "
			   "earlier"),
			 PROOF_KEY_WALK);
		return;
	}
	p->sig_checked = true;
	if (r < 0) {
		snprintf(p->sig_why, PROOF_WHY, "%s",
			 _("no ratchet key for it: the records announcing it are missing"));
		return;
	}
	p->sig_ok = ed25519_from_public(pub, &key) == 0 && jws_verify(&info->jws, &key);
	ed25519_free(&key);
	snprintf(p->sig_why, PROOF_WHY,
		 p->sig_ok ? _("Ed25519, ratchet key %llu of the desk")
			   : _("does not verify with ratchet key %llu: forged or altered"),
		 (unsigned long long)info->ratchet);
}

static int tamper_alerts(struct db *db, const char *agent_id, int64_t seq, char *why)
{
	static const char sql[] = "SELECT kind, detail FROM alerts WHERE agent_id = ? AND seq = ?"
				  " AND kind IN ('conflict', 'fork', 'forgery', 'invalid-held')"
				  " ORDER BY id LIMIT 1";
	struct db_val p[] = {DBV_TEXT(agent_id), DBV_INT(seq)};
	struct db_rows *rows = db_query(db, sql, p, 2);
	int n = 0;

	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		snprintf(why, PROOF_WHY, _("tamper alert at this seq: %s (%s)"),
			 db_col_text(rows, 0, NULL), db_col_text(rows, 1, NULL));
		n = 1;
	}
	db_rows_free(rows);
	return n;
}

static void check_chain(struct db *db, int64_t leaf, const char *agent_id, int64_t seq,
			const struct record_info *info, struct proof *p)
{
	struct chain_row row, before;
	char hash[65];

	if (store_chain_get(db, agent_id, seq, &row) < 0) {
		snprintf(p->chain_why, PROOF_WHY, "%s", _("no chain entry for this seq"));
		return;
	}
	if ((int64_t)row.leaf_idx != leaf) {
		snprintf(p->chain_why, PROOF_WHY,
			 _("another record holds seq %lld (leaf %llu): this one is a conflicting "
			   "copy"),
			 (long long)seq, (unsigned long long)row.leaf_idx);
		return;
	}
	if (strcmp(row.status, "held") == 0) {
		snprintf(
		    p->chain_why, PROOF_WHY, "%s",
		    _("held: records before it are missing (a gap); checked when they arrive"));
		return;
	}
	if (strcmp(row.status, "stored") != 0) {
		snprintf(p->chain_why, PROOF_WHY, "%s",
			 _("failed verification when the gap before it closed"));
		return;
	}
	hex_encode(info->prev, sizeof(info->prev), hash);
	if (seq > 1 && (store_chain_get(db, agent_id, seq - 1, &before) < 0 ||
			strcmp(before.hash, hash) != 0)) {
		snprintf(p->chain_why, PROOF_WHY, "%s",
			 _("prev does not match the record before it"));
		return;
	}
	if (tamper_alerts(db, agent_id, seq, p->chain_why) != 0)
		return;
	p->chain_ok = true;
	snprintf(p->chain_why, PROOF_WHY, _("seq %lld follows seq %lld of the same desk"),
		 (long long)seq, (long long)(seq - 1));
}

int proof_check(struct console *con, struct db *db, int64_t leaf, const char *agent_id, int64_t seq,
		struct proof *p)
{
	struct record_info info;
	char *raw = NULL, sha[65], actual[65];
	const char *why = NULL;
	size_t len = 0;
	int r;

	memset(p, 0, sizeof(*p));
	r = leaf_text(db, leaf, &raw, &len, sha);
	if (r < 0)
		return -EIO;
	sha256_hex(raw, len, actual);
	p->bytes_ok = strcmp(sha, actual) == 0;
	snprintf(p->bytes_why, PROOF_WHY, "%s",
		 p->bytes_ok ? _("the stored bytes match their SHA-256")
			     : _("the stored bytes were changed after they were kept"));
	p->receipt_ok = proof_receipt(con, db, leaf, raw, len, p->receipt_why);
	if (record_parse(raw, len, &info, &why) < 0) {
		snprintf(p->sig_why, PROOF_WHY, _("not a record: %s"), why);
		snprintf(p->chain_why, PROOF_WHY, "%s", p->sig_why);
	} else {
		check_signature(db, agent_id, seq, &info, p);
		check_chain(db, leaf, agent_id, seq, &info, p);
		record_info_free(&info);
	}
	free(raw);
	return 0;
}
