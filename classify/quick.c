/* classify_quick_clean: the agent's hot path.  Most files copied to a
 * stick are programs and English text with no marking; this says
 * so from their first bytes with a few memchr/memmem passes, so only the
 * rest pay for a full classification.  It errs one way only: "not clean"
 * means "look fully", never "marked". */
#define _GNU_SOURCE /* memmem, memrchr */
#include <stdint.h>
#include <string.h>

#include "classify/classify.h"
#include "classify/utf7.h"

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
	    {0, "\x1f\x9d", 2},		/* compress (.Z) */
	    {0, "LZIP", 4},		/* lzip */
	    {0, "\x04\x22\x4d\x18", 4}, /* lz4 */
	    {0, "07070", 5},		/* cpio (new) */
	    {257, "ustar", 5},		/* tar */
	    /* Pictures: a scanned page is read by OCR. */
	    {0, "\x89PNG", 4},	    /* PNG */
	    {0, "\xff\xd8\xff", 3}, /* JPEG */
	    {0, "II*\0", 4},	    /* TIFF, little-endian */
	    {0, "MM\0*", 4},	    /* TIFF, big-endian */
	    {0, "GIF8", 4},	    /* GIF */
	    {0, "BM", 2},	    /* BMP */
	    {8, "WEBP", 4},	    /* WebP */
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
	    "\xe8\x99\x9f", /* 號 (地號, 戶號), UTF-8 */
	    "\xb8\xb9",	    /* 號, Big5 */
	    "&#",	    /* character references hide text in HTML and XML */
	    "=?",	    /* RFC 2047 encoded words hide mail headers */
	    "\xc3\xdc",	    /* 密 in GBK, which an HTML charset may select */
	    "\x96\xa7",	    /* 密, Shift_JIS */
	    "\xcc\xa9",	    /* 密, EUC-JP */
	    "\xda\xcb",	    /* 密, EUC-KR */
	    "\x5f\x86",	    /* 號, UTF-16 LE */
	    "\x86\x5f",	    /* 號, UTF-16 BE */
	    "\xcc\x96",	    /* 號, GBK */
	    "\xd9\xef",	    /* 密, EUC-TW */
	    "\xef\xbc\xb3", /* Ｓ: full-width letters read as ASCII by the scan (NFKC) */
	    "\xef\xbd\x93", /* ｓ */
	    "\xef\xbc\xa3", /* Ｃ */
	    "\xef\xbd\x83", /* ｃ */
	    "\xef\xbc\xb2", /* Ｒ */
	    "\xef\xbd\x92", /* ｒ */
	    "\xf0\x9d",	    /* mathematical letters (U+1D400..) */
	    "\xe2\x93",	    /* circled letters (U+24B6..) */
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (has(p, len, words[i], strlen(words[i])))
			return true;
	}
	return false;
}

/* The default English marking words, in any case, anywhere: "Secret",
 * "CONFIDENTIAL" (TOP SECRET holds SECRET), also with invisible characters
 * between the letters (a zero-width space, a combining mark: the scan
 * reads the line without them) or in UTF-16 / UTF-32, so non-ASCII and NUL
 * bytes there are skipped. */
#define QUICK_SKIP_MAX 16
static bool spells(const unsigned char *p, size_t len, const char *rest)
{
	size_t j = 0, skipped = 0;

	for (size_t i = 0; rest[j] != '\0'; i++) {
		if (i >= len)
			return false;
		if ((p[i] >= 0x80 || p[i] == 0) && skipped++ < QUICK_SKIP_MAX)
			continue;
		if ((p[i] | 0x20) != rest[j])
			return false;
		j++;
	}
	return true;
}

static bool has_english_word(const unsigned char *p, size_t len)
{
	static const struct {
		char first;
		const char *rest;
	} words[] = {{'s', "ecret"}, {'c', "onfidential"}, {'r', "estricted"}};

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i] | 0x20;

		if (c != 's' && c != 'c' && c != 'r')
			continue;
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			if (c == words[w].first && spells(p + i + 1, len - i - 1, words[w].rest))
				return true;
		}
	}
	return false;
}

/* A short line whose letters alone spell a marking word: "S E C R E T",
 * "Top-Secret" (the scan reads such a line as the word). */
static bool has_spaced_english_word(const unsigned char *p, size_t len)
{
	static const char *const words[] = {"SECRET", "TOPSECRET", "CONFIDENTIAL", "RESTRICTED"};
	size_t start = 0;

	while (start < len) {
		const unsigned char *nl = memchr(p + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - p) : len;
		char letters[16];
		size_t n = 0;

		for (size_t i = start; end - start <= 256 && i < end && n < sizeof(letters); i++) {
			unsigned char c = p[i] & (unsigned char)~0x20;

			if (c >= 'A' && c <= 'Z' && (p[i] & 0x80) == 0)
				letters[n++] = (char)c;
		}
		for (size_t w = 0; n > 0 && w < sizeof(words) / sizeof(words[0]); w++) {
			if (n == strlen(words[w]) && memcmp(letters, words[w], n) == 0)
				return true;
		}
		start = end + 1;
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
	       !looks_like_mail(p, len) && !has_english_word(p, len) && !utf7_has_run(p, len) &&
	       !has_spaced_english_word(p, len);
}
