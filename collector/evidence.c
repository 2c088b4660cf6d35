/* ward-collector admin export DIR (--agent ID | --ref CODE | --leaf N)...
 *
 * An evidence bundle for an auditor, verifiable offline:
 *   records/<leaf index>.jws   the exact stored bytes of each selected record, and of
 *                              every record that announced a ratchet key they need
 *   bundle.json                the latest checkpoint, the collector's key, each record's
 *                              index, seq and inclusion proof, the agents' enrollment keys
 *   verify.mjs                 checks all of it with the npm jose package and node:crypto
 *
 * The review console (collector/console/export.c) writes the same files
 * into an archive for the incidents a reviewer selected, their review
 * actions (collector leaves, signed with the collector's key) among them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/verify.h"
#include "common/b64.h"
#include "common/json.h"
#include "common/i18n.h"
#include "common/util.h"

/* The selected leaves, and for their agents every verified record up
 * to them (the ratchet key announcements a verifier walks). */
static const char SELECT_SQL[] =
    "SELECT l.leaf_idx, l.agent_id, l.seq, l.raw, c.status FROM leaves l LEFT JOIN chain c"
    " ON c.leaf_idx = l.leaf_idx WHERE l.agent_id = ? OR l.ref = ? OR l.leaf_idx = ? OR"
    " (c.status = 'stored' AND EXISTS (SELECT 1 FROM leaves s WHERE (s.agent_id = ? OR"
    " s.ref = ? OR s.leaf_idx = ?) AND s.agent_id = l.agent_id AND s.seq >= l.seq))"
    " ORDER BY l.leaf_idx";

static const char VERIFY_MJS[] =
    "// Verifies this bundle: node verify.mjs (with the npm jose package installed).\n"
    "import { readFileSync } from 'node:fs';\n"
    "import { createHash, createPublicKey, verify } from 'node:crypto';\n"
    "import { compactVerify, importJWK } from 'jose';\n"
    "const b = JSON.parse(readFileSync(new URL('./bundle.json', import.meta.url)));\n"
    "const sha = (...p) => createHash('sha256').update(Buffer.concat(p)).digest();\n"
    "let bad = 0; const fail = (m) => { bad++; console.log('FAIL ' + m); };\n"
    "// The checkpoint: a C2SP signed note by the collector's Ed25519 key.\n"
    "const [text, sigs] = [b.checkpoint.slice(0, b.checkpoint.lastIndexOf('\\n\\n') + 1),\n"
    "  b.checkpoint.slice(b.checkpoint.lastIndexOf('\\n\\n') + 2)];\n"
    "const raw = Buffer.from(b.collector_public_key, 'base64');\n"
    "const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', "
    "'hex'), raw]), format: 'der', type: 'spki' });\n"
    "const sig = Buffer.from(sigs.split(' ')[2], 'base64').subarray(4);\n"
    "if (!verify(null, Buffer.from(text), pub, sig)) fail('checkpoint signature');\n"
    "const [, size, rootB64] = text.split('\\n');\n"
    "const root = Buffer.from(rootB64, 'base64');\n"
    "// RFC 9162 2.1.3.2 inclusion of each record in that tree.\n"
    "function included(leaf, index, n, proof) {\n"
    "  let fn = BigInt(index), sn = BigInt(n) - 1n, r = sha(Buffer.from([0]), leaf);\n"
    "  for (const h of proof.map((x) => Buffer.from(x, 'hex'))) {\n"
    "    if (sn === 0n) return false;\n"
    "    if ((fn & 1n) || fn === sn) { r = sha(Buffer.from([1]), h, r);\n"
    "      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }\n"
    "    else r = sha(Buffer.from([1]), r, h);\n"
    "    fn >>= 1n; sn >>= 1n; }\n"
    "  return sn === 0n && r.equals(root);\n"
    "}\n"
    "// Each agent's ratchet walked from its enrollment key with jose.\n"
    "const keys = {};\n"
    "for (const [id, a] of Object.entries(b.agents)) keys[id] = { jwk: a.ratchet_key1, index: 1 };\n"
    "const chain = b.records.filter((r) => r.status === 'stored')\n"
    "  .sort((x, y) => x.agent_id.localeCompare(y.agent_id) || x.seq - y.seq);\n"
    "// Review actions are the collector's own leaves, signed with its key.\n"
    "const collectorJwk = { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') };\n"
    "for (const rec of b.records) {\n"
    "  const jws = readFileSync(new URL('./records/' + rec.index + '.jws', import.meta.url), "
    "'utf8');\n"
    "  if (!included(Buffer.from(jws), rec.index, size, rec.proof)) fail('inclusion of leaf ' + "
    "rec.index);\n"
    "  if (!rec.agent_id) try { await compactVerify(jws, await importJWK(collectorJwk, "
    "'EdDSA')); }\n"
    "  catch (e) { fail('collector signature of leaf ' + rec.index + ': ' + e.message); }\n"
    "}\n"
    "for (const rec of chain) {\n"
    "  const jws = readFileSync(new URL('./records/' + rec.index + '.jws', import.meta.url), "
    "'utf8');\n"
    "  const k = keys[rec.agent_id];\n"
    "  try {\n"
    "    const { payload } = await compactVerify(jws, await importJWK(k.jwk, 'EdDSA'));\n"
    "    const p = JSON.parse(new TextDecoder().decode(payload));\n"
    "    if (p.ratchet !== k.index) throw new Error('ratchet index');\n"
    "    if (p.next_key) { k.jwk = p.next_key; k.index++; }\n"
    "  } catch (e) { fail('signature of ' + rec.agent_id + ' seq ' + rec.seq + ': ' + "
    "e.message); }\n"
    "}\n"
    "console.log(bad ? `${bad} failures` : `ok: ${b.records.length} records, checkpoint of "
    "${size}`);\n"
    "process.exit(bad ? 1 : 0);\n";

static int write_text(void *ctx, const char *name, const char *text, size_t len)
{
	const char *dir = ctx;
	char path[4096];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fwrite(text, 1, len, f) != len)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static json_t *agent_keys(struct db *db, const char *id)
{
	static const char sql[] =
	    "SELECT identity_key, ratchet_key1 FROM agents WHERE agent_id = ?";
	struct db_val p[] = {DBV_TEXT(id)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	unsigned char idk[32], r1[32];
	char a[ED25519_JWK_MAX], b[ED25519_JWK_MAX];
	json_t *out = NULL;

	if (rows && db_next(rows) && db_col_blob(rows, 0, idk, 32) == 32 &&
	    db_col_blob(rows, 1, r1, 32) == 32) {
		ed25519_jwk(idk, a);
		ed25519_jwk(r1, b);
		out = json_pack("{soso}", "identity_key", wjson_parse(a, strlen(a), NULL, 0),
				"ratchet_key1", wjson_parse(b, strlen(b), NULL, 0));
	}
	db_rows_free(rows);
	return out;
}

/* One selector's leaves into records[] and the files (each leaf once:
 * seen holds the names written). */
static int export_selector(struct db *db, struct tlog_batch *log, const struct evidence_sink *sink,
			   const char *kind, const char *value, json_t *records, json_t *agents,
			   json_t *seen)
{
	int64_t leaf = strcmp(kind, "--leaf") == 0 ? strtoll(value, NULL, 10) : -1;
	const char *agent = strcmp(kind, "--agent") == 0 ? value : NULL;
	const char *ref = strcmp(kind, "--ref") == 0 ? value : NULL;
	struct db_val p[] = {DBV_TEXT(agent), DBV_TEXT(ref), DBV_INT(leaf),
			     DBV_TEXT(agent), DBV_TEXT(ref), DBV_INT(leaf)};
	struct db_rows *rows = db_query(db, SELECT_SQL, p, 6);
	int e = rows ? 0 : -EIO;

	while (e == 0 && rows && db_next(rows)) {
		uint64_t idx = (uint64_t)db_col_int(rows, 0);
		const char *id = db_col_text(rows, 1, NULL);
		merkle_hash proof[MERKLE_MAX_PROOF];
		char name[64];
		size_t len, count;
		const char *raw = db_col_text(rows, 3, &len);

		snprintf(name, sizeof(name), "records/%" PRIu64 ".jws", idx);
		if (idx >= log->size || json_object_get(seen, name))
			continue;
		e = sink->put(sink->ctx, name, raw, len);
		if (e == 0)
			e = json_object_set_new(seen, name, json_true());
		if (e == 0)
			e = tlog_inclusion(log, idx, log->size, proof, &count);
		if (e == 0)
			json_array_append_new(
			    records, json_pack("{sIsssIssso}", "index", (json_int_t)idx, "agent_id",
					       id, "seq", (json_int_t)db_col_int(rows, 2), "status",
					       db_col_text(rows, 4, NULL), "proof",
					       wjson_hash_array(proof, count)));
		if (e == 0 && *id && !json_object_get(agents, id))
			json_object_set_new(agents, id, agent_keys(db, id));
	}
	db_rows_free(rows);
	return e;
}

int evidence_write(struct collector *c, struct db *db, int argc, char **argv,
		   const struct evidence_sink *sink, size_t *n_records)
{
	struct tlog_batch *log = malloc(sizeof(*log));
	json_t *records = json_array(), *agents = json_object(), *seen = json_object(), *bundle;
	char pub[48], *note = NULL, *text = NULL;
	int e = log ? db_begin(db, false) : -ENOMEM;

	if (e == 0)
		e = tlog_latest(log, db, &note);
	for (int i = 0; e == 0 && i + 1 < argc; i += 2)
		e = export_selector(db, log, sink, argv[i], argv[i + 1], records, agents, seen);
	if (log)
		db_rollback(db);
	b64_encode(B64_STD, c->log.key.pub, ED25519_KEY_BYTES, pub);
	bundle = json_pack("{sssssssoso}", "checkpoint", note ? note : "", "collector_key", c->vkey,
			   "collector_public_key", pub, "records", json_incref(records), "agents",
			   json_incref(agents));
	if (e == 0 && bundle && (text = wjson_canonical(bundle, NULL)))
		e = sink->put(sink->ctx, "bundle.json", text, strlen(text));
	else if (e == 0)
		e = -ENOMEM;
	if (e == 0)
		e = sink->put(sink->ctx, "verify.mjs", VERIFY_MJS, strlen(VERIFY_MJS));
	*n_records = json_array_size(records);
	json_decref(bundle);
	json_decref(records);
	json_decref(agents);
	json_decref(seen);
	free(text);
	free(note);
	if (log)
		tlog_batch_free(log);
	free(log);
	return e;
}

int evidence_export(struct collector *c, const char *dir, int argc, char **argv)
{
	struct evidence_sink sink = {write_text, (void *)dir};
	char sub[4096];
	struct db *db;
	size_t n = 0;
	int e = 0;

	snprintf(sub, sizeof(sub), "%s/records", dir);
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(sub, 0755) < 0 && errno != EEXIST))
		e = -errno;
	if (e == 0) {
		db = store_acquire(c->store);
		e = evidence_write(c, db, argc, argv, &sink, &n);
		store_release(c->store, db);
	}
	if (e == 0)
		printf(_("%s: %zu records\n"), dir, n);
	else
		fprintf(stderr, _("ward-collector: export to %s failed\n"), dir);
	return e == 0 ? 0 : 1;
}
