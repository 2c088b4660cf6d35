/* The real classifier behind the scanner (kept apart from scanner.c so
 * tests of the sandbox machinery can run fake classifiers). */
#include "agent/scanner.h"

static void *classify_ops_init(const char **err)
{
	return classify_new(err);
}

static int classify_ops_classify(void *ctx, int fd, const char *name_hint,
				 const struct classify_budget *budget, struct classify_result *out)
{
	return classify_fd(ctx, fd, name_hint, budget, out);
}

const struct scanner_ops scanner_classify_ops = {
    .init = classify_ops_init,
    .classify = classify_ops_classify,
    .sane = classify_result_sane,
};
