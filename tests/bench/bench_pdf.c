/* bench_pdf: the PDF extractor's two readers on the same files, in
 * memory, single-threaded: the content-stream reader (what extract_pdf
 * does) and poppler's layout text for every page (what it did before and
 * still does for what the reader leaves), each through a real scan.
 *
 *   bench_pdf [-r REPEAT] FILE...
 *
 * One line per file: file  pages  reader-ms  poppler-ms  ratio  level
 * reader-cpu-ms  poppler-cpu-ms, each time the least of REPEAT runs after
 * one warm-up (CPU time of this thread: on a busy machine the steadier
 * figure). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classify/classify.h"
#include "classify/core.h"
#include "classify/extract.h"
#include "classify/pdfpoppler.h"
#include "common/util.h"

static void *load(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *data;

	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(1);
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (data == NULL || read_full(fd, data, (size_t)st.st_size) != st.st_size) {
		fprintf(stderr, "bench_pdf: %s: cannot read it whole\n", path);
		exit(1);
	}
	close(fd);
	*len = (size_t)st.st_size;
	return data;
}

static int poppler_pages(struct scan *s, const void *data, size_t len)
{
	struct pdf_poppler *p = pdf_poppler_open(s, data, len);
	int n = p != NULL ? pdf_poppler_pages(p) : 0;

	for (int i = 0; i < n; i++)
		pdf_poppler_page(s, p, i, "page");
	pdf_poppler_close(p);
	return n;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One run: wall ns (and CPU ns in *cpu), the level and pages found. */
static uint64_t one(struct classify_ctx *ctx, const struct classify_budget *budget, bool poppler,
		    const void *data, size_t len, enum ward_level *level, int *pages, uint64_t *cpu)
{
	struct classify_result res;
	struct scan_call call;
	struct scan s;
	uint64_t t0 = monotonic_ns(), c0 = thread_cpu_ns();

	scan_call_init(&call, ctx, budget);
	scan_init(&s, &call, 0, "");
	if (poppler)
		*pages = poppler_pages(&s, data, len);
	else
		extract_pdf(&s, data, len);
	scan_finish(&s);
	scan_call_result(&call, &res);
	*level = res.level;
	*cpu = thread_cpu_ns() - c0;
	return monotonic_ns() - t0;
}

int main(int argc, char **argv)
{
	struct classify_budget budget;
	const char *err = NULL;
	unsigned repeat = 5;
	int c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' || atoi(optarg) <= 0) {
			fprintf(stderr, "usage: bench_pdf [-r REPEAT] FILE...\n");
			return 2;
		}
		repeat = (unsigned)atoi(optarg);
	}
	struct classify_ctx *ctx = classify_new(&err);
	if (ctx == NULL) {
		fprintf(stderr, "bench_pdf: %s\n", err);
		return 1;
	}
	classify_budget_default(&budget);
	budget.max_millis = 600000; /* measure the work, not the cut-off */
	printf("file\tpages\treader-ms\tpoppler-ms\tratio\tlevel\treader-cpu-ms\tpoppler-cpu-ms\n");
	for (int i = optind; i < argc; i++) {
		size_t len;
		void *data = load(argv[i], &len);
		uint64_t best[2] = {UINT64_MAX, UINT64_MAX}, best_cpu[2] = {UINT64_MAX, UINT64_MAX};
		enum ward_level level[2];
		int pages = 0;

		for (int which = 0; which < 2; which++)
			for (unsigned r = 0; r <= repeat; r++) {
				uint64_t cpu, ns = one(ctx, &budget, which == 1, data, len,
						       &level[which], &pages, &cpu);

				if (r > 0 && ns < best[which])
					best[which] = ns;
				if (r > 0 && cpu < best_cpu[which])
					best_cpu[which] = cpu;
			}
		printf("%s\t%d\t%.2f\t%.2f\t%.1f\t%s%s\t%.2f\t%.2f\n", argv[i], pages,
		       (double)best[0] / 1e6, (double)best[1] / 1e6,
		       (double)best[1] / (double)best[0], level_name(level[0]),
		       level[0] == level[1] ? "" : " (poppler differs)", (double)best_cpu[0] / 1e6,
		       (double)best_cpu[1] / 1e6);
		free(data);
	}
	classify_free(ctx);
	return 0;
}
