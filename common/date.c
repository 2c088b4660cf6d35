#define _GNU_SOURCE
#include "common/date.h"

#include <stdio.h>
#include <string.h>

#define ROC_YEAR_ONE 1912

size_t date_for_people(time_t t, bool english, char *buf, size_t size)
{
	struct tm tm;
	int n;

	if (!localtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	if (english || tm.tm_year + 1900 < ROC_YEAR_ONE)
		n = snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		n = snprintf(buf, size, "民國 %d 年 %d 月 %d 日 %02d:%02d",
			     tm.tm_year + 1900 - ROC_YEAR_ONE + 1, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min);
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
