/* POST /v1/enroll (protocol §3.1): a one-time token, the identity key
 * proving itself by signing the request, ratchet key 1, a CSR for the
 * sender's TLS key.  The token is consumed and the agent created in one
 * transaction; nothing is kept when anything fails. */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "collector/http.h"
#include "common/b64.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/util.h"

int enroll_token_new(struct db *db, int64_t ttl_ms, const char *label, char out[ENROLL_TOKEN_MAX])
{
	unsigned char id[8], secret[32];
	char idhex[17], sec[48], hash[HASH_HEX_LEN + 1];
	int64_t now = collector_now_ms();
	int r;

	if (RAND_bytes(id, sizeof(id)) != 1 || RAND_bytes(secret, sizeof(secret)) != 1)
		return -EIO;
	hex_encode(id, sizeof(id), idhex);
	b64_encode(B64_URL, secret, sizeof(secret), sec);
	sha256_hex(sec, strlen(sec), hash);
	r = db_begin(db, true);
	if (r == 0)
		r = store_token_add(db, idhex, hash, now, now + ttl_ms, label);
	if (r == 0)
		r = db_commit(db);
	else
		db_rollback(db);
	if (r == 0)
		snprintf(out, ENROLL_TOKEN_MAX, "%s.%s", idhex, sec);
	return r;
}

struct enrollment {
	struct jws jws;
	json_t *payload;
	struct agent agent;
	const char *token, *csr;
};

static void host_facts(struct agent *a, const json_t *host)
{
	str_copy(a->hostname, sizeof(a->hostname), wjson_str(host, "hostname") ?: "");
	str_copy(a->machine_id, sizeof(a->machine_id), wjson_str(host, "machine_id") ?: "");
	str_copy(a->os, sizeof(a->os), wjson_str(host, "os") ?: "");
	str_copy(a->version, sizeof(a->version), wjson_str(host, "version") ?: "");
}

/* Checks the request's form and self-signature.  Returns NULL or why. */
static const char *enrollment_parse(struct enrollment *e, const char *body, size_t len)
{
	unsigned char key1[ED25519_KEY_BYTES];
	char id[AGENT_ID_CHARS + 1], kid[JWS_KID_MAX];
	struct ed25519_key key;
	const char *why = NULL;
	int64_t v;
	bool ok;

	while (len && (body[len - 1] == '\n' || body[len - 1] == ' '))
		len--;
	if (jws_parse(body, len, &e->jws, &why) < 0)
		return why;
	e->payload = wjson_parse(e->jws.payload, e->jws.payload_len, NULL, 0);
	if (!json_is_object(e->payload) || !wjson_int(e->payload, "v", &v) || v != 1)
		return "payload is not a version 1 enrollment";
	e->token = wjson_str(e->payload, "token");
	e->csr = wjson_str(e->payload, "csr");
	if (!e->token || !e->csr)
		return "token or csr missing";
	if (ed25519_jwk_parse(json_object_get(e->payload, "identity_key"), e->agent.identity) < 0 ||
	    ed25519_jwk_parse(json_object_get(e->payload, "ratchet_key"), key1) < 0)
		return "identity_key and ratchet_key must be Ed25519 JWKs";
	agent_id_of(e->agent.identity, id);
	chain_start(&e->agent.chain, id, key1);
	snprintf(kid, sizeof(kid), "%s/id", id);
	if (strcmp(e->jws.kid, kid) != 0)
		return "kid is not <agent_id>/id of the identity key";
	if (ed25519_from_public(e->agent.identity, &key) < 0)
		return "identity_key is not a usable Ed25519 key";
	ok = jws_verify(&e->jws, &key);
	ed25519_free(&key);
	if (!ok)
		return "the request is not signed by its identity key";
	host_facts(&e->agent, json_object_get(e->payload, "host"));
	return NULL;
}

/* "<id>.<secret>": the id finds the row, the secret's hash is compared. */
static int take_token(struct db *db, const char *token, const char *agent_id, int64_t now)
{
	const char *dot = strchr(token, '.');
	char id[64], hash[HASH_HEX_LEN + 1];

	if (!dot || dot == token || (size_t)(dot - token) >= sizeof(id))
		return -ENOENT;
	str_copy_n(id, sizeof(id), token, (size_t)(dot - token));
	sha256_hex(dot + 1, strlen(dot + 1), hash);
	return store_token_take(db, id, hash, now, agent_id);
}

static int enroll_store(struct collector *c, struct db *db, struct enrollment *e, char **cert,
			const char **code, const char **msg)
{
	int64_t now = collector_now_ms();
	struct agent existing;
	int r;

	*code = "unavailable";
	*msg = "the database is unavailable";
	if (db_begin(db, true) < 0)
		return 503;
	r = take_token(db, e->token, e->agent.chain.agent_id, now);
	if (r == -ENOENT) {
		db_rollback(db);
		*code = "token";
		*msg = "the enrollment token is unknown, used or expired";
		return 403;
	}
	if (r == 0 && store_agent_get(db, e->agent.chain.agent_id, &existing) == 0) {
		db_rollback(db);
		*code = "enrolled";
		*msg = "this identity key is already enrolled";
		return 409;
	}
	if (r == 0 && pki_issue_client(&c->pki, e->csr, e->agent.chain.agent_id, cert,
				       e->agent.cert_serial, sizeof(e->agent.cert_serial)) < 0) {
		db_rollback(db);
		*code = "csr";
		*msg = "the CSR is not signed or does not name the agent id";
		return 400;
	}
	e->agent.enrolled_at = now;
	if (r == 0)
		r = store_agent_add(db, &e->agent);
	if (r == 0)
		r = db_commit(db);
	if (r < 0) {
		db_rollback(db);
		free(*cert);
		*cert = NULL;
		return 503;
	}
	return 200;
}

void api_enroll(void *ctx, const struct http_request *req, struct http_reply *reply)
{
	struct collector *c = ctx;
	struct enrollment e = {0};
	const char *why = enrollment_parse(&e, req->body, req->body_len), *code, *msg;
	char *cert = NULL;
	struct db *db;
	json_t *out;
	int status;

	if (why) {
		http_error(reply, 400, "malformed", why);
	} else {
		db = store_acquire(c->store);
		status = enroll_store(c, db, &e, &cert, &code, &msg);
		if (status == 200) {
			out = json_pack("{ssssssssss}", "agent_id", e.agent.chain.agent_id,
					"client_cert", cert, "ca_cert", c->pki.ca_pem,
					"collector_key", c->vkey, "ca_sha256", c->pki.ca_sha256);
			if (receipt_latest(c, db, 0, out) == 0)
				http_json(reply, 200, out);
			else {
				json_decref(out);
				http_error(reply, 503, "unavailable",
					   "enrolled; checkpoint unreadable");
			}
		} else {
			http_error(reply, status, code, msg);
		}
		store_release(c->store, db);
	}
	free(cert);
	json_decref(e.payload);
	jws_free(&e.jws);
}
