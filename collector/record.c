#include "collector/record.h"

#include <errno.h>
#include <inttypes.h>
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
static void record_facts(struct delivered *d, const json_t *p)
{
	const json_t *rule = json_object_get(p, "rule");
	const char *file;
	int64_t line;

	d->kind = wjson_str(p, "kind");
	d->observed_at = wjson_str(p, "observed_at");
	d->host = wjson_str(p, "host");
	d->user = nested_str(p, "subject", "user");
	d->level = nested_str(p, "content", "level");
	d->action = wjson_str(p, "action");
	d->outcome = wjson_str(p, "outcome");
	d->device_serial = nested_str(p, "device", "serial");
	d->file_name = nested_str(p, "file", "name");
	if (!d->file_name)
		d->file_name = nested_str(p, "file", "name_hmac");
	d->file_sha256 = nested_str(p, "file", "sha256");
	d->ref = wjson_str(p, "ref");
	file = wjson_str(rule, "file");
	if (file && wjson_int(rule, "line", &line))
		snprintf(d->rule, sizeof(d->rule), "%s:%" PRId64, file, line);
	else if (file)
		snprintf(d->rule, sizeof(d->rule), "%s", file);
}

int delivered_parse(struct delivered *d, const char *text, size_t len, const char *agent_id,
		    const char **why)
{
	memset(d, 0, sizeof(*d));
	d->text = text;
	d->len = len;
	if (record_parse(text, len, &d->info, why) < 0)
		return -EINVAL;
	if (strcmp(d->info.agent_id, agent_id) != 0) {
		record_info_free(&d->info);
		*why = "agent_id is not the sender's";
		return -EINVAL;
	}
	d->json = wjson_parse(d->info.jws.payload, d->info.jws.payload_len, NULL, 0);
	if (!d->json || !wjson_str(d->json, "observed_at")) {
		delivered_free(d);
		*why = "observed_at missing";
		return -EINVAL;
	}
	record_facts(d, d->json);
	hex_encode(d->info.hash, sizeof(d->info.hash), d->sha256);
	return 0;
}

void delivered_free(struct delivered *d)
{
	json_decref(d->json);
	d->json = NULL;
	record_info_free(&d->info);
}

static bool same_state(const struct chain_state *a, const struct chain_state *b)
{
	return a->head.seq == b->head.seq && a->key_index == b->key_index &&
	       memcmp(a->head.hash, b->head.hash, sizeof(a->head.hash)) == 0 &&
	       memcmp(a->key, b->key, sizeof(a->key)) == 0 && strcmp(a->agent_id, b->agent_id) == 0;
}

enum chain_verdict delivered_check(struct delivered *d, const struct chain_state *st,
				   const char **why)
{
	if (!d->checked || !same_state(&d->checked_against, st)) {
		d->verdict = chain_check(st, &d->info, &d->why);
		d->checked_against = *st;
		d->checked = true;
	}
	*why = d->why;
	return d->verdict;
}
