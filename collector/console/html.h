/* The console's pages are written with these small writers, escaping by
 * default: text from records, users and forms only ever enters a page
 * through html_text (and its friends), which escapes & < > " '; markup
 * comes only from string literals in the console's code (html_raw).
 * Out of memory makes the page fail whole (failed), never half-written. */
#ifndef WARD_CONSOLE_HTML_H
#define WARD_CONSOLE_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct html {
	char *data;
	size_t len, cap;
	bool failed;
};

/* Markup from the code (a literal; never data). */
void html_raw(struct html *h, const char *markup);
/* Bytes as they are (CSV, SVG numbers already formatted by the code). */
void html_bytes(struct html *h, const char *data, size_t len);
/* Text, escaped (NULL writes nothing). */
void html_text(struct html *h, const char *text);
void html_textn(struct html *h, const char *text, size_t len);
/* printf into text, then escaped as html_text. */
void html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void html_int(struct html *h, int64_t v);
/* ` name="value"` with value escaped. */
void html_attr(struct html *h, const char *name, const char *value);
void html_attr_int(struct html *h, const char *name, int64_t value);
/* <tag>text</tag> and <tag class="cls">text</tag>. */
void html_el(struct html *h, const char *tag, const char *text);
void html_elc(struct html *h, const char *tag, const char *cls, const char *text);
/* value percent-encoded for a URL's query (RFC 3986 unreserved kept),
 * then escaped for the attribute it sits in. */
void html_url_value(struct html *h, const char *value);
/* <option value="v" selected>label</option>. */
void html_option(struct html *h, const char *value, const char *label, bool selected);
/* <input type="hidden" name value>. */
void html_hidden(struct html *h, const char *name, const char *value);
/* The written text (heap, NUL-terminated), now the caller's; NULL when
 * writing failed. */
char *html_take(struct html *h, size_t *len);
void html_free(struct html *h);

/* A time for people: "民國 111 年 1 月 25 日 10:00" (English: "2022-01-25
 * 10:00") in the process's time zone (Asia/Taipei), inside a <time>
 * whose datetime and title carry the ISO 8601 form with its offset. */
void html_time(struct html *h, int64_t ms, bool english);
/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (a form's date or datetime-local,
 * local time) to milliseconds; false otherwise. */
bool local_time_ms(const char *text, int64_t *out);

#endif
