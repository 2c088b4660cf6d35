/* Scanned paper (classify/ocr*.c, image.c, the PDF extractor's scanned
 * pages), tested on what is fed to the scan (scan_recorder.h) for the
 * scans of tests/corpus/scans (made by tests/corpus/make-scans.sh from
 * LibreOffice pages: a red stamp, a typed 密等 field, noise, a slight
 * rotation): stamps read as lines of their own at the top, field lines
 * read, photographs never recognised, and a page that cannot be read in
 * time, or without OCR, reported so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify/extract.h"
#include "classify/resources.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/scan_recorder.h"

/* One engine for the whole program: loading it takes a few tenths of a
 * second. */
static struct classify_resources *res;

static void run(struct scan *s, const char *file, bool with_ocr)
{
	size_t len;
	_cleanup_free_ char *data = corpus_file(file, &len);

	stub_init(s);
	s->budget.max_millis = 60000; /* this machine may be busy: no cut here */
	s->resources = with_ocr ? res : NULL;
	if (strstr(file, ".pdf") != NULL)
		assert_int_equal(extract_pdf(s, data, len), 0);
	else
		assert_int_equal(extract_image(s, data, len), 0);
	assert_false(s->in_page);
}

static void red_stamp_is_a_line_of_its_own(void **state)
{
	struct scan s;

	(void)state;
	run(&s, "scans/scan-stamp-jimi.png", true);
	assert_has(&s, "[BODY image]\n機密\n");
	assert_has(&s, "受文者");
	assert_false(s.uninspectable);
	stub_free(&s);

	run(&s, "scans/scan-stamp-draft.png", true);
	assert_has(&s, "[BODY image]\n草稿\n");
	stub_free(&s);

	run(&s, "scans/scan-stamp-jimi.pdf", true);
	assert_has(&s, "[BODY page 1]\n機密\n");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void typed_field_line_read(void **state)
{
	struct scan s;

	(void)state;
	/* A fax: bilevel Group 4 TIFF. */
	run(&s, "scans/scan-field-jimi-fax.tif", true);
	assert_has(&s, "密等及解密條件或保密期限");
	assert_has(&s, "機密");
	assert_false(s.uninspectable);
	stub_free(&s);

	run(&s, "scans/scan-field-putong.jpg", true);
	assert_has(&s, "普通");
	stub_free(&s);
}

static void only_the_edges_of_a_long_page(void **state)
{
	struct scan s;

	(void)state;
	/* The plan's first lines and last lines, not its middle. */
	run(&s, "scans/scan-security-plan.jpg", true);
	assert_has(&s, "實施計畫");
	assert_lacks(&s, "國家機密保護法");
	stub_free(&s);
}

static void photograph_not_recognised(void **state)
{
	struct scan s;
	uint64_t t0 = monotonic_ms();

	(void)state;
	run(&s, "scans/photo-plasma.jpg", true);
	assert_lacks(&s, "[BODY");
	assert_false(s.uninspectable);
	assert_true(monotonic_ms() - t0 < 2000);
	stub_free(&s);
}

static void out_of_time_or_without_ocr_is_said(void **state)
{
	size_t len;
	struct scan s;
	_cleanup_free_ char *data = corpus_file("scans/scan-stamp-jimi.png", &len);

	(void)state;
	stub_init(&s);
	s.resources = res;
	s.deadline_ms = monotonic_ms(); /* spent */
	assert_int_equal(extract_image(&s, data, len), 0);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE the image is a scan not read within the time budget}");
	stub_free(&s);

	run(&s, "scans/scan-stamp-jimi.pdf", false);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE PDF page 1 is a scan and OCR is not available");
	stub_free(&s);
}

static int load(void **state)
{
	const char *err = NULL;

	(void)state;
	res = classify_resources_new(NULL);
	return res != NULL && classify_resources_preload(res, &err) == 0 ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	classify_resources_free(res);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(red_stamp_is_a_line_of_its_own),
	    cmocka_unit_test(typed_field_line_read),
	    cmocka_unit_test(only_the_edges_of_a_long_page),
	    cmocka_unit_test(photograph_not_recognised),
	    cmocka_unit_test(out_of_time_or_without_ocr_is_said),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
