/* Scanned paper inside the real sandbox: wardd-scanner ($WARD_BUILD), as
 * wardd starts it (exec, privileges dropped, seccomp filter, no file
 * opens), reads the OCR language data and the CJK font tables before the
 * filter and then recognises a scanned page and a scanned PDF page with
 * one thread (the process has no other).  A scanner that could not load them, or a filter that
 * refused a call Tesseract makes, shows here as an uninspectable result
 * or a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/scanner.h"
#include "common/cleanup.h"

static struct scanner *scanner;

static void classify_file(const char *rel, struct classify_result *res)
{
	const char *root = getenv("WARD_CORPUS") ? getenv("WARD_CORPUS") : "tests/corpus";
	struct classify_budget budget;
	char path[512];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	classify_budget_default(&budget);
	/* The OCR's own cost, not this machine's load, is what is tested. */
	budget.max_millis = 60000;
	assert_int_equal(scanner_classify(scanner, fd, rel, &budget, 90000, res), 0);
}

static void scanned_page_read_in_the_sandbox(void **state)
{
	struct classify_result res;

	(void)state;
	classify_file("scans/scan-stamp-jimi.png", &res);
	assert_string_equal(res.uninspectable_reason, "");
	assert_false(res.uninspectable);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_string_equal(res.reasons[0].text, "機密");

	classify_file("scans/scan-field-jimi.jpg", &res);
	assert_false(res.uninspectable);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_string_equal(res.reasons[0].rule, "letter-header-field");
	assert_int_equal(scanner_restarts(scanner), 0);
}

/* Threads of the scanner process, from /proc/PID/status. */
static int scanner_threads(void)
{
	char path[64], line[128];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)scanner_pid(scanner));
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void one_ocr_thread(void **state)
{
	struct classify_result res;

	(void)state;
	/* Tesseract parallelises with OpenMP; the scanner must not. */
	classify_file("scans/scan-field-jimi-fax.tif", &res);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(scanner_threads(), 1);
}

static void scanned_pdf_page_read_in_the_sandbox(void **state)
{
	struct classify_result res;

	(void)state;
	/* poppler draws the page (cairo), then OCR: inside the filter too. */
	classify_file("scans/scan-stamp-jimi.pdf", &res);
	assert_false(res.uninspectable);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	classify_file("scans/scan-security-plan.pdf", &res);
	assert_false(res.uninspectable);
	assert_int_equal(res.level, WARD_LEVEL_NONE);
	assert_int_equal(scanner_restarts(scanner), 0);
}

static int start(void **state)
{
	const char *build = getenv("WARD_BUILD") ? getenv("WARD_BUILD") : "build";
	static char exec_path[512];
	struct scanner_options opts = {.exec_path = exec_path, .sandbox = true};

	(void)state;
	snprintf(exec_path, sizeof(exec_path), "%s/wardd-scanner", build);
	return access(exec_path, X_OK) == 0 &&
		       scanner_start(&scanner_classify_ops, &opts, &scanner) == 0
		   ? 0
		   : -1;
}

static int stop(void **state)
{
	(void)state;
	scanner_stop(scanner);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scanned_page_read_in_the_sandbox),
	    cmocka_unit_test(scanned_pdf_page_read_in_the_sandbox),
	    cmocka_unit_test(one_ocr_thread),
	};

	return cmocka_run_group_tests(tests, start, stop);
}
