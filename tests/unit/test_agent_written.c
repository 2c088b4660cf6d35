#define _GNU_SOURCE
/* The stream of written files (agent/written.c) without fanotify: events
 * are fed to written_dispatch() with descriptors of real files, as the
 * stream's thread would.  Every subscriber sees every regular file once,
 * with its stat; wardd's own writes, directories and close-without-write
 * events are not told; an event without a descriptor is "lost" to every
 * subscriber; every descriptor is closed exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/written.h"

struct seen {
	int files, lost;
	ino_t last_ino;
	off_t last_size;
	pid_t last_pid;
	bool fd_was_open;
};

static void on_written(void *arg, const struct written_file *f)
{
	struct seen *s = arg;

	s->files++;
	s->last_ino = f->st->st_ino;
	s->last_size = f->st->st_size;
	s->last_pid = f->pid;
	s->fd_was_open = fcntl(f->fd, F_GETFD) >= 0;
}

static void on_lost(void *arg)
{
	((struct seen *)arg)->lost++;
}

struct world {
	char dir[64];
	char file[96];
	struct written *w;
	struct seen a, b;
};

static int setup(void **state)
{
	struct world *wd = calloc(1, sizeof(*wd));
	struct written_subscriber sa = {"a", on_written, on_lost, &wd->a};
	struct written_subscriber sb = {"b", on_written, NULL, &wd->b};
	FILE *f;

	strcpy(wd->dir, "/tmp/ward-written-XXXXXX");
	assert_non_null(mkdtemp(wd->dir));
	snprintf(wd->file, sizeof(wd->file), "%s/memo.txt", wd->dir);
	f = fopen(wd->file, "w");
	assert_non_null(f);
	fputs("weekly minutes\n", f);
	fclose(f);
	assert_int_equal(written_new(4242, &wd->w), 0);
	assert_int_equal(written_subscribe(wd->w, &sa), 0);
	assert_int_equal(written_subscribe(wd->w, &sb), 0);
	*state = wd;
	return 0;
}

static int teardown(void **state)
{
	struct world *wd = *state;

	written_free(wd->w);
	unlink(wd->file);
	rmdir(wd->dir);
	free(wd);
	return 0;
}

/* The fd, and whether dispatch closed it (it owns it). */
static int feed(struct world *wd, const char *path, pid_t pid, uint64_t mask)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct fan_event ev = {.fd = fd, .pid = pid, .mask = mask};

	assert_true(fd >= 0);
	written_dispatch(wd->w, &ev);
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static void regular_file_reaches_every_subscriber(void **state)
{
	struct world *wd = *state;
	struct stat st;
	struct written_stats ws;

	assert_int_equal(stat(wd->file, &st), 0);
	assert_true(feed(wd, wd->file, 1000, FAN_CLOSE_WRITE));
	assert_int_equal(wd->a.files, 1);
	assert_int_equal(wd->b.files, 1);
	assert_int_equal(wd->a.last_ino, st.st_ino);
	assert_int_equal(wd->a.last_size, st.st_size);
	assert_int_equal(wd->b.last_pid, 1000);
	assert_true(wd->a.fd_was_open);
	written_get_stats(wd->w, &ws);
	assert_int_equal(ws.events, 1);
	assert_int_equal(ws.files, 1);
	assert_int_equal(ws.own, 0);
}

static void own_writes_are_not_told(void **state)
{
	struct world *wd = *state;
	struct written_stats ws;

	assert_true(feed(wd, wd->file, 4242, FAN_CLOSE_WRITE));
	assert_int_equal(wd->a.files, 0);
	assert_int_equal(wd->b.files, 0);
	written_get_stats(wd->w, &ws);
	assert_int_equal(ws.own, 1);
}

static void directories_and_other_events_are_not_told(void **state)
{
	struct world *wd = *state;

	assert_true(feed(wd, wd->dir, 1000, FAN_CLOSE_WRITE));
	assert_true(feed(wd, wd->file, 1000, FAN_CLOSE_NOWRITE));
	assert_int_equal(wd->a.files, 0);
	assert_int_equal(wd->b.files, 0);
}

static void an_event_without_descriptor_is_lost_to_all(void **state)
{
	struct world *wd = *state;
	struct fan_event ev = {.fd = -1, .pid = 0, .mask = FAN_Q_OVERFLOW};
	struct written_stats ws;

	written_dispatch(wd->w, &ev);
	assert_int_equal(wd->a.lost, 1);
	assert_int_equal(wd->a.files, 0);
	written_get_stats(wd->w, &ws);
	assert_int_equal(ws.lost, 1);
}

static void subscribers_are_bounded(void **state)
{
	struct world *wd = *state;
	struct written_subscriber s = {"more", on_written, NULL, &wd->a};
	int r = 0, n = 0;

	while ((r = written_subscribe(wd->w, &s)) == 0)
		n++;
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(n + 2, WRITTEN_MAX_SUBSCRIBERS);
}

static void nothing_is_watched_without_a_group(void **state)
{
	struct world *wd = *state;
	struct stat st;
	uint64_t fsid = 0;

	assert_int_equal(stat(wd->dir, &st), 0);
	assert_int_equal(written_watch(wd->w, st.st_dev, "/"), -EBADF);
	assert_false(written_watches(wd->w, st.st_dev));
	assert_false(written_fsid(wd->w, st.st_dev, &fsid));
	written_unwatch(wd->w, st.st_dev); /* not watched: nothing to do */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(regular_file_reaches_every_subscriber, setup, teardown),
	    cmocka_unit_test_setup_teardown(own_writes_are_not_told, setup, teardown),
	    cmocka_unit_test_setup_teardown(directories_and_other_events_are_not_told, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(an_event_without_descriptor_is_lost_to_all, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(subscribers_are_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(nothing_is_watched_without_a_group, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
