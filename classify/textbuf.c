/* Text being collected for one zone, with a struck flag per byte (scan.h):
 * the one growable text buffer of the extractors. */
#include <stdlib.h>
#include <string.h>

#include "classify/scan.h"

void textbuf_add(struct textbuf *o, const char *p, size_t n, bool struck)
{
	if (o->failed || n == 0) /* nothing to add, maybe nowhere yet to add it */
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		char *b;
		bool *st;

		while (cap < o->len + n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (b == NULL) {
			o->failed = true;
			return;
		}
		o->buf = b;
		st = realloc(o->struck, cap * sizeof(bool));
		if (st == NULL) {
			o->failed = true;
			return;
		}
		o->struck = st;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	memset(o->struck + o->len, struck, n);
	o->len += n;
}

void textbuf_feed(struct scan *s, const struct textbuf *o, size_t from, size_t len)
{
	size_t i = from, end = from + len;

	while (i < end) {
		size_t j = i;

		while (j < end && o->struck[j] == o->struck[i])
			j++;
		scan_text(s, o->buf + i, j - i, o->struck[i]);
		i = j;
	}
}

void textbuf_emit(struct scan *s, struct textbuf *o, enum scan_zone zone, const char *where)
{
	scan_page_begin(s, zone, where);
	textbuf_feed(s, o, 0, o->len);
	scan_page_end(s);
	if (o->failed)
		scan_set_uninspectable(s, "out of memory while collecting text");
	o->len = 0;
	o->failed = false;
}

void textbuf_free(struct textbuf *o)
{
	free(o->buf);
	free(o->struck);
}
