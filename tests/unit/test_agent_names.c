#define _GNU_SOURCE
/* What a name on a medium says (names.c): a level standing as a word of
 * its own, or 機密 and above opening a run of ideographs, is a marking;
 * 密 inside a word, the shared security plan's own file names and
 * ordinary names are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/names.h"

static void levels_standing_as_words(void **state)
{
	(void)state;
	assert_int_equal(names_level("機密-春節部署表.txt"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(names_level("部署表_密.odt"), WARD_LEVEL_RESTRICTED);
	assert_int_equal(names_level("【極機密】計畫"), WARD_LEVEL_SECRET);
	assert_int_equal(names_level("（絕對機密）.pdf"), WARD_LEVEL_TOP_SECRET);
	assert_int_equal(names_level("密"), WARD_LEVEL_RESTRICTED);
	assert_int_equal(names_level("v2機密"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(names_level("機密 2022"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(names_level("Top Secret plan.pdf"), WARD_LEVEL_TOP_SECRET);
	assert_int_equal(names_level("ＣＯＮＦＩＤＥＮＴＩＡＬ.docx"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(names_level("report-secret_v2.txt"), WARD_LEVEL_SECRET);
}

static void national_secret_levels_opening_a_run(void **state)
{
	(void)state;
	assert_int_equal(names_level("機密文件.odt"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(names_level("極機密警力部署"), WARD_LEVEL_SECRET);
	/* The highest of several. */
	assert_int_equal(names_level("密-另附極機密"), WARD_LEVEL_RESTRICTED);
	assert_int_equal(names_level("密_極機密附件"), WARD_LEVEL_SECRET);
}

static void ordinary_names(void **state)
{
	(void)state;
	assert_int_equal(names_level("密碼.txt"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("保密協定.pdf"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("公務機密維護計畫.pdf"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("111年春節安全維護計畫.odt"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("secretary-notes.txt"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("none"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("普通.txt"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("DSC_0001.JPG"), WARD_LEVEL_NONE);
	assert_int_equal(names_level(""), WARD_LEVEL_NONE);
	/* Bytes that are not UTF-8 are separators, never read past the end. */
	assert_int_equal(names_level("\xe6\xa9"), WARD_LEVEL_NONE);
	assert_int_equal(names_level("\xff\xfe機密"), WARD_LEVEL_CONFIDENTIAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(levels_standing_as_words),
	    cmocka_unit_test(national_secret_levels_opening_a_run),
	    cmocka_unit_test(ordinary_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
