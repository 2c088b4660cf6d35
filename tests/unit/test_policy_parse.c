/* The policy language as written: layout, comments and strings, every
 * error message with its position, all errors at once, a directory read in
 * name order, and the limits that keep hostile input bounded.  Decisions
 * are tests/unit/test_policy.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "policy/policy.h"
#include "tests/unit/policy_fixture.h"

/* Loads text that must fail; returns the first error as "line:col: msg". */
static void first_error(const char *text, char *out, size_t size)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load_buffer("t.rules", text, strlen(text), NULL, &diag);

	assert_null(p);
	assert_true(diag.n_errors > 0);
	assert_string_equal(diag.errors[0].file, "t.rules");
	snprintf(out, size, "%u:%u: %s", diag.errors[0].line, diag.errors[0].col,
		 diag.errors[0].message);
	policy_diag_free(&diag);
}

static void comments_strings_and_layout(void **state)
{
	/* a device list across lines, '#' inside a string, CRLF line ends,
	 * operators without spaces, English level names */
	struct policy *p = load_ok("\xEF\xBB\xBF" /* byte-order mark */
				   "devices office {\r\n"
				   "  id 0781:* serial \"A#1\"   # comment inside\r\n"
				   "  id *:1000 name Cruzer*\r\n"
				   "}\r\n"
				   "device allow office\n"
				   "device block *\n"
				   "copy block level>=confidential\n"
				   "copy allow *\n");
	struct fixture f;
	struct policy_decision d;

	(void)state;
	event_init(&f, WARD_LEVEL_RESTRICTED);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_ALLOW);
	f.content.level = WARD_LEVEL_CONFIDENTIAL;
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);

	f.ev.kind = POLICY_EVENT_DEVICE;
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_BLOCK); /* serial differs */
	str_copy(f.dev.serial, sizeof(f.dev.serial), "A#1");
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_ALLOW);
	str_copy(f.dev.serial, sizeof(f.dev.serial), "X");
	f.dev.product_id = 0x1000; /* second entry: any vendor, product 1000, name glob */
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_ALLOW);
	assert_int_equal(d.rule_line, 5);
	policy_unref(p);
}

struct error_case {
	const char *text;
	const char *expected; /* "line:col: message" (a prefix of it) */
};

static const struct error_case error_cases[] = {
    {"copy allow *\nfrobnicate x\n", "2:1: unknown keyword 'frobnicate' (expected device, copy"},
    {"copy frob *\n",
     "1:6: unknown action 'frob' for a copy rule (expected allow, audit, warn, block or quarantine)"},
    {"device quarantine *\n",
     "1:8: unknown action 'quarantine' for a device rule (expected allow, read-only or block)"},
    {"copy\n", "1:5: expected an action and conditions"},
    {"copy block\n", "1:11: expected conditions after the action ('*' matches everything)"},
    {"copy block level >= 秘密\ncopy allow *\n",
     "1:21: unknown level '秘密' (expected 密, 機密, 極機密, 絕對機密 or none)"},
    {"copy block level 密\n",
     "1:18: expected a comparison (>=, >, <=, <, =, !=) after 'level', found '密'"},
    {"copy block pii roc-id >= 5\n", "1:16: unknown personal-data type 'roc-id'"},
    {"copy block pii any >= lots\n", "1:23: bad count 'lots' (expected a whole number)"},
    {"copy block size > 3X\n", "1:19: bad size '3X'"},
    {"devices d { id 0781:55z7 }\n",
     "1:16: bad device id '0781:55z7' (expected VVVV:PPPP in hexadecimal"},
    {"device block id 781:5567\n", "1:17: bad device id '781:5567'"},
    {"device block with-interface 08:06\n", "1:29: bad interface '08:06'"},
    {"period p 2022-02-07 .. 2022-01-24\n",
     "1:24: date range reversed: the end is before the start"},
    {"period p 2022-02-30\n", "1:10: bad date '2022-02-30' (expected YYYY-MM-DD"},
    {"period 春節加強期 2022-01-24 .. 2022-02-07\ncopy block * during 春節\n",
     "2:21: unknown period '春節' (declared periods: 春節加強期; office hours: none; or holiday)"},
    {"copy block * to floppy\n", "1:17: unknown destination 'floppy'"},
    {"copy allow *\ncopy block level >= 密\n",
     "2:1: unreachable rule: the catch-all rule at t.rules:1 ('copy allow *') matches every event first"},
    {"copy block level >= 密\n",
     "1:1: the copy rules have no catch-all at the end: add a last rule such as 'copy allow *'"},
    {"device block bus mmc\n", "1:1: the device rules have no catch-all at the end"},
    {"copy block \"open\n", "1:12: unterminated string"},
    {"devices d { id 0781:5567\ncopy allow *\n", "1:11: '{' is never closed"},
    {"copy allow * }\n", "1:14: '}' without a matching '{'"},
    {"hours office mon-fri 17:30-08:00\n",
     "1:22: hours reversed: '17:30-08:00' ends before it starts"},
    {"hours office weekdays 08:00-17:00\n", "1:14: bad weekdays 'weekdays'"},
    {"hours office mon-fri 8-17\n", "1:22: bad hours '8-17'"},
    {"period p 2022-01-01\nperiod p 2022-01-02\n", "2:8: name 'p' is already declared or reserved"},
    {"device allow level >= 密\n",
     "1:14: 'level' cannot be used in a device rule (a medium has no content)"},
    {"devices d { user alice }\n", "1:13: 'user' describes a person, not a device"},
    {"device allow mime application/zip\ndevice allow *\n",
     "1:14: 'mime' cannot be used in a device rule (a medium has no content)"},
    {"devices d { mime text/plain }\n", "1:13: 'mime' cannot describe a device in a device list"},
    {"copy block frob\n", "1:12: unknown condition 'frob' (expected level,"},
    {"copy block sha256 in nowhere\n",
     "1:22: unknown fingerprint list 'nowhere' (declared lists: none)"},
    {"fingerprints f { abcd }\n", "1:18: bad SHA-256 digest 'abcd'"},
    {"trust supervisor \"王科長\" /nonexistent/wang.pub\n",
     "1:24: cannot read key file '/nonexistent/wang.pub'"},
    {"trust boss x y\n", "1:7: expected 'supervisor' after trust"},
    {"timezone Mars/Olympus\n", "1:10: unknown time zone 'Mars/Olympus'"},
    {"timezone ../etc/passwd\n", "1:10: invalid time zone name"},
    {"message shout zh-TW \"x\"\n", "1:9: unknown message 'shout'"},
    {"message block fr \"x\"\n", "1:15: unknown language 'fr' (expected zh-TW or en)"},
    {"message block en text\n", "1:18: expected the message in double quotes"},
    {"fail-mode floppy block\n", "1:11: unknown destination 'floppy'"},
    {"fail-mode removable maybe\n", "1:21: unknown action 'maybe'"},
    {"deadline soon\n", "1:10: bad deadline 'soon'"},
    {"report everything\n", "1:8: unknown action 'everything'"},
    {"report file-names perhaps\n", "1:19: expected yes or no, found 'perhaps'"},
    {"copy block event paste\n", "1:18: unknown event 'paste' (expected copy or close-write)"},
    {"copy block user one-of alice\n", "1:24: expected '{' after one-of"},
    {"copy block user { }\n", "1:17: empty set: expected at least one a user name"},
    {"holiday 2022-01-01 .. 2023-06-01\n", "1:9: holiday longer than a year: use a period"},
    {"period p 2022-01-01 extra\n", "1:21: unexpected 'extra' at the end of the statement"},
    {"{ copy allow * }\n", "1:1: expected a keyword"},
};

static void error_messages(void **state)
{
	char got[1024];
	int mismatches = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		first_error(error_cases[i].text, got, sizeof(got));
		if (strncmp(got, error_cases[i].expected, strlen(error_cases[i].expected)) != 0) {
			fprintf(stderr, "policy text: %s\n  expected: %s\n  got:      %s\n",
				error_cases[i].text, error_cases[i].expected, got);
			mismatches++;
		}
	}
	assert_int_equal(mismatches, 0);
}

static void all_errors_reported(void **state)
{
	static const char text[] = "period a 2022-02-02 .. 2022-01-01\n"
				   "copy block level >= x\n"
				   "copy frob *\n"
				   "copy allow *\n";
	struct policy_diag diag = {0};

	(void)state;
	assert_null(policy_load_buffer("t.rules", text, strlen(text), NULL, &diag));
	assert_int_equal(diag.n_errors, 3);
	assert_int_equal(diag.errors[0].line, 1);
	assert_int_equal(diag.errors[1].line, 2);
	assert_int_equal(diag.errors[2].line, 3);
	policy_diag_free(&diag);
}

static void directory_in_name_order(void **state)
{
	char dir[] = "/tmp/ward-policy-dir-XXXXXX", path[160];
	struct policy_diag diag = {0};
	struct policy *p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/50-rules.rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("copy block * during p\ncopy allow *\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/00-decl.rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("period p 2022-01-01\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/README.txt", dir); /* ignored */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a policy\n", f);
	fclose(f);

	p = policy_load(dir, &diag);
	assert_non_null(p);
	policy_unref(p);

	/* a broken later file names itself and its line */
	snprintf(path, sizeof(path), "%s/60-more.rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\ncopy audit *\n", f);
	fclose(f);
	assert_null(policy_load(dir, &diag));
	assert_int_equal(diag.n_errors, 1);
	snprintf(path, sizeof(path), "%s/60-more.rules", dir);
	assert_string_equal(diag.errors[0].file, path);
	assert_int_equal(diag.errors[0].line, 2);
	assert_int_equal(diag.errors[0].col, 1);
	policy_diag_free(&diag);

	unlink(path);
	snprintf(path, sizeof(path), "%s/50-rules.rules", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/00-decl.rules", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/README.txt", dir);
	unlink(path);
	rmdir(dir);
}

/* Hostile or absurd input stays bounded: the limits are errors with a
 * position, not hangs. */
static void limits(void **state)
{
	size_t cap = 1u << 20, len = 0;
	char *text = malloc(cap), got[1024];

	(void)state;
	assert_non_null(text);
	for (int y = 2000; y < 2012; y++)
		len +=
		    (size_t)snprintf(text + len, cap - len, "holiday %d-01-01 .. %d-12-31\n", y, y);
	first_error(text, got, sizeof(got));
	assert_string_equal(got, "12:9: too many holidays (at most 4096 days)");

	len = 0;
	for (int i = 0; i < 10001; i++)
		len += (size_t)snprintf(text + len, cap - len, "copy block user u%d\n", i);
	first_error(text, got, sizeof(got));
	assert_string_equal(got, "10001:1: too many copy rules (at most 10000)");

	len = 0;
	for (int i = 0; i < 1025; i++)
		len += (size_t)snprintf(text + len, cap - len, "period p%d 2022-01-01\n", i);
	first_error(text, got, sizeof(got));
	assert_string_equal(got, "1025:8: too many named periods, hours and lists (at most 1024)");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(comments_strings_and_layout),
	    cmocka_unit_test(error_messages),
	    cmocka_unit_test(all_errors_reported),
	    cmocka_unit_test(directory_in_name_order),
	    cmocka_unit_test(limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
