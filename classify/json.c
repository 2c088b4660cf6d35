/* The one serializer of a classify result: the object `wardctl classify
 * --json` prints (jansson, through common/json). */
#include <inttypes.h>
#include <string.h>

#include "classify/classify.h"
#include "common/json.h"
#include "common/util.h"

static json_t *pii_array(const struct classify_result *res)
{
	json_t *arr = json_array();

	for (uint32_t i = 0; arr && i < res->n_pii && i < CLASSIFY_MAX_PII; i++) {
		json_t *o = json_object();

		if (!o || wjson_set_text(o, "type", res->pii[i].type) < 0 ||
		    wjson_set_int(o, "count", res->pii[i].count) < 0 ||
		    json_array_append_new(arr, o) < 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *reason_array(const struct classify_result *res)
{
	json_t *arr = json_array();

	for (uint32_t i = 0; arr && i < res->n_reasons && i < CLASSIFY_MAX_REASONS; i++) {
		const struct classify_reason *r = &res->reasons[i];
		json_t *o = json_object();

		if (!o || wjson_set_text(o, "rule", r->rule) < 0 ||
		    wjson_set_text(o, "where", r->where) < 0 ||
		    wjson_set_text(o, "text", r->text) < 0 || json_array_append_new(arr, o) < 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *classify_result_json(const char *path, const struct classify_result *res)
{
	char hex[2 * sizeof(res->sha256) + 1];
	json_t *o = json_object();
	int r = o ? 0 : -1;

	hex_encode(res->sha256, sizeof(res->sha256), hex);
	r |= wjson_set_text(o, "path", path ? path : "");
	r |= wjson_set_text(o, "type", res->mime);
	r |= wjson_set_text(o, "level", level_name(res->level));
	r |= json_object_set_new(o, "declassified", json_boolean(res->declassified));
	r |= json_object_set_new(o, "uninspectable", json_boolean(res->uninspectable));
	if (res->uninspectable)
		r |= wjson_set_text(o, "uninspectable_reason", res->uninspectable_reason);
	r |= json_object_set_new(o, "pii", pii_array(res));
	r |= json_object_set_new(o, "reasons", reason_array(res));
	r |= wjson_set_text(o, "sha256", hex);
	r |= wjson_set_int(o, "size", (int64_t)res->size);
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void classify_result_write_json(FILE *out, const char *path, const struct classify_result *res)
{
	json_t *o = classify_result_json(path, res);

	if (o)
		json_dumpf(o, out, JSON_COMPACT);
	json_decref(o);
}
