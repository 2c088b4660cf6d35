#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
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

static void json_escapes_and_repairs(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	json_write_string(f, "a\"b\\\n\x01\xff機", strlen("a\"b\\\n\x01\xff機"));
	fclose(f);
	assert_string_equal(out, "\"a\\\"b\\\\\\n\\u0001\\ufffd機\"");
	free(out);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(level_names_round_trip),
	    cmocka_unit_test(level_parse_accepts_english_spellings),
	    cmocka_unit_test(str_copy_cuts_on_utf8_boundary),
	    cmocka_unit_test(json_escapes_and_repairs),
	    cmocka_unit_test(hex_encodes_bytes),
	    cmocka_unit_test(hex_decodes_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
