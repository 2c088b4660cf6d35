/* What the classifier's unit tests share: one classifier for the program
 * (setup/teardown as cmocka group fixtures), classifying a buffer with the
 * result checked for sanity, and looking up a reason or a personal-data
 * count.  Include after cmocka.h. */
#ifndef WARD_TESTS_CLASSIFY_TEST_H
#define WARD_TESTS_CLASSIFY_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "classify/classify.h"

static struct classify_ctx *ctx;

static inline int setup(void **state)
{
	const char *err = NULL;

	(void)state;
	ctx = classify_new(&err);
	if (!ctx)
		fprintf(stderr, "classify_new: %s\n", err);
	return ctx ? 0 : -1;
}

static inline int teardown(void **state)
{
	(void)state;
	classify_free(ctx);
	return 0;
}

static inline void classify_mem(const void *data, size_t len, struct classify_result *res)
{
	assert_int_equal(classify_buffer(ctx, data, len, "t.txt", NULL, res), 0);
	assert_true(classify_result_sane(res));
}

static inline enum ward_level level_of(const char *text)
{
	struct classify_result res;

	classify_mem(text, strlen(text), &res);
	return res.level;
}

static inline const struct classify_reason *reason(const struct classify_result *res,
						   const char *rule)
{
	for (uint32_t i = 0; i < res->n_reasons; i++) {
		if (strcmp(res->reasons[i].rule, rule) == 0)
			return &res->reasons[i];
	}
	return NULL;
}

static inline uint32_t pii_count(const struct classify_result *res, const char *type)
{
	for (uint32_t i = 0; i < res->n_pii; i++) {
		if (strcmp(res->pii[i].type, type) == 0)
			return res->pii[i].count;
	}
	return 0;
}

#endif
