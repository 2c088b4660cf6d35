/* Time zones without the C library's global TZ state: the policy reads one
 * TZif file (tzfile(5)) at load time and afterwards finds a UTC offset by
 * binary search, so deciding never touches the file system or the
 * process-wide `timezone`.  Instants after the zone's last listed
 * transition keep its last offset (right for Asia/Taipei and every zone
 * without daylight saving; Debian's tzdata lists transitions to 2037). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "policy/internal.h"

#define TZIF_MAX (1u << 20)

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool parse_date(const char *s, size_t len, int64_t *day)
{
	unsigned y, m, d;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return false;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	*day = days_from_civil(y, m, d);
	return true;
}

static int64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

static int32_t be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* Parses the 64-bit (version 2+) body of a TZif file, or the version 1 body
 * when that is all there is. */
static bool tzif_parse(struct tz *tz, const unsigned char *buf, size_t len, char *err,
		       size_t errlen)
{
	size_t pos = 0;
	int version;
	uint32_t counts[6];
	int time_size = 4;

	for (int pass = 0; pass < 2; pass++) {
		if (len - pos < 44 || memcmp(buf + pos, "TZif", 4) != 0) {
			snprintf(err, errlen, "not a TZif zone file");
			return false;
		}
		version = buf[pos + 4];
		for (int i = 0; i < 6; i++)
			counts[i] = (uint32_t)be32(buf + pos + 20 + 4 * i);
		/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
		uint64_t body = (uint64_t)counts[3] * (time_size + 1) + (uint64_t)counts[4] * 6 +
				counts[5] + (uint64_t)counts[2] * (time_size + 4) + counts[1] +
				counts[0];
		if (counts[4] == 0 || counts[4] > 256 || counts[3] > 100000 ||
		    body > len - pos - 44) {
			snprintf(err, errlen, "zone file is truncated or corrupt");
			return false;
		}
		if (pass == 0 && version >= '2') {
			pos += 44 + body;
			time_size = 8;
			continue;
		}
		pos += 44;
		break;
	}

	uint32_t timecnt = counts[3], typecnt = counts[4];
	const unsigned char *times = buf + pos;
	const unsigned char *idx = times + (size_t)timecnt * time_size;
	const unsigned char *types = idx + timecnt;

	tz->at = calloc(timecnt ? timecnt : 1, sizeof(*tz->at));
	tz->offset = calloc(timecnt ? timecnt : 1, sizeof(*tz->offset));
	if (!tz->at || !tz->offset) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (uint32_t i = 0; i < timecnt; i++) {
		if (idx[i] >= typecnt) {
			snprintf(err, errlen, "zone file is corrupt (bad type index)");
			return false;
		}
		tz->at[i] = time_size == 8 ? be64(times + 8 * i) : be32(times + 4 * i);
		tz->offset[i] = be32(types + 6 * idx[i]);
	}
	tz->n = timecnt;
	/* Before the first transition: the first standard-time type. */
	tz->before = be32(types);
	for (uint32_t i = 0; i < typecnt; i++) {
		if (!types[6 * i + 4]) {
			tz->before = be32(types + 6 * i);
			break;
		}
	}
	return true;
}

static bool parse_fixed_offset(const char *name, int32_t *out)
{
	unsigned h, m = 0;
	size_t len = strlen(name);

	if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0) {
		*out = 0;
		return true;
	}
	if (len < 3 || (name[0] != '+' && name[0] != '-'))
		return false;
	if (!digits(name + 1, 2, &h))
		return false;
	if (len == 6 && name[3] == ':') {
		if (!digits(name + 4, 2, &m))
			return false;
	} else if (len != 3) {
		return false;
	}
	if (h > 14 || m > 59)
		return false;
	*out = (int32_t)(h * 3600 + m * 60) * (name[0] == '-' ? -1 : 1);
	return true;
}

bool tz_load(struct tz *tz, const char *name, char *err, size_t errlen)
{
	char path[512], real[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	memset(tz, 0, sizeof(*tz));
	if (name && parse_fixed_offset(name, &tz->before))
		return true;
	if (!name) {
		str_copy(path, sizeof(path), "/etc/localtime");
	} else {
		/* A zone name is a relative path under the zoneinfo tree:
		 * refuse anything that could climb out of it. */
		if (name[0] == '/' || strstr(name, "..") || strlen(name) > 200) {
			snprintf(err, errlen, "invalid time zone name '%s'", name);
			return false;
		}
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	}
	/* /etc/localtime and zone aliases (ROC) are links the system made
	 * within its own tree: resolved here, the file itself read as any. */
	r = realpath(path, real) ? read_file(AT_FDCWD, real, TZIF_MAX, &buf, &len) : -errno;
	if (r == -ENOENT && !name)
		return true; /* no system zone: UTC */
	if (r == -ENOENT) {
		snprintf(err, errlen, "unknown time zone '%s' (%s: %s)", name, path, strerror(-r));
		return false;
	}
	if (r == -EINVAL || r == -EFBIG) {
		snprintf(err, errlen, "time zone '%s': %s is not a zone file",
			 name ? name : "system", path);
		return false;
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
		return false;
	}
	if (!tzif_parse(tz, (const unsigned char *)buf, len, err, errlen)) {
		tz_free(tz);
		return false;
	}
	return true;
}

void tz_free(struct tz *tz)
{
	free(tz->at);
	free(tz->offset);
	tz->at = NULL;
	tz->offset = NULL;
	tz->n = 0;
}

int32_t tz_offset(const struct tz *tz, int64_t utc)
{
	size_t lo = 0, hi = tz->n;

	if (tz->n == 0 || utc < tz->at[0])
		return tz->before;
	/* Last transition at or before utc. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->at[mid] <= utc)
			lo = mid;
		else
			hi = mid;
	}
	return tz->offset[lo];
}

int64_t tz_from_local(const struct tz *tz, int64_t local)
{
	int64_t guess = local - tz_offset(tz, local);

	return local - tz_offset(tz, guess);
}

/* ---- instants as people write them ---- */

void policy_format_time(const struct policy *policy, time_t t, char *buf, size_t size)
{
	int32_t off = policy ? tz_offset(&policy->tz, t) : 0;
	int64_t local = (int64_t)t + off, day, secs, y;
	unsigned m, d;

	day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - day * 86400;
	civil_from_days(day, &y, &m, &d);
	int n = snprintf(buf, size, "%04lld-%02u-%02uT%02lld:%02lld", (long long)y, m, d,
			 (long long)(secs / 3600), (long long)(secs / 60 % 60));
	if (n < 0 || (size_t)n >= size)
		return;
	if (secs % 60)
		n += snprintf(buf + n, size - (size_t)n, ":%02lld", (long long)(secs % 60));
	if ((size_t)n >= size)
		return;
	if (off == 0)
		snprintf(buf + n, size - (size_t)n, "Z");
	else
		snprintf(buf + n, size - (size_t)n, "%c%02d:%02d", off < 0 ? '-' : '+',
			 abs(off) / 3600, abs(off) / 60 % 60);
}

bool policy_parse_time(const struct policy *policy, const char *text, time_t *out)
{
	size_t len = strlen(text);
	int64_t day, secs = 0;
	unsigned h = 0, mi = 0, s = 0;
	const char *rest;
	int32_t off;
	bool have_off = false;

	if (len < 10 || !parse_date(text, 10, &day))
		return false;
	rest = text + 10;
	if (*rest == 'T' || *rest == ' ') {
		if (strlen(rest) < 6 || !digits(rest + 1, 2, &h) || rest[3] != ':' ||
		    !digits(rest + 4, 2, &mi))
			return false;
		rest += 6;
		if (*rest == ':') {
			if (!digits(rest + 1, 2, &s))
				return false;
			rest += 3;
		}
		if (h > 23 || mi > 59 || s > 60)
			return false;
	}
	if (*rest) {
		if (!parse_fixed_offset(rest, &off))
			return false;
		have_off = true;
	}
	secs = day * 86400 + h * 3600 + mi * 60 + s;
	if (have_off) {
		*out = (time_t)(secs - off);
	} else if (policy) {
		*out = (time_t)tz_from_local(&policy->tz, secs);
	} else {
		struct tz sys;
		char err[128];

		if (!tz_load(&sys, NULL, err, sizeof(err)))
			return false;
		*out = (time_t)tz_from_local(&sys, secs);
		tz_free(&sys);
	}
	return true;
}
