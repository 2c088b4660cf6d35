/* Walking a medium's tree by descriptors (walk.h). */
#define _GNU_SOURCE
#include "agent/walk.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct walk {
	dev_t dev;
	walk_visit visit;
	walk_visit enter;
	void *arg;
	int unreadable;
	bool stopped;
};

static bool skipped(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	       strncmp(name, ".fuse_hidden", 12) == 0;
}

/* Walks the directory open at fd (consumed). */
static void walk_dir(struct walk *w, int fd, unsigned depth)
{
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		w->unreadable++;
		return;
	}
	while (!w->stopped && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (skipped(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_dev != w->dev)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			if (w->visit)
				w->stopped = !w->visit(w->arg, dirfd(d), de->d_name, &st);
			continue;
		}
		if (w->enter && !w->enter(w->arg, dirfd(d), de->d_name, &st))
			continue;
		if (depth + 1 >= WALK_MAX_DEPTH) {
			w->unreadable++;
			continue;
		}
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (sub < 0)
			w->unreadable++;
		else
			walk_dir(w, sub, depth + 1);
	}
}

int walk_tree(int root_fd, dev_t dev, walk_visit visit, void *arg)
{
	return walk_tree_dirs(root_fd, dev, visit, NULL, arg);
}

int walk_tree_dirs(int root_fd, dev_t dev, walk_visit visit, walk_visit enter, void *arg)
{
	struct walk w = {.dev = dev, .visit = visit, .enter = enter, .arg = arg};
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	walk_dir(&w, fd, 0);
	return w.unreadable;
}
