#define _GNU_SOURCE
#include "common/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROC_YEAR_ONE 1912

static void local_tm(time_t t, struct tm *tm)
{
	if (!localtime_r(&t, tm))
		memset(tm, 0, sizeof(*tm));
}

static size_t day_of(const struct tm *tm, bool english, char *buf, size_t size)
{
	int n;

	if (english || tm->tm_year + 1900 < ROC_YEAR_ONE)
		n = snprintf(buf, size, "%04d-%02d-%02d", tm->tm_year + 1900, tm->tm_mon + 1,
			     tm->tm_mday);
	else
		n = snprintf(buf, size, "民國 %d 年 %d 月 %d 日",
			     tm->tm_year + 1900 - ROC_YEAR_ONE + 1, tm->tm_mon + 1, tm->tm_mday);
	return n < 0 ? 0 : (size_t)n;
}

size_t date_day_for_people(time_t t, bool english, char *buf, size_t size)
{
	struct tm tm;

	local_tm(t, &tm);
	return day_of(&tm, english, buf, size);
}

size_t date_for_people(time_t t, bool english, char *buf, size_t size)
{
	struct tm tm;
	size_t n;
	int m;

	local_tm(t, &tm);
	n = day_of(&tm, english, buf, size);
	m = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0, " %02d:%02d", tm.tm_hour,
		     tm.tm_min);
	return m < 0 ? n : n + (size_t)m;
}

size_t date_iso_local(time_t t, char *buf, size_t size)
{
	struct tm tm;
	long off;
	int n;

	local_tm(t, &tm);
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	return n < 0 ? 0 : (size_t)n;
}

bool date_parse_utc(const char *text, time_t *out)
{
	struct tm tm;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!rest)
		return false;
	if (*rest == '.') {
		rest++;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	if (strcmp(rest, "Z") != 0)
		return false;
	*out = timegm(&tm);
	return true;
}
