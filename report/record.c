#define _GNU_SOURCE
#include "report/record.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/util.h"

int record_origin_init(struct record_origin *o, const char *agent_id)
{
	sd_id128_t boot;
	int r;

	memset(o, 0, sizeof(*o));
	str_copy(o->agent_id, sizeof(o->agent_id), agent_id);
	if (gethostname(o->host, sizeof(o->host) - 1) < 0)
		return -errno;
	r = sd_id128_get_boot(&boot);
	if (r < 0)
		return r;
	snprintf(o->boot_id, sizeof(o->boot_id), SD_ID128_UUID_FORMAT_STR,
		 SD_ID128_FORMAT_VAL(boot));
	return 0;
}

void rfc3339_ms(const struct timespec *t, char out[RFC3339_MAX])
{
	struct tm tm;
	size_t n;

	gmtime_r(&t->tv_sec, &tm);
	n = strftime(out, RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, RFC3339_MAX - n, ".%03ldZ", t->tv_nsec / 1000000);
}

json_t *record_new(const struct record_origin *o, const char *kind, const struct timespec *when)
{
	char id[RECORD_ID_LEN], at[RFC3339_MAX];
	struct timespec now;
	json_t *p = json_object();

	if (!when) {
		clock_gettime(CLOCK_REALTIME, &now);
		when = &now;
	}
	rfc3339_ms(when, at);
	if (!p || uuid_v4(id) < 0 || wjson_set_int(p, "v", RECORD_VERSION) < 0 ||
	    wjson_set_str(p, "kind", kind) < 0 || wjson_set_str(p, "agent_id", o->agent_id) < 0 ||
	    wjson_set_str(p, "host", o->host) < 0 || wjson_set_str(p, "boot_id", o->boot_id) < 0 ||
	    wjson_set_str(p, "record_id", id) < 0 || wjson_set_str(p, "observed_at", at) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

void record_hash(const char *jws, size_t len, unsigned char out[32])
{
	SHA256((const unsigned char *)jws, len, out);
}

static int set_chain_members(json_t *payload, const struct ratchet *r, bool announce,
			     const struct chain_head *head)
{
	char prev[SHA256_HEX_CHARS + 1];
	json_t *jwk;

	hex_encode(head->hash, sizeof(head->hash), prev);
	if (wjson_set_int(payload, "seq", (int64_t)(head->seq + 1)) < 0 ||
	    wjson_set_str(payload, "prev", prev) < 0 ||
	    wjson_set_int(payload, "ratchet", (int64_t)r->index) < 0)
		return -ENOMEM;
	if (!announce) {
		json_object_del(payload, "next_key");
		return 0;
	}
	jwk = wjson_parse(r->next_jwk, strlen(r->next_jwk), NULL, 0);
	if (!jwk || json_object_set_new(payload, "next_key", jwk) != 0)
		return -ENOMEM;
	return 0;
}

int record_seal(json_t *payload, const struct ratchet *r, bool announce, struct chain_head *head,
		struct buf *scratch, struct buf *out)
{
	char kid[JWS_KID_MAX];
	const char *agent_id = json_string_value(json_object_get(payload, "agent_id"));
	size_t start = out->len;
	int e;

	if (!agent_id)
		return -EINVAL;
	e = set_chain_members(payload, r, announce, head);
	if (e < 0)
		return e;
	buf_reset(scratch);
	e = wjson_canonical_buf(payload, scratch);
	if (e < 0)
		return e == -ENOMEM ? e : -EINVAL;
	snprintf(kid, sizeof(kid), "%s/r%" PRIu64, agent_id, r->index);
	e = jws_sign_buf(&r->key, kid, scratch->data, scratch->len, out);
	if (e < 0)
		return e;
	e = buf_append(out, "\n", 1);
	if (e < 0) {
		out->len = start;
		out->data[start] = '\0';
		return e;
	}
	head->seq++;
	record_hash(out->data + start, out->len - start - 1, head->hash);
	return 0;
}
