/* Dates for people: offices in Taiwan write the ROC calendar
 * (民國 111 年 1 月 25 日 is 2022-01-25), English readers ISO order.  Local
 * time of the machine.  And the UTC instants Ward's messages carry. */
#ifndef WARD_DATE_H
#define WARD_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* "民國 111 年 1 月 25 日 18:05", or "2022-01-25 18:05" when english.
 * Returns the length, as snprintf does. */
size_t date_for_people(time_t t, bool english, char *buf, size_t size);
/* The day alone: "民國 111 年 1 月 25 日", or "2022-01-25" when english. */
size_t date_day_for_people(time_t t, bool english, char *buf, size_t size);
/* ISO 8601 local time with its offset, "2022-01-25T18:05:00+08:00": what
 * a <time datetime> and a hover over a date for people show. */
size_t date_iso_local(time_t t, char *buf, size_t size);

/* Parses "2022-01-25T02:00:00Z" or "2022-01-25T02:00:00.123Z" (what
 * Ward's records and notices carry, report/record.h's rfc3339_ms).  False
 * if it is neither. */
bool date_parse_utc(const char *text, time_t *out);

#endif
