#define _GNU_SOURCE /* strptime, timegm */
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/asn1.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int read_file(int dirfd, const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd =
	    openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	/* One byte more than the size: a file that grew meanwhile shows. */
	buf = malloc((size_t)st.st_size + 2);
	if (!buf)
		return -ENOMEM;
	n = read_full(fd, buf, (size_t)st.st_size + 1);
	if (n < 0)
		return (int)n;
	if ((size_t)n > max)
		return -EFBIG;
	buf[n] = '\0';
	*len = (size_t)n;
	*out = TAKE_PTR(buf);
	return 0;
}

bool str_copy_n(char *dst, size_t dstsize, const char *src, size_t srclen)
{
	size_t n = srclen;

	if (dstsize == 0)
		return srclen == 0;
	if (n >= dstsize) {
		n = dstsize - 1;
		/* Back up to the start of a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n == srclen;
}

bool str_copy(char *dst, size_t dstsize, const char *src)
{
	return str_copy_n(dst, dstsize, src, strlen(src));
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t monotonic_ms(void)
{
	return monotonic_ns() / 1000000u;
}

int errorf(char *err, size_t size, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return code;
}

void hex_encode(const unsigned char *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

bool hex_decode(const char *text, size_t len, unsigned char *out, size_t size)
{
	if (len != 2 * size)
		return false;
	for (size_t i = 0; i < size; i++) {
		int hi = hex_digit(text[2 * i]), lo;

		if (hi < 0 || (lo = hex_digit(text[2 * i + 1])) < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

int uuid_v4(char out[37])
{
	unsigned char b[16];
	char hex[33];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	hex_encode(b, sizeof(b), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

int utf8_decode(const char *p, size_t n, unsigned long *cp)
{
	int k = UTF8_getc((const unsigned char *)p, n > 8 ? 8 : (int)n, cp);

	if (k <= 0 || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return -1;
	return k;
}

bool rfc3339_parse_ms(const char *text, int64_t *out)
{
	struct tm tm;
	const char *rest;
	int64_t frac = 0, scale = 1000;

	memset(&tm, 0, sizeof(tm));
	rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!rest)
		return false;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			if (scale > 1) {
				scale /= 10;
				frac += (*rest - '0') * scale;
			}
	if (strcmp(rest, "Z") != 0)
		return false;
	*out = (int64_t)timegm(&tm) * 1000 + frac;
	return true;
}
