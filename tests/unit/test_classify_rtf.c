/* The RTF extractor, tested on what it feeds the scan (the recording
 * stand-in of scan_recorder.h): header and footer groups as their own
 * zones, struck runs, pages, \uN with its fallback skipped, code pages,
 * skipped destinations, metadata, and the bounds on hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify/extract.h"
#include "common/util.h"
#include "common/cleanup.h"
#include "tests/unit/scan_recorder.h"

static void run(struct scan *s, const char *rtf, size_t len)
{
	stub_init(s);
	assert_int_equal(extract_rtf(s, rtf, len ? len : strlen(rtf)), 0);
	assert_false(s->in_page);
}

static void header_footer_zones_and_body(void **state)
{
	struct scan s;

	(void)state;
	/* 密 is U+5BC6 = 23494, 機 U+6A5F = 27231, 極 U+6975 = 26997. */
	run(&s,
	    "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}"
	    "{\\header\\pard\\plain \\u23494\\'3f\\par}"
	    "{\\footer\\pard\\plain \\u26997\\'3f\\u27231\\'3f\\u23494\\'3f\\par}"
	    "\\pard First line\\par Second line\\par}",
	    0);
	assert_has(&s, "[HEADER rtf header]\n密\n[END]");
	assert_has(&s, "[FOOTER rtf footer]\n極機密\n[END]");
	assert_has(&s, "[BODY page 1]\nFirst line\nSecond line\n[END]");
	assert_lacks(&s, "Times New Roman");
	assert_lacks(&s, "?");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void strike_on_and_off(void **state)
{
	struct scan s;

	(void)state;
	run(&s,
	    "{\\rtf1\\ansi{\\header \\strike \\u27231?\\u23494?\\strike0 \\par}"
	    "plain {\\striked1 double}\\par after\\strike on\\plain off\\par}",
	    0);
	assert_has(&s, "[HEADER rtf header]\n~~機密~~\n[END]");
	assert_has(&s, "plain ~~double~~\nafter~~on~~off\n");
	stub_free(&s);
}

static void unicode_fallback_and_surrogates(void **state)
{
	struct scan s;

	(void)state;
	/* \uc2: two fallback characters follow each \u; \u-248 is U+FF08;
	 * a surrogate pair gives one 4-byte character. */
	run(&s,
	    "{\\rtf1\\ansi\\uc2 A\\u27231\\'a1\\'40B\\u-248xyC"
	    "{\\uc0 \\u23494 D}\\u55357??\\u56832??E\\par}",
	    0);
	assert_has(&s, "A機B（C密D\xf0\x9f\x98\x80"
		       "E\n");
	stub_free(&s);
}

static void big5_code_pages(void **state)
{
	struct scan s;

	(void)state;
	/* 機密 in Big5 is BE F7 B1 4B: by the document's \ansicpg950, and by
	 * a font whose \fcharset136 says Big5 in a CP1252 document. */
	run(&s, "{\\rtf1\\ansi\\ansicpg950 \\'be\\'f7\\'b1\\'4b\\par}", 0);
	assert_has(&s, "[BODY page 1]\n機密\n");
	stub_free(&s);

	run(&s,
	    "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}{\\f1\\fcharset136 PMingLiU;}}"
	    "\\f0 caf\\'e9 {\\f1 \\'be\\'f7\\'b1\\'4b}\\par}",
	    0);
	assert_has(&s, "café 機密\n");
	stub_free(&s);
}

static void skipped_destinations_and_fields(void **state)
{
	struct scan s;

	(void)state;
	run(&s,
	    "{\\rtf1\\ansi{\\colortbl;\\red0\\green0\\blue0;}{\\stylesheet{\\s0 Normal;}}"
	    "{\\*\\generator Writer}{\\*\\unknowndest hidden words}"
	    "{\\pict\\pngblip 89504e470d0a1a0a}"
	    "Page {\\field{\\*\\fldinst PAGE \\\\* ARABIC}{\\fldrslt 7}} of 9"
	    "\\bin5 }}{{}x\\tab y\\line z\\par}",
	    0);
	assert_has(&s, "Page 7 of 9");
	assert_has(&s, "x\ty\nz\n");
	assert_lacks(&s, "Normal");
	assert_lacks(&s, "Writer");
	assert_lacks(&s, "hidden");
	assert_lacks(&s, "89504e");
	assert_lacks(&s, "ARABIC");
	stub_free(&s);
}

static void shape_text_boxes(void **state)
{
	struct scan s;

	(void)state;
	run(&s,
	    "{\\rtf1\\ansi{\\shp{\\*\\shpinst{\\sp{\\sn fillColor}{\\sv 16777215}}"
	    "{\\shptxt \\u27231?\\u23494?\\par}}{\\shprslt fallback copy}}Memo\\par}",
	    0);
	assert_has(&s, "[BODY page 1]\n機密\nMemo\n[END]");
	assert_lacks(&s, "fillColor");
	assert_lacks(&s, "16777215");
	assert_lacks(&s, "fallback");
	stub_free(&s);
}

static void info_and_user_properties(void **state)
{
	struct scan s;

	(void)state;
	run(&s,
	    "{\\rtf1\\ansi{\\info{\\title Plan}{\\subject \\u27231?\\u23494?}"
	    "{\\keywords holiday}{\\author Somebody}{\\creatim\\yr2022}}"
	    "{\\*\\userprops{\\propname \\u23494?\\u31561?}\\proptype30"
	    "{\\staticval \\u26997?\\u27231?\\u23494?}}Body\\par}",
	    0);
	assert_has(&s, "[META rtf \\info]\n");
	assert_has(&s, "title: Plan\n");
	assert_has(&s, "subject: 機密\n");
	assert_has(&s, "keywords: holiday\n");
	assert_has(&s, "密等: 極機密\n");
	assert_lacks(&s, "Somebody");
	assert_has(&s, "[BODY page 1]\nBody\n[END]");
	stub_free(&s);
}

static void pages(void **state)
{
	struct scan s;

	(void)state;
	run(&s, "{\\rtf1\\ansi one\\par\\page two\\par\\page three\\par}", 0);
	assert_has(&s, "[BODY page 1]\none\n[END]\n[BODY page 2]\ntwo\n[END]\n"
		       "[BODY page 3]\nthree\n[END]");
	stub_free(&s);
}

static void deep_nesting_is_bounded(void **state)
{
	const size_t depth = 10000;
	size_t len = 0;
	char *rtf = malloc(2 * depth + 64);
	uint64_t t0;
	struct scan s;

	(void)state;
	assert_non_null(rtf);
	len += (size_t)sprintf(rtf, "{\\rtf1\\ansi ");
	memset(rtf + len, '{', depth);
	len += depth;
	len += (size_t)sprintf(rtf + len, "deep");
	memset(rtf + len, '}', depth);
	len += depth;
	rtf[len++] = '}';
	t0 = monotonic_ms();
	run(&s, rtf, len);
	assert_true(monotonic_ms() - t0 < 1000);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE RTF groups nested deeper than 256");
	stub_free(&s);
	free(rtf);
}

static void truncated_and_not_rtf(void **state)
{
	static const char *const cut[] = {
	    "{\\rtf1\\ansi partial \\'b", "{\\rtf1\\ansi {\\header abc",
	    "{\\rtf1\\ansi\\u",		  "{\\rtf1\\ansi \\bin999999 xx",
	    "{\\rtf1\\ansi \\",
	};
	struct scan s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cut); i++) {
		run(&s, cut[i], 0);
		stub_free(&s);
	}
	run(&s, "{\\rtf1\\ansi {\\header abc", 0);
	assert_has(&s, "[HEADER rtf header]\nabc[END]");
	stub_free(&s);

	stub_init(&s);
	assert_int_equal(extract_rtf(&s, "{\\rt", 4), -1);
	assert_int_equal(extract_rtf(&s, "hello world", 11), -1);
	stub_free(&s);
}

static void budget_stops_parse(void **state)
{
	size_t len = 1u << 20;
	char *rtf = malloc(len);
	struct scan s;

	(void)state;
	assert_non_null(rtf);
	memcpy(rtf, "{\\rtf1\\ansi ", 12);
	memset(rtf + 12, 'a', len - 13);
	rtf[len - 1] = '}';
	stub_init(&s);
	s.over_budget_after = 2;
	assert_int_equal(extract_rtf(&s, rtf, len), 0);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE RTF: budget spent");
	assert_false(s.in_page);
	stub_free(&s);
	free(rtf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(header_footer_zones_and_body),
	    cmocka_unit_test(strike_on_and_off),
	    cmocka_unit_test(unicode_fallback_and_surrogates),
	    cmocka_unit_test(big5_code_pages),
	    cmocka_unit_test(skipped_destinations_and_fields),
	    cmocka_unit_test(shape_text_boxes),
	    cmocka_unit_test(info_and_user_properties),
	    cmocka_unit_test(pages),
	    cmocka_unit_test(deep_nesting_is_bounded),
	    cmocka_unit_test(truncated_and_not_rtf),
	    cmocka_unit_test(budget_stops_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
