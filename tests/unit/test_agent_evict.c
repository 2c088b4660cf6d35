#define _GNU_SOURCE
/* Taking a file off a medium by what it is (evict.c, walk.c), on a real
 * directory tree standing in for the medium: every hard link found and
 * removed, a name under a path longer than PATH_MAX, the bytes gone from
 * the inode, symbolic links never followed, and what is left reported as
 * the kernel says it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/evict.h"
#include "agent/walk.h"

static const char secret[] = "機密\n春節期間重要設施安全維護部署\n";

struct tree {
	char root[64];
	int root_fd;
};

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->root, sizeof(t->root), "/tmp/ward-evict.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	t->root_fd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->root_fd >= 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	close(t->root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

/* A file at dir/name (relative to dirfd) holding the secret, open
 * read-write. */
static int make_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, secret, sizeof(secret) - 1), (ssize_t)(sizeof(secret) - 1));
	return fd;
}

static void every_hard_link_removed(void **state)
{
	struct tree *t = *state;
	struct evict_result r;
	struct stat st;
	int fd;

	assert_int_equal(mkdirat(t->root_fd, "hide", 0700), 0);
	fd = make_file(t->root_fd, "doc.txt");
	assert_int_equal(linkat(t->root_fd, "doc.txt", t->root_fd, "hide/other", 0), 0);
	/* A symbolic link to it is a name of its own, not the file: kept. */
	assert_int_equal(symlinkat("doc.txt", t->root_fd, "link"), 0);

	assert_int_equal(evict_file(fd, t->root_fd, &r), 0);
	assert_true(evict_complete(&r));
	assert_int_equal(r.removed, 2);
	assert_int_equal(r.wiped, 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(faccessat(t->root_fd, "hide/other", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(fstatat(t->root_fd, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
	close(fd);
}

static void a_name_past_path_max(void **state)
{
	struct tree *t = *state;
	struct evict_result r;
	char dir[231];
	int d = dup(t->root_fd), depth, fd;

	memset(dir, 'd', sizeof(dir) - 1);
	dir[sizeof(dir) - 1] = '\0';
	for (depth = 0; depth * (int)sizeof(dir) <= PATH_MAX; depth++) {
		int sub;

		assert_int_equal(mkdirat(d, dir, 0700), 0);
		sub = openat(d, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(sub >= 0);
		close(d);
		d = sub;
	}
	fd = make_file(d, "deep.txt");
	close(d);

	assert_int_equal(evict_file(fd, t->root_fd, &r), 0);
	assert_true(evict_complete(&r));
	assert_int_equal(r.removed, 1);
	assert_string_equal(r.name, "deep.txt");
	close(fd);
}

/* A name the walk cannot reach (here: outside the tree walked) stays:
 * the result says one name is left, the bytes went all the same, and the
 * call fails. */
static void what_is_left_is_reported(void **state)
{
	struct tree *t = *state;
	struct evict_result r;
	int other, fd;

	assert_int_equal(mkdirat(t->root_fd, "outside", 0700), 0);
	assert_int_equal(mkdirat(t->root_fd, "medium", 0700), 0);
	other = openat(t->root_fd, "outside", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = make_file(other, "kept.txt");
	assert_int_equal(linkat(other, "kept.txt", t->root_fd, "medium/copy.txt", 0), 0);
	close(other);
	other = openat(t->root_fd, "medium", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_int_equal(evict_file(fd, other, &r), -EBUSY);
	assert_false(evict_complete(&r));
	assert_int_equal(r.removed, 1);
	assert_int_equal(r.nlink_after, 1);
	assert_int_equal(r.size_after, 0); /* the bytes went all the same */
	assert_int_equal(r.walks, EVICT_WALKS);
	close(other);
	close(fd);
}

static bool count_visit(void *arg, int dirfd, const char *name, const struct stat *st)
{
	(void)dirfd;
	(void)name;
	(void)st;
	(*(int *)arg)++;
	return true;
}

static void the_walk_stays_on_its_tree(void **state)
{
	struct tree *t = *state;
	struct stat st;
	int n = 0;

	assert_int_equal(mkdirat(t->root_fd, "a", 0700), 0);
	close(make_file(t->root_fd, "a/one"));
	close(make_file(t->root_fd, "two"));
	assert_int_equal(symlinkat("/etc", t->root_fd, "a/etc"), 0);
	assert_int_equal(fstat(t->root_fd, &st), 0);
	assert_int_equal(walk_tree(t->root_fd, st.st_dev, count_visit, &n), 0);
	assert_int_equal(n, 3); /* one, two, and the symbolic link itself */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(every_hard_link_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_name_past_path_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(what_is_left_is_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_walk_stays_on_its_tree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
