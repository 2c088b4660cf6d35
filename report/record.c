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

int record_sealer_init(struct record_sealer *s)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);

	s->scratch = calloc(1, sizeof(*s->scratch));
	s->sha256 = EVP_MD_CTX_new();
	/* The context keeps the digest: each record's init reuses it. */
	if (!md || !s->scratch || !s->sha256 || !EVP_DigestInit_ex2(s->sha256, md, NULL)) {
		EVP_MD_free(md);
		record_sealer_free(s);
		return -ENOMEM;
	}
	EVP_MD_free(md);
	return 0;
}

void record_sealer_free(struct record_sealer *s)
{
	if (s->scratch)
		buf_free(s->scratch);
	free(s->scratch);
	EVP_MD_CTX_free(s->sha256);
	s->scratch = NULL;
	s->sha256 = NULL;
}

static int sealer_hash(struct record_sealer *s, const char *jws, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (!EVP_DigestInit_ex2(s->sha256, NULL, NULL) || !EVP_DigestUpdate(s->sha256, jws, len) ||
	    !EVP_DigestFinal_ex(s->sha256, out, &n) || n != 32)
		return -EIO;
	return 0;
}

/* The payload's canonical form with the chain members (seq, prev, ratchet
 * and, when announcing, next_key) written in as text: the payload is not
 * changed, no member allocated and freed per record. */
static int canonical_sealed(const json_t *payload, const struct ratchet *r, bool announce,
			    const struct chain_head *head, struct buf *out)
{
	char seq[24], ratchet[24], prev[SHA256_HEX_CHARS + 3];
	struct wjson_member chain[4] = {
	    {"seq", seq, (size_t)snprintf(seq, sizeof(seq), "%" PRIu64, head->seq + 1)},
	    {"prev", prev, SHA256_HEX_CHARS + 2},
	    {"ratchet", ratchet, (size_t)snprintf(ratchet, sizeof(ratchet), "%" PRIu64, r->index)},
	    {"next_key", announce ? r->next_jwk : NULL, announce ? strlen(r->next_jwk) : 0},
	};

	if (head->seq + 1 > INT64_MAX || r->index > INT64_MAX)
		return -EINVAL;
	prev[0] = '"';
	hex_encode(head->hash, sizeof(head->hash), prev + 1);
	prev[SHA256_HEX_CHARS + 1] = '"';
	prev[SHA256_HEX_CHARS + 2] = '\0';
	buf_reset(out);
	return wjson_canonical_with(payload, chain, 4, out);
}

int record_seal(const json_t *payload, const struct ratchet *r, bool announce,
		struct chain_head *head, struct record_sealer *s, struct buf *out)
{
	char kid[JWS_KID_MAX];
	const char *agent_id = json_string_value(json_object_get(payload, "agent_id"));
	unsigned char hash[32];
	size_t start = out->len;
	int e;

	if (!agent_id)
		return -EINVAL;
	e = canonical_sealed(payload, r, announce, head, s->scratch);
	if (e < 0)
		return e == -ENOMEM ? e : -EINVAL;
	snprintf(kid, sizeof(kid), "%s/r%" PRIu64, agent_id, r->index);
	e = jws_sign_buf(&r->key, kid, s->scratch->data, s->scratch->len, out);
	if (e == 0)
		e = buf_append(out, "\n", 1);
	if (e == 0)
		e = sealer_hash(s, out->data + start, out->len - start - 1, hash);
	if (e < 0) {
		if (out->data) {
			out->len = start;
			out->data[start] = '\0';
		}
		return e;
	}
	head->seq++;
	memcpy(head->hash, hash, sizeof(hash));
	return 0;
}
