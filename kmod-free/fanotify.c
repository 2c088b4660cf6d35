#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "kmod-free/fanotify.h"
#include "kmod-free/procfd.h"

/* Older userspace headers may lack the newer flags; the values are ABI. */
#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif
#ifndef FAN_ENABLE_AUDIT
#define FAN_ENABLE_AUDIT 0x00000040
#endif
#ifndef FAN_AUDIT
#define FAN_AUDIT 0x10
#endif

#define GROUP_FLAGS                                                                                \
	(FAN_CLASS_CONTENT | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS | FAN_CLOEXEC | FAN_NONBLOCK)
#define MEDIUM_MASK (FAN_OPEN_PERM)
#define LANDING_MASK (FAN_CLOSE_WRITE | FAN_MODIFY)
#define INTERNAL_MASK (FAN_OPEN_PERM)
#define WRITTEN_MASK (FAN_CLOSE_WRITE)

int fan_group_open(struct fan_group *group)
{
	static const struct {
		unsigned int init_flags;
		unsigned int event_flags;
		unsigned int caps;
	} tries[] = {
	    {FAN_ENABLE_AUDIT, O_NOATIME, FAN_CAP_AUDIT | FAN_CAP_NOATIME},
	    {0, O_NOATIME, FAN_CAP_NOATIME},
	    {0, 0, 0},
	};
	int err = -EINVAL;

	group->fd = -1;
	group->caps = 0;
	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		int fd = fanotify_init(GROUP_FLAGS | tries[i].init_flags,
				       O_RDONLY | O_LARGEFILE | O_CLOEXEC | tries[i].event_flags);
		if (fd >= 0) {
			group->fd = fd;
			group->caps = tries[i].caps;
			break;
		}
		err = -errno;
		/* EPERM may be only the missing CAP_AUDIT_WRITE, EINVAL an
		 * old kernel without FAN_ENABLE_AUDIT or O_NOATIME: try the
		 * plainer group.  Without CAP_SYS_ADMIN the last try fails
		 * with EPERM too, and that is returned. */
		if (err != -EPERM && err != -EINVAL)
			return err;
	}
	if (group->fd < 0)
		return err;

	/* Probe the mark flags on our own directory: an ignore mark with
	 * nothing to ignore is added then removed at once. */
	int probe = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (probe >= 0) {
		/* FAN_MARK_IGNORE on a directory needs FAN_MARK_IGNORED_SURV_MODIFY. */
		if (fanotify_mark(group->fd,
				  FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
				  FAN_OPEN_PERM, probe, NULL) == 0) {
			group->caps |= FAN_CAP_MARK_IGNORE;
			fanotify_mark(group->fd, FAN_MARK_REMOVE | FAN_MARK_IGNORE, FAN_OPEN_PERM,
				      probe, NULL);
		}
		if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_CLOSE_NOWRITE,
				  probe, NULL) == 0) {
			group->caps |= FAN_CAP_MARK_EVICTABLE;
			fanotify_mark(group->fd, FAN_MARK_REMOVE, FAN_CLOSE_NOWRITE, probe, NULL);
		}
		close(probe);
	}
	return 0;
}

int fan_written_group_open(struct fan_group *group)
{
	unsigned int flags = FAN_CLASS_NOTIF | FAN_UNLIMITED_QUEUE | FAN_CLOEXEC | FAN_NONBLOCK;
	int fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);

	group->caps = FAN_CAP_NOATIME;
	if (fd < 0 && errno == EINVAL) {
		fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
		group->caps = 0;
	}
	group->fd = fd;
	return fd < 0 ? -errno : 0;
}

void fan_group_close(struct fan_group *group)
{
	if (group->fd >= 0)
		close(group->fd);
	group->fd = -1;
}

static int mark_medium(const struct fan_group *group, uint64_t mask, const char *mount_point,
		       enum fan_scope *scope)
{
	if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD,
			  mount_point) == 0) {
		*scope = FAN_SCOPE_FILESYSTEM;
		return 0;
	}
	/* Filesystem marks are refused for some filesystems (e.g. ones with
	 * no fsid on older kernels); a mount mark still sees every open
	 * through this mount. */
	int err = errno;
	if (err != EINVAL && err != EXDEV && err != ENODEV && err != EOPNOTSUPP)
		return -err;
	if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_MOUNT, mask, AT_FDCWD, mount_point) !=
	    0)
		return -errno;
	*scope = FAN_SCOPE_MOUNT;
	return 0;
}

int fan_mark_medium(const struct fan_group *group, const char *mount_point, enum fan_scope *scope)
{
	return mark_medium(group, MEDIUM_MASK, mount_point, scope);
}

static int unmark(const struct fan_group *group, unsigned int type, uint64_t mask,
		  const char *mount_point)
{
	if (fanotify_mark(group->fd, FAN_MARK_REMOVE | type, mask, AT_FDCWD, mount_point) == 0)
		return 0;
	/* ENOENT: no such mark (it went with its superblock or mount);
	 * also ENOENT when the mount point itself is gone. */
	if (errno == ENOENT)
		return 0;
	return -errno;
}

/* Whether path is still the root of a mount: its st_dev differs from its
 * parent's.  Once a medium is unmounted, its mount point is a plain
 * directory on the filesystem below. */
static bool still_mounted(const char *path)
{
	char parent[PATH_MAX];
	struct stat st, pst;

	if (snprintf(parent, sizeof(parent), "%s/..", path) >= (int)sizeof(parent))
		return true; /* cannot tell: let the kernel decide */
	if (stat(path, &st) != 0 || stat(parent, &pst) != 0)
		return false; /* gone, or a FUSE mount whose daemon died */
	return st.st_dev != pst.st_dev;
}

static int unmark_medium(const struct fan_group *group, uint64_t mask, const char *mount_point,
			 enum fan_scope scope)
{
	if (scope == FAN_SCOPE_FILESYSTEM) {
		/* A filesystem mark is removed by naming any path on that
		 * filesystem.  After an unmount, mount_point names the
		 * filesystem below it (the root filesystem, which carries
		 * Ward's internal FAN_OPEN_PERM mark): removing by that path
		 * would strip the source-side mark.  The medium's own mark
		 * went with its superblock, or stays while a bind mount of it
		 * remains, which is what is wanted. */
		if (!still_mounted(mount_point))
			return 0;
		return unmark(group, FAN_MARK_FILESYSTEM, mask, mount_point);
	}
	return unmark(group, FAN_MARK_MOUNT, mask, mount_point);
}

int fan_unmark_medium(const struct fan_group *group, const char *mount_point, enum fan_scope scope)
{
	return unmark_medium(group, MEDIUM_MASK, mount_point, scope);
}

/* ---- what lands on a medium: a notification group ---- */

#ifndef FAN_REPORT_FD_ERROR
#define FAN_REPORT_FD_ERROR 0x00002000
#endif

int fan_landing_group_open(struct fan_group *group)
{
	unsigned int flags = FAN_CLASS_NOTIF | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS |
			     FAN_CLOEXEC | FAN_NONBLOCK;
	unsigned int event_flags = O_RDWR | O_LARGEFILE | O_CLOEXEC;
	int fd = fanotify_init(flags | FAN_REPORT_FD_ERROR, event_flags);

	group->caps = FAN_CAP_FD_ERROR;
	if (fd < 0 && errno == EINVAL) {
		fd = fanotify_init(flags, event_flags);
		group->caps = 0;
	}
	group->fd = fd;
	return fd < 0 ? -errno : 0;
}

int fan_mark_landing(const struct fan_group *group, const char *mount_point, enum fan_scope *scope)
{
	return mark_medium(group, LANDING_MASK, mount_point, scope);
}

int fan_unmark_landing(const struct fan_group *group, const char *mount_point, enum fan_scope scope)
{
	return unmark_medium(group, LANDING_MASK, mount_point, scope);
}

int fan_quiet_modify(const struct fan_group *group, int fd, bool quiet)
{
	/* SURV_MODIFY: the writes this mark is there to silence must not
	 * clear it. */
	unsigned int flags = quiet ? FAN_MARK_ADD | FAN_MARK_IGNORED_SURV_MODIFY : FAN_MARK_REMOVE;

	flags |= FAN_MARK_IGNORED_MASK;
	if (fanotify_mark(group->fd, flags, FAN_MODIFY, fd, NULL) == 0)
		return 0;
	return !quiet && errno == ENOENT ? 0 : -errno;
}

bool fan_fstype_is_internal(const char *fstype)
{
	/* Block-backed filesystems a workstation keeps documents on.  Anything
	 * else (proc, sysfs, tmpfs, overlay, nsfs, fuse.*, nfs, ...) is left
	 * alone: marking a pseudo filesystem costs every process a round trip
	 * for nothing, and a network filesystem is not a source this agent
	 * can classify cheaply. */
	static const char *const internal[] = {
	    "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs", "bcachefs",
	};
	if (!fstype)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(internal); i++)
		if (strcmp(fstype, internal[i]) == 0)
			return true;
	return false;
}

int fan_mark_internal(const struct fan_group *group, const char *mount_point)
{
	if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, INTERNAL_MASK, AT_FDCWD,
			  mount_point) != 0)
		return -errno;
	return 0;
}

int fan_unmark_internal(const struct fan_group *group, const char *mount_point)
{
	return unmark(group, FAN_MARK_FILESYSTEM, INTERNAL_MASK, mount_point);
}

int fan_mark_written(const struct fan_group *group, const char *mount_point)
{
	if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, WRITTEN_MASK, AT_FDCWD,
			  mount_point) != 0)
		return -errno;
	return 0;
}

int fan_unmark_written(const struct fan_group *group, const char *mount_point)
{
	if (!still_mounted(mount_point))
		return 0;
	return unmark(group, FAN_MARK_FILESYSTEM, WRITTEN_MASK, mount_point);
}

int fan_ignore_inode(const struct fan_group *group, int fd, uint64_t extra_mask)
{
	unsigned int flags = FAN_MARK_ADD;
	uint64_t mask = FAN_OPEN_PERM | extra_mask;

	/* Never FAN_MARK_IGNORED_SURV_MODIFY: the first modification of the
	 * inode clears the ignore mask, so a file that becomes marked is
	 * classified again. */
	flags |= (group->caps & FAN_CAP_MARK_IGNORE) ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK;
	if (group->caps & FAN_CAP_MARK_EVICTABLE)
		flags |= FAN_MARK_EVICTABLE;
	if (fanotify_mark(group->fd, flags, mask, fd, NULL) == 0)
		return 0;
	/* EEXIST: the inode already has a non-evictable mark in this group
	 * (cannot happen with Ward's marks, but be tolerant): add the ignore
	 * mask to that mark instead. */
	if (errno == EEXIST && (flags & FAN_MARK_EVICTABLE)) {
		flags &= ~(unsigned int)FAN_MARK_EVICTABLE;
		if (fanotify_mark(group->fd, flags, mask, fd, NULL) == 0)
			return 0;
	}
	return -errno;
}

int fan_unignore_inode(const struct fan_group *group, int fd, uint64_t extra_mask)
{
	unsigned int flags = FAN_MARK_REMOVE;

	flags |= (group->caps & FAN_CAP_MARK_IGNORE) ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK;
	if (fanotify_mark(group->fd, flags, FAN_OPEN_PERM | extra_mask, fd, NULL) == 0)
		return 0;
	return errno == ENOENT ? 0 : -errno;
}

int fan_flush_ignores(const struct fan_group *group)
{
	/* FAN_MARK_FLUSH without a type flushes inode marks: Ward's only
	 * inode marks are ignore marks. */
	if (fanotify_mark(group->fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL) != 0)
		return -errno;
	return 0;
}

ssize_t fan_read(const struct fan_group *group, void *buf, size_t size)
{
	for (;;) {
		ssize_t n = read(group->fd, buf, size);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return -errno;
	}
}

void fan_batch_init(struct fan_batch *batch, const void *buf, size_t len)
{
	batch->buf = buf;
	batch->len = len;
	batch->off = 0;
	batch->error = 0;
}

bool fan_batch_next(struct fan_batch *batch, struct fan_event *ev)
{
	size_t left = batch->len - batch->off;
	struct fanotify_event_metadata md;

	if (batch->error || left == 0)
		return false;
	if (left < FAN_EVENT_METADATA_LEN) {
		batch->error = -EPROTO;
		return false;
	}
	memcpy(&md, batch->buf + batch->off, sizeof(md));
	if (md.vers != FANOTIFY_METADATA_VERSION || md.event_len < FAN_EVENT_METADATA_LEN ||
	    md.event_len > left) {
		batch->error = -EPROTO;
		return false;
	}
	batch->off += md.event_len;
	ev->fd = md.fd;
	ev->pid = md.pid;
	ev->mask = md.mask;
	return true;
}

int fan_respond(const struct fan_group *group, int event_fd, enum fan_verdict verdict, bool audit)
{
	struct fanotify_response r = {
	    .fd = event_fd,
	    .response = verdict == FAN_VERDICT_ALLOW ? FAN_ALLOW : FAN_DENY,
	};
	if (audit && (group->caps & FAN_CAP_AUDIT))
		r.response |= FAN_AUDIT;
	for (;;) {
		ssize_t n = write(group->fd, &r, sizeof(r));
		if (n == (ssize_t)sizeof(r))
			return 0;
		if (n >= 0)
			return -EIO;
		if (errno != EINTR)
			return -errno;
	}
}

int fan_fd_path(int fd, char *buf, size_t size)
{
	return procfd_path(getpid(), fd, buf, size);
}

static ssize_t read_small(int dirfd, const char *name, char *buf, size_t size);

int fan_fd_mount_id(int fd)
{
	char name[32], buf[512];
	const char *p;
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", fd);
	n = read_small(AT_FDCWD, name, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "mnt_id:");
	if (!p)
		return -EPROTO;
	return (int)strtol(p + 7, NULL, 10);
}

/* Read a small /proc file relative to dirfd into buf (NUL-terminated). */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read_full(fd, buf, size - 1);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return n;
}

/* The value after "Key:\t" in /proc/PID/status text, or NULL. */
static const char *status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);
	const char *p = status;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return p + klen + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* "Groups:\t4 24 27 \n": numbers up to the end of the line. */
static void parse_groups(const char *v, struct fan_opener *out)
{
	while (*v && *v != '\n' && out->n_groups < FAN_OPENER_MAX_GROUPS) {
		char *end;
		unsigned long g = strtoul(v, &end, 10);

		if (end == v) {
			v++;
			continue;
		}
		out->groups[out->n_groups++] = (gid_t)g;
		v = end;
	}
}

int fan_opener_read(pid_t pid, struct fan_opener *out)
{
	char path[32], status[4096];
	_cleanup_close_ int dirfd = -1;
	const char *v;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->uid = out->euid = out->loginuid = (uid_t)-1;
	out->gid = (gid_t)-1;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;

	/* status: the first ~12 lines hold what we need; 4 KiB covers them. */
	n = read_small(dirfd, "status", status, sizeof(status));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	if ((v = status_field(status, "PPid")))
		out->ppid = (pid_t)strtol(v, NULL, 10);
	if ((v = status_field(status, "Uid"))) {
		char *end;
		out->uid = (uid_t)strtoul(v, &end, 10);
		out->euid = (uid_t)strtoul(end, NULL, 10);
	}
	if ((v = status_field(status, "Gid")))
		out->gid = (gid_t)strtoul(v, NULL, 10);
	if ((v = status_field(status, "Groups")))
		parse_groups(v, out);

	if (read_small(dirfd, "comm", out->comm, sizeof(out->comm)) > 0)
		out->comm[strcspn(out->comm, "\n")] = '\0';

	char lu[24];
	if (read_small(dirfd, "loginuid", lu, sizeof(lu)) > 0)
		out->loginuid = (uid_t)strtoul(lu, NULL, 10);

	n = readlinkat(dirfd, "exe", out->exe, sizeof(out->exe) - 1);
	if (n > 0)
		out->exe[n] = '\0';
	else
		out->exe[0] = '\0';
	return 0;
}
