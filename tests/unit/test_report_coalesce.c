/* Coalescing repeated attempts: the first of a window is recorded, the
 * repeats only counted, and a closed window with repeats becomes one
 * record pointing at the first, with the count and the times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/json.h"
#include "common/record_id.h"
#include "report/coalesce.h"
#include "report/record.h"

static const struct record_origin ORIGIN = {.agent_id = "947a1c0d25a798c146241eb416ec4413",
					    .host = "desk-01",
					    .boot_id = "7a67b731-d434-4057-bb81-4fe9e17d5acb"};

static struct coalesce_key key_of(uid_t uid, unsigned char file, const char *action)
{
	struct coalesce_key k = {.uid = uid};

	memset(k.sha256, file, sizeof(k.sha256));
	strcpy(k.device, "0781:5567/4C530001");
	strcpy(k.action, action);
	return k;
}

static struct timespec at(long ms)
{
	struct timespec t = {.tv_sec = 1643076000 + ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	return t;
}

static void repeats_fold_into_one_record(void **state)
{
	struct coalescer *c = coalescer_new(10000);
	struct coalesce_key k = key_of(1000, 0xaa, "block");
	struct timespec t0 = at(0);
	json_t *first = record_new(&ORIGIN, "decision", &t0), *out;
	char ref[RECORD_REF_LEN];
	int64_t n;

	(void)state;
	assert_true(coalesce_seen(c, &k, &t0, NULL));
	coalesce_keep(c, &k, first);
	for (long ms = 100; ms <= 900; ms += 100) {
		struct timespec t = at(ms);

		assert_false(coalesce_seen(c, &k, &t, NULL));
	}
	/* Another user, another file, another action: windows of their own. */
	{
		struct coalesce_key other = key_of(1001, 0xaa, "block");
		struct timespec t = at(500);

		assert_true(coalesce_seen(c, &other, &t, NULL));
		other = key_of(1000, 0xbb, "block");
		assert_true(coalesce_seen(c, &other, &t, NULL));
		other = key_of(1000, 0xaa, "audit");
		assert_true(coalesce_seen(c, &other, &t, NULL));
	}
	/* Not yet due. */
	{
		struct timespec t = at(5000);

		assert_null(coalesce_next_due(c, &t, false));
	}
	{
		struct timespec t = at(10001);

		out = coalesce_next_due(c, &t, false);
	}
	assert_non_null(out);
	assert_true(wjson_int(out, "count", &n) && n == 10);
	assert_string_equal(wjson_str(out, "first_at"), "2022-01-25T02:00:00.000Z");
	assert_string_equal(wjson_str(out, "last_at"), "2022-01-25T02:00:00.900Z");
	assert_string_equal(wjson_str(out, "first_record"), wjson_str(first, "record_id"));
	assert_string_not_equal(wjson_str(out, "record_id"), wjson_str(first, "record_id"));
	assert_int_equal(record_ref(wjson_str(out, "record_id"), ref), 0);
	assert_string_equal(wjson_str(out, "ref"), ref);
	json_decref(out);
	/* The windows without repeats close without a record. */
	{
		struct timespec t = at(20000);

		assert_null(coalesce_next_due(c, &t, false));
	}
	/* After the window, the same attempt is a first again. */
	{
		struct timespec t = at(30000);

		assert_true(coalesce_seen(c, &k, &t, NULL));
	}
	json_decref(first);
	coalescer_free(c);
}

static void a_full_table_records_one_by_one(void **state)
{
	struct coalescer *c = coalescer_new(10000);
	struct timespec t = at(0), later = at(1);
	json_t *p = record_new(&ORIGIN, "decision", &t), *out;
	int records = 0;

	(void)state;
	for (unsigned i = 0; i < 2 * COALESCE_SLOTS; i++) {
		struct coalesce_key k = key_of(i, 0x11, "block");

		assert_true(coalesce_seen(c, &k, &t, NULL));
		coalesce_keep(c, &k, p);
		/* Past the table's size a repeat is a record of its own. */
		assert_int_equal(coalesce_seen(c, &k, &later, NULL), i >= COALESCE_SLOTS);
	}
	while ((out = coalesce_next_due(c, &later, true))) {
		records++;
		json_decref(out);
	}
	assert_int_equal(records, COALESCE_SLOTS);
	json_decref(p);
	coalescer_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(repeats_fold_into_one_record),
	    cmocka_unit_test(a_full_table_records_one_by_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
