/* bench_classify: how fast the classifier decides, on files already in
 * memory (so disk and page cache do not blur the figure), single-threaded.
 *
 *   bench_classify [-r REPEAT] FILE...
 *
 * For each file: one warm-up call, then REPEAT timed calls of
 * classify_buffer; prints one tab-separated line per file
 *   file  bytes  ms-per-decision  MB/s  sha256-MB/s  scan-MB/s  level
 * where sha256-MB/s is the hash alone on the same bytes and scan-MB/s the
 * rest of the work (classify time minus hash time), then a TOTAL line over
 * all files.  MB is 10^6 bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify/classify.h"
#include "common/util.h"

static void *load(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *data;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "bench_classify: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data || read_full(fd, data, (size_t)st.st_size) != st.st_size) {
		fprintf(stderr, "bench_classify: %s: cannot read it whole\n", path);
		exit(1);
	}
	close(fd);
	*len = (size_t)st.st_size;
	return data;
}

static double mb_per_s(double bytes, uint64_t ns)
{
	return ns ? bytes / 1e6 / ((double)ns / 1e9) : 0;
}

int main(int argc, char **argv)
{
	struct classify_budget budget;
	struct classify_ctx *ctx;
	const char *err = NULL;
	unsigned repeat = 5;
	uint64_t all_bytes = 0, all_ns = 0, all_hash_ns = 0;
	int c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c == 'r' && atoi(optarg) > 0) {
			repeat = (unsigned)atoi(optarg);
		} else {
			fprintf(stderr, "usage: bench_classify [-r REPEAT] FILE...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bench_classify [-r REPEAT] FILE...\n");
		return 2;
	}
	ctx = classify_new(&err);
	if (!ctx) {
		fprintf(stderr, "bench_classify: %s\n", err);
		return 1;
	}
	classify_budget_default(&budget);
	budget.max_millis = 600000; /* measure the work, not the cut-off */
	budget.max_input_bytes = 1ull << 34;

	printf("file\tbytes\tms\tMB/s\tsha256-MB/s\tscan-MB/s\tlevel\n");
	for (int i = optind; i < argc; i++) {
		size_t len;
		void *data = load(argv[i], &len);
		struct classify_result res;
		unsigned char digest[32];
		unsigned int dlen;
		uint64_t t0, ns, hash_ns;

		if (classify_buffer(ctx, data, len, argv[i], &budget, &res) < 0) {
			fprintf(stderr, "bench_classify: %s: classify failed\n", argv[i]);
			return 1;
		}
		t0 = monotonic_ns();
		for (unsigned r = 0; r < repeat; r++)
			classify_buffer(ctx, data, len, argv[i], &budget, &res);
		ns = (monotonic_ns() - t0) / repeat;
		t0 = monotonic_ns();
		for (unsigned r = 0; r < repeat; r++)
			EVP_Digest(data, len, digest, &dlen, EVP_sha256(), NULL);
		hash_ns = (monotonic_ns() - t0) / repeat;

		printf("%s\t%zu\t%.3f\t%.0f\t%.0f\t%.0f\t%s%s\n", argv[i], len, (double)ns / 1e6,
		       mb_per_s((double)len, ns), mb_per_s((double)len, hash_ns),
		       mb_per_s((double)len, ns > hash_ns ? ns - hash_ns : 1),
		       level_name(res.level), res.uninspectable ? " (uninspectable)" : "");
		all_bytes += len;
		all_ns += ns;
		all_hash_ns += hash_ns;
		free(data);
	}
	printf("TOTAL\t%llu\t%.3f\t%.0f\t%.0f\t%.0f\t-\n", (unsigned long long)all_bytes,
	       (double)all_ns / 1e6, mb_per_s((double)all_bytes, all_ns),
	       mb_per_s((double)all_bytes, all_hash_ns),
	       mb_per_s((double)all_bytes, all_ns > all_hash_ns ? all_ns - all_hash_ns : 1));
	classify_free(ctx);
	return 0;
}
