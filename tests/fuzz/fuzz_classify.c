/* libFuzzer target for the whole classifier: any bytes, of any type
 * libmagic sees in them, must give a sane result within the budget, never
 * crash, leak or hang.  The budget is small so that a slow path shows as
 * a timeout rather than hiding behind a generous limit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classify_ctx *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify_budget budget;
	struct classify_result res;
	const char *err;

	if (!ctx && !(ctx = classify_new(&err)))
		abort();
	classify_budget_default(&budget);
	budget.max_input_bytes = 4u << 20;
	budget.max_expanded_bytes = 64u << 20;
	budget.max_millis = 1000;
	if (classify_buffer(ctx, data, size, "fuzz", &budget, &res) != 0)
		abort();
	if (!classify_result_sane(&res))
		__builtin_trap();
	/* The quick test may say "look" about anything, but never "clean"
	 * about bytes that hold a marking or personal data. */
	if (classify_quick_clean(data, size) && (res.level != WARD_LEVEL_NONE || res.n_pii > 0))
		__builtin_trap();
	return 0;
}
