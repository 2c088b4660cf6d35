/* `report-failure DEST block|allow`: the defaults, per bus, and the
 * parser's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/device.h"
#include "policy/policy.h"

static struct policy *load(const char *text, struct policy_diag *diag)
{
	struct policy *p = policy_load_buffer("t.rules", text, strlen(text), NULL, diag);

	return p;
}

static const struct ward_device usb = {.bus = DEVICE_BUS_USB}, mmc = {.bus = DEVICE_BUS_MMC},
				internal = {.bus = DEVICE_BUS_INTERNAL};

static void defaults_block_removable_media(void **state)
{
	struct policy_diag diag = {0};
	struct policy *p = load("copy allow *\n", &diag);

	(void)state;
	assert_non_null(p);
	assert_true(policy_report_failure_blocks(p, &usb));
	assert_true(policy_report_failure_blocks(p, &mmc));
	assert_true(policy_report_failure_blocks(p, NULL));
	assert_false(policy_report_failure_blocks(p, &internal));
	policy_unref(p);
	policy_diag_free(&diag);
}

static void per_bus_settings(void **state)
{
	struct policy_diag diag = {0};
	struct policy *p = load("report-failure removable allow\n"
				"report-failure usb block\n"
				"copy allow *\n",
				&diag);

	(void)state;
	assert_non_null(p);
	assert_true(policy_report_failure_blocks(p, &usb));
	assert_false(policy_report_failure_blocks(p, &mmc));
	assert_false(policy_report_failure_blocks(p, &internal));
	policy_unref(p);
	policy_diag_free(&diag);
}

static void errors_name_what_is_wrong(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"report-failure removable quarantine\n",
	     "expected block or allow, found 'quarantine'"},
	    {"report-failure floppy block\n", "unknown destination 'floppy'"},
	    {"report-failure\n", "expected a destination and block or allow"},
	    {"report-failure usb\n", "expected block or allow after the destination"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_diag diag = {0};
		struct policy *p = load(bad[i].text, &diag);

		assert_null(p);
		assert_true(diag.n_errors >= 1);
		if (!strstr(diag.errors[0].message, bad[i].want))
			print_error("%s: got '%s'\n", bad[i].text, diag.errors[0].message);
		assert_non_null(strstr(diag.errors[0].message, bad[i].want));
		policy_diag_free(&diag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_block_removable_media),
	    cmocka_unit_test(per_bus_settings),
	    cmocka_unit_test(errors_name_what_is_wrong),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
