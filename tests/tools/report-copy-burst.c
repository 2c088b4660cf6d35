/* report-copy-burst: a burst of copies onto a stick, the way cp does them
 * (the source held open, then the destination created), from T threads:
 *   report-copy-burst SRC DESTDIR COUNT THREADS OUT
 * Copy i goes to DESTDIR/c<i>.odt.  Every copy refused with EPERM (a
 * denial the user saw) is a line "denied <i> <path>" in OUT, written as it
 * happens.  Prints "denied N allowed N failed N". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct burst {
	const char *src, *dir;
	unsigned count, threads;
	FILE *out;
	pthread_mutex_t lock;
	unsigned denied, allowed, failed;
};

struct worker {
	struct burst *b;
	unsigned first;
};

static void one_copy(struct burst *b, unsigned i)
{
	char path[4096], buf[512]; /* what is written: the open is what is decided */
	ssize_t n;
	int src = open(b->src, O_RDONLY | O_CLOEXEC), dst;

	if (src < 0) {
		pthread_mutex_lock(&b->lock);
		b->failed++;
		pthread_mutex_unlock(&b->lock);
		return;
	}
	n = read(src, buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/c%u.odt", b->dir, i);
	dst = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pthread_mutex_lock(&b->lock);
	if (dst < 0 && errno == EPERM) {
		b->denied++;
		fprintf(b->out, "denied %u %s\n", i, path);
		fflush(b->out);
	} else if (dst >= 0 && n >= 0 && write(dst, buf, (size_t)n) == n) {
		b->allowed++;
	} else {
		b->failed++;
	}
	pthread_mutex_unlock(&b->lock);
	if (dst >= 0)
		close(dst);
	close(src);
}

static void *run(void *arg)
{
	struct worker *w = arg;

	for (unsigned i = w->first; i < w->b->count; i += w->b->threads)
		one_copy(w->b, i);
	return NULL;
}

int main(int argc, char **argv)
{
	struct burst b = {0};
	struct worker w[64];
	pthread_t t[64];

	if (argc != 6 || (b.count = (unsigned)atoi(argv[3])) == 0 ||
	    (b.threads = (unsigned)atoi(argv[4])) == 0 || b.threads > 64) {
		fprintf(stderr, "usage: report-copy-burst SRC DESTDIR COUNT THREADS(1..64) OUT\n");
		return 2;
	}
	b.src = argv[1];
	b.dir = argv[2];
	b.out = fopen(argv[5], "we");
	if (!b.out) {
		perror(argv[5]);
		return 2;
	}
	pthread_mutex_init(&b.lock, NULL);
	unsigned started = 0;
	for (; started < b.threads; started++) {
		w[started] = (struct worker){&b, started};
		if ((errno = pthread_create(&t[started], NULL, run, &w[started])) != 0) {
			perror("pthread_create");
			break;
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (fclose(b.out) != 0 || started < b.threads) {
		perror(argv[5]);
		return 1;
	}
	printf("denied %u allowed %u failed %u\n", b.denied, b.allowed, b.failed);
	return 0;
}
