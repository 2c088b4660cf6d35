/* The crawl: every regular file below a few roots (home directories), one
 * at a time, so documents written while wardd was stopped are known
 * before anyone copies them.  Run by the background thread (preclass.c)
 * at idle priority, one file per step, so it can stop between any two.
 *
 * It stays on filesystems the caller accepts (mount roots below a root
 * are entered only then; it never follows a symlink), asks before opening
 * a file (the caller looks the version up in the cache first), opens with
 * O_NOATIME | O_NOFOLLOW | O_NONBLOCK, and holds at most CRAWL_MAX_DEPTH
 * directories open. */
#ifndef WARD_AGENT_CRAWL_H
#define WARD_AGENT_CRAWL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define CRAWL_MAX_ROOTS 8
#define CRAWL_MAX_DEPTH 32

struct crawl_filter {
	/* A filesystem the crawl may enter (dev of its files). */
	bool (*fs_ok)(void *arg, dev_t dev);
	/* A file worth opening (st from statx: mode, dev, ino, size, times). */
	bool (*wanted)(void *arg, const struct stat *st);
	void *arg;
};

struct crawl_stats {
	uint64_t passes; /* finished */
	uint64_t dirs;	 /* entered */
	uint64_t files;	 /* regular files looked at */
	uint64_t opened; /* of those, handed out */
};

struct crawl;

/* roots: absolute directories (copied).  Returns 0, -EINVAL or -ENOMEM. */
int crawl_new(const char *const *roots, size_t n_roots, const struct crawl_filter *filter,
	      struct crawl **out);
void crawl_free(struct crawl *cr);

/* Starts a pass from the first root (abandoning one under way). */
void crawl_begin(struct crawl *cr);
/* Whether a pass is under way. */
bool crawl_active(const struct crawl *cr);
/* The next wanted file: *fd (the caller's to close), its fstat in *st
 * taken after *seen (known.h).  False when the pass is over. */
bool crawl_next(struct crawl *cr, int *fd, struct stat *st, struct timespec *seen);

void crawl_get_stats(const struct crawl *cr, struct crawl_stats *out);

#endif
