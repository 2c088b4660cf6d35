#include "common/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

char *wjson_canonical(const json_t *v, size_t *len)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	if (s && len)
		*len = strlen(s);
	return s;
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
