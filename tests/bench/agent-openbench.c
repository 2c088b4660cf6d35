/* Workloads for tests/bench/agent.sh (built by it into build/bench/):
 *   agent-openbench create DIR N BYTES   N small unmarked text files
 *   agent-openbench open DIR N           open/read/close each; prints ns per file
 *   agent-openbench eperm-dest SRC DSTDIR N
 *       holds SRC open for reading, then N times opens DSTDIR/copy-I for
 *       writing (as cp does): prints median and p99 of open() -> EPERM in us
 *   agent-openbench eperm-src SRC DSTFILE N
 *       holds DSTFILE open for writing, then N times opens SRC (as
 *       `cat SRC > DSTFILE` does): the same figures
 *   (either with a last argument INTERVAL_MS: that long between opens,
 *   to sample the latency while something else runs)
 *   agent-openbench spin SECONDS
 *       a CPU-bound job: prints the nanoseconds of CPU-free work done in
 *       that much wall time, i.e. how much a job got done
 * Exit status 1 when an open that should fail with EPERM did not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int create(const char *dir, long n, long bytes)
{
	char path[4096], *buf = malloc((size_t)bytes);

	for (long i = 0; i < bytes; i++)
		buf[i] = "weekly minutes, nothing classified here. "[i % 42];
	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%06ld.txt", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, buf, (size_t)bytes) != bytes) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	free(buf);
	return 0;
}

static int open_all(const char *dir, long n)
{
	char path[4096], buf[8192];
	uint64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%06ld.txt", dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	printf("%.0f\n", (double)(now_ns() - t0) / (double)n);
	return 0;
}

static int eperm(const char *mode, const char *src, const char *dst, long n, long interval_ms)
{
	uint64_t *lat = NULL;
	int held, wrong = 0;
	char path[4096];

	if (n <= 0 || !(lat = calloc((size_t)n, sizeof(*lat)))) {
		fprintf(stderr, "eperm: need a positive count that fits in memory\n");
		return 2;
	}
	if (strcmp(mode, "eperm-dest") == 0)
		held = open(src, O_RDONLY);
	else
		held = open(dst, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (held < 0) {
		perror("holding open");
		free(lat);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		uint64_t t0;
		int fd;

		if (strcmp(mode, "eperm-dest") == 0)
			snprintf(path, sizeof(path), "%s/copy-%ld.odt", dst, i);
		t0 = now_ns();
		if (strcmp(mode, "eperm-dest") == 0)
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		else
			fd = open(src, O_RDONLY);
		lat[i] = now_ns() - t0;
		if (fd >= 0 || errno != EPERM) {
			wrong++;
			if (fd >= 0)
				close(fd);
		}
		if (interval_ms > 0)
			usleep((useconds_t)interval_ms * 1000);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("%.1f %.1f %d\n", (double)lat[n / 2] / 1000.0, (double)lat[(n * 99) / 100] / 1000.0,
	       wrong);
	close(held);
	free(lat);
	return wrong ? 1 : 0;
}

/* Rounds of a small mixing loop done in `seconds` of wall time: fewer
 * when something else takes the CPU. */
static int spin(double seconds)
{
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), rounds = 0;
	volatile uint64_t x = 88172645463325252ull;

	while (now_ns() < end) {
		for (int i = 0; i < 100000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		rounds++;
	}
	printf("%llu\n", (unsigned long long)rounds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "create") == 0)
		return create(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && strcmp(argv[1], "open") == 0)
		return open_all(argv[2], atol(argv[3]));
	if ((argc == 5 || argc == 6) && strncmp(argv[1], "eperm-", 6) == 0)
		return eperm(argv[1], argv[2], argv[3], atol(argv[4]),
			     argc == 6 ? atol(argv[5]) : 0);
	if (argc == 3 && strcmp(argv[1], "spin") == 0)
		return spin(atof(argv[2]));
	fprintf(stderr, "usage: see the comment at the top of agent-openbench.c\n");
	return 2;
}
