/* Taking a file off a removable medium by what it is, not by a name read
 * back from /proc/self/fd (through a bind mount in another mount
 * namespace that path names another file; past PATH_MAX it cannot be read
 * at all; a rename right after close makes it stale; a second hard link
 * is not in it).
 *
 * Through wardd's own read-write descriptor on the file: its content is
 * overwritten with zeros where it lies and truncated (whatever its names,
 * the bytes are gone, also from a raw read of the medium), then every
 * name it has on the medium is found by walking wardd's own view of the
 * medium (walk.h) and comparing device and inode, and removed with
 * unlinkat; the walk is repeated while names remain (a rename raced it),
 * up to EVICT_WALKS times.  The result is what the kernel says afterwards
 * (size, link count), never what was meant. */
#ifndef WARD_AGENT_EVICT_H
#define WARD_AGENT_EVICT_H

#include <stdbool.h>
#include <sys/types.h>

#define EVICT_WALKS 3

struct evict_result {
	int wiped;	     /* 0, or -errno of overwriting the bytes with zeros */
	int truncated;	     /* 0, or -errno of ftruncate */
	unsigned removed;    /* names removed */
	unsigned walks;	     /* walks of the medium made */
	int unlink_error;    /* the first unlinkat that failed, -errno; 0 none */
	int unreadable;	     /* directories the walks could not read */
	off_t size_after;    /* fstat after it all */
	nlink_t nlink_after; /* 0: no name is left */
	char name[256];	     /* the last component of a name removed, for the record */
};

/* fd: wardd's descriptor on the file (read-write for the truncation);
 * root_fd: the medium's root directory in wardd's namespace.  Returns 0
 * when the file is empty and has no name left, else -errno (-EBUSY: names
 * remain).  *out says what happened in either case. */
int evict_file(int fd, int root_fd, struct evict_result *out);

/* Whether *r leaves nothing of the file on the medium. */
static inline bool evict_complete(const struct evict_result *r)
{
	return r->truncated == 0 && r->size_after == 0 && r->nlink_after == 0;
}

#endif
