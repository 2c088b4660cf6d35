/* agent/policywatch.c: a saved .rules file is reported once the directory
 * has settled, unless a reload read it first; other files, and a policy
 * that is one file, are not. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/policywatch.h"
#include "common/util.h"

struct dir {
	char path[64];
};

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* What the watch reports within ms, as wardd's loop would see it. */
static bool changed_within(struct policy_watch *w, int ms)
{
	uint64_t end = monotonic_ms() + (uint64_t)ms;

	while (monotonic_ms() < end) {
		struct pollfd pfd = {w->fd, POLLIN, 0};
		int timeout = policy_watch_timeout_ms(w);

		if (timeout < 0 || timeout > 50)
			timeout = 50;
		if (poll(&pfd, 1, timeout) > 0)
			policy_watch_read(w);
		if (policy_watch_due(w))
			return true;
	}
	return false;
}

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/ward-policywatch-XXXXXX");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void saved_rules_reported_once_settled(void **state)
{
	struct dir *d = *state;
	struct policy_watch w;
	uint64_t start;

	assert_int_equal(policy_watch_open(&w, d->path), 0);
	assert_true(w.fd >= 0);
	assert_int_equal(policy_watch_timeout_ms(&w), -1);
	assert_false(changed_within(&w, 100));

	start = monotonic_ms();
	write_text(d->path, "50-copy.rules", "copy allow *\n");
	assert_true(changed_within(&w, 3000));
	assert_true(monotonic_ms() - start >= POLICY_WATCH_SETTLE_MS);
	/* Reported once. */
	assert_false(policy_watch_due(&w));
	assert_int_equal(policy_watch_timeout_ms(&w), -1);
	policy_watch_close(&w);
	assert_int_equal(w.fd, -1);
}

static void a_burst_is_one_change(void **state)
{
	struct dir *d = *state;
	struct policy_watch w;
	char from[256], to[256];
	int reports = 0;

	assert_int_equal(policy_watch_open(&w, d->path), 0);
	/* An editor's temporary file renamed over the old one, then a second
	 * file, as one save. */
	write_text(d->path, ".50-copy.rules.swp", "copy block *\n");
	snprintf(from, sizeof(from), "%s/.50-copy.rules.swp", d->path);
	snprintf(to, sizeof(to), "%s/50-copy.rules", d->path);
	assert_int_equal(rename(from, to), 0);
	write_text(d->path, "00-settings.rules", "deadline 1s\n");
	while (changed_within(&w, 1500))
		reports++;
	assert_int_equal(reports, 1);
	/* A deletion counts too. */
	assert_int_equal(unlink(to), 0);
	assert_true(changed_within(&w, 3000));
	policy_watch_close(&w);
}

/* A reload that reads the directory after a save (systemctl reload right
 * after an edit) has that save in it: no second reload for it. */
static void a_reload_covers_the_saves_before_it(void **state)
{
	struct dir *d = *state;
	struct policy_watch w;

	assert_int_equal(policy_watch_open(&w, d->path), 0);
	write_text(d->path, "50-copy.rules", "copy allow *\n");
	policy_watch_covered(&w);
	assert_int_equal(policy_watch_timeout_ms(&w), -1);
	assert_false(changed_within(&w, POLICY_WATCH_SETTLE_MS + 300));
	/* A save after it is a change again. */
	write_text(d->path, "50-copy.rules", "copy block *\n");
	assert_true(changed_within(&w, 3000));
	policy_watch_close(&w);
}

static void other_files_ignored(void **state)
{
	struct dir *d = *state;
	struct policy_watch w;

	assert_int_equal(policy_watch_open(&w, d->path), 0);
	write_text(d->path, "README.txt", "notes\n");
	write_text(d->path, "50-copy.rules.dpkg-new", "copy allow *\n");
	write_text(d->path, ".hidden.rules", "copy allow *\n");
	assert_false(changed_within(&w, POLICY_WATCH_SETTLE_MS + 300));
	policy_watch_close(&w);
}

static void a_policy_file_is_not_watched(void **state)
{
	struct dir *d = *state;
	struct policy_watch w;
	char path[256];

	write_text(d->path, "one.rules", "copy allow *\n");
	snprintf(path, sizeof(path), "%s/one.rules", d->path);
	assert_int_equal(policy_watch_open(&w, path), 0);
	assert_int_equal(w.fd, -1);
	assert_int_equal(policy_watch_timeout_ms(&w), -1);
	snprintf(path, sizeof(path), "%s/missing", d->path);
	assert_true(policy_watch_open(&w, path) < 0);
	assert_int_equal(w.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(saved_rules_reported_once_settled, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_burst_is_one_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_reload_covers_the_saves_before_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(other_files_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_policy_file_is_not_watched, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
