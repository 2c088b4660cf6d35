/* The crawl (crawl.h): a depth-first walk with an explicit stack of open
 * directories, resumable after every file. */
#define _GNU_SOURCE
#include "agent/crawl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/known.h"
#include "common/cleanup.h"

#define OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME)
#define OPEN_FILE (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOATIME)
/* No automount, no round trip to a FUSE server for fresh attributes. */
#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC)

struct crawl {
	char *roots[CRAWL_MAX_ROOTS];
	size_t n_roots, next_root;
	struct crawl_filter filter;
	DIR *stack[CRAWL_MAX_DEPTH];
	size_t depth;
	bool active;
	struct crawl_stats stats;
};

int crawl_new(const char *const *roots, size_t n_roots, const struct crawl_filter *filter,
	      struct crawl **out)
{
	struct crawl *cr;

	if (n_roots > CRAWL_MAX_ROOTS)
		return -EINVAL;
	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return -ENOMEM;
	cr->filter = *filter;
	for (size_t i = 0; i < n_roots; i++) {
		if (roots[i][0] != '/' || !(cr->roots[i] = strdup(roots[i]))) {
			cr->n_roots = i;
			crawl_free(cr);
			return roots[i][0] != '/' ? -EINVAL : -ENOMEM;
		}
	}
	cr->n_roots = n_roots;
	*out = cr;
	return 0;
}

/* The directory on top of the stack, closed on the way out. */
static void pop_dir(struct crawl *cr)
{
	_cleanup_closedir_ DIR *top = cr->stack[--cr->depth];
}

static void unwind(struct crawl *cr)
{
	while (cr->depth > 0)
		pop_dir(cr);
}

void crawl_free(struct crawl *cr)
{
	if (!cr)
		return;
	unwind(cr);
	for (size_t i = 0; i < cr->n_roots; i++)
		free(cr->roots[i]);
	free(cr);
}

void crawl_begin(struct crawl *cr)
{
	unwind(cr);
	cr->next_root = 0;
	cr->active = cr->n_roots > 0;
}

bool crawl_active(const struct crawl *cr)
{
	return cr->active;
}

void crawl_get_stats(const struct crawl *cr, struct crawl_stats *out)
{
	*out = cr->stats;
}

static void push(struct crawl *cr, int fd)
{
	DIR *d;

	if (cr->depth == CRAWL_MAX_DEPTH || !(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	cr->stack[cr->depth++] = d;
	cr->stats.dirs++;
}

/* The next root opened and pushed; false when none is left. */
static bool next_root(struct crawl *cr)
{
	while (cr->next_root < cr->n_roots) {
		int fd = open(cr->roots[cr->next_root++], OPEN_DIR);
		struct stat st;

		if (fd < 0 && errno == EPERM)
			fd = open(cr->roots[cr->next_root - 1], OPEN_DIR & ~O_NOATIME);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && cr->filter.fs_ok(cr->filter.arg, st.st_dev)) {
			push(cr, fd);
			return true;
		}
		close(fd);
	}
	return false;
}

/* One entry of the top directory: a directory is pushed, a wanted file
 * opened into *fd. */
static void visit(struct crawl *cr, int dfd, const char *name, int *fd)
{
	struct statx sx;
	struct stat st;

	if (statx(dfd, name, STATX_FLAGS, STATX_BASIC_STATS, &sx) < 0)
		return;
	known_stat_from_statx(&sx, &st);
	if (S_ISDIR(st.st_mode)) {
		/* Another filesystem (a FUSE or network mount below home):
		 * only where the caller may look. */
		if ((sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) &&
		    !cr->filter.fs_ok(cr->filter.arg, st.st_dev))
			return;
		int sub = openat(dfd, name, OPEN_DIR);

		if (sub < 0 && errno == EPERM)
			sub = openat(dfd, name, OPEN_DIR & ~O_NOATIME);
		if (sub >= 0)
			push(cr, sub);
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	cr->stats.files++;
	if (!cr->filter.fs_ok(cr->filter.arg, st.st_dev) || !cr->filter.wanted(cr->filter.arg, &st))
		return;
	*fd = openat(dfd, name, OPEN_FILE);
	if (*fd < 0 && errno == EPERM)
		*fd = openat(dfd, name, OPEN_FILE & ~O_NOATIME);
}

bool crawl_next(struct crawl *cr, int *fd, struct stat *st, struct timespec *seen)
{
	*fd = -1;
	while (cr->active) {
		struct dirent *de;

		if (cr->depth == 0 && !next_root(cr)) {
			cr->active = false;
			cr->stats.passes++;
			break;
		}
		de = readdir(cr->stack[cr->depth - 1]);
		if (!de) {
			pop_dir(cr);
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		visit(cr, dirfd(cr->stack[cr->depth - 1]), de->d_name, fd);
		if (*fd < 0)
			continue;
		*seen = known_now();
		if (fstat(*fd, st) == 0 && S_ISREG(st->st_mode)) {
			cr->stats.opened++;
			return true;
		}
		close(*fd);
		*fd = -1;
	}
	return false;
}
