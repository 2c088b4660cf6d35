#include "common/b64.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static const char STD_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_len(enum b64_alphabet alpha, size_t len)
{
	if (alpha == B64_STD)
		return (len + 2) / 3 * 4;
	return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

size_t b64_encode(enum b64_alphabet alpha, const void *in, size_t len, char *out)
{
	const char *chars = alpha == B64_STD ? STD_CHARS : URL_CHARS;
	const unsigned char *p = in;
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = chars[v >> 18];
		out[o++] = chars[(v >> 12) & 63];
		out[o++] = chars[(v >> 6) & 63];
		out[o++] = chars[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = chars[v >> 18];
		out[o++] = chars[(v >> 12) & 63];
		if (alpha == B64_STD) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = chars[v >> 18];
		out[o++] = chars[(v >> 12) & 63];
		out[o++] = chars[(v >> 6) & 63];
		if (alpha == B64_STD)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int char_value(enum b64_alphabet alpha, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (alpha == B64_STD ? '+' : '-'))
		return 62;
	if (c == (alpha == B64_STD ? '/' : '_'))
		return 63;
	return -1;
}

/* How many characters carry data: the standard alphabet must be padded to
 * a multiple of four; the URL alphabet must not be padded at all. */
static ssize_t data_chars(enum b64_alphabet alpha, const char *text, size_t len)
{
	if (alpha == B64_URL)
		return len % 4 == 1 ? -EINVAL : (ssize_t)len;
	if (len % 4)
		return -EINVAL;
	if (len >= 1 && text[len - 1] == '=')
		len--;
	if (len >= 1 && text[len - 1] == '=')
		len--;
	return (ssize_t)len;
}

ssize_t b64_decode(enum b64_alphabet alpha, const char *text, size_t len, void *out, size_t size)
{
	unsigned char *o = out;
	ssize_t n = data_chars(alpha, text, len);
	size_t done = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (n < 0)
		return n;
	for (ssize_t i = 0; i < n; i++) {
		int v = char_value(alpha, (unsigned char)text[i]);

		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (done >= size)
				return -ENOSPC;
			o[done++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Left-over bits must be zero, or two texts would decode alike. */
	if (bits >= 6 || acc != 0)
		return -EINVAL;
	return (ssize_t)done;
}

unsigned char *b64_decode_alloc(enum b64_alphabet alpha, const char *text, size_t len,
				size_t *outlen)
{
	size_t size = len / 4 * 3 + 3;
	unsigned char *buf = malloc(size + 1);
	ssize_t n;

	if (!buf)
		return NULL;
	n = b64_decode(alpha, text, len, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*outlen = (size_t)n;
	return buf;
}
