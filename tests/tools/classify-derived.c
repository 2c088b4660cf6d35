/* Which of the given documents the fingerprint check (classify/winnow.h)
 * would call derived from which marked one: every file is classified; each
 * one not marked is compared with each one marked.  Prints one line per
 * file (level, fingerprints) and one per derived pair, then the totals:
 *   classify-derived FILE...
 * The false-match measurement of the evasion suite runs it on the corpus,
 * the county's plan and public documents. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "classify/classify.h"
#include "classify/winnow.h"

int main(int argc, char **argv)
{
	struct classify_budget budget;
	const char *err = NULL;
	struct classify_ctx *ctx = classify_new(&err);
	struct classify_result *res = calloc((size_t)argc, sizeof(*res));
	unsigned marked = 0, plain = 0, pairs = 0, derived = 0;

	if (!ctx || !res) {
		fprintf(stderr, "classify-derived: %s\n", err ? err : "out of memory");
		return 2;
	}
	classify_budget_default(&budget);
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || classify_fd(ctx, fd, argv[i], &budget, &res[i]) < 0)
			res[i].uninspectable = true;
		if (fd >= 0)
			close(fd);
		printf("file %s level %s fingerprints %u shift %u\n", argv[i],
		       level_name(res[i].level), res[i].n_fingerprints, res[i].fingerprint_shift);
		if (res[i].level != WARD_LEVEL_NONE)
			marked++;
		else
			plain++;
	}
	for (int i = 1; i < argc; i++) {
		if (res[i].level != WARD_LEVEL_NONE)
			continue;
		for (int j = 1; j < argc; j++) {
			uint32_t shared;

			if (res[j].level == WARD_LEVEL_NONE)
				continue;
			pairs++;
			if (!winnow_derived(res[i].fingerprints, res[i].n_fingerprints,
					    res[i].fingerprint_shift, res[j].fingerprints,
					    res[j].n_fingerprints, res[j].fingerprint_shift,
					    &shared))
				continue;
			derived++;
			printf("derived %s from %s shared %u\n", argv[i], argv[j], shared);
		}
	}
	printf("marked %u unmarked %u pairs %u derived %u\n", marked, plain, pairs, derived);
	classify_free(ctx);
	free(res);
	return 0;
}
