/* The real classifier behind the scanner (kept apart from scanner.c so
 * tests of the sandbox machinery can run fake classifiers). */
#include "agent/scanner.h"
#include "common/log.h"

static void *classify_ops_init(const char **err)
{
	struct classify_ctx *ctx = classify_new(err);
	const char *why = NULL;

	/* Inside the sandbox nothing can be opened: the CJK font tables and
	 * the OCR language data are read now.  Without them the scanner still
	 * works; scanned paper is then reported uninspectable. */
	if (ctx != NULL && classify_preload(ctx, &why) < 0)
		log_warnx("scanner: %s", why);
	return ctx;
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
