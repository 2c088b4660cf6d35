/* kmodfree-fan: drives kmod-free/fanotify from shell tests and measures it.
 *
 *   kmodfree-fan respond MOUNT allow|deny|ignore [--internal] [--ready FILE]
 *       Mark the filesystem at MOUNT (as a medium, or with --internal as an
 *       internal filesystem), answer every permission event (ignore: allow
 *       and add an ignore mark on the inode), print one line per event:
 *       "open PATH" or "close_write PATH".  Runs until SIGTERM/SIGINT.
 *       Writes the scope used ("filesystem" or "mount") to FILE when the
 *       marks are in place.
 *   kmodfree-fan bench FILE COUNT
 *       Open/close FILE COUNT times without a mark, then with its
 *       filesystem marked for FAN_OPEN_PERM and a responder thread that
 *       allows everything, then with an ignore mark on it.  Prints ns per
 *       open for each.
 *   kmodfree-fan bench-proc COUNT
 *       Cost of the per-event /proc work, COUNT times each, on a child that
 *       holds 32 files open (one for writing): procfd_scan() for writers
 *       and sources, for writers only, and fan_opener_read().  Prints µs
 *       per call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "kmod-free/fanotify.h"
#include "kmod-free/procfd.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int respond_loop(struct fan_group *g, int mode, atomic_bool *quit, bool print)
{
	uint64_t buf[FAN_READ_BUFSZ / sizeof(uint64_t)];
	pid_t self = getpid();

	while (!stop && !(quit && atomic_load(quit))) {
		struct pollfd p = {.fd = g->fd, .events = POLLIN};
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return 1;
		ssize_t n = fan_read(g, buf, sizeof(buf));
		if (n < 0) {
			fprintf(stderr, "kmodfree-fan: read: %s\n", strerror((int)-n));
			return 1;
		}
		struct fan_batch b;
		struct fan_event ev;
		fan_batch_init(&b, buf, (size_t)n);
		while (fan_batch_next(&b, &ev)) {
			char path[4096] = "";
			if (ev.fd < 0)
				continue;
			if (print)
				fan_fd_path(ev.fd, path, sizeof(path));
			if (fan_event_is_perm(&ev)) {
				enum fan_verdict v = FAN_VERDICT_ALLOW;
				if (mode == 'd' && ev.pid != self)
					v = FAN_VERDICT_DENY;
				if (mode == 'i') {
					int r = fan_ignore_inode(g, ev.fd, 0);
					if (r < 0)
						fprintf(stderr, "kmodfree-fan: ignore %s: %s\n",
							path, strerror(-r));
				}
				fan_respond(g, ev.fd, v, false);
				if (print)
					printf("open %s\n", path);
			} else if (fan_event_is_close_write(&ev) && print) {
				printf("close_write %s\n", path);
			}
			if (print)
				fflush(stdout);
			close(ev.fd);
		}
		if (b.error)
			fprintf(stderr, "kmodfree-fan: malformed event batch\n");
	}
	return 0;
}

struct printer {
	struct fan_group g;
	atomic_bool quit;
};

/* Prints what the landing group reports (close_write). */
static void *printer_main(void *arg)
{
	struct printer *p = arg;

	respond_loop(&p->g, 'a', &p->quit, true);
	return NULL;
}

static int cmd_respond(int argc, char **argv)
{
	const char *mount, *ready = NULL;
	bool internal = false;
	int mode;
	struct fan_group g;
	struct printer landing = {.g = {.fd = -1}};
	pthread_t landing_thread;
	enum fan_scope scope = FAN_SCOPE_FILESYSTEM, landing_scope;
	int r;

	if (argc < 4)
		return 2;
	mount = argv[2];
	mode = argv[3][0];
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--internal") == 0)
			internal = true;
		else if (strcmp(argv[i], "--ready") == 0 && i + 1 < argc)
			ready = argv[++i];
		else
			return 2;
	}
	r = fan_group_open(&g);
	if (r < 0) {
		fprintf(stderr, "kmodfree-fan: fanotify group: %s\n", strerror(-r));
		return 1;
	}
	r = internal ? fan_mark_internal(&g, mount) : fan_mark_medium(&g, mount, &scope);
	/* A medium's writes come through a notification group of their own. */
	if (r == 0 && !internal) {
		r = fan_landing_group_open(&landing.g);
		if (r == 0)
			r = fan_mark_landing(&landing.g, mount, &landing_scope);
		if (r == 0 && pthread_create(&landing_thread, NULL, printer_main, &landing) != 0)
			r = -EAGAIN;
	}
	if (r < 0) {
		fprintf(stderr, "kmodfree-fan: mark %s: %s\n", mount, strerror(-r));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (!f)
			return 1;
		fprintf(f, "%s caps=%#x\n", scope == FAN_SCOPE_FILESYSTEM ? "filesystem" : "mount",
			g.caps);
		fclose(f);
	}
	r = respond_loop(&g, mode, NULL, true);
	if (internal) {
		fan_unmark_internal(&g, mount);
	} else {
		atomic_store(&landing.quit, true);
		pthread_join(landing_thread, NULL);
		fan_unmark_landing(&landing.g, mount, landing_scope);
		fan_group_close(&landing.g);
		fan_unmark_medium(&g, mount, scope);
	}
	fan_group_close(&g);
	return r;
}

struct responder {
	struct fan_group *g;
	atomic_bool quit;
};

static void *responder_main(void *arg)
{
	struct responder *r = arg;
	respond_loop(r->g, 'a', &r->quit, false);
	return NULL;
}

/* CPU time of the whole process (opener and responder threads): what the
 * work costs the machine, whatever else runs on it. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double last_cpu_ns; /* CPU ns per open of the last time_opens() */

static double time_opens(const char *file, long count)
{
	uint64_t c0 = cpu_ns();
	uint64_t t0 = monotonic_ns();
	for (long i = 0; i < count; i++) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(file);
			exit(1);
		}
		close(fd);
	}
	double wall = (double)(monotonic_ns() - t0) / (double)count;
	last_cpu_ns = (double)(cpu_ns() - c0) / (double)count;
	return wall;
}

/* The responder must not answer the timed opens as "self": they come from
 * this process, and the kernel does generate events for them. */
static int cmd_bench(int argc, char **argv)
{
	struct fan_group g;
	struct responder resp;
	pthread_t th;
	long count;
	int r;

	if (argc != 4)
		return 2;
	count = strtol(argv[3], NULL, 10);
	double bare = time_opens(argv[2], count);
	double bare_cpu = last_cpu_ns;

	r = fan_group_open(&g);
	if (r < 0 || (r = fan_mark_internal(&g, argv[2])) < 0) {
		fprintf(stderr, "kmodfree-fan: %s\n", strerror(-r));
		return 1;
	}
	resp.g = &g;
	atomic_init(&resp.quit, false);
	pthread_create(&th, NULL, responder_main, &resp);
	double marked = time_opens(argv[2], count);
	double marked_cpu = last_cpu_ns;

	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : fan_ignore_inode(&g, fd, 0);
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		fprintf(stderr, "kmodfree-fan: ignore: %s\n", strerror(-r));
		return 1;
	}
	double ignored = time_opens(argv[2], count);
	double ignored_cpu = last_cpu_ns;
	atomic_store(&resp.quit, true);
	pthread_join(th, NULL);
	fan_group_close(&g);
	printf("opens=%ld bare_ns=%.0f marked_ns=%.0f ignored_ns=%.0f round_trip_ns=%.0f "
	       "bare_cpu_ns=%.0f marked_cpu_ns=%.0f ignored_cpu_ns=%.0f\n",
	       count, bare, marked, ignored, marked - bare, bare_cpu, marked_cpu, ignored_cpu);
	return 0;
}

static int cmd_bench_proc(int argc, char **argv)
{
	int go[2];
	long count;
	pid_t child;
	struct stat st;

	if (argc != 3 || pipe(go) != 0 || stat("/tmp", &st) != 0)
		return 2;
	count = strtol(argv[2], NULL, 10);
	child = fork();
	if (child == 0) {
		char c;
		for (int i = 0; i < 31; i++)
			open("/etc/passwd", O_RDONLY);
		open("/tmp/kmodfree-bench-proc.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);
	}
	usleep(100000);
	struct procfd_query q = {
	    .media_devs = &st.st_dev,
	    .n_media_devs = 1,
	    .want = PROCFD_MEDIA_WRITER | PROCFD_SOURCE,
	    .skip_fd = -1,
	};
	struct procfd_file found[64];
	size_t n = 0;
	uint64_t c0 = cpu_ns();
	uint64_t t0 = monotonic_ns();
	for (long i = 0; i < count; i++)
		if (procfd_scan(child, &q, found, 64, &n, NULL) < 0)
			return 1;
	double scan = (double)(monotonic_ns() - t0) / (double)count / 1000.0;
	double scan_cpu = (double)(cpu_ns() - c0) / (double)count / 1000.0;
	/* The source side's question only: writers on media. */
	q.want = PROCFD_MEDIA_WRITER;
	c0 = cpu_ns();
	t0 = monotonic_ns();
	for (long i = 0; i < count; i++)
		if (procfd_scan(child, &q, found, 64, &n, NULL) < 0)
			return 1;
	double scan_writers = (double)(monotonic_ns() - t0) / (double)count / 1000.0;
	double scan_writers_cpu = (double)(cpu_ns() - c0) / (double)count / 1000.0;
	struct fan_opener o;
	c0 = cpu_ns();
	t0 = monotonic_ns();
	for (long i = 0; i < count; i++)
		if (fan_opener_read(child, &o) < 0)
			return 1;
	double opener = (double)(monotonic_ns() - t0) / (double)count / 1000.0;
	double opener_cpu = (double)(cpu_ns() - c0) / (double)count / 1000.0;
	c0 = cpu_ns();
	for (long i = 0; i < count; i++)
		if (procfd_ppid(child) < 0)
			return 1;
	double ppid_cpu = (double)(cpu_ns() - c0) / (double)count / 1000.0;
	close(go[1]);
	waitpid(child, NULL, 0);
	unlink("/tmp/kmodfree-bench-proc.out");
	printf(
	    "calls=%ld procfd_scan_us=%.1f procfd_scan_writers_us=%.1f fan_opener_read_us=%.1f "
	    "procfd_scan_cpu_us=%.1f procfd_scan_writers_cpu_us=%.1f fan_opener_read_cpu_us=%.1f "
	    "procfd_ppid_cpu_us=%.1f\n",
	    count, scan, scan_writers, opener, scan_cpu, scan_writers_cpu, opener_cpu, ppid_cpu);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "bench-proc") == 0)
		return cmd_bench_proc(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "respond") == 0)
		return cmd_respond(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc, argv);
	fprintf(stderr, "usage: kmodfree-fan respond MOUNT allow|deny|ignore [--internal] "
			"[--ready FILE]\n       kmodfree-fan bench FILE COUNT\n");
	return 2;
}
