/* Walking a removable medium's tree from wardd's own view of it (its
 * mount point in wardd's namespace), through directory descriptors only:
 * no path is ever built, so neither a deep tree nor long names (a path
 * past PATH_MAX) stop it.  It never follows a symbolic link and never
 * leaves the medium's filesystem (a mount on top of one of its
 * directories).  FUSE's own bookkeeping (.fuse_hidden*: a file unlinked
 * while open) is not visited.  The quarantine's name removal (evict.c)
 * the landing thread's rescan after a loss (landing.c) and the marks on
 * a FUSE medium's directories (names.c) use it. */
#ifndef WARD_AGENT_WALK_H
#define WARD_AGENT_WALK_H

#include <stdbool.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 256 /* directories deep (each level holds a descriptor) */

/* Called for every entry that is not a directory: dirfd is its
 * directory's descriptor, valid only during the call.  Returns false to
 * stop the walk. */
typedef bool (*walk_visit)(void *arg, int dirfd, const char *name, const struct stat *st);

/* Walks the tree of root_fd (a directory descriptor, not consumed),
 * staying on device dev.  Returns the number of directories that could
 * not be read (0: all of it was seen), or -errno when root_fd cannot. */
int walk_tree(int root_fd, dev_t dev, walk_visit visit, void *arg);
/* The same, and enter is called for every directory below root_fd before
 * it is walked (dirfd: its parent's); false leaves it out. */
int walk_tree_dirs(int root_fd, dev_t dev, walk_visit visit, walk_visit enter, void *arg);

#endif
