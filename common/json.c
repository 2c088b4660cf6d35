#include "common/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/util.h"

json_t *wjson_parse(const char *text, size_t len, char *err, size_t errsize)
{
	json_error_t e;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);

	if (!v) {
		if (err && errsize)
			snprintf(err, errsize, "line %d column %d: %s", e.line, e.column, e.text);
		return NULL;
	}
	if (!json_is_object(v) && !json_is_array(v)) {
		json_decref(v);
		if (err && errsize)
			snprintf(err, errsize, "line 1 column 1: expected an object or an array");
		return NULL;
	}
	return v;
}

int wjson_print(FILE *out, const json_t *v, bool pretty)
{
	size_t flags = pretty ? JSON_INDENT(2) | JSON_SORT_KEYS : JSON_COMPACT | JSON_SORT_KEYS;

	if (json_dumpf(v, out, flags) != 0 || fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}

const char *wjson_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

bool wjson_int(const json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

bool wjson_bool(const json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

int wjson_set_str(json_t *obj, const char *key, const char *value)
{
	if (!value)
		return 0;
	return json_object_set_new(obj, key, json_string(value)) == 0 ? 0 : -ENOMEM;
}

int wjson_set_int(json_t *obj, const char *key, int64_t value)
{
	return json_object_set_new(obj, key, json_integer((json_int_t)value)) == 0 ? 0 : -ENOMEM;
}

json_t *wjson_hash_array(const unsigned char (*hashes)[32], size_t count)
{
	json_t *a = json_array();
	char hex[65];

	for (size_t i = 0; a && i < count; i++) {
		hex_encode(hashes[i], 32, hex);
		if (json_array_append_new(a, json_string(hex)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

bool wjson_hash_array_parse(const json_t *array, unsigned char (*out)[32], size_t max,
			    size_t *count)
{
	*count = json_array_size(array);
	if (!json_is_array(array) || *count > max)
		return false;
	for (size_t i = 0; i < *count; i++) {
		const char *h = json_string_value(json_array_get(array, i));

		if (!h || !hex_decode(h, strlen(h), out[i], 32))
			return false;
	}
	return true;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_valid_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

json_t *wjson_string_lossy(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), valid = 0, n;
	_cleanup_buf_ struct buf b = BUF_INIT;

	/* Nearly every string is valid: then no copy. */
	while (valid < left && (n = utf8_valid_len(p + valid, left - valid)) > 0)
		valid += n;
	if (valid == left)
		return json_stringn(s, left);
	while (left > 0) {
		int r;

		n = utf8_valid_len(p, left);
		r = n ? buf_append(&b, p, n) : buf_append(&b, replacement, 3);

		if (r < 0)
			return NULL;
		n = n ? n : 1;
		p += n;
		left -= n;
	}
	return json_stringn(b.data ? b.data : "", b.len);
}

int wjson_set_text(json_t *obj, const char *key, const char *value)
{
	if (!value)
		return 0;
	return json_object_set_new(obj, key, wjson_string_lossy(value)) == 0 ? 0 : -ENOMEM;
}
