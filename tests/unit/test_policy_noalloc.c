/* The engine's promise to the agent's hot path: deciding, on any event,
 * allocates nothing.  This program is linked with --wrap for malloc,
 * calloc and realloc (policy/module.mk), so every allocation made by the
 * policy library is counted here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "policy/policy.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static unsigned long allocations;
static long fail_at = -1; /* make the allocation with this number fail */

static bool injected_failure(void)
{
	return fail_at >= 0 && (long)allocations++ == fail_at;
}

void *__wrap_malloc(size_t size)
{
	if (injected_failure())
		return NULL;
	allocations += fail_at < 0;
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (injected_failure())
		return NULL;
	allocations += fail_at < 0;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	if (injected_failure())
		return NULL;
	allocations += fail_at < 0;
	return __real_realloc(p, size);
}

static const char text[] =
    "timezone Asia/Taipei\n"
    "period 春節加強期 2022-01-24 .. 2022-02-07\n"
    "hours office mon-fri 08:00-17:30\n"
    "holiday 2022-02-28\n"
    "devices registered { id 0781:5567 serial \"4C530001\" with-interface 08:**:** }\n"
    "fingerprints fp { ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb }\n"
    "device allow registered\n"
    "device read-only during 春節加強期\n"
    "device allow *\n"
    "copy allow sha256 in fp\n"
    "copy block level >= 密 to removable\n"
    "copy block pii any >= 5 to removable user one-of { alice bob } group staff\n"
    "copy audit * to removable not to registered during holiday\n"
    "copy warn mime application/* exe /usr/bin/* to usb outside office\n"
    "copy allow *\n";

static void deciding_allocates_nothing(void **state)
{
	unsigned long at_start = allocations;
	struct policy *p = policy_load_buffer("t.rules", text, strlen(text), NULL, NULL);
	struct classify_result content = {.level = WARD_LEVEL_NONE, .size = 10};
	struct ward_device dev = {.bus = DEVICE_BUS_USB, .vendor_id = 0x0781, .product_id = 0x5567};
	const char *groups[] = {"staff"};
	struct policy_event ev = {.content = &content,
				  .device = &dev,
				  .user = "alice",
				  .group_names = groups,
				  .n_group_names = 1,
				  .exe = "/usr/bin/cp"};
	struct policy_decision d;
	unsigned long before;
	unsigned seen[POLICY_ACTION_MAX + 1] = {0};

	(void)state;
	assert_non_null(p);
	/* the wrapping works: loading is seen allocating */
	assert_true(allocations > at_start);
	str_copy(content.mime, sizeof(content.mime), "application/pdf");
	str_copy(content.pii[0].type, sizeof(content.pii[0].type), "roc-national-id");
	str_copy(dev.serial, sizeof(dev.serial), "4C530001");
	str_copy(dev.interfaces, sizeof(dev.interfaces), ":080650:");
	before = allocations;
	uint32_t rnd = 12345;

	for (int i = 0; i < 4000; i++) {
		rnd = rnd * 1103515245u + 12345u; /* a fixed pseudo-random mix */
		ev.kind = (enum policy_event_kind)((rnd >> 8) % 3);
		content.level = (enum ward_level)((rnd >> 12) % 5);
		content.pii[0].count = (rnd >> 16) % 7;
		content.n_pii = (rnd >> 20) % 2;
		dev.serial[0] = (rnd >> 24) % 2 ? '4' : 'X';
		ev.time = 1643000000 + (time_t)i * 3607; /* across days and hours */
		assert_int_equal(policy_decide(p, &ev, &d), 0);
		seen[d.action]++;
	}
	assert_int_equal(allocations - before, 0);
	/* and the loop did exercise different rules */
	assert_true(seen[POLICY_ALLOW] > 0);
	assert_true(seen[POLICY_BLOCK] > 0);
	assert_true(seen[POLICY_WARN] > 0);
	assert_true(seen[POLICY_AUDIT] > 0);
	policy_unref(p);
}

static struct policy *load_text_or_dir(const char *dir, struct policy_diag *diag)
{
	return dir ? policy_load(dir, diag)
		   : policy_load_buffer("t.rules", text, strlen(text), NULL, diag);
}

/* Out of memory at any point of loading gives no policy, never a policy
 * with something quietly missing: for the text above and for the shipped
 * default policy directory. */
static void loading_fails_whole_on_any_allocation_failure(void **state)
{
	const char *root = getenv("WARD_ROOT");
	char dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/policy/default", root ? root : ".");
	for (int round = 0; round < 2; round++) {
		const char *d = round ? dir : NULL;
		unsigned long needed;
		struct policy *p;

		allocations = 0;
		p = load_text_or_dir(d, NULL);
		assert_non_null(p);
		policy_unref(p);
		needed = allocations;
		assert_true(needed > 10);
		for (unsigned long i = 0; i < needed; i++) {
			struct policy_diag diag = {0};

			allocations = 0;
			fail_at = (long)i;
			p = load_text_or_dir(d, &diag);
			fail_at = -1;
			if (p) {
				fprintf(stderr,
					"%s: allocation %lu of %lu failed, yet the policy loaded\n",
					d ? d : "text", i, needed);
				policy_unref(p);
				fail();
			}
			policy_diag_free(&diag);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(deciding_allocates_nothing),
	    cmocka_unit_test(loading_fails_whole_on_any_allocation_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
