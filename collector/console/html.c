#define _GNU_SOURCE
#include "collector/console/html.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/date.h"

static bool grow(struct html *h, size_t extra)
{
	size_t cap;
	char *grown;

	if (h->failed)
		return false;
	if (h->len + extra + 1 <= h->cap)
		return true;
	cap = h->cap ? h->cap : 4096;
	while (cap < h->len + extra + 1)
		cap *= 2;
	grown = realloc(h->data, cap);
	if (!grown) {
		h->failed = true;
		return false;
	}
	h->data = grown;
	h->cap = cap;
	return true;
}

void html_bytes(struct html *h, const char *data, size_t len)
{
	/* len 0 may come with data NULL (an empty buffer): nothing to copy */
	if (len == 0 || !grow(h, len))
		return;
	memcpy(h->data + h->len, data, len);
	h->len += len;
	h->data[h->len] = '\0';
}

void html_raw(struct html *h, const char *markup)
{
	html_bytes(h, markup, strlen(markup));
}

void html_textn(struct html *h, const char *text, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;

		switch (text[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\0':
			rep = "";
			break;
		default:
			continue;
		}
		html_bytes(h, text + start, i - start);
		html_raw(h, rep);
		start = i + 1;
	}
	html_bytes(h, text + start, len - start);
}

void html_text(struct html *h, const char *text)
{
	if (text)
		html_textn(h, text, strlen(text));
}

void html_textf(struct html *h, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->failed = true;
		return;
	}
	html_textn(h, text, (size_t)n);
	free(text);
}

void html_int(struct html *h, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	html_bytes(h, num, (size_t)n);
}

void html_attr(struct html *h, const char *name, const char *value)
{
	html_raw(h, " ");
	html_raw(h, name);
	html_raw(h, "=\"");
	html_text(h, value ? value : "");
	html_raw(h, "\"");
}

void html_attr_int(struct html *h, const char *name, int64_t value)
{
	html_raw(h, " ");
	html_raw(h, name);
	html_raw(h, "=\"");
	html_int(h, value);
	html_raw(h, "\"");
}

void html_elc(struct html *h, const char *tag, const char *cls, const char *text)
{
	html_raw(h, "<");
	html_raw(h, tag);
	if (cls)
		html_attr(h, "class", cls);
	html_raw(h, ">");
	html_text(h, text);
	html_raw(h, "</");
	html_raw(h, tag);
	html_raw(h, ">");
}

void html_el(struct html *h, const char *tag, const char *text)
{
	html_elc(h, tag, NULL, text);
}

void html_url_value(struct html *h, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)value; p && *p; p++) {
		char enc[4] = {(char)*p, '\0'};

		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-._~", *p))) {
			enc[0] = '%';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
		}
		html_raw(h, enc);
	}
}

void html_option(struct html *h, const char *value, const char *label, bool selected)
{
	html_raw(h, "<option");
	html_attr(h, "value", value);
	if (selected)
		html_raw(h, " selected");
	html_raw(h, ">");
	html_text(h, label);
	html_raw(h, "</option>");
}

void html_hidden(struct html *h, const char *name, const char *value)
{
	html_raw(h, "<input type=\"hidden\"");
	html_attr(h, "name", name);
	html_attr(h, "value", value);
	html_raw(h, ">");
}

char *html_take(struct html *h, size_t *len)
{
	char *data = h->failed ? NULL : h->data;

	if (!data && !h->failed)
		data = strdup("");
	if (len)
		*len = data ? h->len : 0;
	if (h->failed)
		free(h->data);
	h->data = NULL;
	h->len = h->cap = 0;
	return data;
}

void html_free(struct html *h)
{
	free(h->data);
	memset(h, 0, sizeof(*h));
}

void html_time(struct html *h, int64_t ms, bool english)
{
	char date[64], iso[40];
	time_t t = (time_t)(ms / 1000);

	date_for_people(t, english, date, sizeof(date));
	date_iso_local(t, iso, sizeof(iso));
	html_raw(h, "<time");
	html_attr(h, "datetime", iso);
	html_attr(h, "title", iso);
	html_raw(h, ">");
	html_text(h, date);
	html_raw(h, "</time>");
}

bool local_time_ms(const char *text, int64_t *out)
{
	struct tm tm;
	const char *rest;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!text)
		return false;
	rest = strptime(text, "%Y-%m-%dT%H:%M", &tm);
	if (!rest) {
		memset(&tm, 0, sizeof(tm));
		rest = strptime(text, "%Y-%m-%d", &tm);
	}
	if (!rest || *rest)
		return false;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t * 1000;
	return true;
}
