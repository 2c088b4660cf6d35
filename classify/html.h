/* HTML to lines, for html.c's own extractor and for e-mail bodies (eml.c),
 * which put HTML text into a page they already opened.  Internal to
 * classify/. */
#ifndef WARD_CLASSIFY_HTML_H
#define WARD_CLASSIFY_HTML_H

#include <stddef.h>

#include "classify/scan.h"
#include "classify/xmlutil.h"

/* Feeds the visible text of an HTML document (UTF-8) into the current
 * page: block elements end lines, white space collapses as a browser shows
 * it, <s> <strike> <del> and inline line-through styles are struck.
 * <title> and <meta name content> go to meta as "name: value\n" lines for
 * the caller to feed as metadata.  Returns 0, or -1 when out of memory. */
int html_feed(struct scan *s, const char *utf8, size_t len, struct xmlutil_buf *meta);

/* HTML bytes in any encoding as UTF-8 (BOM, declared charset, else the
 * scan's guess); malloc'ed, NULL when out of memory. */
char *html_to_utf8(const void *data, size_t len, size_t *out_len);

#endif
