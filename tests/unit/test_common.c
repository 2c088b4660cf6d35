#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/level.h"
#include "common/util.h"

static void level_names_round_trip(void **state)
{
	(void)state;
	for (int l = WARD_LEVEL_NONE; l <= WARD_LEVEL_MAX; l++) {
		enum ward_level parsed;
		const char *zh = level_name((enum ward_level)l);
		const char *en = level_name_en((enum ward_level)l);

		assert_true(level_parse(zh, strlen(zh), &parsed));
		assert_int_equal(parsed, l);
		assert_true(level_parse(en, strlen(en), &parsed));
		assert_int_equal(parsed, l);
	}
}

static void level_parse_accepts_english_spellings(void **state)
{
	enum ward_level parsed;

	(void)state;
	assert_true(level_parse("Top Secret", 10, &parsed));
	assert_int_equal(parsed, WARD_LEVEL_TOP_SECRET);
	assert_true(level_parse("TOP_SECRET", 10, &parsed));
	assert_int_equal(parsed, WARD_LEVEL_TOP_SECRET);
	assert_true(level_parse("普通", strlen("普通"), &parsed));
	assert_int_equal(parsed, WARD_LEVEL_NONE);
	assert_false(level_parse("機", strlen("機"), &parsed));
	assert_false(level_parse("secrets", 7, &parsed));
	assert_false(level_parse("", 0, &parsed));
}

static void str_copy_cuts_on_utf8_boundary(void **state)
{
	char buf[5];

	(void)state;
	/* "機密" is 6 bytes; 4 fit, but only 3 form whole characters. */
	assert_false(str_copy(buf, sizeof(buf), "機密"));
	assert_string_equal(buf, "機");
	assert_true(str_copy(buf, sizeof(buf), "abcd"));
	assert_string_equal(buf, "abcd");
}

static void hex_encodes_bytes(void **state)
{
	const unsigned char bytes[] = {0x00, 0xab, 0x7f};
	char hex[7];

	(void)state;
	hex_encode(bytes, sizeof(bytes), hex);
	assert_string_equal(hex, "00ab7f");
}

static void hex_decodes_exactly(void **state)
{
	unsigned char out[3] = {0};
	/* heap, exactly as long as its text: a read past the NUL is caught by ASan */
	char *short_text = strdup("0a");

	(void)state;
	assert_non_null(short_text);
	assert_true(hex_decode("00aB7f", 6, out, 3));
	assert_memory_equal(out, "\x00\xab\x7f", 3);
	assert_false(hex_decode("00ab7", 5, out, 3));	 /* not 2 digits a byte */
	assert_false(hex_decode("00ab7f00", 8, out, 3)); /* longer than asked */
	assert_false(hex_decode("00ag7f", 6, out, 3));
	assert_false(hex_decode(" 0ab7f", 6, out, 3));
	/* a caller that asks for more than the string holds stops at its NUL */
	assert_false(hex_decode(short_text, 6, out, 3));
	assert_int_equal(hex_digit('F'), 15);
	assert_int_equal(hex_digit('g'), -1);
	free(short_text);
}

static void read_file_reads_regular_files_only(void **state)
{
	char dir[] = "/tmp/ward-test-readfile.XXXXXX";
	char path[128], link[128], fifo[128];
	char *text = NULL;
	size_t len = 0;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.rules", dir);
	snprintf(link, sizeof(link), "%s/link.rules", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "copy block level >= 密\n", 25), 25);
	close(fd);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	assert_int_equal(read_file(AT_FDCWD, path, 1024, &text, &len), 0);
	assert_int_equal(len, 25);
	assert_string_equal(text, "copy block level >= 密\n");
	free(text);
	/* Over the limit, a symlink, a FIFO (which must not block) and a
	 * directory are refused before anything is read. */
	assert_int_equal(read_file(AT_FDCWD, path, 24, &text, &len), -EFBIG);
	assert_int_equal(read_file(AT_FDCWD, link, 1024, &text, &len), -ELOOP);
	assert_int_equal(read_file(AT_FDCWD, fifo, 1024, &text, &len), -EINVAL);
	assert_int_equal(read_file(AT_FDCWD, dir, 1024, &text, &len), -EINVAL);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(read_file(fd, "policy.rules", 1024, &text, &len), 0);
	free(text);
	close(fd);
	unlink(path);
	unlink(link);
	unlink(fifo);
	rmdir(dir);
}

static void buf_grows_and_keeps_text_terminated(void **state)
{
	struct buf b = BUF_INIT;
	int items[3] = {7, 8, 9};
	char *taken;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, "公文", strlen("公文")), 0);
	assert_int_equal(b.len, 6000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 5994, "公文", 6);
	buf_reset(&b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(buf_push(&b, &items[i], sizeof(items[i])), 0);
	assert_int_equal(b.len / sizeof(int), 3);
	assert_int_equal(((int *)b.data)[2], 9);
	taken = buf_take(&b);
	assert_null(b.data);
	free(taken);
	b.max = 10;
	assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_int_equal(buf_append(&b, "x", 1), -EFBIG);
	assert_string_equal(b.data, "0123456789");
	buf_free(&b);
}

static void json_lossy_strings_keep_the_fact(void **state)
{
	json_t *s;
	char *dumped;

	(void)state;
	s = wjson_string_lossy("報告\xff.odt");
	assert_non_null(s);
	assert_string_equal(json_string_value(s), "報告\xef\xbf\xbd.odt");
	json_decref(s);
	/* A cut multi-byte character and a surrogate are invalid too, each
	 * of their bytes replaced. */
	s = wjson_string_lossy("\xe6\xa9 \xed\xa0\x80");
	assert_string_equal(json_string_value(s),
			    "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(s);
	s = wjson_string_lossy("機密");
	assert_string_equal(json_string_value(s), "機密");
	json_decref(s);
	/* Written out, control characters are escaped: no newline can split
	 * a journal line. */
	s = wjson_string_lossy("a\"b\\\n\x01機");
	dumped = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
	assert_string_equal(dumped, "\"a\\\"b\\\\\\n\\u0001機\"");
	free(dumped);
	json_decref(s);
}

/* A deterministic pseudo-random value of every JSON kind, strings and keys
 * drawn from pieces that exercise each escape and UTF-8 width. */
static json_t *random_value(uint32_t *seed, int depth)
{
	static const char *const pieces[] = {"a",    "機密",	 "\"", "\\",   "\n",
					     "\x01", "\x1f",	 "/",  "\x7f", "\xf0\x9f\x94\x92",
					     "é",    "\t\b\f\r", " ",  "Z"};
	uint32_t kind;
	json_t *v;
	char text[64];

	*seed = *seed * 1103515245u + 12345u;
	kind = (*seed >> 16) % (depth < 4 ? 9 : 6);
	switch (kind) {
	case 0:
		return json_integer((json_int_t)*seed * (*seed & 1 ? -1 : 1) * 977);
	case 1:
		return json_real((double)*seed / 7.0);
	case 2:
		return *seed & 1 ? json_true() : json_false();
	case 3:
		return json_null();
	case 4:
	case 5:
		text[0] = '\0';
		for (unsigned k = 0; k < (*seed >> 8) % 5; k++)
			strcat(text, pieces[(*seed >> (k * 4)) % 14]);
		/* A NUL inside a string: jansson keeps its length. */
		return kind == 5 ? json_stringn(text, strlen(text) + 1) : json_string(text);
	case 6:
		v = json_array();
		for (unsigned k = 0; k < (*seed >> 12) % 5; k++)
			json_array_append_new(v, random_value(seed, depth + 1));
		return v;
	default:
		v = json_object();
		for (unsigned k = 0; k < (*seed >> 12) % (kind == 8 ? 40 : 6); k++) {
			snprintf(text, sizeof(text), "%s%u", pieces[(*seed >> 3) % 14], *seed % 50);
			json_object_set_new(v, text, random_value(seed, depth + 1));
		}
		return v;
	}
}

static void json_canonical_is_janssons_sorted_compact_form(void **state)
{
	uint32_t seed = 1;
	struct buf b = BUF_INIT;
	json_t *k1;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		json_t *v = json_object(), *k;
		char *mine, *theirs;
		size_t len, held;

		json_object_set_new(v, "value", random_value(&seed, 0));
		/* Keys that differ only after a NUL or in length sort by bytes. */
		json_object_setn_new(v, "ab\0c", 4, json_integer(1));
		json_object_setn_new(v, "ab", 2, json_integer(2));
		json_object_set_new(v, "a\xc3\xa9", json_integer(3));
		mine = wjson_canonical(v, &len);
		theirs = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		assert_non_null(mine);
		assert_non_null(theirs);
		assert_string_equal(mine, theirs);
		assert_int_equal(len, strlen(theirs));
		/* Appended after what the buffer held. */
		buf_reset(&b);
		assert_int_equal(buf_append(&b, "x", 1), 0);
		assert_int_equal(wjson_canonical_buf(v, &b), 0);
		assert_string_equal(b.data + 1, theirs);
		free(mine);
		free(theirs);
		/* A string that is not UTF-8 (made unchecked) is refused by
		 * both, and leaves the buffer as it was. */
		k = json_string_nocheck("\xed\xa0\x80");
		json_object_set_new(v, "bad", k);
		assert_null(json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS));
		assert_null(wjson_canonical(v, NULL));
		held = b.len;
		assert_int_equal(wjson_canonical_buf(v, &b), -EILSEQ);
		assert_int_equal(b.len, held);
		assert_int_equal(b.data[held], '\0');
		json_decref(v);
	}
	buf_free(&b);
	/* Only objects and arrays, as json_dumps without JSON_ENCODE_ANY. */
	k1 = json_integer(1);
	assert_null(wjson_canonical(k1, NULL));
	json_decref(k1);
}

/* Members given as text come out exactly as if set in the object (in
 * place of its own, or left out), on random objects of up to 40 members. */
static void json_canonical_with_given_members_is_as_if_set(void **state)
{
	uint32_t seed = 7;
	struct buf b = BUF_INIT;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		json_t *v = json_object(), *expect;
		char *theirs, key[16];
		struct wjson_member given[3] = {
		    {"seq", "42", 2},
		    {"value0", "\"x\"", 3},
		    {"gone", NULL, 0},
		};

		for (int k = 0; k < i % 40; k++) {
			snprintf(key, sizeof(key), "value%d", (k * 7 + i) % 45);
			json_object_set_new(v, key, random_value(&seed, 1));
		}
		json_object_set_new(v, "gone", json_true());
		expect = json_deep_copy(v);
		json_object_set_new(expect, "seq", json_integer(42));
		json_object_set_new(expect, "value0", json_string("x"));
		json_object_del(expect, "gone");
		theirs = json_dumps(expect, JSON_COMPACT | JSON_SORT_KEYS);
		buf_reset(&b);
		assert_int_equal(buf_append(&b, "x", 1), 0);
		assert_int_equal(wjson_canonical_with(v, given, 3, &b), 0);
		assert_string_equal(b.data + 1, theirs);
		/* The object itself is left as it was. */
		assert_true(json_is_true(json_object_get(v, "gone")));
		assert_null(json_object_get(v, "seq"));
		free(theirs);
		json_decref(expect);
		json_decref(v);
	}
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(level_names_round_trip),
	    cmocka_unit_test(level_parse_accepts_english_spellings),
	    cmocka_unit_test(str_copy_cuts_on_utf8_boundary),
	    cmocka_unit_test(hex_encodes_bytes),
	    cmocka_unit_test(hex_decodes_exactly),
	    cmocka_unit_test(read_file_reads_regular_files_only),
	    cmocka_unit_test(buf_grows_and_keeps_text_terminated),
	    cmocka_unit_test(json_lossy_strings_keep_the_fact),
	    cmocka_unit_test(json_canonical_is_janssons_sorted_compact_form),
	    cmocka_unit_test(json_canonical_with_given_members_is_as_if_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
