/* The ratchet, the state file, record references, the identity and the
 * members of a decision record.  Vectors marked "independent" were
 * computed with Python's hmac and the `cryptography` package, not with
 * Ward's code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "common/record_id.h"
#include "common/util.h"
#include "report/decision.h"
#include "report/identity.h"
#include "report/ratchet.h"
#include "report/record.h"

/* Independent: seed = 01 02 .. 20. */
static const char KEY1_SEED[] = "e6f24e2be17be6d2f4d3195ab1d659e2109700b303b26a0856b2f372112c89a1";
static const char SEED2[] = "d871601fd8a60dc4b1c31be38a21877b92c51ee93a4243c057e4f539f6cb4feb";
static const char PUB1[] = "9750d993681c604b64e8c85f56beccaea554ef70be5c197aa56a6eb6e0ae7d21";
static const char PUB2[] = "9205d992c4318d3c240c4d397c5c414bd8110fee8951e253f88deea68eff66a6";
static const char AGENT_OF_PUB1[] = "947a1c0d25a798c146241eb416ec4413";

static void test_seed(unsigned char seed[32])
{
	for (int i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i + 1);
}

static void hex_is(const unsigned char *bytes, size_t len, const char *want)
{
	char hex[129];

	hex_encode(bytes, len, hex);
	assert_string_equal(hex, want);
}

static void ratchet_matches_independent_vectors(void **state)
{
	unsigned char seed[32], key_seed[32], next_seed[32], pub[32];
	struct ratchet r;
	char jwk[ED25519_JWK_MAX], *canonical;
	json_t *parsed;

	(void)state;
	test_seed(seed);
	ratchet_derive(seed, key_seed, next_seed);
	hex_is(key_seed, 32, KEY1_SEED);
	hex_is(next_seed, 32, SEED2);
	assert_int_equal(ratchet_public(seed, pub), 0);
	hex_is(pub, 32, PUB1);

	assert_int_equal(ratchet_init(&r, 1, seed), 0);
	hex_is(r.key.pub, 32, PUB1);
	hex_is(r.next.pub, 32, PUB2);
	ed25519_jwk(r.next.pub, jwk);
	assert_string_equal(jwk, r.next_jwk);
	/* Canonical already: record_seal writes it into the payload as it is. */
	parsed = wjson_parse(r.next_jwk, strlen(r.next_jwk), NULL, 0);
	canonical = wjson_canonical(parsed, NULL);
	assert_non_null(canonical);
	assert_string_equal(canonical, r.next_jwk);
	free(canonical);
	json_decref(parsed);
	/* A step: key 2 signs, seed 1 is gone from the struct. */
	assert_int_equal(ratchet_step(&r), 0);
	assert_int_equal(r.index, 2);
	hex_is(r.key.pub, 32, PUB2);
	hex_is(r.seed, 32, SEED2);
	assert_memory_not_equal(r.next.pub, r.key.pub, 32);
	ratchet_wipe(&r);
	assert_null(r.key.pkey);
}

static void state_file_round_trip_and_refusal(void **state)
{
	unsigned char seed[32], back[32], buf[RATCHET_STATE_BYTES];
	uint64_t index;

	(void)state;
	test_seed(seed);
	ratchet_state_encode(0x0102030405060708ull, seed, buf);
	assert_memory_equal(buf, "WARDRS1\n", 8);
	assert_int_equal(buf[8], 0x08); /* little-endian */
	assert_int_equal(ratchet_state_decode(buf, &index, back), 0);
	assert_true(index == 0x0102030405060708ull);
	assert_memory_equal(back, seed, 32);
	/* One bit anywhere is refused, not misread. */
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x10;
		assert_int_equal(ratchet_state_decode(buf, &index, back), -EBADMSG);
		buf[i] ^= 0x10;
	}
	ratchet_state_encode(0, seed, buf);
	assert_int_equal(ratchet_state_decode(buf, &index, back), -EBADMSG);
}

static void refs_uuids_and_times(void **state)
{
	char ref[RECORD_REF_LEN], id[RECORD_ID_LEN], at[RFC3339_MAX];
	struct timespec t = {.tv_sec = 1643076000, .tv_nsec = 123456789};

	(void)state;
	/* Independent: the first 40 bits of the UUID in Crockford base 32. */
	assert_int_equal(record_ref("6ba7b810-9dad-41d1-80b4-00c04fd430c8", ref), 0);
	assert_string_equal(ref, "DEKV-G44X");
	assert_int_equal(record_ref("6ba7b810", ref), -EINVAL);
	assert_int_equal(record_ref("6ba7b810x9dad-41d1-80b4-00c04fd430c8", ref), -EINVAL);
	assert_int_equal(uuid_v4(id), 0);
	assert_int_equal(strlen(id), 36);
	assert_int_equal(id[14], '4');
	assert_non_null(strchr("89ab", id[19]));
	rfc3339_ms(&t, at);
	assert_string_equal(at, "2022-01-25T02:00:00.123Z");
}

static void identity_created_once_and_agent_id(void **state)
{
	char dir[] = "/tmp/ward-report-keys.XXXXXX", keys[64], cmd[128];
	unsigned char pub[32], names[NAMES_KEY_BYTES], names2[NAMES_KEY_BYTES];
	struct identity a, b, pubonly;
	char hmac[65], hmac2[65];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	assert_int_equal(identity_load_or_create(keys, &a), 0);
	assert_int_equal(identity_load_or_create(keys, &b), 0);
	assert_memory_equal(a.key.pub, b.key.pub, 32);
	assert_string_equal(a.agent_id, b.agent_id);
	assert_int_equal(identity_load_public(keys, &pubonly), 0);
	assert_string_equal(pubonly.agent_id, a.agent_id);
	assert_false(pubonly.key.has_private);
	assert_true(hex_decode(PUB1, 64, pub, 32));
	{
		char id[AGENT_ID_CHARS + 1];

		agent_id_of(pub, id);
		assert_string_equal(id, AGENT_OF_PUB1);
	}
	assert_int_equal(names_key_load_or_create(keys, names), 0);
	assert_int_equal(names_key_load_or_create(keys, names2), 0);
	assert_memory_equal(names, names2, sizeof(names));
	names_hmac(names, "報告.odt", hmac);
	names_hmac(names, "報告2.odt", hmac2);
	assert_int_equal(strlen(hmac), 64);
	assert_string_not_equal(hmac, hmac2);
	identity_free(&a);
	identity_free(&b);
	identity_free(&pubonly);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static json_t *sample_decision(const unsigned char *names_key, struct classify_result *c,
			       struct ward_device *dev)
{
	struct record_origin o = {.agent_id = "947a1c0d25a798c146241eb416ec4413",
				  .host = "desk-01",
				  .boot_id = "7a67b731-d434-4057-bb81-4fe9e17d5acb"};
	struct report_decision d = {0};
	json_t *p = record_new(&o, "decision", NULL);

	memset(c, 0, sizeof(*c));
	memset(dev, 0, sizeof(*dev));
	c->level = WARD_LEVEL_CONFIDENTIAL;
	c->size = 123;
	c->n_pii = 1;
	snprintf(c->pii[0].type, sizeof(c->pii[0].type), "roc-national-id");
	c->pii[0].count = 3;
	dev->vendor_id = 0x0781;
	dev->product_id = 0x5567;
	dev->bus = DEVICE_BUS_USB;
	snprintf(dev->serial, sizeof(dev->serial), "4C530001");
	d.event = "copy-destination";
	d.action = "block";
	d.outcome = "denied";
	d.rule_file = "50-copy.rules";
	d.rule_line = 7;
	d.rule_reason = "公務機密非經核准不得複製攜出";
	d.uid = 1000;
	d.user = "alice";
	d.loginuid = (uid_t)-1;
	d.pid = 4242;
	d.exe = "/usr/bin/cp";
	d.path = "/media/alice/STICK/報告.odt";
	d.source = "/home/alice/報告.odt";
	d.content = c;
	d.device = dev;
	d.approver = "王科長";
	d.token = "ward-token 1\n...";
	d.count = 3;
	d.first.tv_sec = 1643076000;
	d.last.tv_sec = 1643076005;
	assert_non_null(p);
	assert_int_equal(decision_members(p, &d, names_key), 0);
	return p;
}

static void decision_members_as_the_protocol_says(void **state)
{
	struct classify_result c;
	struct ward_device dev;
	unsigned char key[NAMES_KEY_BYTES] = {1};
	json_t *p = sample_decision(NULL, &c, &dev), *f, *h;
	char ref[RECORD_REF_LEN];
	int64_t n;

	(void)state;
	assert_int_equal(record_ref(wjson_str(p, "record_id"), ref), 0);
	assert_string_equal(wjson_str(p, "ref"), ref);
	assert_string_equal(wjson_str(json_object_get(p, "rule"), "file"), "50-copy.rules");
	assert_true(wjson_int(json_object_get(p, "rule"), "line", &n) && n == 7);
	assert_string_equal(wjson_str(json_object_get(p, "subject"), "user"), "alice");
	assert_null(json_object_get(json_object_get(p, "subject"), "loginuid"));
	f = json_object_get(p, "file");
	assert_string_equal(wjson_str(f, "name"), "報告.odt");
	assert_string_equal(wjson_str(f, "source"), "/home/alice/報告.odt");
	assert_int_equal(strlen(wjson_str(f, "sha256")), 64);
	assert_string_equal(wjson_str(json_object_get(p, "content"), "level"), "機密");
	assert_true(wjson_int(json_object_get(json_object_get(p, "content"), "pii"),
			      "roc-national-id", &n) &&
		    n == 3);
	assert_string_equal(wjson_str(json_object_get(p, "device"), "id"), "0781:5567");
	/* The token itself never: its hash. */
	assert_int_equal(strlen(wjson_str(json_object_get(p, "approval"), "token")), 64);
	assert_true(wjson_int(p, "count", &n) && n == 3);
	assert_string_equal(wjson_str(p, "first_at"), "2022-01-25T02:00:00.000Z");
	json_decref(p);

	/* report file-names no: hashes in place of every name. */
	p = sample_decision(key, &c, &dev);
	f = json_object_get(p, "file");
	assert_null(json_object_get(f, "name"));
	assert_null(json_object_get(f, "path"));
	assert_null(json_object_get(f, "source"));
	assert_int_equal(strlen(wjson_str(f, "name_hmac")), 64);
	assert_int_equal(strlen(wjson_str(f, "path_hmac")), 64);
	assert_int_equal(strlen(wjson_str(f, "source_hmac")), 64);
	h = json_object_get(p, "content");
	assert_non_null(h);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ratchet_matches_independent_vectors),
	    cmocka_unit_test(state_file_round_trip_and_refusal),
	    cmocka_unit_test(refs_uuids_and_times),
	    cmocka_unit_test(identity_created_once_and_agent_id),
	    cmocka_unit_test(decision_members_as_the_protocol_says),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
