/* Base64, JSON, Ed25519 and compact JWS: published vectors (RFC 4648,
 * RFC 8032 via RFC 8037 appendix A) and the strictness the record log and
 * the collector rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/ed25519.h"
#include "common/json.h"
#include "common/jws.h"

/* RFC 8037 appendix A.1 and A.4. */
static const char RFC8037_D[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
static const char RFC8037_X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
static const char RFC8037_JWS[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

static void b64_rfc4648_vectors(void **state)
{
	static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char out[32], back[32];

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = strlen(in[i]);

		assert_int_equal(b64_encode(B64_STD, in[i], n, out), strlen(std[i]));
		assert_string_equal(out, std[i]);
		assert_int_equal(b64_encoded_len(B64_STD, n), strlen(std[i]));
		assert_int_equal(b64_encode(B64_URL, in[i], n, out), strlen(url[i]));
		assert_string_equal(out, url[i]);
		assert_int_equal(b64_decode(B64_STD, std[i], strlen(std[i]), back, sizeof(back)),
				 n);
		assert_memory_equal(back, in[i], n);
		assert_int_equal(b64_decode(B64_URL, url[i], strlen(url[i]), back, sizeof(back)),
				 n);
		assert_memory_equal(back, in[i], n);
	}
}

static void b64_decoding_is_strict(void **state)
{
	char out[16];

	(void)state;
	/* Padding in the URL alphabet, none in the standard one. */
	assert_int_equal(b64_decode(B64_URL, "Zg==", 4, out, sizeof(out)), -EINVAL);
	assert_int_equal(b64_decode(B64_STD, "Zg", 2, out, sizeof(out)), -EINVAL);
	/* The other alphabet's characters. */
	assert_int_equal(b64_decode(B64_URL, "+/", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(b64_decode(B64_STD, "-_==", 4, out, sizeof(out)), -EINVAL);
	/* Non-zero trailing bits: "Zh" would also decode to "f". */
	assert_int_equal(b64_decode(B64_URL, "Zh", 2, out, sizeof(out)), -EINVAL);
	/* White space and a lone character. */
	assert_int_equal(b64_decode(B64_URL, "Zm 9v", 5, out, sizeof(out)), -EINVAL);
	assert_int_equal(b64_decode(B64_URL, "Zm9vY", 5, out, sizeof(out)), -EINVAL);
	/* Too little room. */
	assert_int_equal(b64_decode(B64_URL, "Zm9vYmFy", 8, out, 5), -ENOSPC);
}

static void json_rejects_duplicates_and_reports_position(void **state)
{
	char err[128];
	json_t *v;

	(void)state;
	assert_null(wjson_parse("{\"a\":1,\"a\":2}", 13, err, sizeof(err)));
	assert_non_null(strstr(err, "duplicate"));
	assert_null(wjson_parse("{\n\"a\":}", 7, err, sizeof(err)));
	assert_non_null(strstr(err, "line 2"));
	assert_null(wjson_parse("\"just a string\"", 15, err, sizeof(err)));
	assert_null(wjson_parse("{} trailing", 11, err, sizeof(err)));
	v = wjson_parse("{\"b\":\"機密\",\"a\":[1,2]}", strlen("{\"b\":\"機密\",\"a\":[1,2]}"), err,
			sizeof(err));
	assert_non_null(v);
	json_decref(v);
}

static void json_canonical_sorts_and_keeps_utf8(void **state)
{
	json_t *v = json_object();
	size_t len;
	char *s;
	int64_t n;

	(void)state;
	assert_int_equal(wjson_set_str(v, "zeta", "機密"), 0);
	assert_int_equal(wjson_set_int(v, "alpha", 42), 0);
	assert_int_equal(wjson_set_str(v, "skipped", NULL), 0);
	json_object_set_new(v, "mid", json_pack("{s:b,s:s}", "y", 1, "x", "a/b"));
	s = wjson_canonical(v, &len);
	assert_string_equal(s,
			    "{\"alpha\":42,\"mid\":{\"x\":\"a/b\",\"y\":true},\"zeta\":\"機密\"}");
	assert_int_equal(len, strlen(s));
	assert_true(wjson_int(v, "alpha", &n));
	assert_int_equal(n, 42);
	assert_false(wjson_int(v, "zeta", &n));
	assert_null(wjson_str(v, "alpha"));
	free(s);
	json_decref(v);
}

static void ed25519_rfc8037_key_and_signature(void **state)
{
	unsigned char seed[32], pub[32], sig[64];
	struct ed25519_key key;
	const char *dot2 = strrchr(RFC8037_JWS, '.');
	char jwk[ED25519_JWK_MAX], x[96]; /* 64 bytes are 86 base64url characters */

	(void)state;
	assert_int_equal(b64_decode(B64_URL, RFC8037_D, strlen(RFC8037_D), seed, 32), 32);
	assert_int_equal(b64_decode(B64_URL, RFC8037_X, strlen(RFC8037_X), pub, 32), 32);
	assert_int_equal(ed25519_from_seed(seed, &key), 0);
	assert_memory_equal(key.pub, pub, 32);
	/* Ed25519 is deterministic: the RFC's signature, byte for byte. */
	assert_int_equal(ed25519_sign(&key, RFC8037_JWS, (size_t)(dot2 - RFC8037_JWS), sig), 0);
	b64_encode(B64_URL, sig, 64, x);
	assert_string_equal(x, dot2 + 1);
	ed25519_jwk(key.pub, jwk);
	assert_string_equal(jwk,
			    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7"
			    "hcvPapiMlrwIaaPcHURo\"}");
	ed25519_free(&key);
}

/* The ratchet's signing-only key: the RFC's key and signature too, and no
 * OpenSSL object to verify or export with. */
static void ed25519_signer_signs_as_the_rfc(void **state)
{
	unsigned char seed[32], pub[32], sig[64];
	struct ed25519_key key;
	const char *dot2 = strrchr(RFC8037_JWS, '.');
	char x[96];

	(void)state;
	assert_int_equal(b64_decode(B64_URL, RFC8037_D, strlen(RFC8037_D), seed, 32), 32);
	assert_int_equal(b64_decode(B64_URL, RFC8037_X, strlen(RFC8037_X), pub, 32), 32);
	assert_int_equal(ed25519_signer_from_seed(seed, &key), 0);
	assert_memory_equal(key.pub, pub, 32);
	assert_null(key.pkey);
	assert_int_equal(ed25519_sign(&key, RFC8037_JWS, (size_t)(dot2 - RFC8037_JWS), sig), 0);
	b64_encode(B64_URL, sig, 64, x);
	assert_string_equal(x, dot2 + 1);
	assert_true(ed25519_verify_raw(key.pub, RFC8037_JWS, (size_t)(dot2 - RFC8037_JWS), sig));
	assert_false(ed25519_verify(&key, RFC8037_JWS, (size_t)(dot2 - RFC8037_JWS), sig));
	ed25519_free(&key);
	assert_int_equal(ed25519_sign(&key, RFC8037_JWS, 4, sig), -EINVAL);
}

static void jws_rfc8037_vector_verifies(void **state)
{
	unsigned char pub[32];
	struct ed25519_key key;
	const char *why;
	struct jws j;

	(void)state;
	assert_int_equal(b64_decode(B64_URL, RFC8037_X, strlen(RFC8037_X), pub, 32), 32);
	assert_int_equal(ed25519_from_public(pub, &key), 0);
	assert_int_equal(jws_parse(RFC8037_JWS, strlen(RFC8037_JWS), &j, &why), 0);
	assert_string_equal(j.payload, "Example of Ed25519 signing");
	assert_string_equal(j.kid, "");
	assert_true(jws_verify(&j, &key));
	jws_free(&j);
	ed25519_free(&key);
}

static void jws_round_trip_and_tamper(void **state)
{
	static const char payload[] = "{\"kind\":\"decision\",\"level\":\"機密\",\"seq\":1}";
	struct ed25519_key key, other;
	const char *why;
	struct jws j;
	size_t len;
	char *out;

	(void)state;
	assert_int_equal(ed25519_generate(&key), 0);
	assert_int_equal(ed25519_generate(&other), 0);
	assert_int_equal(jws_sign(&key, "agent/r1", payload, strlen(payload), &out, &len), 0);
	assert_int_equal(len, strlen(out));
	assert_int_equal(jws_parse(out, len, &j, &why), 0);
	assert_string_equal(j.kid, "agent/r1");
	assert_string_equal(j.payload, payload);
	assert_true(jws_verify(&j, &key));
	assert_false(jws_verify(&j, &other));
	jws_free(&j);

	/* One changed payload character breaks the signature. */
	char *dot = strchr(out, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	assert_int_equal(jws_parse(out, len, &j, &why), 0);
	assert_false(jws_verify(&j, &key));
	jws_free(&j);
	free(out);

	assert_int_equal(jws_sign(&key, "bad\"kid", payload, strlen(payload), &out, &len), -EINVAL);
	ed25519_free(&key);
	ed25519_free(&other);
}

static void jws_parse_refuses_other_shapes(void **state)
{
	/* {"alg":"none"} */
	static const char none[] = "eyJhbGciOiJub25lIn0.e30.AAAA";
	/* {"alg":"EdDSA","crit":["b64"],"b64":false} */
	static const char crit[] = "eyJhbGciOiJFZERTQSIsImNyaXQiOlsiYjY0Il0sImI2NCI6ZmFsc2V9.e30."
				   "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGj"
				   "g5BhVsPt9g7sVvpAr_MuM0KAg";
	const char *why;
	struct jws j;

	(void)state;
	assert_int_equal(jws_parse(none, strlen(none), &j, &why), -EINVAL);
	assert_string_equal(why, "alg is not EdDSA");
	assert_int_equal(jws_parse(crit, strlen(crit), &j, &why), -EINVAL);
	assert_int_equal(jws_parse("a.b", 3, &j, &why), -EINVAL);
	assert_int_equal(jws_parse("a.b.c.d", 7, &j, &why), -EINVAL);
	/* A short signature. */
	assert_int_equal(jws_parse("eyJhbGciOiJFZERTQSJ9.e30.AAAA", 29, &j, &why), -EINVAL);
}

static void ed25519_pem_round_trip(void **state)
{
	char dir[] = "/tmp/ward-crypto-XXXXXX", priv[128], pub[128];
	struct ed25519_key key, back, pubonly;
	unsigned char sig[64];
	char *pem;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(priv, sizeof(priv), "%s/id.key", dir);
	snprintf(pub, sizeof(pub), "%s/id.pub", dir);
	assert_int_equal(ed25519_generate(&key), 0);
	assert_int_equal(ed25519_save_private_pem(&key, priv), 0);
	assert_int_equal(ed25519_save_public_pem(&key, pub), 0);
	assert_int_equal(ed25519_load_private_pem(priv, &back), 0);
	assert_int_equal(ed25519_load_public_pem(pub, &pubonly), 0);
	assert_memory_equal(back.pub, key.pub, 32);
	assert_false(pubonly.has_private);
	assert_int_equal(ed25519_sign(&back, "x", 1, sig), 0);
	assert_true(ed25519_verify(&pubonly, "x", 1, sig));
	assert_int_equal(ed25519_sign(&pubonly, "x", 1, sig), -EINVAL);
	pem = ed25519_public_pem(&key);
	assert_non_null(strstr(pem, "BEGIN PUBLIC KEY"));
	ed25519_free(&pubonly);
	assert_int_equal(ed25519_parse_public_pem(pem, strlen(pem), &pubonly), 0);
	assert_memory_equal(pubonly.pub, key.pub, 32);
	ed25519_free(&back);
	/* A private key file is not a public key. */
	assert_int_equal(ed25519_load_public_pem(priv, &back), -EINVAL);
	/* Creating a key that exists leaves the first one in place. */
	assert_int_equal(ed25519_generate(&back), 0);
	assert_int_equal(ed25519_create_private_pem(&back, priv), -EEXIST);
	ed25519_free(&back);
	assert_int_equal(ed25519_load_private_pem(priv, &back), 0);
	assert_memory_equal(back.pub, key.pub, 32);
	ed25519_free(&back);
	unlink(priv);
	assert_int_equal(ed25519_create_private_pem(&key, priv), 0);
	assert_int_equal(ed25519_load_private_pem(priv, &back), 0);
	assert_memory_equal(back.pub, key.pub, 32);
	ed25519_free(&back);
	free(pem);
	ed25519_free(&key);
	ed25519_free(&pubonly);
	unlink(priv);
	unlink(pub);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(b64_rfc4648_vectors),
	    cmocka_unit_test(b64_decoding_is_strict),
	    cmocka_unit_test(json_rejects_duplicates_and_reports_position),
	    cmocka_unit_test(json_canonical_sorts_and_keeps_utf8),
	    cmocka_unit_test(ed25519_rfc8037_key_and_signature),
	    cmocka_unit_test(ed25519_signer_signs_as_the_rfc),
	    cmocka_unit_test(jws_rfc8037_vector_verifies),
	    cmocka_unit_test(jws_round_trip_and_tamper),
	    cmocka_unit_test(jws_parse_refuses_other_shapes),
	    cmocka_unit_test(ed25519_pem_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
