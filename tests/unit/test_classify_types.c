/* The type table (classify/types.c): every row reads its type or says why
 * not; a type the table says is not read comes out uninspectable with that
 * reason, never clean; every container and office type libmagic names is
 * in the table; and what the table does not know is text or nothing. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "classify/classify.h"
#include "classify/core.h"
#include "tests/unit/classify_test.h"

/* Runs one type's row on data, as the dispatcher does after libmagic. */
static void run_as(const char *mime, const void *data, size_t len, struct classify_result *res)
{
	struct classify_budget budget;
	struct scan_call call;
	struct scan s;

	classify_budget_default(&budget);
	scan_call_init(&call, ctx, &budget);
	scan_init(&s, &call, 0, "");
	if (classify_run_type(&s, mime, data, len) < 0)
		scan_set_uninspectable(&s, "not of its type");
	scan_finish(&s);
	memset(res, 0, sizeof(*res));
	scan_call_result(&call, res);
	assert_true(classify_result_sane(res));
}

static void every_row_reads_or_says_why(void **state)
{
	size_t n;
	const struct classify_type *t = classify_types(&n);

	(void)state;
	assert_true(n > 50);
	for (size_t i = 0; i < n; i++) {
		if ((t[i].extract == NULL) == (t[i].unread == NULL))
			fail_msg("%s: a row must read or say why not", t[i].mime);
		for (size_t k = 0; k < i; k++)
			if (strcmp(t[i].mime, t[k].mime) == 0)
				fail_msg("%s: two rows", t[i].mime);
	}
}

/* Bytes of no format at all: an unread type is uninspectable whatever
 * its content; a read type either reads them or says it cannot. */
static void unread_types_are_uninspectable(void **state)
{
	static const char junk[] = "\x01\x02\x03 機密 \x04\x05 not really this type \x06";
	size_t n;
	const struct classify_type *t = classify_types(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct classify_result res;

		run_as(t[i].mime, junk, sizeof(junk) - 1, &res);
		if (t[i].unread != NULL) {
			if (!res.uninspectable)
				fail_msg("%s: not read, yet not uninspectable", t[i].mime);
			if (strstr(res.uninspectable_reason, t[i].unread) == NULL)
				fail_msg("%s: reason \"%s\"", t[i].mime, res.uninspectable_reason);
		}
	}
}

/* Containers and office formats as libmagic (file 5.44) names them: each
 * has a row, so none can pass as an image or a program would. */
static void containers_have_rows(void **state)
{
	static const char *const containers[] = {
	    "application/zip",
	    "application/x-7z-compressed",
	    "application/vnd.rar",
	    "application/gzip",
	    "application/x-bzip2",
	    "application/x-xz",
	    "application/zstd",
	    "application/x-tar",
	    "application/x-cpio",
	    "application/vnd.ms-cab-compressed",
	    "application/x-iso9660-image",
	    "application/x-lzh-compressed",
	    "application/x-arj",
	    "application/msword",
	    "application/vnd.ms-excel",
	    "application/vnd.ms-powerpoint",
	    "application/vnd.ms-outlook",
	    "application/vnd.ms-tnef",
	    "application/vnd.ms-works",
	    "application/vnd.visio",
	    "application/CDFV2",
	    "application/x-ole-storage",
	    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
	    "application/vnd.oasis.opendocument.text",
	    "application/vnd.oasis.opendocument.presentation",
	    "application/vnd.oasis.opendocument.base",
	    "application/pdf",
	    "application/rtf",
	    "text/rtf",
	    "message/rfc822",
	    "text/html",
	    "text/xml",
	    "application/epub+zip",
	    "application/vnd.ms-htmlhelp",
	    "application/x-sqlite3",
	    "application/vnd.sqlite3",
	    "application/x-msaccess",
	    "application/vnd.wordperfect",
	    "application/vnd.ms-xpsdocument",
	    "application/oxps",
	    "application/pgp-encrypted",
	    "application/vnd.sun.xml.writer",
	    "application/x-apple-diskimage",
	};
	size_t n;
	const struct classify_type *t = classify_types(&n);

	(void)state;
	for (size_t c = 0; c < sizeof(containers) / sizeof(containers[0]); c++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = t[i].prefix
				    ? strncmp(containers[c], t[i].mime, strlen(t[i].mime)) == 0
				    : strcmp(containers[c], t[i].mime) == 0;
		if (!found)
			fail_msg("%s has no row", containers[c]);
	}
}

/* Outside the table: text is read as text (a marking in it counts), and
 * binary data with no words is clean. */
static void outside_the_table(void **state)
{
	static const char text[] = "機密\n本府春節期間加強安全維護。\n";
	static const unsigned char png[] = {0x89, 'P',	'N', 'G', '\r', '\n',
					    0x1a, '\n', 0,   0,	  0,	0};
	struct classify_result res;

	(void)state;
	run_as("application/x-made-up", text, sizeof(text) - 1, &res);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	run_as("image/png", png, sizeof(png), &res);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_false(res.uninspectable);
	/* An OOXML package of a kind not read (no Word, Excel or PowerPoint
	 * main part) is uninspectable, not clean: made by the corpus
	 * (tests/corpus/markings/ooxml-xps-like.zip) and checked there. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_row_reads_or_says_why),
	    cmocka_unit_test(unread_types_are_uninspectable),
	    cmocka_unit_test(containers_have_rows),
	    cmocka_unit_test(outside_the_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
