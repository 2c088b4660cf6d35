#include "common/jws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/buf.h"
#include "common/json.h"

int jws_sign_buf(const struct ed25519_key *key, const char *kid, const char *payload, size_t len,
		 struct buf *out)
{
	char header[JWS_KID_MAX + 32];
	unsigned char sig[ED25519_SIG_BYTES];
	size_t hlen, total, o;
	char *jws;
	int r;

	if (strlen(kid) >= JWS_KID_MAX || strpbrk(kid, "\"\\") || len > JWS_MAX_BYTES)
		return -EINVAL;
	for (const char *p = kid; *p; p++)
		if ((unsigned char)*p < 0x20)
			return -EINVAL;
	hlen = (size_t)snprintf(header, sizeof(header), "{\"alg\":\"EdDSA\",\"kid\":\"%s\"}", kid);
	total = b64_encoded_len(B64_URL, hlen) + 1 + b64_encoded_len(B64_URL, len) + 1 +
		b64_encoded_len(B64_URL, ED25519_SIG_BYTES);
	r = buf_reserve(out, total);
	if (r < 0)
		return r;
	jws = out->data + out->len;
	o = b64_encode(B64_URL, header, hlen, jws);
	jws[o++] = '.';
	o += b64_encode(B64_URL, payload, len, jws + o);
	r = ed25519_sign(key, jws, o, sig);
	if (r < 0) {
		jws[0] = '\0';
		return r;
	}
	jws[o++] = '.';
	o += b64_encode(B64_URL, sig, ED25519_SIG_BYTES, jws + o);
	jws[o] = '\0';
	out->len += o;
	return 0;
}

int jws_sign(const struct ed25519_key *key, const char *kid, const char *payload, size_t len,
	     char **out, size_t *outlen)
{
	struct buf b = BUF_INIT;
	int r = jws_sign_buf(key, kid, payload, len, &b);

	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*outlen = b.len;
	*out = buf_take(&b);
	return 0;
}

/* The protected header: an object of alg (EdDSA) and optionally kid and
 * typ; anything else (crit, b64, jku, ...) could change how the JWS is to
 * be read, so it is refused. */
static int header_check(const char *text, size_t len, struct jws *out, const char **why)
{
	unsigned char buf[512];
	ssize_t n = b64_decode(B64_URL, text, len, buf, sizeof(buf));
	json_t *h, *v;
	const char *key, *alg, *kid;
	int r = 0;

	if (n < 0) {
		*why = "header is not base64url";
		return -EINVAL;
	}
	h = wjson_parse((const char *)buf, (size_t)n, NULL, 0);
	if (!json_is_object(h)) {
		json_decref(h);
		*why = "header is not a JSON object";
		return -EINVAL;
	}
	json_object_foreach(h, key, v)
	{
		if (strcmp(key, "alg") != 0 && strcmp(key, "kid") != 0 && strcmp(key, "typ") != 0)
			r = -EINVAL;
	}
	alg = wjson_str(h, "alg");
	kid = wjson_str(h, "kid");
	if (r < 0)
		*why = "header has a member Ward does not accept";
	else if (!alg || strcmp(alg, "EdDSA") != 0)
		*why = "alg is not EdDSA", r = -EINVAL;
	else if (json_object_get(h, "kid") && (!kid || strlen(kid) >= JWS_KID_MAX))
		*why = "kid is not a short string", r = -EINVAL;
	else
		snprintf(out->kid, sizeof(out->kid), "%s", kid ? kid : "");
	json_decref(h);
	return r;
}

int jws_parse(const char *text, size_t len, struct jws *out, const char **why)
{
	const char *dot1, *dot2, *end = text + len;
	int r;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len > JWS_MAX_BYTES) {
		*why = "too long";
		return -EINVAL;
	}
	dot1 = memchr(text, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1))) {
		*why = "not three dot-separated parts";
		return -EINVAL;
	}
	r = header_check(text, (size_t)(dot1 - text), out, why);
	if (r < 0)
		return r;
	out->payload = (char *)b64_decode_alloc(B64_URL, dot1 + 1, (size_t)(dot2 - dot1 - 1),
						&out->payload_len);
	if (!out->payload) {
		*why = "payload is not base64url";
		return -EINVAL;
	}
	if (b64_decode(B64_URL, dot2 + 1, (size_t)(end - dot2 - 1), out->sig, sizeof(out->sig)) !=
	    ED25519_SIG_BYTES) {
		jws_free(out);
		*why = "signature is not 64 bytes of base64url";
		return -EINVAL;
	}
	out->signing_input = text;
	out->signing_len = (size_t)(dot2 - text);
	return 0;
}

void jws_free(struct jws *j)
{
	free(j->payload);
	j->payload = NULL;
}

bool jws_verify(const struct jws *j, const struct ed25519_key *key)
{
	return ed25519_verify(key, j->signing_input, j->signing_len, j->sig);
}
