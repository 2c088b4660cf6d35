/* Markings as offices alter them: normalised lines (zero-width and
 * combining characters, full-width letters, punctuation, markup, 密件
 * stamps), filler lines at the top of a page, the label variants of the
 * field line, the 91-version DI nesting, reasons without line ends; and
 * the decoys each rule must leave alone. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "classify/classify.h"
#include "tests/unit/classify_test.h"

#define BODY "本府春節期間加強安全維護，請各單位配合辦理。\n"

struct expect {
	const char *text;
	enum ward_level level;
};

static void check_all(const struct expect *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct classify_result res;

		classify_mem(cases[i].text, strlen(cases[i].text), &res);
		if (res.level != cases[i].level)
			fail_msg("\"%s\": level %d, expected %d", cases[i].text, res.level,
				 cases[i].level);
		/* Whatever the full scan finds, the quick test looks at. */
		if (res.level != WARD_LEVEL_NONE &&
		    classify_quick_clean(cases[i].text, strlen(cases[i].text)))
			fail_msg("\"%s\" is marked but the quick test calls it clean",
				 cases[i].text);
	}
}

static void altered_markings(void **state)
{
	static const struct expect cases[] = {
	    {"密。\n" BODY, WARD_LEVEL_RESTRICTED},
	    {"機密！\n" BODY, WARD_LEVEL_CONFIDENTIAL},
	    {"【極機密】。\n" BODY, WARD_LEVEL_SECRET},
	    {"**密**\n" BODY, WARD_LEVEL_RESTRICTED},
	    {"__機密__\n" BODY, WARD_LEVEL_CONFIDENTIAL},
	    {"# 極機密\n" BODY, WARD_LEVEL_SECRET},
	    {"機\u200b密\n" BODY, WARD_LEVEL_CONFIDENTIAL},   /* zero-width space */
	    {"機\u0301密\n" BODY, WARD_LEVEL_CONFIDENTIAL},   /* combining acute */
	    {"極\ufe00機\u2060密\n" BODY, WARD_LEVEL_SECRET}, /* selector, word joiner */
	    {"密\u00ad\n" BODY, WARD_LEVEL_RESTRICTED},	      /* soft hyphen */
	    {"ＳＥＣＲＥＴ\n" BODY, WARD_LEVEL_SECRET},	      /* full-width */
	    {"𝐂𝐎𝐍𝐅𝐈𝐃𝐄𝐍𝐓𝐈𝐀𝐋\n" BODY, WARD_LEVEL_CONFIDENTIAL}, /* mathematical bold */
	    {"SE\u200bCRET\n" BODY, WARD_LEVEL_SECRET},
	    {"密件\n" BODY, WARD_LEVEL_RESTRICTED},
	    {"【機密件】\n" BODY, WARD_LEVEL_CONFIDENTIAL},
	    {"絕對機密件\n" BODY, WARD_LEVEL_TOP_SECRET},
	    /* Decoys: the same words in prose, or a stamp's word in a title. */
	    {"密件處理流程\n" BODY, WARD_LEVEL_NONE},
	    {"機密性。\n" BODY, WARD_LEVEL_NONE},
	    {"**公務機密維護**\n" BODY, WARD_LEVEL_NONE},
	    {"密切。\n" BODY, WARD_LEVEL_NONE},
	    {"機密文件\n" BODY, WARD_LEVEL_NONE},
	    {"密碼\u200b\n" BODY, WARD_LEVEL_NONE},
	};

	(void)state;
	check_all(cases, sizeof(cases) / sizeof(cases[0]));
}

static void struck_markup_declassifies(void **state)
{
	struct classify_result res;
	const char *text = "~~機密~~\n" BODY;

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_true(res.declassified);
}

/* Lines of rules, dots and invisible characters do not push a marking out
 * of a page's first lines; empty lines never did. */
static void filler_lines_do_not_count(void **state)
{
	static const struct expect cases[] = {
	    {"\n\n-----\n……\n＊＊＊\n====\n\u200b\n．．．\n第一行\n第二行\n第三行\n第四行\n"
	     "極機密\n" BODY,
	     WARD_LEVEL_SECRET},
	    /* Five lines with words come first: the level is prose. */
	    {"第一行\n第二行\n第三行\n第四行\n第五行\n極機密\n" BODY BODY BODY BODY BODY BODY,
	     WARD_LEVEL_NONE},
	};
	char many[8192];
	size_t n = 0;
	struct classify_result res;

	(void)state;
	check_all(cases, sizeof(cases) / sizeof(cases[0]));
	/* Filler is skipped only so far: a marking after a page of rules is
	 * body text again. */
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "-----\n");
	n += (size_t)snprintf(many + n, sizeof(many) - n, "機密\n%s%s%s%s%s%s", BODY, BODY, BODY,
			      BODY, BODY, BODY);
	classify_mem(many, n, &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
}

static void field_line_labels(void **state)
{
	static const struct expect cases[] = {
	    {BODY "密等：密\n" BODY, WARD_LEVEL_RESTRICTED},
	    {BODY "密　等：機密\n" BODY, WARD_LEVEL_CONFIDENTIAL},
	    {BODY "\t密等: 極機密（本件於公布後解密）\n" BODY, WARD_LEVEL_SECRET},
	    {BODY "機密等級：機密\n" BODY, WARD_LEVEL_CONFIDENTIAL},
	    {BODY "文件機密等級：\n絕對機密\n" BODY, WARD_LEVEL_TOP_SECRET},
	    {BODY "保密等級：密\n" BODY, WARD_LEVEL_RESTRICTED},
	    {BODY "密等及解密條件或保密期限：機密\n" BODY, WARD_LEVEL_CONFIDENTIAL},
	    /* Decoys: unclassified values, an enumeration, prose. */
	    {BODY "機密等級：普通\n" BODY, WARD_LEVEL_NONE},
	    {BODY "密等：一般\n" BODY, WARD_LEVEL_NONE},
	    {BODY "密等：\n" BODY, WARD_LEVEL_NONE},
	    {BODY "密等：機密、極機密、絕對機密三種。\n" BODY, WARD_LEVEL_NONE},
	    {BODY "機密等級：分為密、機密、極機密及絕對機密。\n" BODY, WARD_LEVEL_NONE},
	    {BODY "本府機密等文件應妥善保管。\n" BODY, WARD_LEVEL_NONE},
	    {BODY "文書之保密等：機密性要求\n" BODY, WARD_LEVEL_NONE},
	};

	(void)state;
	check_all(cases, sizeof(cases) / sizeof(cases[0]));
}

static void reasons_have_no_line_ends(void **state)
{
	static const char *const texts[] = {"機密\r\n本文\r\n", "本文\r\n密等：密\r\n本文\r\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct classify_result res;

		classify_mem(texts[i], strlen(texts[i]), &res);
		assert_int_not_equal(res.level, WARD_LEVEL_NONE);
		for (uint32_t k = 0; k < res.n_reasons; k++) {
			const char *t = res.reasons[k].text;

			assert_null(strchr(t, '\r'));
			assert_null(strchr(t, '\n'));
		}
	}
}

static void di_91_nested(void **state)
{
	static const struct expect cases[] = {
	    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<函><密等及解密條件>"
	     "<密等 代碼=\"機密\"/><解密條件>本件於公布後解密</解密條件>"
	     "</密等及解密條件><主旨>春節安全維護</主旨></函>",
	     WARD_LEVEL_CONFIDENTIAL},
	    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<函><密等及解密條件>"
	     "<密等>極機密</密等><解密條件>本件至115年12月31日解密</解密條件>"
	     "</密等及解密條件><主旨>春節安全維護</主旨></函>",
	     WARD_LEVEL_SECRET},
	    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<函><密等及解密條件 密等=\"密\">"
	     "<解密條件>本件於公布後解密</解密條件></密等及解密條件></函>",
	     WARD_LEVEL_RESTRICTED},
	    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<函><密等及解密條件>"
	     "<密等 代碼=\"普通\"/></密等及解密條件><主旨>機密文書管理</主旨></函>",
	     WARD_LEVEL_NONE},
	};

	(void)state;
	check_all(cases, sizeof(cases) / sizeof(cases[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(altered_markings),
	    cmocka_unit_test(struck_markup_declassifies),
	    cmocka_unit_test(filler_lines_do_not_count),
	    cmocka_unit_test(field_line_labels),
	    cmocka_unit_test(reasons_have_no_line_ends),
	    cmocka_unit_test(di_91_nested),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
