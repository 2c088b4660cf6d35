/* Every conversion of text to UTF-8 in the classifier (charset.h): declared
 * charsets, UTF-16, Windows code pages, Big5/CP950 (by iconv, or a table
 * built from it once). */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "classify/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/scan.h"
#include "classify/xmlutil.h"

/* How far into an HTML document a charset declaration is looked for (the
 * HTML standard says 1024 bytes; real pages put long <head>s first). */
#define CHARSET_SNIFF 4096

static bool name_is(const char *name, size_t len, const char *what)
{
	return strlen(what) == len && strncasecmp(name, what, len) == 0;
}

static char *copy_text(const void *data, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, data, len);
	out[len] = '\0';
	*out_len = len;
	return out;
}

static char *convert(iconv_t cd, const void *data, size_t len, size_t *out_len)
{
	size_t cap = len * 4 + 16, inleft = len, outleft = cap;
	char *out = malloc(cap + 1), *in = (char *)data, *o = out;

	if (out == NULL)
		return NULL;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
			break;
		if (errno == EILSEQ) {
			in++; /* drop what does not decode */
			inleft--;
		} else {
			break; /* EINVAL: a sequence cut at the end */
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

/* The strict decoding of data on an open descriptor, its state reset. */
static char *decode_strict_cd(iconv_t cd, const void *data, size_t len, size_t *out_len)
{
	size_t cap = len * 4 + 16, inleft = len, outleft = cap;
	char *out = malloc(cap + 1), *in = (char *)data, *o = out;

	if (out == NULL)
		return NULL;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &o, &outleft) == (size_t)-1) {
		free(out);
		return NULL;
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

struct charset_decoder {
	iconv_t cd;
};

struct charset_decoder *charset_decoder_open(const char *name)
{
	struct charset_decoder *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	d->cd = iconv_open("UTF-8", name);
	if (d->cd == (iconv_t)-1) {
		free(d);
		return NULL;
	}
	return d;
}

char *charset_decoder_strict(struct charset_decoder *d, const void *data, size_t len,
			     size_t *out_len)
{
	return decode_strict_cd(d->cd, data, len, out_len);
}

void charset_decoder_close(struct charset_decoder *d)
{
	if (d == NULL)
		return;
	iconv_close(d->cd);
	free(d);
}

char *charset_decode_strict(const char *name, const void *data, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("UTF-8", name);
	char *out;

	if (cd == (iconv_t)-1)
		return NULL;
	out = decode_strict_cd(cd, data, len, out_len);
	iconv_close(cd);
	return out;
}

char *charset_to_utf8(const char *charset, size_t charset_len, const void *data, size_t len,
		      size_t *out_len)
{
	char name[48];
	const char *from = NULL;
	iconv_t cd;
	char *out;

	while (charset_len > 0 && (*charset == ' ' || *charset == '"' || *charset == '\'')) {
		charset++;
		charset_len--;
	}
	while (charset_len > 0 &&
	       (charset[charset_len - 1] == ' ' || charset[charset_len - 1] == '"' ||
		charset[charset_len - 1] == '\''))
		charset_len--;
	if (charset == NULL || charset_len == 0 || charset_len >= sizeof(name)) {
		if (xmlutil_valid_utf8(data, len))
			return copy_text(data, len, out_len);
		return scan_decode_text(data, len, out_len);
	}
	if (name_is(charset, charset_len, "utf-8") || name_is(charset, charset_len, "utf8") ||
	    name_is(charset, charset_len, "us-ascii") || name_is(charset, charset_len, "ascii")) {
		if (xmlutil_valid_utf8(data, len))
			return copy_text(data, len, out_len);
		return scan_decode_text(data, len, out_len);
	}
	if (name_is(charset, charset_len, "big5") || name_is(charset, charset_len, "big-5") ||
	    name_is(charset, charset_len, "cp950") || name_is(charset, charset_len, "ms950") ||
	    name_is(charset, charset_len, "x-x-big5") ||
	    name_is(charset, charset_len, "windows-950"))
		from = "CP950";
	else if (name_is(charset, charset_len, "big5-hkscs"))
		from = "BIG5-HKSCS";
	else {
		/* Only a plain charset name goes to iconv. */
		for (size_t i = 0; i < charset_len; i++) {
			char c = charset[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			      c == ':'))
				return scan_decode_text(data, len, out_len);
		}
		memcpy(name, charset, charset_len);
		name[charset_len] = '\0';
		from = name;
	}
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return scan_decode_text(data, len, out_len);
	out = convert(cd, data, len, out_len);
	iconv_close(cd);
	return out;
}

bool charset_from_html(const char *data, size_t len, char *out, size_t outsize)
{
	size_t n = len < CHARSET_SNIFF ? len : CHARSET_SNIFF;
	const char *p = data, *end = data + n;

	while (p < end) {
		const char *hit = memmem(p, (size_t)(end - p), "charset", 7);
		size_t k = 0;

		if (hit == NULL) {
			/* Also CHARSET, Charset. */
			for (const char *q = p; q + 7 <= end; q++) {
				if (strncasecmp(q, "charset", 7) == 0) {
					hit = q;
					break;
				}
			}
			if (hit == NULL)
				return false;
		}
		p = hit + 7;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '"' || *p == '\''))
			p++;
		while (p + k < end && k + 1 < outsize &&
		       ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
			(p[k] >= '0' && p[k] <= '9') || p[k] == '-' || p[k] == '_' || p[k] == '.' ||
			p[k] == ':'))
			k++;
		if (k == 0)
			continue;
		memcpy(out, p, k);
		out[k] = '\0';
		return true;
	}
	return false;
}

/* ---- Code points and UTF-16 ---- */

size_t charset_put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool charset_utf16_join(uint32_t *high, uint32_t *u)
{
	if (*u >= 0xD800 && *u <= 0xDBFF) {
		*high = *u;
		return false;
	}
	if (*u >= 0xDC00 && *u <= 0xDFFF) {
		if (*high == 0)
			return false;
		*u = 0x10000 + ((*high - 0xD800) << 10) + (*u - 0xDC00);
	}
	*high = 0;
	return true;
}

char *charset_utf16le_to_utf8(const void *data, size_t units, size_t *out_len)
{
	size_t len;
	char *out = charset_utf16_to_utf8(data, units * 2, false, &len);

	if (out != NULL && out_len != NULL)
		*out_len = len;
	return out;
}

/* UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD. */
char *charset_utf16_to_utf8(const void *data, size_t n, bool big_endian, size_t *out_len)
{
	const unsigned char *p = data;
	unsigned char *out = malloc(n / 2 * 3 + 4);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t u = big_endian ? (uint32_t)(p[i] << 8 | p[i + 1])
					: (uint32_t)(p[i + 1] << 8 | p[i]);

		if (u >= 0xd800 && u <= 0xdbff && i + 3 < n) {
			uint32_t v = big_endian ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
						: (uint32_t)(p[i + 3] << 8 | p[i + 2]);
			if (v >= 0xdc00 && v <= 0xdfff) {
				o += charset_put_utf8(
				    (char *)out + o, 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00));
				i += 2;
				continue;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;
		o += charset_put_utf8((char *)out + o, u);
	}
	out[o] = '\0';
	*out_len = o;
	return (char *)out;
}

/* CP950 two-byte characters as UTF-8 (at most 3 bytes: all are in the
 * BMP), looked up rather than converted one call at a time: iconv's
 * per-character path runs at tens of MB/s. */
#define BIG5_LEADS (0xfe - 0x81 + 1)
#define BIG5_TRAILS (0xfe - 0x40 + 1)
struct big5_table {
	unsigned char utf8[BIG5_LEADS * BIG5_TRAILS][3]; /* first byte 0: no character */
};

struct big5_table *big5_table_new(void)
{
	struct big5_table *t = calloc(1, sizeof(*t));
	iconv_t cd;

	if (!t)
		return NULL;
	cd = iconv_open("UTF-8", "CP950");
	if (cd == (iconv_t)-1) {
		free(t);
		return NULL;
	}
	for (unsigned lead = 0x81; lead <= 0xfe; lead++) {
		for (unsigned trail = 0x40; trail <= 0xfe; trail++) {
			char in[2] = {(char)lead, (char)trail}, out[8];
			char *ip = in, *op = out;
			size_t il = 2, ol = sizeof(out);

			iconv(cd, NULL, NULL, NULL, NULL);
			if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
				continue;
			size_t n = sizeof(out) - ol;
			if (n >= 2 && n <= 3)
				memcpy(t->utf8[(lead - 0x81) * BIG5_TRAILS + (trail - 0x40)], out,
				       n);
		}
	}
	iconv_close(cd);
	return t;
}

void big5_table_free(struct big5_table *t)
{
	free(t);
}

static size_t utf8_len_of_lead(unsigned char c)
{
	return c >= 0xe0 ? 3 : 2;
}

char *big5_table_decode(const struct big5_table *t, const void *data, size_t n, size_t *out_len)
{
	const unsigned char *p = data;
	unsigned char *out = malloc(n * 3 + 4);
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	while (i < n) {
		unsigned char c = p[i];

		if (c < 0x80) {
			out[o++] = c;
			i++;
			continue;
		}
		if (c >= 0x81 && c <= 0xfe && i + 1 < n && p[i + 1] >= 0x40 && p[i + 1] <= 0xfe) {
			const unsigned char *u =
			    t->utf8[(c - 0x81) * BIG5_TRAILS + (p[i + 1] - 0x40)];

			if (u[0]) {
				/* Three bytes stored, two or three kept: no call
				 * to memcpy per character. */
				out[o] = u[0];
				out[o + 1] = u[1];
				out[o + 2] = u[2];
				o += utf8_len_of_lead(u[0]);
				i += 2;
				continue;
			}
		}
		out[o] = 0xef;
		out[o + 1] = 0xbf;
		out[o + 2] = 0xbd;
		o += 3;
		i++;
	}
	out[o] = '\0';
	*out_len = o;
	return (char *)out;
}

/* CP950 to UTF-8; a byte iconv cannot take becomes U+FFFD. */
char *charset_big5_to_utf8(const void *data, size_t n, size_t *out_len)
{
	const unsigned char *p = data;
	size_t cap = n * 3 + 4;
	char *out = malloc(cap);
	iconv_t cd;

	if (!out)
		return NULL;
	cd = iconv_open("UTF-8", "CP950");
	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", "BIG5");
	if (cd == (iconv_t)-1) {
		/* No converter: keep the ASCII, which still holds English
		 * markings and ID numbers. */
		size_t o = 0;
		for (size_t i = 0; i < n; i++)
			out[o++] = p[i] < 0x80 ? (char)p[i] : '?';
		out[o] = '\0';
		*out_len = o;
		return out;
	}
	char *in = (char *)p, *o = out;
	size_t in_left = n, out_left = cap - 1;
	while (in_left > 0) {
		if (iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1)
			break;
		if (errno == E2BIG || out_left < 3)
			break; /* cannot happen: 3 bytes out per byte in */
		/* EILSEQ or EINVAL: an undecodable byte. */
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		out_left -= 3;
		in++;
		in_left--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

/* ---- Windows code pages ---- */

static const uint16_t cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

uint32_t charset_cp1252(uint8_t byte)
{
	if (byte >= 0x80 && byte < 0xA0)
		return cp1252_high[byte - 0x80];
	return byte;
}

void charset_codepage_init(struct charset_codepage *c)
{
	c->cd = (iconv_t)-1;
	c->codepage = -1;
}

void charset_codepage_close(struct charset_codepage *c)
{
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	charset_codepage_init(c);
}

size_t charset_codepage_convert(struct charset_codepage *c, int codepage, const void *data,
				size_t n, char *out, size_t outsize)
{
	char *in = (char *)data, *o = out;
	size_t inleft = n, outleft = outsize;

	if (c->codepage != codepage) {
		char name[16];

		charset_codepage_close(c);
		snprintf(name, sizeof(name), codepage == 65001 ? "UTF-8" : "CP%d", codepage);
		c->cd = iconv_open("UTF-8", name);
		if (c->cd == (iconv_t)-1)
			c->cd = iconv_open("UTF-8", "CP1252");
		c->codepage = codepage;
	}
	if (c->cd == (iconv_t)-1) {
		/* No converter at all: keep the ASCII, drop the rest. */
		for (size_t i = 0; i < n && (size_t)(o - out) < outsize; i++)
			if (((const unsigned char *)data)[i] < 0x80)
				*o++ = ((const char *)data)[i];
		return (size_t)(o - out);
	}
	iconv(c->cd, NULL, NULL, NULL, NULL);
	while (inleft > 0 && iconv(c->cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		/* An undecodable byte becomes U+FFFD and is passed. */
		if (errno == E2BIG || outleft < 3)
			break;
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		outleft -= 3;
		in++;
		inleft--;
		iconv(c->cd, NULL, NULL, NULL, NULL);
	}
	return (size_t)(o - out);
}

char *charset_codepage_to_utf8(const void *data, size_t n, unsigned codepage, size_t *out_len)
{
	struct charset_codepage c;
	char *out;
	size_t len;

	if (codepage == 1200)
		return charset_utf16le_to_utf8(data, n / 2, out_len);
	out = malloc(n * 4 + 1);
	if (out == NULL)
		return NULL;
	charset_codepage_init(&c);
	len = charset_codepage_convert(&c, (int)codepage, data, n, out, n * 4);
	charset_codepage_close(&c);
	out[len] = '\0';
	if (out_len != NULL)
		*out_len = len;
	return out;
}
