/* The canonical form of a JSON value, written by walking jansson's values.
 *
 * The bytes are exactly those of jansson's json_dumps(v, JSON_COMPACT |
 * JSON_SORT_KEYS) (tests/unit/test_common.c compares the two on every kind
 * of value): every record Ward signs is serialised here, and jansson's
 * dumper, which checks and copies a string a character at a time through a
 * callback, cost as much as a third of an Ed25519 signature per record.
 * Numbers with a fraction are left to jansson, which owns their format. */
#include "common/json.h"

#include <errno.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

/* Deeper than anything Ward builds or accepts; also stops a value that
 * contains itself (jansson refuses those too). */
#define CANON_DEPTH_MAX 256
/* Objects of up to this many members sort their keys on the stack. */
#define CANON_KEYS_ON_STACK 32

struct member {
	const char *key;
	size_t len;
	json_t *value;
	const struct wjson_member *given; /* or a member given as text */
};

/* The length of the UTF-8 sequence at p, or 0 when it is not one jansson
 * accepts (overlong, surrogate, past U+10FFFF, cut short). */
static size_t utf8_sequence(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	uint32_t cp;
	size_t n;

	if (c < 0xC2 || c > 0xF4)
		return 0;
	n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (n > left)
		return 0;
	cp = c & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* One character; the buffer has room for it and its terminator most of
 * the time, so most characters cost no call. */
static inline int put_char(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		return buf_append(b, &c, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

/* Writes the escape of the ASCII character c (a quote, a backslash or a
 * control character) as jansson writes it; returns its length. */
static size_t escape(unsigned char c, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char short_form = c == '"'    ? '"'
			  : c == '\\' ? '\\'
			  : c == '\b' ? 'b'
			  : c == '\f' ? 'f'
			  : c == '\n' ? 'n'
			  : c == '\r' ? 'r'
			  : c == '\t' ? 't'
				      : 0;

	out[0] = '\\';
	if (short_form) {
		out[1] = short_form;
		return 2;
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

/* A string: UTF-8 as is, only quote, backslash and controls escaped.
 * Room for the worst case (every byte a six-character escape) is taken
 * at once, and the string written straight into it. */
static int put_string(struct buf *b, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t run = 0, i = 0;
	char *o;
	int r = len > (SIZE_MAX - 2) / 6 ? -ENOMEM : buf_reserve(b, 6 * len + 2);

	if (r < 0)
		return r;
	o = b->data + b->len;
	*o++ = '"';
	while (i < len) {
		size_t n = 1;

		if (s[i] >= 0x80 && (n = utf8_sequence(s + i, len - i)) == 0) {
			b->data[b->len] = '\0';
			return -EILSEQ;
		}
		if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') {
			i += n;
			continue;
		}
		memcpy(o, text + run, i - run);
		o += i - run;
		o += escape(s[i], o);
		run = ++i;
	}
	memcpy(o, text + run, len - run);
	o += len - run;
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
	return 0;
}

static int put_value(struct buf *b, json_t *v, int depth);

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static bool given_key(const char *key, size_t len, const struct wjson_member *given, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(given[i].key) == len && memcmp(given[i].key, key, len) == 0)
			return true;
	return false;
}

/* An object's members, with those given as text in place of its own of
 * the same name (and those given no text left out). */
static int put_object(struct buf *b, json_t *obj, int depth, const struct wjson_member *given,
		      size_t n_given)
{
	struct member stack[CANON_KEYS_ON_STACK], *m = stack;
	size_t n = json_object_size(obj) + n_given, i = 0;
	int r = 0;

	if (n > CANON_KEYS_ON_STACK && !(m = malloc(n * sizeof(*m))))
		return -ENOMEM;
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		size_t len = json_object_iter_key_len(it);

		if (!given_key(key, len, given, n_given))
			m[i++] = (struct member){key, len, json_object_iter_value(it), NULL};
	}
	for (size_t g = 0; g < n_given; g++)
		if (given[g].json)
			m[i++] =
			    (struct member){given[g].key, strlen(given[g].key), NULL, &given[g]};
	qsort(m, i, sizeof(*m), member_cmp);
	r = put_char(b, '{');
	for (size_t k = 0; r == 0 && k < i; k++) {
		if (k)
			r = put_char(b, ',');
		if (r == 0)
			r = put_string(b, m[k].key, m[k].len);
		if (r == 0)
			r = put_char(b, ':');
		if (r == 0 && m[k].given)
			r = buf_append(b, m[k].given->json, m[k].given->len);
		else if (r == 0)
			r = put_value(b, m[k].value, depth + 1);
	}
	if (m != stack)
		free(m);
	return r ? r : put_char(b, '}');
}

static int put_array(struct buf *b, json_t *arr, int depth)
{
	int r = put_char(b, '[');

	for (size_t k = 0; r == 0 && k < json_array_size(arr); k++) {
		if (k)
			r = put_char(b, ',');
		if (r == 0)
			r = put_value(b, json_array_get(arr, k), depth + 1);
	}
	return r ? r : put_char(b, ']');
}

/* A number with a fraction, in jansson's own form. */
static int put_real(struct buf *b, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	int r;

	if (!text)
		return -ENOMEM;
	r = buf_append(b, text, strlen(text));
	free(text);
	return r;
}

static int put_value(struct buf *b, json_t *v, int depth)
{
	char num[32];
	int n;

	if (depth > CANON_DEPTH_MAX)
		return -ELOOP;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, depth, NULL, 0);
	case JSON_ARRAY:
		return put_array(b, v, depth);
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf_append(b, num, (size_t)n);
	case JSON_REAL:
		return put_real(b, v);
	case JSON_TRUE:
		return buf_append(b, "true", 4);
	case JSON_FALSE:
		return buf_append(b, "false", 5);
	case JSON_NULL:
		return buf_append(b, "null", 4);
	}
	return -EINVAL;
}

int wjson_canonical_buf(const json_t *v, struct buf *out)
{
	if (!json_is_object(v) && !json_is_array(v))
		return -EINVAL;
	return wjson_canonical_with(v, NULL, 0, out);
}

int wjson_canonical_with(const json_t *v, const struct wjson_member *given, size_t n_given,
			 struct buf *out)
{
	size_t start = out->len;
	int r;

	if (n_given ? !json_is_object(v) : !json_is_object(v) && !json_is_array(v))
		return -EINVAL;
	/* jansson's API takes no const values; nothing here changes v. */
	r = json_is_object(v) ? put_object(out, (json_t *)v, 0, given, n_given)
			      : put_value(out, (json_t *)v, 0);
	if (r < 0 && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return r;
}

char *wjson_canonical(const json_t *v, size_t *len)
{
	struct buf b = BUF_INIT;

	if (wjson_canonical_buf(v, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_take(&b);
}
