/* notify-open: one denied copy, timed, for tests/bench/notify.sh.  Holds
 * SRC open for reading (as cp does), then opens DST for writing and
 * expects EPERM from wardd.  Prints the wall-clock instant just before the
 * open (seconds, microseconds: what dbus-monitor's time= is compared with)
 * and how long the open took, in microseconds:
 *
 *   notify-open SRC DST   ->   "1643076000.123456 812"
 *
 * Exit: 0 denied with EPERM, 1 anything else. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec wall, t0, t1;
	int src, dst;

	if (argc != 3) {
		fprintf(stderr, "usage: notify-open SRC DST\n");
		return 1;
	}
	src = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		fprintf(stderr, "notify-open: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dst = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (dst >= 0 || errno != EPERM) {
		fprintf(stderr, "notify-open: %s: %s\n", argv[2],
			dst >= 0 ? "opened (not denied)" : strerror(errno));
		return 1;
	}
	printf("%lld.%06ld %lld\n", (long long)wall.tv_sec, wall.tv_nsec / 1000,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000));
	close(src);
	return 0;
}
