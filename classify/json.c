/* classify_result_write_json: the line `wardctl classify --json` prints
 * and the agent journals. */
#include <inttypes.h>
#include <string.h>

#include "classify/classify.h"
#include "common/jsonw.h"
#include "common/util.h"

void classify_result_write_json(FILE *out, const char *path, const struct classify_result *res)
{
	char hex[2 * sizeof(res->sha256) + 1];
	bool first = true;

	fputc('{', out);
	json_write_key(out, &first, "path");
	json_write_cstr(out, path ? path : "");
	json_write_key(out, &first, "type");
	json_write_cstr(out, res->mime);
	json_write_key(out, &first, "level");
	json_write_cstr(out, level_name(res->level));
	json_write_key(out, &first, "declassified");
	fputs(res->declassified ? "true" : "false", out);
	json_write_key(out, &first, "uninspectable");
	fputs(res->uninspectable ? "true" : "false", out);
	if (res->uninspectable) {
		json_write_key(out, &first, "uninspectable_reason");
		json_write_cstr(out, res->uninspectable_reason);
	}

	json_write_key(out, &first, "pii");
	fputc('[', out);
	for (uint32_t i = 0; i < res->n_pii && i < CLASSIFY_MAX_PII; i++) {
		bool f = true;

		fputs(i ? ",{" : "{", out);
		json_write_key(out, &f, "type");
		json_write_cstr(out, res->pii[i].type);
		json_write_key(out, &f, "count");
		fprintf(out, "%" PRIu32, res->pii[i].count);
		fputc('}', out);
	}
	fputc(']', out);

	json_write_key(out, &first, "reasons");
	fputc('[', out);
	for (uint32_t i = 0; i < res->n_reasons && i < CLASSIFY_MAX_REASONS; i++) {
		const struct classify_reason *r = &res->reasons[i];
		bool f = true;

		fputs(i ? ",{" : "{", out);
		json_write_key(out, &f, "rule");
		json_write_cstr(out, r->rule);
		json_write_key(out, &f, "where");
		json_write_cstr(out, r->where);
		json_write_key(out, &f, "text");
		json_write_cstr(out, r->text);
		fputc('}', out);
	}
	fputc(']', out);

	hex_encode(res->sha256, sizeof(res->sha256), hex);
	json_write_key(out, &first, "sha256");
	json_write_cstr(out, hex);
	json_write_key(out, &first, "size");
	fprintf(out, "%" PRIu64, res->size);
	fputc('}', out);
}
