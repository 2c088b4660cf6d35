/* Dates for people (ROC calendar) and the UTC instants of Ward's messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/date.h"

static void roc_calendar_in_chinese_iso_in_english(void **state)
{
	char buf[64];
	time_t t;

	(void)state;
	setenv("TZ", "Asia/Taipei", 1);
	tzset();
	assert_true(date_parse_utc("2022-01-25T02:05:00Z", &t));
	date_for_people(t, false, buf, sizeof(buf));
	assert_string_equal(buf, "民國 111 年 1 月 25 日 10:05");
	date_for_people(t, true, buf, sizeof(buf));
	assert_string_equal(buf, "2022-01-25 10:05");
	/* 1912 is year 1; the new year comes with the Gregorian one. */
	assert_true(date_parse_utc("1912-01-01T00:00:00Z", &t));
	date_for_people(t, false, buf, sizeof(buf));
	assert_string_equal(buf, "民國 1 年 1 月 1 日 08:00");
	assert_true(date_parse_utc("2021-12-31T15:59:59Z", &t));
	date_for_people(t, false, buf, sizeof(buf));
	assert_string_equal(buf, "民國 110 年 12 月 31 日 23:59");
	/* Before the Republic: Gregorian. */
	assert_true(date_parse_utc("1900-06-01T00:00:00Z", &t));
	date_for_people(t, false, buf, sizeof(buf));
	assert_string_equal(buf, "1900-06-01 08:00");
}

static void the_day_alone_and_iso_with_its_offset(void **state)
{
	char buf[64], small[12];
	time_t t;

	(void)state;
	setenv("TZ", "Asia/Taipei", 1);
	tzset();
	/* 16:30 UTC is the next day in Taipei. */
	assert_true(date_parse_utc("2022-01-24T16:30:00Z", &t));
	assert_int_equal(date_day_for_people(t, false, buf, sizeof(buf)),
			 strlen("民國 111 年 1 月 25 日"));
	assert_string_equal(buf, "民國 111 年 1 月 25 日");
	date_day_for_people(t, true, buf, sizeof(buf));
	assert_string_equal(buf, "2022-01-25");
	date_iso_local(t, buf, sizeof(buf));
	assert_string_equal(buf, "2022-01-25T00:30:00+08:00");
	/* Cut short, still terminated; the length is what it would have been. */
	assert_int_equal(date_for_people(t, false, small, sizeof(small)),
			 strlen("民國 111 年 1 月 25 日 00:30"));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	setenv("TZ", "America/New_York", 1);
	tzset();
	date_iso_local(t, buf, sizeof(buf));
	assert_string_equal(buf, "2022-01-24T11:30:00-05:00");
}

static void utc_instants_parse_with_or_without_milliseconds(void **state)
{
	time_t t;

	(void)state;
	assert_true(date_parse_utc("2022-01-25T02:00:00.123Z", &t));
	assert_int_equal(t, 1643076000);
	assert_true(date_parse_utc("2022-01-25T02:00:00Z", &t));
	assert_int_equal(t, 1643076000);
	assert_false(date_parse_utc("2022-01-25T02:00:00+08:00", &t));
	assert_false(date_parse_utc("2022-01-25", &t));
	assert_false(date_parse_utc("2022-01-25T02:00:00Zjunk", &t));
	assert_false(date_parse_utc(NULL, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(roc_calendar_in_chinese_iso_in_english),
	    cmocka_unit_test(the_day_alone_and_iso_with_its_offset),
	    cmocka_unit_test(utc_instants_parse_with_or_without_milliseconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
