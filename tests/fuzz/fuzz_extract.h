/* Shared by the per-format fuzz targets: runs one extractor directly on the
 * input (no libmagic in between, so every mutation reaches the parser),
 * through a real scan with a small budget, and checks the result is sane.
 * Uses the classifier core's private wiring (classify/core.h), as
 * classify_buffer does. */
#ifndef WARD_FUZZ_EXTRACT_H
#define WARD_FUZZ_EXTRACT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify/classify.h"
#include "classify/core.h"
#include "classify/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classify_ctx *fuzz_ctx;

static int fuzz_extract(int (*extract)(struct scan *, const void *, size_t), const uint8_t *data,
			size_t size)
{
	struct classify_budget budget;
	struct classify_result res = {0};
	struct scan_call call;
	struct scan s;
	const char *err;

	if (fuzz_ctx == NULL && (fuzz_ctx = classify_new(&err)) == NULL)
		abort();
	classify_budget_default(&budget);
	budget.max_input_bytes = 4u << 20;
	budget.max_expanded_bytes = 64u << 20;
	budget.max_millis = 2000;
	scan_call_init(&call, fuzz_ctx, &budget);
	scan_init(&s, &call, 0, "");
	(void)extract(&s, data, size);
	/* An extractor must leave no page open. */
	if (s.in_page)
		__builtin_trap();
	scan_finish(&s);
	scan_call_result(&call, &res);
	if (!classify_result_sane(&res))
		__builtin_trap();
	return 0;
}

#endif
