/* The one place where the classifier turns other encodings into UTF-8:
 * declared charsets (a MIME part's charset=, an HTML meta charset), UTF-16,
 * Windows code pages (OLE property sets, RTF, PowerPoint), Big5/CP950.
 * Internal to classify/. */
#ifndef WARD_CLASSIFY_CHARSET_H
#define WARD_CLASSIFY_CHARSET_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'ed NUL-terminated UTF-8 copy of data and its length in
 * *out_len, or NULL when out of memory.  Big5 and its variants are read as
 * CP950 (a superset); UTF-8 is checked; a charset that is missing, unknown
 * or wrong (bytes that do not decode) falls back to scan_decode_text's
 * guess (UTF-8, UTF-16 with BOM, else Big5).  Bytes that do not decode are
 * dropped. */
char *charset_to_utf8(const char *charset, size_t charset_len, const void *data, size_t len,
		      size_t *out_len);

/* The charset an HTML document declares in its first bytes (<meta
 * charset=...> or content="...; charset=..."), copied into out. */
bool charset_from_html(const char *data, size_t len, char *out, size_t outsize);

/* The UTF-8 of code point cp into out (4 bytes free); surrogates and values
 * past U+10FFFF become U+FFFD.  Returns the bytes written. */
size_t charset_put_utf8(char *out, uint32_t cp);
/* UTF-16 code units one at a time: false while *u is a high surrogate
 * (kept in *high) or an unpaired low one (dropped); true with the code
 * point in *u otherwise.  *high starts at 0. */
bool charset_utf16_join(uint32_t *high, uint32_t *u);
/* n bytes of UTF-16 (after any BOM) as malloc'ed NUL-terminated UTF-8;
 * unpaired surrogates become U+FFFD. */
char *charset_utf16_to_utf8(const void *data, size_t n, bool big_endian, size_t *out_len);
/* units UTF-16LE code units, likewise (out_len may be NULL). */
char *charset_utf16le_to_utf8(const void *data, size_t units, size_t *out_len);

/* A byte of Windows-1252 as a code point. */
uint32_t charset_cp1252(uint8_t byte);
/* 8-bit text in a Windows code page (1200 is UTF-16LE, 65001 UTF-8) as
 * malloc'ed UTF-8; bytes that do not convert become U+FFFD; an unknown
 * code page is read as 1252. */
char *charset_codepage_to_utf8(const void *data, size_t n, unsigned codepage, size_t *out_len);
/* The same for a stream of pieces in changing code pages (RTF): the
 * converter is kept while the code page stays.  out needs 4 bytes per
 * byte in; returns the bytes written. */
struct charset_codepage {
	iconv_t cd;
	int codepage;
};
void charset_codepage_init(struct charset_codepage *c);
size_t charset_codepage_convert(struct charset_codepage *c, int codepage, const void *data,
				size_t n, char *out, size_t outsize);
void charset_codepage_close(struct charset_codepage *c);

/* CP950 (Big5) as malloc'ed UTF-8 by iconv; undecodable bytes become
 * U+FFFD. */
char *charset_big5_to_utf8(const void *data, size_t n, size_t *out_len);
/* The same through a lookup table built once per classifier (iconv's
 * per-character path runs at tens of MB/s).  big5_table_new returns NULL
 * when out of memory or without a CP950 converter. */
struct big5_table;
struct big5_table *big5_table_new(void);
void big5_table_free(struct big5_table *table);
char *big5_table_decode(const struct big5_table *table, const void *data, size_t len,
			size_t *out_len);

/* data in the encoding iconv calls name, as malloc'ed UTF-8; NULL when a
 * byte sequence does not decode (or out of memory): for trying encodings
 * a text may be in. */
char *charset_decode_strict(const char *name, const void *data, size_t len, size_t *out_len);
/* The same with a decoder kept open (opening one costs more than reading a
 * short text); NULL from open when iconv does not know the encoding. */
struct charset_decoder;
struct charset_decoder *charset_decoder_open(const char *name);
char *charset_decoder_strict(struct charset_decoder *d, const void *data, size_t len,
			     size_t *out_len);
void charset_decoder_close(struct charset_decoder *d);

/* encoding.c: the encoding a byte-order mark names (UTF-32, UTF-16, UTF-7),
 * and the length of the mark to skip (0 for UTF-7, whose mark decodes to
 * nothing); NULL when there is none. */
const char *encoding_bom(const unsigned char *p, size_t n, size_t *bom_len);
/* encoding.c: UTF-32 or UTF-16 without a mark, as far as the first 4 KiB
 * tell (they hold NUL bytes and decode to plausible text); NULL if not. */
const char *encoding_wide(const unsigned char *p, size_t n);
/* encoding.c: what a classifier keeps open between texts: ICU's detector
 * and a converter per encoding tried (opening them costs more than reading
 * a short text). */
struct encoding_cache;
struct encoding_cache *encoding_cache_new(void);
void encoding_cache_free(struct encoding_cache *cache);
/* encoding.c: ICU's detector's answer for text that is not UTF-8, when it
 * is one of the encodings it is good at and sure enough; NULL otherwise
 * (read it as Big5). */
const char *encoding_detect(struct encoding_cache *cache, const unsigned char *p, size_t n);
/* encoding.c: p decodes as CP950 (Big5), every byte, to plausible text:
 * the county's legacy encoding needs no detector. */
bool encoding_big5(struct encoding_cache *cache, const unsigned char *p, size_t n);
/* encoding.c: text a person wrote (no stray controls, nothing private or
 * unassigned, some letters). */
bool encoding_plausible(const char *utf8, size_t len);
/* encoding.c: every other decoding of p (not primary) that takes all its
 * bytes and is plausible; the caller frees each text. */
struct encoding_text {
	const char *name;
	char *text;
	size_t len;
};
size_t encoding_alternates(struct encoding_cache *cache, const unsigned char *p, size_t n,
			   const char *primary, struct encoding_text *out, size_t max);

#endif
