#include "collector/record.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"

void sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	unsigned char md[32];

	if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	hex_encode(md, sizeof(md), out);
}

static const char *nested_str(const json_t *obj, const char *outer, const char *inner)
{
	return wjson_str(json_object_get(obj, outer), inner);
}

/* The facts the console filters on; absent ones stay NULL. */
static void record_facts(struct record *r, const json_t *p)
{
	const json_t *rule = json_object_get(p, "rule");
	const char *file;
	int64_t line;

	r->kind = wjson_str(p, "kind");
	r->observed_at = wjson_str(p, "observed_at");
	r->host = wjson_str(p, "host");
	r->user = nested_str(p, "subject", "user");
	r->level = nested_str(p, "content", "level");
	r->action = wjson_str(p, "action");
	r->outcome = wjson_str(p, "outcome");
	r->device_serial = nested_str(p, "device", "serial");
	r->file_name = nested_str(p, "file", "name");
	if (!r->file_name)
		r->file_name = nested_str(p, "file", "name_hmac");
	r->file_sha256 = nested_str(p, "file", "sha256");
	r->ref = wjson_str(p, "ref");
	file = wjson_str(rule, "file");
	if (file && wjson_int(rule, "line", &line))
		snprintf(r->rule, sizeof(r->rule), "%s:%" PRId64, file, line);
	else if (file)
		snprintf(r->rule, sizeof(r->rule), "%s", file);
}

static int payload_check(struct record *r, const json_t *p, const char *agent_id, const char **why)
{
	const json_t *next = json_object_get(p, "next_key");
	const char *id = wjson_str(p, "agent_id");
	char kid[JWS_KID_MAX];
	int64_t v;

	r->prev = wjson_str(p, "prev");
	if (!wjson_int(p, "v", &v) || v != 1)
		*why = "payload v is not 1";
	else if (!id || strcmp(id, agent_id) != 0)
		*why = "agent_id is not the sender's";
	else if (!wjson_int(p, "seq", &r->seq) || r->seq < 1)
		*why = "seq is not a positive integer";
	else if (!wjson_int(p, "ratchet", &r->ratchet) || r->ratchet < 1)
		*why = "ratchet is not a positive integer";
	else if (!r->prev || strlen(r->prev) != HASH_HEX_LEN)
		*why = "prev is not a hex SHA-256";
	else if (!wjson_str(p, "kind") || !wjson_str(p, "observed_at"))
		*why = "kind or observed_at missing";
	else if (next && ed25519_jwk_parse(next, r->next_key) < 0)
		*why = "next_key is not an Ed25519 JWK";
	if (*why)
		return -EINVAL;
	snprintf(kid, sizeof(kid), "%s/r%" PRId64, agent_id, r->ratchet);
	if (strcmp(r->jws.kid, kid) != 0) {
		*why = "kid does not name the agent's ratchet key";
		return -EINVAL;
	}
	r->has_next_key = next != NULL;
	return 0;
}

int record_parse(struct record *r, const char *text, size_t len, const char *agent_id,
		 const char **why)
{
	json_t *p;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	r->text = text;
	r->len = len;
	if (jws_parse(text, len, &r->jws, why) < 0)
		return -EINVAL;
	p = wjson_parse(r->jws.payload, r->jws.payload_len, NULL, 0);
	if (!json_is_object(p)) {
		json_decref(p);
		jws_free(&r->jws);
		*why = "payload is not a JSON object";
		return -EINVAL;
	}
	r->json = p;
	if (payload_check(r, p, agent_id, why) < 0) {
		record_free(r);
		return -EINVAL;
	}
	record_facts(r, p);
	sha256_hex(text, len, r->sha256);
	return 0;
}

void record_free(struct record *r)
{
	json_decref(r->json);
	r->json = NULL;
	jws_free(&r->jws);
}

enum chain_verdict chain_extend(struct chain_head *head, struct record *r)
{
	if (r->ratchet != head->ratchet_index)
		return CHAIN_WRONG_KEY;
	if (!r->sig_checked || memcmp(r->sig_key, head->key, ED25519_KEY_BYTES) != 0) {
		r->sig_ok = ed25519_verify_raw(head->key, r->jws.signing_input, r->jws.signing_len,
					       r->jws.sig);
		memcpy(r->sig_key, head->key, ED25519_KEY_BYTES);
		r->sig_checked = true;
	}
	if (!r->sig_ok)
		return CHAIN_FORGED;
	if (CRYPTO_memcmp(r->prev, head->hash, HASH_HEX_LEN) != 0)
		return CHAIN_FORK;
	head->seq = r->seq;
	memcpy(head->hash, r->sha256, sizeof(head->hash));
	if (r->has_next_key) {
		memcpy(head->key, r->next_key, ED25519_KEY_BYTES);
		head->ratchet_index++;
	}
	return CHAIN_OK;
}

const char *chain_verdict_text(enum chain_verdict v)
{
	switch (v) {
	case CHAIN_OK:
		return "ok";
	case CHAIN_FORGED:
		return "forged: the signature does not verify with the key the ratchet announced";
	case CHAIN_WRONG_KEY:
		return "wrong key: ratchet is not the index of the announced key";
	case CHAIN_FORK:
		return "fork: prev is not the hash of the record before";
	default:
		return "next_key unusable";
	}
}
