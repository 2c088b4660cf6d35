/* policy_version(): the same rules give the same version, any change to a
 * file's bytes or name another. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "policy/policy.h"

static const char rules[] = "copy block level >= 密 to removable   # 公務機密\n"
			    "copy allow *\n";

static void version_of(const char *name, const char *text, unsigned char out[POLICY_VERSION_LEN])
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load_buffer(name, text, strlen(text), ".", &diag);

	assert_non_null(p);
	policy_version(p, out);
	policy_unref(p);
	policy_diag_free(&diag);
}

static void same_rules_same_version(void **state)
{
	unsigned char a[POLICY_VERSION_LEN], b[POLICY_VERSION_LEN], zero[POLICY_VERSION_LEN] = {0};

	(void)state;
	version_of("50-copy.rules", rules, a);
	version_of("50-copy.rules", rules, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
}

static void any_change_another_version(void **state)
{
	unsigned char a[POLICY_VERSION_LEN], b[POLICY_VERSION_LEN];
	char text[sizeof(rules)];

	(void)state;
	version_of("50-copy.rules", rules, a);
	memcpy(text, rules, sizeof(rules));
	text[sizeof(rules) - 2] = ' '; /* one byte: the last newline */
	version_of("50-copy.rules", text, b);
	assert_memory_not_equal(a, b, sizeof(a));
	version_of("51-copy.rules", rules, b);
	assert_memory_not_equal(a, b, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_rules_same_version),
	    cmocka_unit_test(any_change_another_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
