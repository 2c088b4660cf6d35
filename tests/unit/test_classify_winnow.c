#define _GNU_SOURCE
/* Winnowed fingerprints (classify/winnow.c): the same text reflowed or
 * re-punctuated gives the same fingerprints; a marked body pasted into a
 * new document is derived, an unrelated document is not; a long document
 * sampled past the room still recognises a part of it; text fed in pieces
 * that split a character gives what it gives whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/winnow.h"

static const char body[] = "臺東縣政府函\n主旨：春節期間重要設施安全維護部署，請依限辦理。\n"
			   "說明：\n一、本案警力部署位置詳如附表，各單位應確實保密，不得外洩。\n"
			   "二、各分駐所應於一月二十八日前回報執行情形，並由分局彙整陳報。\n"
			   "三、東河、成功及長濱沿海據點之巡邏班次加倍，夜間由刑事組支援。\n";

static const char other[] = "會議紀錄\n時間：一百十一年三月二日下午二時\n地點：本府第二會議室\n"
			    "主席：林秘書長\n一、上次會議決議事項執行情形報告，洽悉。\n"
			    "二、預算執行進度落後之單位，請於下次會議說明原因及改善措施。\n"
			    "三、辦公廳舍節約用電措施，請總務科擬具具體方案後簽陳核示。\n";

struct fps {
	uint32_t fp[CLASSIFY_MAX_FINGERPRINTS];
	uint32_t n;
	uint8_t shift;
};

static void of(const char *text, size_t piece, struct fps *out)
{
	struct winnow w;
	size_t len = strlen(text);

	winnow_init(&w, out->fp);
	for (size_t i = 0; i < len; i += piece)
		winnow_feed(&w, text + i, len - i < piece ? len - i : piece);
	out->n = winnow_finish(&w);
	out->shift = w.shift;
}

static bool derived(const struct fps *doc, const struct fps *marked, uint32_t *shared)
{
	return winnow_derived(doc->fp, doc->n, doc->shift, marked->fp, marked->n, marked->shift,
			      shared);
}

static void reflowed_text_same_fingerprints(void **state)
{
	static struct fps a, b;
	char *flat = strdup(body);
	uint32_t shared;

	(void)state;
	/* Lines joined, full-width commas made ASCII, spaces added. */
	for (char *p = flat; *p; p++)
		if (*p == '\n')
			*p = ' ';
	of(body, 4096, &a);
	of(flat, 4096, &b);
	assert_true(a.n >= WINNOW_MIN_SHARED);
	assert_int_equal(winnow_shared(a.fp, a.n, 0, b.fp, b.n, 0, &shared, &shared), a.n);
	free(flat);
}

static void pasted_body_is_derived_unrelated_is_not(void **state)
{
	static struct fps marked, pasted, unrelated, plain;
	char text[4096];
	uint32_t shared;

	(void)state;
	snprintf(text, sizeof(text), "機密\n%s", body);
	of(text, 4096, &marked);
	/* The body without its marking, after a page of other text. */
	snprintf(text, sizeof(text), "%s%s", other, strchr(body, '\n') + 1);
	of(text, 4096, &pasted);
	of(other, 4096, &unrelated);
	assert_true(derived(&pasted, &marked, &shared));
	assert_true(shared >= WINNOW_MIN_SHARED);
	assert_false(derived(&unrelated, &marked, &shared));
	assert_int_equal(shared, 0);
	/* A short common phrase is not enough. */
	snprintf(text, sizeof(text), "%s各單位應確實保密，不得外洩。", other);
	of(text, 4096, &plain);
	assert_false(derived(&plain, &marked, &shared));
}

/* Deterministic ideographs, no phrase repeated. */
static char *long_text(size_t chars)
{
	char *t = malloc(chars * 3 + 1), *p = t;
	uint32_t x = 12345;

	for (size_t i = 0; i < chars; i++) {
		uint32_t cp;

		x = x * 1103515245u + 12345u;
		cp = 0x4e00 + (x >> 16) % 0x5000;
		*p++ = (char)(0xe0 | cp >> 12);
		*p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*p++ = (char)(0x80 | (cp & 0x3f));
	}
	*p = '\0';
	return t;
}

static void long_document_sampled_part_still_found(void **state)
{
	static struct fps whole, part;
	char *t = long_text(30000);
	uint32_t shared;

	(void)state;
	of(t, 4096, &whole);
	assert_true(whole.shift > 0);
	assert_true(whole.n <= CLASSIFY_MAX_FINGERPRINTS);
	/* 1,500 characters from the middle, alone in a new file. */
	t[(15000 + 1500) * 3] = '\0';
	of(t + 15000 * 3, 4096, &part);
	assert_true(derived(&part, &whole, &shared));
	free(t);
}

static void pieces_split_characters(void **state)
{
	static struct fps whole, pieces;

	(void)state;
	of(body, 100000, &whole);
	of(body, 7, &pieces); /* 7 bytes: most characters split */
	assert_int_equal(whole.n, pieces.n);
	assert_memory_equal(whole.fp, pieces.fp, whole.n * sizeof(whole.fp[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reflowed_text_same_fingerprints),
	    cmocka_unit_test(pasted_body_is_derived_unrelated_is_not),
	    cmocka_unit_test(long_document_sampled_part_still_found),
	    cmocka_unit_test(pieces_split_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
