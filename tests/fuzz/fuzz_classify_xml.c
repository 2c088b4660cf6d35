/* libFuzzer target for the XML-family extractors, archives and e-mail,
 * called directly (not through libmagic, so a mutation stays in the
 * format): the first byte picks the extractor, the rest is its input.
 * Every extractor must end within the budget and leave the scan
 * consistent, whatever the bytes.  Seeds: tests/fuzz/corpus/fuzz_classify_xml/
 * (the selector byte, then a sample from tests/corpus/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify/classify.h"
#include "classify/core.h"
#include "classify/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classify_ctx *ctx;

static int (*const extractors[])(struct scan *, const void *, size_t) = {
    extract_di_xml, extract_odf, extract_ooxml, extract_html, extract_archive, extract_eml,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify_budget budget;
	struct classify_result res;
	struct scan_call call;
	struct scan s;
	const char *err;

	if (size < 1)
		return 0;
	if (!ctx && !(ctx = classify_new(&err)))
		abort();
	classify_budget_default(&budget);
	budget.max_input_bytes = 4u << 20;
	budget.max_expanded_bytes = 64u << 20;
	budget.max_millis = 1000;
	scan_call_init(&call, ctx, &budget);
	scan_init(&s, &call, 0, "");
	extractors[data[0] % (sizeof(extractors) / sizeof(extractors[0]))](&s, data + 1, size - 1);
	scan_finish(&s);
	scan_call_result(&call, &res);
	if (!classify_result_sane(&res))
		__builtin_trap();
	return 0;
}
