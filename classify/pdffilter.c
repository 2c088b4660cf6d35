/* Stream filters for the PDF reader (ISO 32000-1, 7.4): FlateDecode (zlib,
 * with PNG and TIFF predictors), LZWDecode, ASCIIHexDecode, ASCII85Decode
 * and RunLengthDecode, chained as /Filter says.  Image codecs (DCT, JPX,
 * JBIG2, CCITT) are not text: a text stream using one is poppler's.
 *
 * Every output is bounded (PDF_STREAM_MAX, and the scan's expansion
 * budget and ratio, charged per stream); a damaged Flate stream gives what
 * inflated before the damage, as poppler does. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "classify/pdf.h"
#include "classify/scan.h"
#include "common/cleanup.h"

/* Decoded bytes of one stream at most. */
#define PDF_STREAM_MAX (256u << 20)
/* Filters chained on one stream at most. */
#define PDF_MAX_FILTERS 8

struct buf {
	unsigned char *p;
	size_t len, cap, max;
	bool over; /* hit max */
};

static bool buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	unsigned char *grown;

	if (b->len + more <= b->cap)
		return true;
	if (b->len + more > b->max) {
		b->over = true;
		return false;
	}
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	grown = realloc(b->p, cap);
	if (grown == NULL)
		return false;
	b->p = grown;
	b->cap = cap;
	return true;
}

static bool buf_put(struct buf *b, unsigned char c)
{
	if (!buf_reserve(b, 1))
		return false;
	b->p[b->len++] = c;
	return true;
}

/* ---- Flate ------------------------------------------------------------- */

static bool inflate_into(const unsigned char *in, size_t n, struct buf *out, int window_bits)
{
	z_stream z;
	int ret = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, window_bits) != Z_OK)
		return false;
	z.next_in = (unsigned char *)in;
	while (n > 0 || ret == Z_OK) {
		/* zlib takes unsigned int counts. */
		size_t step = n > (1u << 30) ? (1u << 30) : n;

		z.avail_in = (unsigned)step;
		if (!buf_reserve(out, out->cap - out->len < 16384 ? 65536 : 1))
			break;
		z.next_out = out->p + out->len;
		z.avail_out = (unsigned)(out->cap - out->len);
		ret = inflate(&z, Z_NO_FLUSH);
		out->len = (size_t)(z.next_out - out->p);
		n -= step - z.avail_in;
		if (ret == Z_STREAM_END || (ret != Z_OK && ret != Z_BUF_ERROR))
			break;
		if (ret == Z_BUF_ERROR && z.avail_in == 0)
			break; /* the input ended before the stream did */
	}
	inflateEnd(&z);
	return out->len > 0 || ret == Z_STREAM_END;
}

static bool flate(const unsigned char *in, size_t n, struct buf *out)
{
	/* A plain zlib header: inflate the raw data after it, which spares
	 * the Adler-32 of every byte (a damaged stream is read up to the
	 * damage either way). */
	if (n > 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && !(in[1] & 0x20) &&
	    ((unsigned)in[0] << 8 | in[1]) % 31 == 0 && inflate_into(in + 2, n - 2, out, -15))
		return true;
	out->len = 0;
	out->over = false;
	if (inflate_into(in, n, out, 15))
		return true;
	/* Some writers leave out the zlib header. */
	out->len = 0;
	out->over = false;
	return inflate_into(in, n, out, -15);
}

/* ---- Predictors (7.4.4.4) ---------------------------------------------- */

struct predictor {
	int type, colors, bpc, columns;
};

static unsigned char paeth(unsigned char a, unsigned char b, unsigned char c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

static bool unpredict(const struct predictor *pr, struct buf *b)
{
	size_t bpp = ((size_t)pr->colors * (size_t)pr->bpc + 7) / 8;
	size_t row = ((size_t)pr->columns * (size_t)pr->colors * (size_t)pr->bpc + 7) / 8;
	size_t w = 0;

	if (row == 0 || bpp == 0)
		return false;
	if (pr->type == 2) {
		/* TIFF, 8 bits per component only (what text streams use). */
		if (pr->bpc != 8)
			return false;
		for (size_t r = 0; r + row <= b->len; r += row)
			for (size_t i = bpp; i < row; i++)
				b->p[r + i] = (unsigned char)(b->p[r + i] + b->p[r + i - bpp]);
		return true;
	}
	_cleanup_free_ unsigned char *prev = calloc(1, row);
	if (prev == NULL)
		return false;
	for (size_t r = 0; r + 1 + row <= b->len; r += row + 1) {
		int type = b->p[r];
		unsigned char *cur = b->p + r + 1;

		for (size_t i = 0; i < row; i++) {
			unsigned char left = i >= bpp ? cur[i - bpp] : 0;
			unsigned char up = prev[i], ul = i >= bpp ? prev[i - bpp] : 0;

			switch (type) {
			case 1:
				cur[i] = (unsigned char)(cur[i] + left);
				break;
			case 2:
				cur[i] = (unsigned char)(cur[i] + up);
				break;
			case 3:
				cur[i] = (unsigned char)(cur[i] + (left + up) / 2);
				break;
			case 4:
				cur[i] = (unsigned char)(cur[i] + paeth(left, up, ul));
				break;
			default:
				break;
			}
		}
		memcpy(prev, cur, row);
		memmove(b->p + w, cur, row);
		w += row;
	}
	b->len = w;
	return true;
}

/* ---- The others -------------------------------------------------------- */

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

static bool ascii_hex(const unsigned char *in, size_t n, struct buf *out)
{
	int hi = -1;

	for (size_t i = 0; i < n && in[i] != '>'; i++) {
		int v = hex_digit(in[i]);

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else if (!buf_put(out, (unsigned char)(hi << 4 | v))) {
			return false;
		} else {
			hi = -1;
		}
	}
	return hi < 0 || buf_put(out, (unsigned char)(hi << 4));
}

static bool ascii85(const unsigned char *in, size_t n, struct buf *out)
{
	uint32_t group = 0;
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = in[i];

		if (c == '~')
			break;
		if (c == 'z' && count == 0) {
			for (int k = 0; k < 4; k++)
				if (!buf_put(out, 0))
					return false;
			continue;
		}
		if (c < '!' || c > 'u')
			continue;
		group = group * 85 + (uint32_t)(c - '!');
		if (++count == 5) {
			for (int k = 3; k >= 0; k--)
				if (!buf_put(out, (unsigned char)(group >> (8 * k))))
					return false;
			group = 0;
			count = 0;
		}
	}
	if (count > 1) {
		for (int k = count; k < 5; k++)
			group = group * 85 + 84;
		for (int k = 3; k > 3 - (count - 1); k--)
			if (!buf_put(out, (unsigned char)(group >> (8 * k))))
				return false;
	}
	return true;
}

static bool run_length(const unsigned char *in, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n && in[i] != 128) {
		unsigned len = in[i++];

		if (len < 128) {
			for (unsigned k = 0; k <= len && i < n; k++)
				if (!buf_put(out, in[i++]))
					return false;
		} else if (i < n) {
			for (unsigned k = 0; k < 257 - len; k++)
				if (!buf_put(out, in[i]))
					return false;
			i++;
		}
	}
	return true;
}

/* LZW as PDF uses it (7.4.4): codes of 9 to 12 bits, 256 clears, 257
 * ends; early change 1 by default. */
static bool lzw(const unsigned char *in, size_t n, struct buf *out, int early)
{
	struct {
		uint16_t prefix;
		uint8_t c;
	} table[4096];
	unsigned char stack[4096];
	size_t bit = 0;
	int next = 258, width = 9, prev = -1;

	for (;;) {
		int code = 0;

		if ((bit + (size_t)width) > n * 8)
			break;
		for (int k = 0; k < width; k++, bit++)
			code = code << 1 | ((in[bit / 8] >> (7 - bit % 8)) & 1);
		if (code == 257)
			break;
		if (code == 256) {
			next = 258;
			width = 9;
			prev = -1;
			continue;
		}
		if (code > next || (code == next && prev < 0))
			return false;
		int len = 0, c = code;
		if (code == next) {
			/* The KwKwK case: the previous string plus its first byte. */
			c = prev;
		}
		while (c >= 258 && len < 4096) {
			stack[len++] = table[c].c;
			c = table[c].prefix;
		}
		if (len >= 4096)
			return false;
		stack[len++] = (unsigned char)c;
		unsigned char first = (unsigned char)c;
		for (int k = len - 1; k >= 0; k--)
			if (!buf_put(out, stack[k]))
				return false;
		if (code == next && !buf_put(out, first))
			return false;
		if (prev >= 0 && next < 4096) {
			table[next].prefix = (uint16_t)prev;
			table[next].c = first;
			next++;
		}
		prev = code;
		if (next + early >= (1 << width) && width < 12)
			width++;
	}
	return true;
}

/* A parameter within int, out-of-range values made invalid (-1). */
static int small_int(int64_t v)
{
	return v >= -1 && v <= (1 << 30) ? (int)v : -1;
}

/* ---- The chain ----------------------------------------------------------- */

static bool one_filter(struct pdf_doc *doc, const struct pdf_obj *name, const struct pdf_obj *parms,
		       const unsigned char *in, size_t n, struct buf *out, enum pdf_status *status)
{
	bool ok;

	if (pdf_name_is(name, "FlateDecode") || pdf_name_is(name, "Fl")) {
		ok = flate(in, n, out);
	} else if (pdf_name_is(name, "LZWDecode") || pdf_name_is(name, "LZW")) {
		double early = pdf_number(pdf_dict_get(doc, parms, "EarlyChange"), 1);
		ok = lzw(in, n, out, early == 0 ? 0 : 1);
	} else if (pdf_name_is(name, "ASCIIHexDecode") || pdf_name_is(name, "AHx")) {
		return ascii_hex(in, n, out);
	} else if (pdf_name_is(name, "ASCII85Decode") || pdf_name_is(name, "A85")) {
		return ascii85(in, n, out);
	} else if (pdf_name_is(name, "RunLengthDecode") || pdf_name_is(name, "RL")) {
		return run_length(in, n, out);
	} else {
		*status = PDF_FALLBACK;
		return false;
	}
	if (!ok)
		return false;
	struct predictor pr = {
	    .type = small_int(pdf_int(pdf_dict_get(doc, parms, "Predictor"), 1)),
	    .colors = small_int(pdf_int(pdf_dict_get(doc, parms, "Colors"), 1)),
	    .bpc = small_int(pdf_int(pdf_dict_get(doc, parms, "BitsPerComponent"), 8)),
	    .columns = small_int(pdf_int(pdf_dict_get(doc, parms, "Columns"), 1)),
	};
	if (pr.type <= 1)
		return true;
	if (pr.colors < 1 || pr.colors > 32 || pr.bpc < 1 || pr.bpc > 16 || pr.columns < 1 ||
	    pr.columns > (1 << 24))
		return false;
	return unpredict(&pr, out);
}

unsigned char *pdf_decode(struct pdf_doc *doc, const struct pdf_stream *st, size_t *out_len,
			  enum pdf_status *status)
{
	const struct pdf_obj *filter = pdf_dict_get(doc, st->dict, "Filter");
	const struct pdf_obj *parms = pdf_dict_get(doc, st->dict, "DecodeParms");
	uint32_t n_filters = filter->kind == PDF_ARRAY ? filter->len : filter->kind == PDF_NAME;
	struct buf cur = {.max = PDF_STREAM_MAX};
	const char *why = "PDF stream could not be decoded";
	_cleanup_free_ unsigned char *plain = NULL;
	const unsigned char *raw = st->raw;
	size_t raw_len = st->raw_len;

	*status = PDF_FALLBACK;
	if (n_filters > PDF_MAX_FILTERS)
		goto fail;
	if (st->encrypted) {
		plain = pdf_doc_decrypt(doc, st, &raw_len);
		if (plain == NULL)
			goto fail;
		raw = plain;
	}
	if (n_filters == 0) {
		if (!buf_reserve(&cur, raw_len + 1))
			goto fail;
		memcpy(cur.p, raw, raw_len);
		cur.len = raw_len;
	}
	for (uint32_t i = 0; i < n_filters; i++) {
		const struct pdf_obj *name =
		    filter->kind == PDF_ARRAY ? pdf_array_get(doc, filter, i) : filter;
		const struct pdf_obj *p =
		    parms->kind == PDF_ARRAY ? pdf_array_get(doc, parms, i) : parms;
		struct buf next = {.max = PDF_STREAM_MAX};
		/* The first filter reads the file in place. */
		const unsigned char *in = i == 0 ? raw : cur.p;
		size_t in_len = i == 0 ? raw_len : cur.len;

		*status = PDF_FALLBACK;
		if (!one_filter(doc, name, p, in, in_len, &next, status)) {
			if (next.over)
				why = "PDF stream decodes to more than the reader allows";
			free(next.p);
			if (*status == PDF_FALLBACK && next.over)
				*status = PDF_STOP;
			goto fail;
		}
		free(cur.p);
		cur = next;
	}
	if (!scan_charge_expanded(pdf_doc_scan(doc), cur.len, st->raw_len)) {
		*status = PDF_STOP;
		why = "PDF stream over the expansion budget";
		goto fail;
	}
	if (!buf_reserve(&cur, 1))
		goto fail;
	cur.p[cur.len] = '\0'; /* lets parsers stop at a NUL as well */
	*status = PDF_OK;
	*out_len = cur.len;
	return cur.p;
fail:
	free(cur.p);
	pdf_doc_fail(doc, *status, why);
	return NULL;
}
