#include "report/chain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/i18n.h"
#include "common/util.h"

static bool hex_member(const json_t *p, const char *key, unsigned char *out, size_t len)
{
	const char *s = wjson_str(p, key);

	return s && hex_decode(s, strlen(s), out, len);
}

static bool lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The members of an already parsed payload object. */
static int info_from_payload(const json_t *p, struct record_info *info, const char **why)
{
	const char *agent = wjson_str(p, "agent_id"), *kind = wjson_str(p, "kind");
	json_t *next = json_object_get(p, "next_key");
	int64_t v, seq, ratchet;

	if (!wjson_int(p, "v", &v) || v != RECORD_VERSION)
		return *why = N_("v is not 1"), -EINVAL;
	if (!agent || !lower_hex(agent, AGENT_ID_CHARS))
		return *why = N_("agent_id is not 32 lower-case hex digits"), -EINVAL;
	if (!kind || !*kind || strlen(kind) >= sizeof(info->kind))
		return *why = N_("kind is missing"), -EINVAL;
	if (!wjson_int(p, "seq", &seq) || seq < 1)
		return *why = N_("seq is not a positive integer"), -EINVAL;
	if (!wjson_int(p, "ratchet", &ratchet) || ratchet < 1)
		return *why = N_("ratchet is not a positive integer"), -EINVAL;
	if (!hex_member(p, "prev", info->prev, sizeof(info->prev)) ||
	    !lower_hex(wjson_str(p, "prev"), SHA256_HEX_CHARS))
		return *why = N_("prev is not 64 lower-case hex digits"), -EINVAL;
	if (next && ed25519_jwk_parse(next, info->next_pub) < 0)
		return *why = N_("next_key is not an Ed25519 JWK"), -EINVAL;
	info->has_next = next != NULL;
	info->seq = (uint64_t)seq;
	info->ratchet = (uint64_t)ratchet;
	memcpy(info->agent_id, agent, AGENT_ID_CHARS + 1);
	memcpy(info->kind, kind, strlen(kind) + 1);
	return 0;
}

int record_parse(const char *text, size_t len, struct record_info *info, const char **why)
{
	char kid[JWS_KID_MAX];
	json_t *p;
	int r;

	memset(info, 0, sizeof(*info));
	r = jws_parse(text, len, &info->jws, why);
	if (r < 0)
		return r;
	p = wjson_parse(info->jws.payload, info->jws.payload_len, NULL, 0);
	if (!json_is_object(p)) {
		*why = N_("payload is not a JSON object");
		r = -EINVAL;
	} else {
		r = info_from_payload(p, info, why);
	}
	json_decref(p);
	if (r == 0) {
		snprintf(kid, sizeof(kid), "%s/r%llu", info->agent_id,
			 (unsigned long long)info->ratchet);
		if (strcmp(kid, info->jws.kid) != 0) {
			*why = N_("kid does not name the agent and ratchet key of the payload");
			r = -EINVAL;
		}
	}
	if (r < 0) {
		jws_free(&info->jws);
		return r;
	}
	record_hash(text, len, info->hash);
	return 0;
}

void record_info_free(struct record_info *info)
{
	jws_free(&info->jws);
}

void chain_start(struct chain_state *st, const char *agent_id,
		 const unsigned char key1[ED25519_KEY_BYTES])
{
	memset(st, 0, sizeof(*st));
	str_copy(st->agent_id, sizeof(st->agent_id), agent_id);
	st->key_index = 1;
	memcpy(st->key, key1, ED25519_KEY_BYTES);
}

enum chain_verdict chain_check(const struct chain_state *st, const struct record_info *rec,
			       const char **why)
{
	*why = NULL;
	if (strcmp(rec->agent_id, st->agent_id) != 0)
		return *why = N_("the record names another agent"), CHAIN_FOREIGN;
	if (rec->seq <= st->head.seq)
		return *why = N_("a record at this seq was already seen"), CHAIN_OLD;
	if (rec->seq > st->head.seq + 1)
		return *why = N_("records are missing before this one"), CHAIN_GAP;
	if (memcmp(rec->prev, st->head.hash, sizeof(rec->prev)) != 0)
		return *why = N_("prev is not the hash of the record before it"), CHAIN_FORK;
	if (rec->ratchet != st->key_index)
		return *why = N_("signed with a ratchet key other than the one announced"),
		       CHAIN_FORGED;
	if (!ed25519_verify_raw(st->key, rec->jws.signing_input, rec->jws.signing_len,
				rec->jws.sig))
		return *why = N_("the signature does not verify with the announced key"),
		       CHAIN_FORGED;
	return CHAIN_NEXT;
}

void chain_advance(struct chain_state *st, const struct record_info *rec)
{
	st->head.seq = rec->seq;
	memcpy(st->head.hash, rec->hash, sizeof(st->head.hash));
	if (rec->has_next) {
		st->key_index = rec->ratchet + 1;
		memcpy(st->key, rec->next_pub, ED25519_KEY_BYTES);
	}
}

const char *chain_verdict_name(enum chain_verdict v)
{
	switch (v) {
	case CHAIN_NEXT:
		return "ok";
	case CHAIN_GAP:
		return "gap";
	case CHAIN_OLD:
		return "reorder";
	case CHAIN_FORK:
		return "fork";
	case CHAIN_FORGED:
		return "forgery";
	case CHAIN_FOREIGN:
		return "foreign";
	}
	return "?";
}
