/* agent/exits: the parent of a process gone from /proc, from the kernel's
 * exit events (the process connector; root, as CI runs the tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/exits.h"

/* A child forks a grandchild that exits at once; the child reaps it, says
 * its pid, and exits.  Both are gone from /proc when the question comes. */
static void spawn_and_reap(pid_t *child, pid_t *grandchild)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	*child = fork();
	assert_true(*child >= 0);
	if (*child == 0) {
		pid_t g = fork();

		if (g == 0)
			_exit(0);
		waitpid(g, NULL, 0);
		if (write(p[1], &g, sizeof(g)) != (ssize_t)sizeof(g))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], grandchild, sizeof(*grandchild)), (ssize_t)sizeof(*grandchild));
	close(p[0]);
	assert_int_equal(waitpid(*child, NULL, 0), *child);
}

static void a_gone_process_has_its_parent(void **state)
{
	struct exits *x = NULL;
	struct exits_stats st;
	pid_t child, grandchild;

	(void)state;
	assert_int_equal(geteuid(), 0); /* CAP_NET_ADMIN */
	assert_int_equal(exits_start(&x), 0);
	for (int i = 0; i < 20; i++) {
		spawn_and_reap(&child, &grandchild);
		assert_int_equal(kill(grandchild, 0), -1);
		/* No waiting: the exit is read when asked. */
		assert_int_equal(exits_parent(x, grandchild), child);
		assert_int_equal(exits_parent(x, child), getpid());
	}
	/* Never seen exiting: unknown. */
	assert_int_equal(exits_parent(x, getpid()), 0);
	exits_get_stats(x, &st);
	assert_true(st.seen >= 40);
	exits_stop(x);
}

static void stopping_nothing_is_harmless(void **state)
{
	(void)state;
	exits_stop(NULL);
	assert_int_equal(exits_parent(NULL, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_gone_process_has_its_parent),
	    cmocka_unit_test(stopping_nothing_is_harmless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
