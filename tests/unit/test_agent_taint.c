#define _GNU_SOURCE
/* Process lineage's taint table (agent/taint.c) and its test for encoded
 * text (agent/lineage.c), with made-up pids and clocks: a process is
 * known by pid and start time (a reused pid is another process), entries
 * expire, the table stays within its bound and makes room by dropping the
 * entry seen longest ago, a higher level wins, and a descendant inherits a
 * taint only when forked after the open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "agent/lineage.h"
#include "agent/taint.h"

static struct taint tainted(pid_t pid, uint64_t start, uint64_t open, enum ward_level level)
{
	struct taint t = {.pid = pid, .start_ticks = start, .read_ticks = open, .level = level};

	memset(t.source_sha256, (int)pid, sizeof(t.source_sha256));
	snprintf(t.exe, sizeof(t.exe), "/usr/bin/p%d", (int)pid);
	return t;
}

static void pid_and_start_time_name_a_process(void **state)
{
	struct taint_table t;
	struct taint in = tainted(100, 5000, 6000, WARD_LEVEL_SECRET);
	const struct taint *e;

	(void)state;
	assert_int_equal(taint_init(&t, 8, 1000), 0);
	assert_true(taint_empty(&t));
	taint_add(&t, &in, 10);
	e = taint_find(&t, 100, 5000, 20);
	assert_non_null(e);
	assert_int_equal(e->level, WARD_LEVEL_SECRET);
	assert_string_equal(e->exe, "/usr/bin/p100");
	/* The same pid, started later: the kernel reused it. */
	assert_null(taint_find(&t, 100, 7000, 20));
	assert_null(taint_find(&t, 101, 5000, 20));
	/* A writer already gone is known by its pid alone. */
	assert_non_null(taint_find(&t, 100, 0, 20));
	taint_free(&t);
}

static void a_reader_gone_before_its_open_was_seen(void **state)
{
	struct taint_table t;
	struct taint in = tainted(200, 0, 6000, WARD_LEVEL_CONFIDENTIAL);

	(void)state;
	assert_int_equal(taint_init(&t, 8, 1000), 0);
	taint_add(&t, &in, 10);
	/* Started before the open was seen: may be it. */
	assert_non_null(taint_find(&t, 200, 5999, 20));
	/* Started after: a new process with the dead one's pid. */
	assert_null(taint_find(&t, 200, 6001, 20));
	assert_non_null(taint_find(&t, 200, 0, 20));
	taint_free(&t);
}

static void entries_expire(void **state)
{
	struct taint_table t;
	struct taint in = tainted(300, 10, 20, WARD_LEVEL_SECRET);

	(void)state;
	assert_int_equal(taint_init(&t, 8, 1000), 0);
	taint_add(&t, &in, 100);
	assert_non_null(taint_find(&t, 300, 10, 1100));
	/* Seen again: its lifetime starts over. */
	taint_add(&t, &in, 1100);
	assert_non_null(taint_find(&t, 300, 10, 2000));
	assert_null(taint_find(&t, 300, 10, 2101));
	assert_true(taint_empty(&t));
	assert_int_equal(t.expired, 1);
	taint_free(&t);
}

static void the_table_is_bounded(void **state)
{
	struct taint_table t;

	(void)state;
	assert_int_equal(taint_init(&t, 4, 100000), 0);
	for (pid_t pid = 1000; pid < 1010; pid++) {
		struct taint in = tainted(pid, 1, 2, WARD_LEVEL_RESTRICTED);

		taint_add(&t, &in, (uint64_t)pid);
		assert_true(t.n <= 4);
	}
	assert_int_equal(t.n, 4);
	assert_int_equal(t.evicted, 6);
	/* The four seen last are kept. */
	for (pid_t pid = 1000; pid < 1010; pid++)
		if (pid < 1006)
			assert_null(taint_find(&t, pid, 1, 2000));
		else
			assert_non_null(taint_find(&t, pid, 1, 2000));
	/* Expired entries make room before a live one is dropped. */
	{
		struct taint in = tainted(2000, 1, 2, WARD_LEVEL_RESTRICTED);

		taint_add(&t, &in, 200000);
		assert_int_equal(t.n, 1);
		assert_int_equal(t.evicted, 6);
		assert_int_equal(t.expired, 4);
	}
	taint_free(&t);
}

static void the_higher_level_stays(void **state)
{
	struct taint_table t;
	struct taint high = tainted(400, 10, 20, WARD_LEVEL_TOP_SECRET);
	struct taint low = tainted(400, 10, 30, WARD_LEVEL_RESTRICTED);
	struct taint higher = tainted(400, 10, 40, WARD_LEVEL_TOP_SECRET);

	(void)state;
	assert_int_equal(taint_init(&t, 8, 1000), 0);
	taint_add(&t, &high, 1);
	taint_add(&t, &low, 2);
	assert_int_equal(taint_find(&t, 400, 10, 3)->level, WARD_LEVEL_TOP_SECRET);
	assert_int_equal(taint_find(&t, 400, 10, 3)->read_ticks, 20);
	/* A later read at the same level: what it forked since the first
	 * read still inherits. */
	taint_add(&t, &higher, 4);
	assert_int_equal(taint_find(&t, 400, 10, 5)->read_ticks, 20);
	assert_true(taint_inherited(taint_find(&t, 400, 10, 5), 30, 0));
	assert_int_equal(t.n, 1);
	taint_free(&t);
}

static void descendants_forked_after_the_open_inherit(void **state)
{
	struct taint e = tainted(500, 100, 1000, WARD_LEVEL_SECRET);

	(void)state;
	assert_true(taint_inherited(&e, 1000, 0));
	assert_true(taint_inherited(&e, 1500, 0));
	assert_false(taint_inherited(&e, 999, 0));
	/* The open is seen a moment after it happened. */
	assert_true(taint_inherited(&e, 950, 100));
	assert_false(taint_inherited(&e, 800, 100));
}

/* `sh -c 'base64 doc > out'`: the shell closes out after its child read
 * the document. */
static void a_parent_closing_right_after_its_child_read(void **state)
{
	struct taint_table t;
	struct taint child = tainted(601, 5000, 6000, WARD_LEVEL_SECRET);
	struct taint other = tainted(602, 5000, 6000, WARD_LEVEL_TOP_SECRET);

	(void)state;
	child.ppid = 600;
	other.ppid = 700;
	assert_int_equal(taint_init(&t, 8, 100000), 0);
	taint_add(&t, &child, 10);
	taint_add(&t, &other, 10);
	assert_int_equal(taint_find_child(&t, 600, 4000, 60000, 20)->pid, 601);
	assert_int_equal(taint_find_child(&t, 600, 0, 60000, 20)->pid, 601);
	/* Too long after the child's last read. */
	assert_null(taint_find_child(&t, 600, 4000, 60000, 60011));
	assert_int_equal(taint_find_child(&t, 600, 4000, 60000, 60010)->pid, 601);
	/* A process of that pid started after the read is not the parent. */
	assert_null(taint_find_child(&t, 600, 6500, 60000, 20));
	assert_null(taint_find_child(&t, 601, 0, 60000, 20));
	taint_free(&t);
}

static void encoded_text_is_told_from_language(void **state)
{
	static const char b64[] =
	    "5paH5Lu25qiZ56S6OiDmqZ/lr4YK5pys5paH5Lu25YWn5a655Li65qmf5a+G6LOH5paZ44CCCuacrOaWh+S7"
	    "tuWFp+WuueS4uuapn+Wvhuizh+aWmeOAggrmnKzmlofku7blhaflrrnngrrmqZ/lr4bos4fmlpnjgIIK\n"
	    "5paH5Lu25qiZ56S6OiDmqZ/lr4YK5pys5paH5Lu25YWn5a655Li65qmf5a+G6LOH5paZ44CCCuacrOaWh+S7"
	    "tuWFp+WuueS4uuapn+Wvhuizh+aWmeOAggrmnKzmlofku7blhaflrrnngrrmqZ/lr4bos4fmlpnjgIIK\n";
	static const char hex[] = "e69687e4bbb6e6a899e7a4ba3a20e6a99fe5af860ae69cace69687e4bb"
				  "b6e585a7e5aeb9e782bae6a99fe5af86e8b387e69699e38082\n"
				  "e69687e4bbb6e6a899e7a4ba3a20e6a99fe5af860ae69cace69687e4bb\n";
	static const char armour[] =
	    "-----BEGIN PGP MESSAGE-----\n\n"
	    "jA0ECQMCAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP\n"
	    "QRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ABCDEFGHIJKL\n"
	    "MNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ABCDEFGH\n"
	    "=abcd\n-----END PGP MESSAGE-----\n";
	static const char english[] =
	    "The quarterly report lists every office that asked for more staff this year,\n"
	    "and the budget office answered each request before the end of the month.\n";
	static const char chinese[] = "本府春節期間安全維護計畫，請各單位依規定辦理並回報。\n"
				      "本府春節期間安全維護計畫，請各單位依規定辦理並回報。\n";
	static const char csv[] = "2022-01-25,office,12,34,56,78,90,12,34,56,78,90,12,34\n"
				  "2022-01-26,office,12,34,56,78,90,12,34,56,78,90,12,34\n";

	(void)state;
	assert_true(lineage_encoded((const unsigned char *)b64, strlen(b64)));
	assert_true(lineage_encoded((const unsigned char *)hex, strlen(hex)));
	assert_true(lineage_encoded((const unsigned char *)armour, strlen(armour)));
	assert_false(lineage_encoded((const unsigned char *)english, strlen(english)));
	assert_false(lineage_encoded((const unsigned char *)chinese, strlen(chinese)));
	assert_false(lineage_encoded((const unsigned char *)csv, strlen(csv)));
	assert_false(lineage_encoded((const unsigned char *)"c2hvcnQ=", 8)); /* too short to say */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pid_and_start_time_name_a_process),
	    cmocka_unit_test(a_reader_gone_before_its_open_was_seen),
	    cmocka_unit_test(entries_expire),
	    cmocka_unit_test(the_table_is_bounded),
	    cmocka_unit_test(the_higher_level_stays),
	    cmocka_unit_test(descendants_forked_after_the_open_inherit),
	    cmocka_unit_test(a_parent_closing_right_after_its_child_read),
	    cmocka_unit_test(encoded_text_is_told_from_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
