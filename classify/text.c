/* Plain text in the encodings county files come in: UTF-8 (with or
 * without BOM), UTF-16 and UTF-32 (with a BOM or without), UTF-7, and
 * Big5/CP950 from older systems.  Text that is not valid UTF-8 is read in
 * what ICU's detector is sure of (GB18030, UTF-16 ...), else as CP950
 * (Microsoft's Big5, a superset of what legacy office software wrote); a
 * short one is also read in every other encoding it decodes in
 * (encoding.c).
 *
 * A form feed starts a new page (pdftotext and printers' text exports
 * mark pages so), so the first and last lines of each page are judged. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/core.h"
#include "classify/utf7.h"
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

/* The text as UTF-8: either a view into data (*owned NULL) or a decoded
 * copy (*owned set, caller frees).  Returns NULL when out of memory. */
static const char *as_utf8(const void *data, size_t len, const struct big5_table *big5,
			   size_t *out_len, char **owned)
{
	const unsigned char *p = data;

	*owned = NULL;
	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe)
		return *owned = charset_utf16_to_utf8(p + 2, len - 2, false, out_len);
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff)
		return *owned = charset_utf16_to_utf8(p + 2, len - 2, true, out_len);
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
	return *owned = charset_big5_to_utf8(p, len, out_len);
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

/* A text this short is also read in every other encoding it decodes in
 * (encoding.c): a marking in GB18030, EUC-TW or UTF-7 is not lost to a
 * wrong guess. */
#define TEXT_TRY_ALL (64u << 10)
#define TEXT_ALTERNATES 8

/* The other plausible decodings, each a page read for markings only (a
 * number read twice would be counted twice). */
static void feed_alternates(struct scan *s, const unsigned char *p, size_t n, const char *primary,
			    bool only_utf7)
{
	struct encoding_text alt[TEXT_ALTERNATES];
	size_t found = 0;

	if (only_utf7) {
		alt[0].text = charset_decode_strict("UTF-7", p, n, &alt[0].len);
		alt[0].name = "UTF-7";
		found = alt[0].text != NULL && (alt[0].len != n || memcmp(alt[0].text, p, n) != 0);
		if (!found)
			free(alt[0].text);
	} else {
		found = encoding_alternates(classify_encodings(s->call->ctx), p, n, primary, alt,
					    TEXT_ALTERNATES);
	}
	s->markings_only = true;
	for (size_t i = 0; i < found; i++) {
		char where[48];

		snprintf(where, sizeof(where), "text read as %s", alt[i].name);
		scan_page_begin(s, SCAN_ZONE_BODY, where);
		scan_text(s, alt[i].text, alt[i].len, false);
		scan_page_end(s);
		free(alt[i].text);
	}
	s->markings_only = false;
}

/* Text in a named encoding (a BOM's, or the detector's). */
static void feed_encoded(struct scan *s, const char *name, const unsigned char *p, size_t n)
{
	struct text_stream t;
	size_t out_len;
	char *text = charset_to_utf8(name, strlen(name), p, n, &out_len);

	if (text == NULL) {
		scan_set_uninspectable(s, "out of memory decoding text");
		return;
	}
	text_stream_begin(s, &t);
	text_stream_feed(s, &t, text, out_len);
	text_stream_end(s, &t);
	free(text);
}

static bool utf7_candidate(const unsigned char *p, size_t n)
{
	return n <= TEXT_TRY_ALL && utf7_has_run(p, n);
}

int extract_text(struct scan *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	const struct big5_table *big5 = classify_big5(s->call->ctx);
	struct text_stream t;
	size_t n = len, bom_len;
	char *owned = NULL;
	const char *text, *named = encoding_bom(p, len, &bom_len);

	if (named == NULL)
		named = encoding_wide(p, len);
	if (named != NULL) {
		feed_encoded(s, named, p + bom_len, len - bom_len);
		return 0;
	}
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	if (!encoding_is_utf8(p, n)) {
		struct encoding_cache *cache = classify_encodings(s->call->ctx);

		/* ICU's detector costs milliseconds; Big5 that decodes whole is
		 * read as Big5 without it (a short text is read in the other
		 * encodings too). */
		if (n > TEXT_TRY_ALL || !encoding_big5(cache, p, n))
			named = encoding_detect(cache, p, n);
		if (named != NULL)
			feed_encoded(s, named, p, n);
		if (named == NULL && big5) {
			text_stream_begin(s, &t);
			feed_big5(s, &t, big5, p, n);
			text_stream_end(s, &t);
		}
		if (n <= TEXT_TRY_ALL)
			feed_alternates(s, p, n, named ? named : "CP950", false);
		if (named != NULL || big5)
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
	if (owned == NULL && utf7_candidate((const unsigned char *)text, n))
		feed_alternates(s, (const unsigned char *)text, n, NULL, true);
	free(owned);
	return 0;
}
