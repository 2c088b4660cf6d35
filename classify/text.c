/* Plain text in the encodings county files come in: UTF-8 (with or
 * without BOM), UTF-16 with BOM, and Big5/CP950 from older systems.  Text
 * that is not valid UTF-8 and has no BOM is read as CP950 (Microsoft's
 * Big5, a superset of what legacy office software wrote).
 *
 * A form feed starts a new page (pdftotext and printers' text exports
 * mark pages so), so the first and last lines of each page are judged. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/core.h"
#include "classify/extract.h"

/* Text is fed to the scan in pieces of about this size, cut at a line end,
 * so the time budget is checked between them. */
#define TEXT_PIECE (8u << 20)
/* Big5 is decoded in pieces of about this size. */
#define BIG5_PIECE (256u << 10)

/* Length of the valid UTF-8 sequence at p[0..n) (n > 0, p[0] >= 0x80),
 * or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* UTF-8 text, allowing a few broken characters (a file cut in the middle
 * of one, a stray byte): Big5 text breaks UTF-8 at nearly every character,
 * so more than one error per UTF8_ERRORS_PER good characters means
 * another encoding. */
#define UTF8_ERRORS_PER 64
static bool mostly_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0, good = 0, bad = 0;

	while (i < n) {
		/* ASCII, eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_sequence(p + i, n - i);
		if (k) {
			good++;
			i += k;
		} else {
			bad++;
			i++;
			/* Decided early for Big5: no need to read it all. */
			if (bad >= 16 && bad * UTF8_ERRORS_PER > good)
				return false;
		}
	}
	return bad == 0 || bad * UTF8_ERRORS_PER <= good || (bad == 1 && good > 0);
}

/* UTF-8 or not, from the whole of small text and from samples spread over
 * large text (legacy files are Big5 from start to end; reading all of a
 * 200 MB file twice to be sure would halve the speed). */
#define SAMPLE_ALL (4u << 20)
#define SAMPLES 16
#define SAMPLE_LEN (128u << 10)
static bool encoding_is_utf8(const unsigned char *p, size_t n)
{
	if (n <= SAMPLE_ALL)
		return mostly_utf8(p, n);
	for (size_t k = 0; k < SAMPLES; k++) {
		size_t start = (n - SAMPLE_LEN) / (SAMPLES - 1) * k;
		size_t len = SAMPLE_LEN;

		/* Start and end on a character boundary, as far as UTF-8 has
		 * them. */
		while (len > 0 && (p[start] & 0xc0) == 0x80) {
			start++;
			len--;
		}
		while (len > 0 && p[start + len - 1] >= 0x80)
			len--;
		if (!mostly_utf8(p + start, len))
			return false;
	}
	return true;
}

static size_t put_utf8(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD. */
static char *utf16_to_utf8(const unsigned char *p, size_t n, bool big_endian, size_t *out_len)
{
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
				o += put_utf8(out + o,
					      0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00));
				i += 2;
				continue;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;
		o += put_utf8(out + o, u);
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
static char *big5_to_utf8(const unsigned char *p, size_t n, size_t *out_len)
{
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

/* The text as UTF-8: either a view into data (*owned NULL) or a decoded
 * copy (*owned set, caller frees).  Returns NULL when out of memory. */
static const char *as_utf8(const void *data, size_t len, const struct big5_table *big5,
			   size_t *out_len, char **owned)
{
	const unsigned char *p = data;

	*owned = NULL;
	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe)
		return *owned = utf16_to_utf8(p + 2, len - 2, false, out_len);
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff)
		return *owned = utf16_to_utf8(p + 2, len - 2, true, out_len);
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		len -= 3;
	}
	if (encoding_is_utf8(p, len)) {
		*out_len = len;
		return (const char *)p;
	}
	if (big5)
		return *owned = big5_table_decode(big5, p, len, out_len);
	return *owned = big5_to_utf8(p, len, out_len);
}

char *scan_decode_text(const void *data, size_t len, size_t *out_len)
{
	char *owned;
	const char *text = as_utf8(data, len, NULL, out_len, &owned);

	if (owned || !text)
		return owned;
	char *copy = malloc(*out_len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, text, *out_len);
	copy[*out_len] = '\0';
	return copy;
}

/* One page of text, in pieces cut at line ends. */
static void feed_page(struct scan *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t take = n;

		if (scan_over_budget(s))
			return;
		if (take > TEXT_PIECE) {
			const char *nl = memrchr(p, '\n', TEXT_PIECE);
			take = nl ? (size_t)(nl - p) + 1 : TEXT_PIECE;
		}
		scan_text(s, p, take, false);
		p += take;
		n -= take;
	}
}

void text_stream_begin(struct scan *s, struct text_stream *t)
{
	t->page = 1;
	scan_page_begin(s, SCAN_ZONE_BODY, "text");
}

void text_stream_feed(struct scan *s, struct text_stream *t, const char *p, size_t n)
{
	while (n > 0) {
		const char *ff = memchr(p, '\f', n);
		size_t k = ff ? (size_t)(ff - p) : n;
		char where[32];

		feed_page(s, p, k);
		if (!ff)
			return;
		snprintf(where, sizeof(where), "page %u", ++t->page);
		scan_page_begin(s, SCAN_ZONE_BODY, where);
		p += k + 1;
		n -= k + 1;
	}
}

void text_stream_end(struct scan *s, struct text_stream *t)
{
	(void)t;
	scan_page_end(s);
}

bool text_is_utf8(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		len -= 3;
	}
	return encoding_is_utf8(p, len);
}

/* Big5 text through the table, a piece at a time (cut after a line end:
 * '\n' is never the second byte of a Big5 character), into one small
 * buffer: decoding all of a large file at once would triple its memory. */
static void feed_big5(struct scan *s, struct text_stream *t, const struct big5_table *table,
		      const unsigned char *p, size_t n)
{
	while (n > 0 && !scan_over_budget(s)) {
		size_t take = n, out_len;

		if (take > BIG5_PIECE) {
			const unsigned char *nl = memrchr(p, '\n', BIG5_PIECE);
			take = nl ? (size_t)(nl - p) + 1 : BIG5_PIECE;
		}
		char *utf8 = big5_table_decode(table, p, take, &out_len);
		if (!utf8) {
			scan_set_uninspectable(s, "out of memory decoding Big5 text");
			return;
		}
		text_stream_feed(s, t, utf8, out_len);
		free(utf8);
		p += take;
		n -= take;
	}
}

int extract_text(struct scan *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	const struct big5_table *big5 = classify_big5(s->call->ctx);
	struct text_stream t;
	size_t n = len;
	char *owned = NULL;
	const char *text;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	if (big5 && !(len >= 2 && (p[0] == 0xff || p[0] == 0xfe)) && !encoding_is_utf8(p, n)) {
		text_stream_begin(s, &t);
		feed_big5(s, &t, big5, p, n);
		text_stream_end(s, &t);
		return 0;
	}
	text = as_utf8(data, len, big5, &n, &owned);
	if (!text) {
		scan_set_uninspectable(s, "out of memory decoding text");
		return 0;
	}
	text_stream_begin(s, &t);
	text_stream_feed(s, &t, text, n);
	text_stream_end(s, &t);
	free(owned);
	return 0;
}
