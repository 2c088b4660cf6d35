/* The classifier core: marking rules and their traps, struck-through
 * markings, metadata labels, encodings, personal data, budgets, JSON and
 * the quick clean test. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "classify/classify.h"
#include "classify/charset.h"
#include "classify/core.h"
#include "common/util.h"
#include "tests/unit/classify_test.h"

/* Prose that talks about secrets without being marked. */
#define PROSE                                                                                      \
	"各單位應加強公務機密維護，落實保密規定。\n"                           \
	"機密文書之傳遞應依規定辦理，並嚴密管制。\n"                           \
	"請同仁密切注意資安事件，定期更新密碼。\n"                              \
	"國家機密保護法規定，機密性資料不得外洩。\n"                           \
	"本計畫之執行，請各單位主管督導。\n"                                       \
	"如有疑義，請洽政風處。\n"

/* A struct scan driven directly, as an extractor does. */
struct direct {
	struct classify_budget budget;
	struct scan_call call;
	struct scan s;
	struct classify_result res;
};

static void direct_begin(struct direct *d)
{
	classify_budget_default(&d->budget);
	scan_call_init(&d->call, ctx, &d->budget);
	scan_init(&d->s, &d->call, 0, "");
}

static void direct_end(struct direct *d)
{
	scan_finish(&d->s);
	memset(&d->res, 0, sizeof(d->res));
	scan_call_result(&d->call, &d->res);
	assert_true(classify_result_sane(&d->res));
}

static void direct_page(struct direct *d, enum scan_zone zone, const char *where, const char *text,
			bool struck)
{
	scan_page_begin(&d->s, zone, where);
	scan_text(&d->s, text, strlen(text), struck);
	scan_page_end(&d->s);
}

/* ---------------------------------------------------------------- */

static void standalone_level_on_first_lines(void **state)
{
	struct classify_result res;
	const char *text = "\n  機密\n" PROSE;

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_false(res.declassified);
	assert_non_null(reason(&res, "page-edge-standalone-level"));
	assert_string_equal(reason(&res, "page-edge-standalone-level")->text, "  機密");
	assert_string_equal(reason(&res, "page-edge-standalone-level")->where, "text first lines");
	assert_string_equal(res.mime, "text/plain");
}

static void standalone_levels_each(void **state)
{
	(void)state;
	assert_int_equal(level_of("密\n" PROSE), WARD_LEVEL_RESTRICTED);
	assert_int_equal(level_of("機密\n" PROSE), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(level_of("極機密\n" PROSE), WARD_LEVEL_SECRET);
	assert_int_equal(level_of("絕對機密\n" PROSE), WARD_LEVEL_TOP_SECRET);
	assert_int_equal(level_of(PROSE), WARD_LEVEL_NONE);
}

static void standalone_brackets_boxes_and_spaces(void **state)
{
	static const char *const lines[] = {
	    "【極機密】", "「極機密」", "[極機密]",	  "〔極機密〕", "（極機密）", "(極機密)",
	    "極 機 密",	  "　極機密　", "【 極　機密 】", "│極機密│",	"┃ 極機密 ┃", "\t極機密\r",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[1024];

		snprintf(text, sizeof(text), "%s\n%s", lines[i], PROSE);
		if (level_of(text) != WARD_LEVEL_SECRET)
			fail_msg("\"%s\" on the first line is not read as 極機密", lines[i]);
	}
}

static void standalone_with_declassification_condition(void **state)
{
	struct classify_result res;
	const char *text = "機密（本件於中華民國115年12月31日解密）\n" PROSE;

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_non_null(reason(&res, "declassify-condition"));
	/* Brackets holding something else are not a condition. */
	assert_int_equal(level_of("機密（會議紀錄）\n" PROSE), WARD_LEVEL_NONE);
}

static void standalone_on_last_lines_not_middle(void **state)
{
	(void)state;
	assert_int_equal(level_of(PROSE PROSE "\n【機密】\n\n"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(level_of(PROSE "機密\n" PROSE), WARD_LEVEL_NONE);
	/* The fifth line from the end still counts, the sixth not. */
	assert_int_equal(level_of(PROSE "密\n一\n二\n三\n四\n"), WARD_LEVEL_RESTRICTED);
	assert_int_equal(level_of(PROSE "密\n一\n二\n三\n四\n五\n"), WARD_LEVEL_NONE);
	assert_int_equal(level_of("一\n二\n三\n四\n五\n密\n" PROSE), WARD_LEVEL_NONE);
	assert_int_equal(level_of("一\n\n\n二\n三\n四\n密\n" PROSE), WARD_LEVEL_RESTRICTED);
}

static void form_feed_starts_a_page(void **state)
{
	struct classify_result res;
	const char *text = PROSE PROSE "\f極機密\n" PROSE PROSE "\f" PROSE;

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(res.level, WARD_LEVEL_SECRET);
	assert_string_equal(reason(&res, "page-edge-standalone-level")->where,
			    "page 2 first lines");
}

static void letter_header_field(void **state)
{
	struct classify_result res;
	const char *text = PROSE "發文字號：府政字第1130001234號\n"
				 "密等及解密條件或保密期限：密（本件於公布時解密）\n"
				 "附件：如文\n" PROSE;

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(res.level, WARD_LEVEL_RESTRICTED);
	assert_non_null(reason(&res, "letter-header-field"));
	assert_string_equal(reason(&res, "letter-header-field")->text,
			    "密等及解密條件或保密期限：密（本件於公布時解密）");
	classify_mem(
	    PROSE
	    "密等及解密條件或保密期限：機密（本件於115年12月31日公布後解密，副本抄送各單位政風室）\n",
	    strlen(
		PROSE
		"密等及解密條件或保密期限：機密（本件於115年12月31日公布後解密，副本抄送各單位政風室）\n"),
	    &res);
	assert_true(strlen(reason(&res, "letter-header-field")->text) > 60);
	char *json = NULL;
	size_t json_len = 0;
	FILE *out = open_memstream(&json, &json_len);
	classify_result_write_json(out, "x", &res);
	fclose(out);
	assert_null(strstr(json, "\\ufffd")); /* no character cut into U+FFFD */
	free(json);
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限: 極機密\n" PROSE),
			 WARD_LEVEL_SECRET);
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限：絕對機密" /* at the end */),
			 WARD_LEVEL_TOP_SECRET);
	assert_int_equal(level_of(PROSE "密等及解密條件：機密（本件至115年1月1日解密）\n" PROSE),
			 WARD_LEVEL_CONFIDENTIAL);
	/* In a table the value has a cell, and a line, of its own. */
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限：\n極機密\n附件：如文\n" PROSE),
			 WARD_LEVEL_SECRET);
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限：\n機密文件處理要點\n" PROSE),
			 WARD_LEVEL_NONE);
}

static void letter_header_field_unclassified(void **state)
{
	(void)state;
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限：普通\n" PROSE), WARD_LEVEL_NONE);
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限：\n" PROSE), WARD_LEVEL_NONE);
	assert_int_equal(level_of(PROSE "密等及解密條件或保密期限：" PROSE), WARD_LEVEL_NONE);
	assert_int_equal(level_of("密等及解密條件或保密期限：密切注意\n" PROSE), WARD_LEVEL_NONE);
}

static void traps_are_not_markings(void **state)
{
	static const char *const lines[] = {
	    "「絕對機密」、「極機密」、「機密」、「密」",
	    "絕對機密、極機密、機密",
	    "密切",
	    "綿密",
	    "嚴密",
	    "密集",
	    "親密",
	    "保密",
	    "秘密",
	    "密碼",
	    "加密",
	    "解密",
	    "機密性",
	    "公務機密",
	    "機密文件",
	    "Please shred all confidential documents after the meeting.",
	    "Confidential documents must not leave the office.",
	    "secrets",
	    "□密 □機密 □極機密 □絕對機密",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[2048];

		snprintf(text, sizeof(text), "%s\n%s%s", lines[i], PROSE, lines[i]);
		if (level_of(text) != WARD_LEVEL_NONE)
			fail_msg("\"%s\" on the first and last line is taken for a marking",
				 lines[i]);
	}
}

static void security_plan_is_not_marked(void **state)
{
	const char *context = getenv("WARD_CONTEXT") ? getenv("WARD_CONTEXT") : "../shared/context";
	char path[512], alt[512];
	int fd;
	struct classify_result res;

	(void)state;
	snprintf(path, sizeof(path), "%s/taitung-2022-spring-festival-security-plan.txt", context);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		/* The copy in the corpus is the same document. */
		snprintf(alt, sizeof(alt), "%s/tests/corpus/text/security-plan.txt",
			 getenv("WARD_ROOT") ? getenv("WARD_ROOT") : ".");
		fd = open(alt, O_RDONLY);
	}
	assert_true(fd >= 0);
	assert_int_equal(classify_fd(ctx, fd, path, NULL, &res), 0);
	close(fd);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_false(res.declassified);
	assert_false(res.uninspectable);
	assert_int_equal(res.n_pii, 0);
}

static void english_markings_and_mapping(void **state)
{
	const char *err;
	struct classify_ctx *own = classify_new(&err);
	struct classify_result res;
	const char *restricted = "RESTRICTED\nMinutes of the meeting.\n";
	const char *internal = "Internal\nMinutes of the meeting.\n";

	(void)state;
	assert_int_equal(level_of("TOP SECRET\nMinutes.\n"), WARD_LEVEL_TOP_SECRET);
	assert_int_equal(level_of("Top-Secret\nMinutes.\n"), WARD_LEVEL_TOP_SECRET);
	assert_int_equal(level_of("SECRET\nMinutes.\n"), WARD_LEVEL_SECRET);
	assert_int_equal(level_of("[CONFIDENTIAL]\nMinutes.\n"), WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(level_of(restricted), WARD_LEVEL_RESTRICTED);

	assert_non_null(own);
	assert_int_equal(classify_set_english(own, "restricted", WARD_LEVEL_NONE), 0);
	assert_int_equal(classify_set_english(own, "INTERNAL", WARD_LEVEL_RESTRICTED), 0);
	assert_int_equal(classify_set_english(own, "--", WARD_LEVEL_RESTRICTED), -EINVAL);
	assert_int_equal(classify_buffer(own, restricted, strlen(restricted), NULL, NULL, &res), 0);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_int_equal(classify_buffer(own, internal, strlen(internal), NULL, NULL, &res), 0);
	assert_int_equal(res.level, WARD_LEVEL_RESTRICTED);
	classify_free(own);
}

static void header_zone_any_line(void **state)
{
	struct direct d;

	(void)state;
	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_BODY, "content.xml", PROSE PROSE, false);
	direct_page(&d, SCAN_ZONE_HEADER, "styles.xml header", "臺東縣政府\n函\n\n機密\n", false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_string_equal(reason(&d.res, "header-standalone-level")->where, "styles.xml header");

	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_FOOTER, "word/footer1.xml", "第 1 頁\n【絕對機密】", false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_TOP_SECRET);
	assert_non_null(reason(&d.res, "footer-standalone-level"));

	/* Prose in a header is still prose. */
	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_HEADER, "styles.xml header", "公務機密維護宣導", false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
}

static void struck_marking_is_declassified(void **state)
{
	struct direct d;

	(void)state;
	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_HEADER, "styles.xml header", "機密", true);
	direct_page(&d, SCAN_ZONE_BODY, "content.xml", PROSE, false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
	assert_true(d.res.declassified);
	assert_non_null(strstr(reason(&d.res, "header-standalone-level")->where, "struck"));

	/* Struck level, unstruck brackets around it: still declassified. */
	direct_begin(&d);
	scan_page_begin(&d.s, SCAN_ZONE_BODY, "page 1");
	scan_text(&d.s, "【", strlen("【"), false);
	scan_text(&d.s, "極機", strlen("極機"), true);
	scan_text(&d.s, "密", strlen("密"), true);
	scan_text(&d.s, "】\n" PROSE, strlen("】\n" PROSE), false);
	scan_page_end(&d.s);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
	assert_true(d.res.declassified);

	/* Partly struck: not declassified. */
	direct_begin(&d);
	scan_page_begin(&d.s, SCAN_ZONE_BODY, "page 1");
	scan_text(&d.s, "機", strlen("機"), true);
	scan_text(&d.s, "密\n" PROSE, strlen("密\n" PROSE), false);
	scan_page_end(&d.s);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_false(d.res.declassified);

	/* A struck marking beside a live one: the live one wins. */
	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_HEADER, "header", "絕對機密", true);
	direct_page(&d, SCAN_ZONE_FOOTER, "footer", "密", false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_RESTRICTED);
	assert_false(d.res.declassified);

	/* A struck letter-header field. */
	direct_begin(&d);
	scan_page_begin(&d.s, SCAN_ZONE_BODY, "body");
	scan_text(&d.s, PROSE, strlen(PROSE), false);
	scan_text(&d.s, "密等及解密條件或保密期限：", strlen("密等及解密條件或保密期限："), false);
	scan_text(&d.s, "機密", strlen("機密"), true);
	scan_text(&d.s, "\n" PROSE, strlen("\n" PROSE), false);
	scan_page_end(&d.s);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
	assert_true(d.res.declassified);
}

static void structural_markings(void **state)
{
	struct direct d;

	(void)state;
	direct_begin(&d);
	scan_add_marking(&d.s, WARD_LEVEL_SECRET, false, "di-xml-mideng", "公文 密等", "極機密");
	direct_page(&d, SCAN_ZONE_BODY, "body", PROSE, false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_SECRET);
	assert_string_equal(d.res.reasons[0].rule, "di-xml-mideng");

	direct_begin(&d);
	scan_add_marking(&d.s, WARD_LEVEL_CONFIDENTIAL, true, "di-xml-mideng", "公文 密等", "機密");
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
	assert_true(d.res.declassified);

	direct_begin(&d);
	scan_add_marking(&d.s, WARD_LEVEL_NONE, false, "di-xml-mideng", "公文 密等", "普通");
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
	assert_false(d.res.declassified);
	assert_int_equal(d.res.n_reasons, 0);
}

static void metadata_labels(void **state)
{
	struct direct d;

	(void)state;
	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_METADATA, "meta.xml",
		    "title: 春節安全維護計畫\n密等: 機密\nauthor: 政風處\n", false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_string_equal(reason(&d.res, "metadata-label")->where, "meta.xml");

	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_METADATA, "docProps/custom.xml", "Classification: Top Secret\n",
		    false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_TOP_SECRET);

	direct_begin(&d);
	direct_page(&d, SCAN_ZONE_METADATA, "meta.xml",
		    "title: 公務機密維護\nsubject: 保密宣導\n密等：普通\n", false);
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_NONE);
}

static void supporting_evidence_alone_is_not_a_marking(void **state)
{
	struct classify_result res;
	const char *text = PROSE "本件於中華民國115年12月31日解密\n複製物第3份，共5份\n" PROSE;

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_non_null(reason(&res, "declassify-condition"));
	assert_string_equal(reason(&res, "declassify-condition")->text,
			    "本件於中華民國115年12月31日解密");
	assert_string_equal(reason(&res, "copy-number")->text, "複製物第3");
	classify_mem("複製物第三份\n", strlen("複製物第三份\n"), &res);
	assert_string_equal(reason(&res, "copy-number")->text, "複製物第三");
}

static void patterns_split_between_calls(void **state)
{
	static const char field[] = "密等及解密條件或保密期限：極機密（本件於公布時解密）\n";
	static const char ids[] = "名冊：P191390996、Q254323194。\n";

	(void)state;
	/* Every cut of the field line and of the ID list, in two pieces. */
	for (size_t cut = 1; cut < strlen(field); cut++) {
		struct direct d;

		direct_begin(&d);
		scan_page_begin(&d.s, SCAN_ZONE_BODY, "body");
		scan_text(&d.s, PROSE, strlen(PROSE), false);
		scan_text(&d.s, field, cut, false);
		scan_text(&d.s, field + cut, strlen(field) - cut, false);
		scan_text(&d.s, PROSE, strlen(PROSE), false);
		scan_page_end(&d.s);
		direct_end(&d);
		if (d.res.level != WARD_LEVEL_SECRET)
			fail_msg("field cut at byte %zu not found", cut);
	}
	for (size_t cut = 1; cut < strlen(ids); cut++) {
		struct direct d;

		direct_begin(&d);
		scan_page_begin(&d.s, SCAN_ZONE_BODY, "body");
		scan_text(&d.s, ids, cut, false);
		scan_text(&d.s, ids + cut, strlen(ids) - cut, false);
		scan_page_end(&d.s);
		direct_end(&d);
		if (pii_count(&d.res, "roc-national-id") != 2)
			fail_msg("IDs cut at byte %zu counted %u times", cut,
				 pii_count(&d.res, "roc-national-id"));
	}
	/* One byte at a time. */
	struct direct d;
	direct_begin(&d);
	scan_page_begin(&d.s, SCAN_ZONE_BODY, "body");
	for (size_t i = 0; i < strlen(ids); i++)
		scan_text(&d.s, ids + i, 1, false);
	for (size_t i = 0; i < strlen(field); i++)
		scan_text(&d.s, field + i, 1, false);
	scan_page_end(&d.s);
	direct_end(&d);
	assert_int_equal(pii_count(&d.res, "roc-national-id"), 2);
	assert_int_equal(d.res.level, WARD_LEVEL_SECRET);
}

/* ---------------------------------------------------------------- */
/* Encodings                                                        */

static char *convert(const char *to, const char *utf8, size_t *out_len)
{
	iconv_t cd = iconv_open(to, "UTF-8");
	size_t in_left = strlen(utf8), cap = 4 * in_left + 16, out_left = cap;
	char *out = malloc(cap), *o = out, *in = (char *)utf8;

	assert_true(cd != (iconv_t)-1);
	assert_non_null(out);
	assert_int_not_equal(iconv(cd, &in, &in_left, &o, &out_left), (size_t)-1);
	iconv_close(cd);
	*out_len = cap - out_left;
	return out;
}

static void utf16_and_big5_text(void **state)
{
	static const char text[] = "【機密】\n" PROSE "身分證字號 P191390996\n";
	static const char *const encodings[] = {"UTF-16LE", "UTF-16BE", "CP950"};

	(void)state;
	for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
		struct classify_result res;
		size_t len, total;
		char *body = convert(encodings[i], text, &len);
		char *file = malloc(len + 2);

		assert_non_null(file);
		total = len;
		if (strcmp(encodings[i], "UTF-16LE") == 0) {
			memcpy(file, "\xff\xfe", 2);
			memcpy(file + 2, body, len);
			total += 2;
		} else if (strcmp(encodings[i], "UTF-16BE") == 0) {
			memcpy(file, "\xfe\xff", 2);
			memcpy(file + 2, body, len);
			total += 2;
		} else {
			memcpy(file, body, len);
		}
		classify_mem(file, total, &res);
		if (res.level != WARD_LEVEL_CONFIDENTIAL || pii_count(&res, "roc-national-id") != 1)
			fail_msg("%s: level %s, %u IDs (%s)", encodings[i], level_name(res.level),
				 pii_count(&res, "roc-national-id"), res.mime);
		free(body);
		free(file);
	}
}

static void decode_text_helper(void **state)
{
	size_t len, big5_len;
	char *big5 = convert("CP950", "密等：機密", &big5_len);
	char *out = scan_decode_text(big5, big5_len, &len);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "密等：機密");
	assert_int_equal(len, strlen("密等：機密"));
	free(out);
	out = scan_decode_text("\xef\xbb\xbf機密", 9, &len);
	assert_string_equal(out, "機密");
	free(out);
	out = scan_decode_text("\xff\xfe\x5f\x6a\xc6\x5b", 6, &len);
	assert_string_equal(out, "機密");
	free(out);
	free(big5);
}

static void big5_table_matches_iconv(void **state)
{
	/* Every two-byte CP950 character, then a broken tail. */
	size_t len = 0, a_len, b_len;
	unsigned char *all = malloc(2 * 126 * 191 + 4);
	struct big5_table *table = big5_table_new();

	(void)state;
	assert_non_null(all);
	assert_non_null(table);
	for (unsigned lead = 0xa1; lead <= 0xf9; lead++) {
		for (unsigned trail = 0x40; trail <= 0xfe; trail++) {
			if (trail > 0x7e && trail < 0xa1)
				continue;
			all[len++] = (unsigned char)lead;
			all[len++] = (unsigned char)trail;
		}
	}
	memcpy(all + len, "a\xa4", 2);
	len += 2;
	char *a = big5_table_decode(table, all, len, &a_len);
	char *b = scan_decode_text(all, len, &b_len);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	free(a);
	free(b);
	free(all);
	big5_table_free(table);
}

/* ---------------------------------------------------------------- */
/* Personal data                                                    */

static void roc_id_checksum(void **state)
{
	static const char *const valid[] = {"P191390996", "Q254323194", "J195755131",
					    "X211637265", "JB01540486", "VA52460195",
					    "M848442605", "T804870125", "A123456789"};

	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		assert_true(scan_roc_id_valid(valid[i]));
	assert_false(scan_roc_id_valid("B214521099"));
	assert_false(scan_roc_id_valid("P191390995"));
	assert_false(scan_roc_id_valid("P391390996"));
	assert_false(scan_roc_id_valid("1191390996"));
	assert_false(scan_roc_id_valid("PE91390996"));
}

static void roc_ids_counted(void **state)
{
	struct classify_result res;
	const char *text =
	    "戶籍資料\n"
	    "王小明 P191390996 臺東縣\n"
	    "李小華,Q254323194,臺東縣\n"
	    "J195755131\nX211637265\nE172902227\nA146201684\nS114126906\nC246331912\n"
	    "R260207764\nH267640206\nL259183623\nC167342075\n"
	    "居留證 JB01540486 VA52460195 M848442605 T804870125\n"
	    "checksum wrong B214521099, sample A123456789, lower case p191390996\n"
	    "inside longer runs: XP191390996 P1913909961 P191390996A 12P191390996\n";

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(pii_count(&res, "roc-national-id"), 12);
	assert_int_equal(pii_count(&res, "roc-resident-id"), 4);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	/* Full-width and punctuation boundaries count. */
	assert_int_equal(level_of("（P191390996）"), WARD_LEVEL_NONE);
	classify_mem("（P191390996）", strlen("（P191390996）"), &res);
	assert_int_equal(pii_count(&res, "roc-national-id"), 1);
}

static void register_data_near_keywords(void **state)
{
	struct classify_result res;
	const char *text = "土地標示：臺東縣臺東市新生段，地號：0123-0000\n"
			   "地號 1234-5678 與地號變更作業說明\n"
			   "戶號：F1234567，戶長王小明\n"
			   "本案地號另案辦理。\n"
			   "戶號查詢系統操作手冊\n"
			   "電話 089-123456\n";

	(void)state;
	classify_mem(text, strlen(text), &res);
	assert_int_equal(pii_count(&res, "land-register"), 2);
	assert_int_equal(pii_count(&res, "household-register"), 1);
	classify_mem(PROSE, strlen(PROSE), &res);
	assert_int_equal(res.n_pii, 0);
}

/* ---------------------------------------------------------------- */
/* Budgets and safety                                               */

static int temp_file(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int fd;

	snprintf(path, size, "%s/ward-test-classify-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	/* Gone from the directory at once: nothing is left behind when an
	 * assertion ends the test early. */
	unlink(path);
	return fd;
}

static void sparse_ten_gigabytes(void **state)
{
	char path[256];
	int fd = temp_file(path, sizeof(path));
	struct classify_budget budget;
	struct classify_result res;
	uint64_t start;

	(void)state;
	assert_int_equal(pwrite(fd, "機密\n", 7, 0), 7);
	assert_int_equal(ftruncate(fd, 10ll << 30), 0);
	classify_budget_default(&budget);
	budget.max_input_bytes = 32u << 20;
	start = monotonic_ms();
	assert_int_equal(classify_fd(ctx, fd, path, &budget, &res), 0);
	assert_true(monotonic_ms() - start < 10000);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "too large"));
	assert_int_equal(res.size, 10ull << 30);

	/* The agent's budget: 256 MiB in at most 2 s, reading included. */
	classify_budget_default(&budget);
	start = monotonic_ms();
	assert_int_equal(classify_fd(ctx, fd, path, &budget, &res), 0);
	assert_true(monotonic_ms() - start < budget.max_millis + 2000);
	assert_true(res.uninspectable);
	close(fd);
}

/* Large plain text is scanned while it is read: the same result as the
 * whole buffer gives, with patterns cut by the read blocks still found. */
static void large_text_streamed_like_whole(void **state)
{
	static const char field[] = "密等及解密條件或保密期限：極機密（本件於公布時解密）\n";
	size_t len = 12u << 20, at;
	char *big = malloc(len);
	char path[256];
	int fd = temp_file(path, sizeof(path));
	struct classify_result whole, streamed;

	(void)state;
	assert_non_null(big);
	for (at = 0; at + strlen(PROSE) <= len; at += strlen(PROSE))
		memcpy(big + at, PROSE, strlen(PROSE));
	memset(big + at, '\n', len - at);
	/* Across the first read block's end, and the second's. */
	memcpy(big + (256u << 10) - 20, field, strlen(field));
	memcpy(big + (512u << 10) - 5, " P191390996 ", 12);
	memcpy(big + len / 2, "\f【密】\n", strlen("\f【密】\n"));
	memcpy(big + len - 12, "\nT804870125\n", 12);
	assert_int_equal(write(fd, big, len), (ssize_t)len);

	classify_mem(big, len, &whole);
	assert_int_equal(classify_fd(ctx, fd, path, NULL, &streamed), 0);
	assert_int_equal(whole.level, WARD_LEVEL_SECRET);
	assert_int_equal(streamed.level, whole.level);
	assert_int_equal(pii_count(&whole, "roc-national-id"), 1);
	assert_int_equal(pii_count(&whole, "roc-resident-id"), 1);
	assert_int_equal(pii_count(&streamed, "roc-national-id"), 1);
	assert_int_equal(pii_count(&streamed, "roc-resident-id"), 1);
	assert_memory_equal(streamed.sha256, whole.sha256, 32);
	assert_string_equal(streamed.mime, "text/plain");
	assert_int_equal(streamed.n_reasons, whole.n_reasons);
	for (uint32_t i = 0; i < whole.n_reasons; i++) {
		assert_string_equal(streamed.reasons[i].rule, whole.reasons[i].rule);
		assert_string_equal(streamed.reasons[i].where, whole.reasons[i].where);
		assert_string_equal(streamed.reasons[i].text, whole.reasons[i].text);
	}
	assert_non_null(reason(&streamed, "page-edge-standalone-level"));
	assert_string_equal(reason(&streamed, "page-edge-standalone-level")->where,
			    "page 2 first lines");
	close(fd);
	free(big);
}

static void huge_line_and_budget_edges(void **state)
{
	size_t len = 64u << 20;
	char *big = malloc(len);
	struct classify_budget budget;
	struct classify_result res;

	(void)state;
	assert_non_null(big);
	/* One 64 MiB line: 機密 inside it is prose; an ID at its end counts. */
	memset(big, 'x', len);
	memcpy(big + len / 2, " 機密 ", 8);
	memcpy(big + len - 11, " P191390996", 11);
	classify_mem(big, len, &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_int_equal(pii_count(&res, "roc-national-id"), 1);

	/* Over the input budget: what fits is scanned, and it says so. */
	classify_budget_default(&budget);
	budget.max_input_bytes = 1u << 20;
	memcpy(big, "密\n", 4);
	assert_int_equal(classify_buffer(ctx, big, len, NULL, &budget, &res), 0);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "too large"));
	assert_int_equal(res.level, WARD_LEVEL_RESTRICTED);

	/* No time at all: uninspectable, not clean. */
	classify_budget_default(&budget);
	budget.max_millis = 0;
	assert_int_equal(classify_buffer(ctx, big, len, NULL, &budget, &res), 0);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "time budget"));
	free(big);
}

static void expansion_and_nesting_limits(void **state)
{
	struct direct d;

	(void)state;
	direct_begin(&d);
	d.budget.max_expanded_bytes = 10u << 20;
	assert_true(scan_charge_expanded(&d.s, 4u << 20, 1u << 20));
	assert_false(scan_charge_expanded(&d.s, 8u << 20, 8u << 20));
	direct_end(&d);
	assert_true(d.res.uninspectable);
	assert_non_null(strstr(d.res.uninspectable_reason, "expanded"));

	direct_begin(&d);
	assert_false(scan_charge_expanded(&d.s, 300u << 20, 1u << 20));
	direct_end(&d);
	assert_non_null(strstr(d.res.uninspectable_reason, "ratio"));

	/* A member is classified by content, its reason names it. */
	direct_begin(&d);
	scan_nested(&d.s, "極機密\n" PROSE, strlen("極機密\n" PROSE), "a.zip");
	direct_end(&d);
	assert_int_equal(d.res.level, WARD_LEVEL_SECRET);
	assert_string_equal(d.res.reasons[0].where, "a.zip text first lines");

	/* Deeper: the member path, then the place. */
	direct_begin(&d);
	d.s.depth = 1;
	str_copy(d.s.prefix, sizeof(d.s.prefix), "a.zip");
	scan_nested(&d.s, "\xff\xfe", 2, "b.txt");
	scan_nested(&d.s, "x\n密\n", 6, "c.txt");
	direct_end(&d);
	assert_string_equal(d.res.reasons[0].where, "a.zip:c.txt text first lines");
	assert_false(d.res.uninspectable);

	direct_begin(&d);
	d.budget.max_depth = 0;
	scan_nested(&d.s, "極機密\n", strlen("極機密\n"), "a.zip");
	direct_end(&d);
	assert_true(d.res.uninspectable);
	assert_non_null(strstr(d.res.uninspectable_reason, "nested deeper"));

	direct_begin(&d);
	d.budget.max_entries = 2;
	for (int i = 0; i < 3; i++)
		scan_nested(&d.s, "x\n", 2, "m.txt");
	direct_end(&d);
	assert_true(d.res.uninspectable);
	assert_non_null(strstr(d.res.uninspectable_reason, "more than 2"));
}

static void xattr_label_and_fd(void **state)
{
	char path[256];
	char cwd_path[] = "build/ward-test-xattr-XXXXXX";
	int fd;
	struct classify_result res, again;

	(void)state;
	/* tmpfs may refuse user attributes: use the build tree (ext4). */
	fd = mkstemp(cwd_path);
	if (fd < 0) {
		fd = temp_file(path, sizeof(path));
	} else {
		str_copy(path, sizeof(path), cwd_path);
		unlink(cwd_path);
	}
	assert_int_equal(write(fd, PROSE, strlen(PROSE)), (ssize_t)strlen(PROSE));
	assert_int_equal(fsetxattr(fd, "user.ward.level", "極機密", strlen("極機密"), 0), 0);
	assert_int_equal(classify_fd(ctx, fd, path, NULL, &res), 0);
	assert_int_equal(res.level, WARD_LEVEL_SECRET);
	assert_non_null(reason(&res, "xattr-label"));
	/* The hash is of the content, as classify_buffer sees it too. */
	assert_int_equal(classify_buffer(ctx, PROSE, strlen(PROSE), NULL, NULL, &again), 0);
	assert_memory_equal(res.sha256, again.sha256, 32);
	assert_int_equal(res.size, strlen(PROSE));
	assert_int_equal(again.level, WARD_LEVEL_NONE);
	close(fd);

	assert_int_equal(classify_fd(ctx, -1, "none", NULL, &res), -EBADF);
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(classify_fd(ctx, pipefd[0], "pipe", NULL, &res), -EINVAL);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void binary_is_none_not_uninspectable(void **state)
{
	static const unsigned char png[] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',  'H',  'D',	'R', 0,
	    0,	  0,   1,   0,	 0,    0,    1,	   8,	 6, 0, 0, 0,  0x1f, 0x15, 0xc4, 0x89};
	struct classify_result res;

	(void)state;
	classify_mem(png, sizeof(png), &res);
	assert_string_equal(res.mime, "image/png");
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_false(res.uninspectable);
	classify_mem("", 0, &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_false(res.uninspectable);
}

/* ---------------------------------------------------------------- */
/* Output and the quick test                                        */

static void json_line(void **state)
{
	struct classify_result res;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	const char *text = "機密\n戶籍 P191390996\n";
	char hex[65];

	(void)state;
	classify_mem(text, strlen(text), &res);
	classify_result_write_json(out, "dir/a \"b\".txt", &res);
	fclose(out);
	hex_encode(res.sha256, 32, hex);
	char expected[1024];
	snprintf(expected, sizeof(expected),
		 "{\"path\":\"dir/a \\\"b\\\".txt\",\"type\":\"text/plain\",\"level\":\"機密\","
		 "\"declassified\":false,\"uninspectable\":false,"
		 "\"pii\":[{\"type\":\"roc-national-id\",\"count\":1}],"
		 "\"reasons\":[{\"rule\":\"page-edge-standalone-level\",\"where\":\"text first "
		 "lines\",\"text\":\"機密\"}],\"sha256\":\"%s\",\"size\":%zu}",
		 hex, strlen(text));
	assert_string_equal(buf, expected);
	free(buf);
}

static void result_sanity(void **state)
{
	struct classify_result res;

	(void)state;
	classify_mem("機密\n", strlen("機密\n"), &res);
	assert_true(classify_result_sane(&res));
	res.level = (enum ward_level)7;
	assert_false(classify_result_sane(&res));
	classify_mem("機密\n", strlen("機密\n"), &res);
	memset(res.reasons[0].text, 'x', sizeof(res.reasons[0].text));
	assert_false(classify_result_sane(&res));
	classify_mem("機密\n", strlen("機密\n"), &res);
	res.n_reasons = CLASSIFY_MAX_REASONS + 1;
	assert_false(classify_result_sane(&res));
}

static void quick_clean(void **state)
{
	static const char *const not_clean[] = {
	    "Minutes of the budget meeting, nothing else.\n機密",
	    "The SECRET ingredient",
	    "Marked confidential by the office",
	    "restricted area",
	    "PK\3\4 zip",
	    "%PDF-1.7",
	    "{\\rtf1\\ansi",
	    "call 0912345678 now",
	    "ID P191390996",
	    "\xb1\x4b Big5",
	    "&#23494;",
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed",
	    "地號：0123-0000",
	    "ConFiDenTial",
	    "Subject: =?UTF-8?B?5qmf5a+G?=",
	    "<meta charset=gbk>\xc3\xdc",
	    "S E C R E T\nminutes",
	    "[Top-Secret]",
	    "\x1f\x9d"
	    "compressed",
	};
	const char *clean = "Minutes of the budget meeting. Present: 12 staff, 2024-01-05.\n"
			    "會議紀錄：討論春節值班安排。\n";

	(void)state;
	assert_true(classify_quick_clean(clean, strlen(clean)));
	assert_true(classify_quick_clean("", 0));
	for (size_t i = 0; i < sizeof(not_clean) / sizeof(not_clean[0]); i++) {
		if (classify_quick_clean(not_clean[i], strlen(not_clean[i])))
			fail_msg("\"%s\" is called clean", not_clean[i]);
	}
	/* Whatever the quick test calls clean, the full scan finds nothing
	 * in either. */
	struct classify_result res;
	classify_mem(clean, strlen(clean), &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_int_equal(res.n_pii, 0);
}

static void standalone_helper(void **state)
{
	(void)state;
	assert_int_equal(scan_standalone_level(ctx, "【機 密】", strlen("【機 密】")),
			 WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(scan_standalone_level(ctx, "機密機密", strlen("機密機密")),
			 WARD_LEVEL_NONE);
	assert_int_equal(scan_standalone_level(ctx, "【】", strlen("【】")), WARD_LEVEL_NONE);
	assert_int_equal(scan_standalone_level(ctx, "", 0), WARD_LEVEL_NONE);
	assert_int_equal(scan_standalone_level(ctx, "（）", strlen("（）")), WARD_LEVEL_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(standalone_level_on_first_lines),
	    cmocka_unit_test(standalone_levels_each),
	    cmocka_unit_test(standalone_brackets_boxes_and_spaces),
	    cmocka_unit_test(standalone_with_declassification_condition),
	    cmocka_unit_test(standalone_on_last_lines_not_middle),
	    cmocka_unit_test(form_feed_starts_a_page),
	    cmocka_unit_test(letter_header_field),
	    cmocka_unit_test(letter_header_field_unclassified),
	    cmocka_unit_test(traps_are_not_markings),
	    cmocka_unit_test(security_plan_is_not_marked),
	    cmocka_unit_test(english_markings_and_mapping),
	    cmocka_unit_test(header_zone_any_line),
	    cmocka_unit_test(struck_marking_is_declassified),
	    cmocka_unit_test(structural_markings),
	    cmocka_unit_test(metadata_labels),
	    cmocka_unit_test(supporting_evidence_alone_is_not_a_marking),
	    cmocka_unit_test(patterns_split_between_calls),
	    cmocka_unit_test(utf16_and_big5_text),
	    cmocka_unit_test(decode_text_helper),
	    cmocka_unit_test(big5_table_matches_iconv),
	    cmocka_unit_test(roc_id_checksum),
	    cmocka_unit_test(roc_ids_counted),
	    cmocka_unit_test(register_data_near_keywords),
	    cmocka_unit_test(sparse_ten_gigabytes),
	    cmocka_unit_test(large_text_streamed_like_whole),
	    cmocka_unit_test(huge_line_and_budget_edges),
	    cmocka_unit_test(expansion_and_nesting_limits),
	    cmocka_unit_test(xattr_label_and_fd),
	    cmocka_unit_test(binary_is_none_not_uninspectable),
	    cmocka_unit_test(json_line),
	    cmocka_unit_test(result_sanity),
	    cmocka_unit_test(quick_clean),
	    cmocka_unit_test(standalone_helper),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
