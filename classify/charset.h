/* Text in a declared charset (a MIME part's charset=, an HTML meta
 * charset) as UTF-8, for html.c and eml.c.  Internal to classify/. */
#ifndef WARD_CLASSIFY_CHARSET_H
#define WARD_CLASSIFY_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
