/* classify_quick_clean: the agent's hot path.  Most files copied to a
 * stick are photos, programs and English text with no marking; this says
 * so from their first bytes with a few memchr/memmem passes, so only the
 * rest pay for a full classification.  It errs one way only: "not clean"
 * means "look fully", never "marked". */
#define _GNU_SOURCE /* memmem, memrchr */
#include <stdint.h>
#include <string.h>

#include "classify/classify.h"

static bool has(const unsigned char *p, size_t len, const void *needle, size_t n)
{
	return memmem(p, len, needle, n) != NULL;
}

/* Containers and encodings whose content cannot be seen in their bytes. */
static bool is_container(const unsigned char *p, size_t len)
{
	static const struct {
		size_t offset;
		const char *magic;
		size_t len;
	} magics[] = {
	    {0, "PK\3\4", 4},		/* zip, ODF, OOXML */
	    {0, "PK\5\6", 4},		/* empty zip */
	    {0, "PK\7\10", 4},		/* spanned zip */
	    {0, "\xd0\xcf\x11\xe0", 4}, /* OLE: .doc .xls .msg */
	    {0, "%PDF", 4},		/* PDF */
	    {0, "\x1f\x8b", 2},		/* gzip */
	    {0, "BZh", 3},		/* bzip2 */
	    {0,
	     "\xfd"
	     "7zXZ",
	     5},			/* xz */
	    {0, "\x28\xb5\x2f\xfd", 4}, /* zstd */
	    {0, "\x5d\x00\x00", 3},	/* lzma */
	    {0, "7z\xbc\xaf", 4},	/* 7-zip */
	    {0, "Rar!", 4},		/* rar */
	    {0, "{\\rtf", 5},		/* RTF */
	    {0, "\xff\xfe", 2},		/* UTF-16 LE text */
	    {0, "\xfe\xff", 2},		/* UTF-16 BE text */
	    {0, "070707", 6},		/* cpio */
	    {0, "07070", 5},		/* cpio (new) */
	    {257, "ustar", 5},		/* tar */
	};

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		if (len >= magics[i].offset + magics[i].len &&
		    memcmp(p + magics[i].offset, magics[i].magic, magics[i].len) == 0)
			return true;
	}
	return false;
}

/* 密 in the encodings the classifier reads, and the words it looks for. */
static bool has_marking_bytes(const unsigned char *p, size_t len)
{
	static const char *const words[] = {
	    "\xe5\xaf\x86", /* 密, UTF-8 */
	    "\xb1\x4b",	    /* 密, Big5 */
	    "\xc6\x5b",	    /* 密, UTF-16 LE */
	    "\x5b\xc6",	    /* 密, UTF-16 BE */
	    "ECRET",	    "ecret",	 "ONFIDENTIAL",	 "onfidential",
	    "ESTRICTED",    "estricted", "\xe8\x99\x9f", /* 號 (地號, 戶號), UTF-8 */
	    "\xb8\xb9",					 /* 號, Big5 */
	    "&#", /* character references hide text in HTML and XML */
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (has(p, len, words[i], strlen(words[i])))
			return true;
	}
	return false;
}

/* An ID number holds a run of at least 8 digits; one of them sits at a
 * multiple of 8.  Any such run (a phone number, an ID) means "look". */
static bool has_id_candidate(const unsigned char *p, size_t len)
{
	for (size_t k = 0; k < len; k += 8) {
		if (p[k] < '0' || p[k] > '9')
			continue;
		size_t a = k, b = k + 1;
		while (a > 0 && p[a - 1] >= '0' && p[a - 1] <= '9')
			a--;
		while (b < len && p[b] >= '0' && p[b] <= '9')
			b++;
		if (b - a >= 8)
			return true;
	}
	return false;
}

/* Mail and MIME parts carry their content encoded (base64, quoted
 * printable): the first line of a header block gives them away. */
static bool looks_like_mail(const unsigned char *p, size_t len)
{
	static const char *const headers[] = {"Content-Type:", "Content-Transfer-Encoding:",
					      "MIME-Version:", "content-type:",
					      "Content-type:", "MIME-version:"};

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		if (has(p, len, headers[i], strlen(headers[i])))
			return true;
	}
	return false;
}

bool classify_quick_clean(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len == 0)
		return true;
	return !is_container(p, len) && !has_marking_bytes(p, len) && !has_id_candidate(p, len) &&
	       !looks_like_mail(p, len);
}
