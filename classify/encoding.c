/* Which encoding a text is in, when it is not UTF-8 (charset.h): UTF-32 and
 * UTF-16 with or without a byte-order mark, GB18030, EUC-TW, UTF-7, and
 * Big5 (CP950) as the county's legacy default.
 *
 * ICU's charset detector names the likeliest encoding of a sample.  It
 * cannot name UTF-7 or EUC-TW and is unreliable on short texts without a
 * BOM, so a short text is also decoded in every other encoding that takes
 * all its bytes (strictly: one bad sequence and that encoding is out) and
 * gives plausible text; the scan then reads each such decoding for
 * markings (text.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/ucsdet.h>
#include <unicode/utf8.h>

#include "classify/charset.h"
#include "classify/rules.h"

/* Bytes of a text ICU's detector looks at. */
#define DETECT_SAMPLE (64u << 10)
/* The least confidence (0-100) at which ICU's answer is taken over the
 * Big5 default. */
#define DETECT_CONFIDENCE 50

static const char *const alternates[] = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE", "GB18030",
					 "EUC-TW",   "UTF-7",	 "CP950"}; /* CP950 last */
#define N_ALTERNATES (sizeof(alternates) / sizeof(alternates[0]))

struct encoding_cache {
	UCharsetDetector *csd;
	struct charset_decoder *dec[N_ALTERNATES];
};

struct encoding_cache *encoding_cache_new(void)
{
	struct encoding_cache *cache = calloc(1, sizeof(*cache));
	UErrorCode err = U_ZERO_ERROR;

	if (cache == NULL)
		return NULL;
	cache->csd = ucsdet_open(&err);
	if (U_FAILURE(err))
		cache->csd = NULL;
	for (size_t i = 0; i < N_ALTERNATES; i++)
		cache->dec[i] = charset_decoder_open(alternates[i]);
	return cache;
}

void encoding_cache_free(struct encoding_cache *cache)
{
	if (cache == NULL)
		return;
	if (cache->csd != NULL)
		ucsdet_close(cache->csd);
	for (size_t i = 0; i < N_ALTERNATES; i++)
		charset_decoder_close(cache->dec[i]);
	free(cache);
}

const char *encoding_bom(const unsigned char *p, size_t n, size_t *bom_len)
{
	static const struct {
		const char *bom;
		size_t len;
		const char *name;
	} boms[] = {
	    /* UTF-32 first: its little-endian BOM starts like UTF-16's. */
	    {"\xff\xfe\x00\x00", 4, "UTF-32LE"},
	    {"\x00\x00\xfe\xff", 4, "UTF-32BE"},
	    {"\xff\xfe", 2, "UTF-16LE"},
	    {"\xfe\xff", 2, "UTF-16BE"},
	    {"+/v8", 4, "UTF-7"},
	    {"+/v9", 4, "UTF-7"},
	    {"+/v+", 4, "UTF-7"},
	    {"+/v/", 4, "UTF-7"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(boms); i++) {
		if (n >= boms[i].len && memcmp(p, boms[i].bom, boms[i].len) == 0) {
			*bom_len = boms[i].name[4] == '7' ? 0 : boms[i].len;
			return boms[i].name;
		}
	}
	*bom_len = 0;
	return NULL;
}

/* Text a person wrote: no control characters but white space, nothing
 * private or unassigned, no stray surrogate. */
bool encoding_plausible(const char *utf8, size_t len)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t letters = 0;

	for (size_t i = 0; i < len;) {
		UChar32 c;

		U8_NEXT(p, i, len, c);
		if (c < 0)
			return false;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
			return false;
		int8_t type = u_charType(c);
		if (type == U_CONTROL_CHAR && c >= 0x20)
			return false;
		if (type == U_PRIVATE_USE_CHAR || type == U_UNASSIGNED || type == U_SURROGATE)
			return false;
		letters += u_isalnum(c) != 0;
	}
	return letters > 0;
}

const char *encoding_detect(struct encoding_cache *cache, const unsigned char *p, size_t n)
{
	static const char *const taken[] = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE",
					    "GB18030",	"EUC-JP",   "EUC-KR",	"Shift_JIS"};
	UErrorCode err = U_ZERO_ERROR;
	const char *name = NULL;

	if (cache == NULL || cache->csd == NULL)
		return NULL;
	ucsdet_setText(cache->csd, (const char *)p,
		       (int32_t)(n < DETECT_SAMPLE ? n : DETECT_SAMPLE), &err);
	const UCharsetMatch *m = U_SUCCESS(err) ? ucsdet_detect(cache->csd, &err) : NULL;
	if (m != NULL && U_SUCCESS(err) && ucsdet_getConfidence(m, &err) >= DETECT_CONFIDENCE) {
		const char *got = ucsdet_getName(m, &err);

		for (size_t i = 0; got != NULL && U_SUCCESS(err) && i < ARRAY_SIZE(taken); i++)
			if (strcmp(got, taken[i]) == 0)
				name = taken[i];
	}
	return name;
}

bool encoding_big5(struct encoding_cache *cache, const unsigned char *p, size_t n)
{
	size_t len;
	char *text;
	bool plausible;

	if (cache == NULL || cache->dec[N_ALTERNATES - 1] == NULL)
		return false;
	text = charset_decoder_strict(cache->dec[N_ALTERNATES - 1], p, n, &len);
	plausible = text != NULL && encoding_plausible(text, len);
	free(text);
	return plausible;
}

size_t encoding_alternates(struct encoding_cache *cache, const unsigned char *p, size_t n,
			   const char *primary, struct encoding_text *out, size_t max)
{
	size_t found = 0;

	for (size_t i = 0; cache != NULL && i < N_ALTERNATES && found < max; i++) {
		size_t len;
		char *text;

		if ((primary != NULL && strcmp(primary, alternates[i]) == 0) ||
		    cache->dec[i] == NULL)
			continue;
		text = charset_decoder_strict(cache->dec[i], p, n, &len);
		if (text == NULL)
			continue;
		if (!encoding_plausible(text, len) ||
		    (len == n && memcmp(text, p, n) == 0)) { /* ASCII: nothing new */
			free(text);
			continue;
		}
		out[found].name = alternates[i];
		out[found].text = text;
		out[found].len = len;
		found++;
	}
	return found;
}

const char *encoding_wide(const unsigned char *p, size_t n)
{
	static const char *const wide[] = {"UTF-32LE", "UTF-32BE", "UTF-16LE", "UTF-16BE"};
	size_t m = (n < 4096 ? n : 4096) & ~(size_t)3;

	if (m == 0 || memchr(p, 0, m) == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(wide); i++) {
		size_t len;
		char *text = charset_decode_strict(wide[i], p, m, &len);
		bool plausible = text != NULL && encoding_plausible(text, len);

		free(text);
		if (plausible)
			return wide[i];
	}
	return NULL;
}
