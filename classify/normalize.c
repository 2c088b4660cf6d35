/* Lines as a reader sees them (rules.h): a marking altered so that it no
 * longer compares equal byte for byte (a zero-width space or a combining
 * mark inside 機密, full-width or mathematical letters in SECRET, a CJK
 * compatibility ideograph) is still that marking to the eye, so the rules
 * judge the NFKC form of a line without its format characters and marks.
 *
 * Only lines that are judged (page edges, headers, footers, metadata) are
 * normalised, never the body of a page; ASCII and unified ideographs, which
 * NFKC leaves alone, are copied without asking ICU. */
#include "classify/rules.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

/* Length of the valid UTF-8 sequence at p (n > 0, p[0] >= 0x80) and its
 * code point, or 0. */
static size_t utf8_decode(const unsigned char *p, size_t n, UChar32 *cp)
{
	unsigned char c = p[0];

	if (c >= 0xc2 && c <= 0xdf && n >= 2 && (p[1] & 0xc0) == 0x80) {
		*cp = (UChar32)(c & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef && n >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		*cp = (UChar32)(c & 0x0f) << 12 | (UChar32)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		return *cp >= 0x800 && (*cp < 0xd800 || *cp > 0xdfff) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4 && n >= 4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
	    (p[3] & 0xc0) == 0x80) {
		*cp = (UChar32)(c & 0x07) << 18 | (UChar32)(p[1] & 0x3f) << 12 |
		      (UChar32)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		return *cp >= 0x10000 && *cp <= 0x10ffff ? 4 : 0;
	}
	return 0;
}

static bool is_unified_ideograph(UChar32 cp)
{
	return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
}

/* Invisible to a reader: format characters (zero-width space and joiners,
 * soft hyphen, BOM, direction marks), combining and enclosing marks, and
 * variation selectors (which are marks). */
static bool is_invisible(UChar32 cp)
{
	int8_t type = u_charType(cp);

	return type == U_FORMAT_CHAR || type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
	       type == U_COMBINING_SPACING_MARK;
}

bool normalize_init(void)
{
	UErrorCode err = U_ZERO_ERROR;

	/* Loads ICU's normalisation data now, before a sandbox closes. */
	return unorm2_getNFKCInstance(&err) != NULL && U_SUCCESS(err);
}

/* Appends the NFKC form of cp to out (at most room bytes); returns the
 * bytes written, or SIZE_MAX when it does not fit. */
static size_t put_nfkc(UChar32 cp, unsigned char *out, size_t room)
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&err);
	UChar src[2], dst[32];
	int32_t src_len = 0, dst_len;
	size_t o = 0;
	UBool bad = false;

	U16_APPEND(src, src_len, 2, cp, bad);
	if (bad || nfkc == NULL || U_FAILURE(err))
		return SIZE_MAX;
	dst_len = unorm2_normalize(nfkc, src, src_len, dst, 32, &err);
	if (U_FAILURE(err))
		return SIZE_MAX;
	for (int32_t i = 0; i < dst_len;) {
		UChar32 c;
		char utf8[4];
		size_t k;

		U16_NEXT(dst, i, dst_len, c);
		if (is_invisible(c))
			continue;
		k = charset_put_utf8(utf8, (uint32_t)c);
		if (o + k > room)
			return SIZE_MAX;
		memcpy(out + o, utf8, k);
		o += k;
	}
	return o;
}

size_t normalize_line(const unsigned char *p, size_t n, const bool *flags, unsigned char *out,
		      bool *out_flags, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		UChar32 cp = p[i];
		size_t k = p[i] < 0x80 ? 1 : utf8_decode(p + i, n - i, &cp), w;
		bool struck = flags != NULL && flags[i];

		if (k == 0 || cp < 0x80 || is_unified_ideograph(cp)) {
			/* ASCII, an ideograph, or a byte that is not UTF-8: as is. */
			k = k ? k : 1;
			if (o + k > cap)
				return SIZE_MAX;
			memcpy(out + o, p + i, k);
			w = k;
		} else if (is_invisible(cp)) {
			w = 0;
		} else {
			w = put_nfkc(cp, out + o, cap - o);
			if (w == SIZE_MAX)
				return SIZE_MAX;
		}
		memset(out_flags + o, struck, w);
		o += w;
		i += k;
	}
	return o;
}

bool normalize_filler(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		UChar32 cp = p[i];
		size_t k = p[i] < 0x80 ? 1 : utf8_decode(p + i, n - i, &cp);

		if (k == 0)
			return false; /* not UTF-8: say it holds something */
		if (cp < 0x80 ? is_alnum((unsigned char)cp)
			      : is_unified_ideograph(cp) || u_isalnum(cp))
			return false;
		i += k;
	}
	return true;
}
