/* Declared charsets to UTF-8 with iconv: see charset.h. */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "classify/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/scan.h"
#include "classify/xmlutil.h"

/* How far into an HTML document a charset declaration is looked for (the
 * HTML standard says 1024 bytes; real pages put long <head>s first). */
#define CHARSET_SNIFF 4096

static bool name_is(const char *name, size_t len, const char *what)
{
	return strlen(what) == len && strncasecmp(name, what, len) == 0;
}

static char *copy_text(const void *data, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, data, len);
	out[len] = '\0';
	*out_len = len;
	return out;
}

static char *convert(iconv_t cd, const void *data, size_t len, size_t *out_len)
{
	size_t cap = len * 4 + 16, inleft = len, outleft = cap;
	char *out = malloc(cap + 1), *in = (char *)data, *o = out;

	if (out == NULL)
		return NULL;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
			break;
		if (errno == EILSEQ) {
			in++; /* drop what does not decode */
			inleft--;
		} else {
			break; /* EINVAL: a sequence cut at the end */
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

char *charset_to_utf8(const char *charset, size_t charset_len, const void *data, size_t len,
		      size_t *out_len)
{
	char name[48];
	const char *from = NULL;
	iconv_t cd;
	char *out;

	while (charset_len > 0 && (*charset == ' ' || *charset == '"' || *charset == '\'')) {
		charset++;
		charset_len--;
	}
	while (charset_len > 0 &&
	       (charset[charset_len - 1] == ' ' || charset[charset_len - 1] == '"' ||
		charset[charset_len - 1] == '\''))
		charset_len--;
	if (charset == NULL || charset_len == 0 || charset_len >= sizeof(name)) {
		if (xmlutil_valid_utf8(data, len))
			return copy_text(data, len, out_len);
		return scan_decode_text(data, len, out_len);
	}
	if (name_is(charset, charset_len, "utf-8") || name_is(charset, charset_len, "utf8") ||
	    name_is(charset, charset_len, "us-ascii") || name_is(charset, charset_len, "ascii")) {
		if (xmlutil_valid_utf8(data, len))
			return copy_text(data, len, out_len);
		return scan_decode_text(data, len, out_len);
	}
	if (name_is(charset, charset_len, "big5") || name_is(charset, charset_len, "big-5") ||
	    name_is(charset, charset_len, "cp950") || name_is(charset, charset_len, "ms950") ||
	    name_is(charset, charset_len, "x-x-big5") ||
	    name_is(charset, charset_len, "windows-950"))
		from = "CP950";
	else if (name_is(charset, charset_len, "big5-hkscs"))
		from = "BIG5-HKSCS";
	else {
		/* Only a plain charset name goes to iconv. */
		for (size_t i = 0; i < charset_len; i++) {
			char c = charset[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			      c == ':'))
				return scan_decode_text(data, len, out_len);
		}
		memcpy(name, charset, charset_len);
		name[charset_len] = '\0';
		from = name;
	}
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return scan_decode_text(data, len, out_len);
	out = convert(cd, data, len, out_len);
	iconv_close(cd);
	return out;
}

bool charset_from_html(const char *data, size_t len, char *out, size_t outsize)
{
	size_t n = len < CHARSET_SNIFF ? len : CHARSET_SNIFF;
	const char *p = data, *end = data + n;

	while (p < end) {
		const char *hit = memmem(p, (size_t)(end - p), "charset", 7);
		size_t k = 0;

		if (hit == NULL) {
			/* Also CHARSET, Charset. */
			for (const char *q = p; q + 7 <= end; q++) {
				if (strncasecmp(q, "charset", 7) == 0) {
					hit = q;
					break;
				}
			}
			if (hit == NULL)
				return false;
		}
		p = hit + 7;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '"' || *p == '\''))
			p++;
		while (p + k < end && k + 1 < outsize &&
		       ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
			(p[k] >= '0' && p[k] <= '9') || p[k] == '-' || p[k] == '_' || p[k] == '.' ||
			p[k] == ':'))
			k++;
		if (k == 0)
			continue;
		memcpy(out, p, k);
		out[k] = '\0';
		return true;
	}
	return false;
}
