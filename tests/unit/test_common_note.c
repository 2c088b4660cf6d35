/* C2SP signed notes and checkpoints: Go's golang.org/x/mod/sumdb/note
 * test vectors (the PeterNeumann and EnochRoot keys, their signatures,
 * the malformed notes and mangled keys it refuses), then checkpoints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/note.h"

static const char PETER_VKEY[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char PETER_SKEY[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char ENOCH_VKEY[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char TEXT[] = "If you think cryptography is the answer to your problem,\n"
			   "then you don't know what your problem is.\n";
static const char PETER_SIG[] = "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcE"
				"lZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char ENOCH_SIG[] = "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOX"
				"m2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

static void verifier_key_strings(void **state)
{
	struct note_verifier v, back;
	struct ed25519_key key;
	char name[NOTE_NAME_MAX], vkey[NOTE_VKEY_MAX];

	(void)state;
	assert_int_equal(note_verifier_parse(PETER_VKEY, &v), 0);
	assert_string_equal(v.name, "PeterNeumann");
	assert_int_equal(v.hash, 0xc74f20a3);
	assert_int_equal(note_verifier_key(&v, vkey, sizeof(vkey)), 0);
	assert_string_equal(vkey, PETER_VKEY);
	/* The signer string's key has that public half. */
	assert_int_equal(note_signer_parse(PETER_SKEY, &key, name), 0);
	assert_string_equal(name, "PeterNeumann");
	assert_memory_equal(key.pub, v.pub, ED25519_KEY_BYTES);
	assert_int_equal(note_key_hash(name, key.pub), 0xc74f20a3);
	assert_int_equal(note_verifier_init(&back, name, key.pub), 0);
	assert_int_equal(note_verifier_key(&back, vkey, sizeof(vkey)), 0);
	assert_string_equal(vkey, PETER_VKEY);
	ed25519_free(&key);
	assert_int_equal(note_verifier_init(&back, "bad name", v.pub), -EINVAL);
	assert_int_equal(note_verifier_init(&back, "a+b", v.pub), -EINVAL);
	assert_int_equal(note_verifier_init(&back, "", v.pub), -EINVAL);
}

/* Go's TestNewVerifier: every proper substring and every one-byte
 * change of the key string is refused. */
static void mangled_verifier_keys_fail(void **state)
{
	struct note_verifier v;
	char buf[sizeof(PETER_VKEY)];
	size_t len = strlen(PETER_VKEY);

	(void)state;
	for (size_t i = 0; i <= len; i++)
		for (size_t j = i + 1; j <= len; j++) {
			if (i == 0 && j == len)
				continue;
			memcpy(buf, PETER_VKEY + i, j - i);
			buf[j - i] = '\0';
			assert_int_equal(note_verifier_parse(buf, &v), -EINVAL);
		}
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, PETER_VKEY, sizeof(buf));
		buf[i]++;
		assert_int_equal(note_verifier_parse(buf, &v), -EINVAL);
	}
	/* Wrong key length and unknown algorithm, each with a matching hash. */
	assert_int_equal(
	    note_verifier_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
				"LDE4izWy10TWBADKEY==",
				&v),
	    -EINVAL);
	assert_int_equal(
	    note_verifier_parse(
		"PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v),
	    -EINVAL);
}

/* Go's TestSign: Ed25519 is deterministic, so the note is byte-exact. */
static void sign_matches_go(void **state)
{
	struct ed25519_key key;
	char name[NOTE_NAME_MAX], want[512];
	_cleanup_free_ char *note = NULL;

	(void)state;
	assert_int_equal(note_signer_parse(PETER_SKEY, &key, name), 0);
	assert_int_equal(note_sign(TEXT, strlen(TEXT), name, &key, &note), 0);
	snprintf(want, sizeof(want), "%s\n%s", TEXT, PETER_SIG);
	assert_string_equal(note, want);
	free(note);
	assert_int_equal(note_sign("abc", 3, name, &key, &note), -EINVAL);
	assert_null(note);
	assert_int_equal(note_sign("a\x01\n", 3, name, &key, &note), -EINVAL);
	assert_int_equal(note_sign(TEXT, strlen(TEXT), "a+b", &key, &note), -EINVAL);
	ed25519_free(&key);
}

static int open_with(const char *vkey, const char *note, size_t *text_len)
{
	struct note_verifier v;

	assert_int_equal(note_verifier_parse(vkey, &v), 0);
	return note_open(note, strlen(note), &v, text_len);
}

/* Go's TestOpen: one of two signatures, either key, neither. */
static void open_matches_go(void **state)
{
	char note[1024], bad[1024];
	size_t text_len;

	(void)state;
	snprintf(note, sizeof(note), "%s\n%s%s", TEXT, PETER_SIG, ENOCH_SIG);
	assert_int_equal(open_with(PETER_VKEY, note, &text_len), 0);
	assert_int_equal(text_len, strlen(TEXT));
	assert_memory_equal(note, TEXT, text_len);
	assert_int_equal(open_with(ENOCH_VKEY, note, &text_len), 0);
	snprintf(note, sizeof(note), "%s\n%s", TEXT, ENOCH_SIG);
	assert_int_equal(open_with(PETER_VKEY, note, &text_len), -ENOKEY);
	assert_int_equal(text_len, 0);
	/* Four base64 characters inserted into Peter's signature. */
	snprintf(bad, sizeof(bad), "%s\n%.60sABCD%s", TEXT, PETER_SIG, PETER_SIG + 60);
	assert_int_equal(open_with(PETER_VKEY, bad, &text_len), -EBADMSG);
	/* The text changed under a signature. */
	snprintf(bad, sizeof(bad), "%s\n%s", TEXT, PETER_SIG);
	bad[3] = 'X';
	assert_int_equal(open_with(PETER_VKEY, bad, &text_len), -EBADMSG);
}

static void malformed_notes_fail(void **state)
{
	char msgs[8][1024];
	size_t text_len, n = 0;

	(void)state;
	snprintf(msgs[n++], sizeof(msgs[0]), "%s", TEXT);
	snprintf(msgs[n++], sizeof(msgs[0]), "%s\n", TEXT);
	snprintf(msgs[n++], sizeof(msgs[0]), "%s\n%.*s", TEXT, (int)strlen(PETER_SIG) - 1,
		 PETER_SIG);
	snprintf(msgs[n++], sizeof(msgs[0]), "\x01%s\n%s", TEXT, PETER_SIG);
	snprintf(msgs[n++], sizeof(msgs[0]), "\xff%s\n%s", TEXT, PETER_SIG);
	snprintf(msgs[n++], sizeof(msgs[0]), "%s\n\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQ",
		 TEXT);
	snprintf(msgs[n++], sizeof(msgs[0]), "%s\n%sUnexpected line.\n", TEXT, PETER_SIG);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(open_with(PETER_VKEY, msgs[i], &text_len), -EINVAL);
}

static void checkpoint_round_trip(void **state)
{
	struct checkpoint c = {.size = 42}, back;
	struct note_verifier v, other;
	struct ed25519_key key, key2;
	_cleanup_free_ char *note = NULL;
	char body[256];

	(void)state;
	snprintf(c.origin, sizeof(c.origin), "ward.collector/test");
	memset(c.root, 0xab, sizeof(c.root));
	assert_int_equal(ed25519_generate(&key), 0);
	assert_int_equal(ed25519_generate(&key2), 0);
	assert_int_equal(note_verifier_init(&v, "ward-test", key.pub), 0);
	assert_int_equal(note_verifier_init(&other, "ward-test", key2.pub), 0);
	assert_int_equal(checkpoint_format(&c, body, sizeof(body)), 68);
	assert_string_equal(body, "ward.collector/test\n42\n"
				  "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n");
	assert_int_equal(checkpoint_sign(&c, "ward-test", &key, &note), 0);
	assert_int_equal(checkpoint_open(note, strlen(note), &v, "ward.collector/test", &back), 0);
	assert_string_equal(back.origin, c.origin);
	assert_int_equal(back.size, 42);
	assert_memory_equal(back.root, c.root, MERKLE_HASH_BYTES);
	assert_int_equal(checkpoint_open(note, strlen(note), &v, "another/log", &back), -EINVAL);
	/* Same name, another key: a different key hash, so not its signature. */
	assert_int_equal(checkpoint_open(note, strlen(note), &other, NULL, &back), -ENOKEY);
	/* A changed size is a bad signature, not another checkpoint. */
	note[strlen(c.origin) + 1] = '5';
	assert_int_equal(checkpoint_open(note, strlen(note), &v, NULL, &back), -EBADMSG);
	ed25519_free(&key);
	ed25519_free(&key2);
}

static void checkpoint_bodies(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
	    "o\n01\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
	    "o\n-1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
	    "o\n18446744073709551616\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
	    "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n",
	    "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
	    "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n",
	    "o\n1\n",
	};
	struct checkpoint c;
	const char *ok = "o\n18446744073709551615\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
			 "extension line\n";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(checkpoint_parse(bad[i], strlen(bad[i]), &c), -EINVAL);
	assert_int_equal(checkpoint_parse(ok, strlen(ok), &c), 0);
	assert_int_equal(c.size, UINT64_MAX);
	assert_string_equal(c.origin, "o");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(verifier_key_strings), cmocka_unit_test(mangled_verifier_keys_fail),
	    cmocka_unit_test(sign_matches_go),	    cmocka_unit_test(open_matches_go),
	    cmocka_unit_test(malformed_notes_fail), cmocka_unit_test(checkpoint_round_trip),
	    cmocka_unit_test(checkpoint_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
