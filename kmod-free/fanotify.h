/* Ward's fanotify groups: FAN_CLASS_CONTENT groups holding the marks
 * (wardd opens two: one for removable media, one for the internal
 * filesystems and their ignore marks for inodes known to be unmarked),
 * each read in batches by one reader thread and answered by any thread.
 * No kernel module: everything here is the stock fanotify API; the kernel
 * version each piece needs is in kmod-free/README.md.
 *
 * Threading: a group fd is shared.  fan_respond() is a single write(2) of
 * a fixed-size record and may be called from any thread concurrently.
 * Marks may be added or removed from any thread as well (fanotify_mark(2)
 * serialises inside the kernel).
 *
 * Deadlock rule for callers: the thread that reads events must never touch
 * a file on a marked filesystem other than through the event's own fd (no
 * open by path, no stat of a FUSE file: the FUSE daemon may itself be
 * waiting for a verdict).  fan_fd_path() and fan_fd_mount_id() only read
 * /proc/self, which is safe. */
#ifndef WARD_KMODFREE_FANOTIFY_H
#define WARD_KMODFREE_FANOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Kernel features found when the group was opened (bits of fan_group.caps). */
enum {
	FAN_CAP_MARK_IGNORE = 1u << 0,	  /* FAN_MARK_IGNORE (6.0): else FAN_MARK_IGNORED_MASK */
	FAN_CAP_MARK_EVICTABLE = 1u << 1, /* FAN_MARK_EVICTABLE (5.19) */
	FAN_CAP_AUDIT = 1u << 2,    /* group made with FAN_ENABLE_AUDIT (needs CAP_AUDIT_WRITE) */
	FAN_CAP_NOATIME = 1u << 3,  /* event fds opened with O_NOATIME */
	FAN_CAP_FD_ERROR = 1u << 4, /* FAN_REPORT_FD_ERROR: an fd that could not be opened is
				     * reported as -errno in the event, not lost */
};

struct fan_group {
	int fd; /* for poll(2) (POLLIN); -1 when closed */
	unsigned int caps;
};

/* Open the group: FAN_CLASS_CONTENT | FAN_UNLIMITED_QUEUE |
 * FAN_UNLIMITED_MARKS | FAN_CLOEXEC | FAN_NONBLOCK, event fds
 * O_RDONLY | O_LARGEFILE | O_CLOEXEC (| O_NOATIME when the kernel takes it).
 * Tries FAN_ENABLE_AUDIT first and drops it if refused.  Returns 0 or
 * -errno (-EPERM without CAP_SYS_ADMIN, -ENOSYS without fanotify). */
int fan_group_open(struct fan_group *group);
/* Close the group: the kernel allows every pending permission event.  Call
 * first on fatal signals (async-signal-safe: only close(2)). */
void fan_group_close(struct fan_group *group);

/* How a medium's marks were placed, to remove them the same way. */
enum fan_scope {
	FAN_SCOPE_FILESYSTEM, /* FAN_MARK_FILESYSTEM: the whole superblock, all its bind mounts */
	FAN_SCOPE_MOUNT,      /* FAN_MARK_MOUNT: this mount only */
};

/* Mark a removable medium mounted at mount_point for FAN_OPEN_PERM (on
 * files; directories are not reported; what is written there comes through
 * the landing group below).  Uses
 * FAN_MARK_FILESYSTEM, falling back to FAN_MARK_MOUNT when the kernel
 * refuses it for that filesystem; *scope says which was used.  Returns 0 or
 * -errno. */
int fan_mark_medium(const struct fan_group *group, const char *mount_point, enum fan_scope *scope);
/* Remove what fan_mark_medium() placed.  A mark that vanished with its
 * mount (stick pulled) is not an error: returns 0.  Safe to call after the
 * medium was unmounted: a filesystem mark is then left alone rather than
 * removed from whatever filesystem the path now names (the root one, with
 * the internal marks). */
int fan_unmark_medium(const struct fan_group *group, const char *mount_point, enum fan_scope scope);

/* What lands on removable media: a notification group (FAN_CLASS_NOTIF:
 * nobody waits for its reader, an event whose file cannot be opened is
 * never a denial) whose event fds are opened O_RDWR, so that wardd acts on
 * the written file itself (truncates it) rather than on a path.  With
 * FAN_UNLIMITED_QUEUE, and FAN_REPORT_FD_ERROR where the kernel has it
 * (6.13): an fd that could not be opened comes as -errno, not as a lost
 * event.  Returns 0 or -errno. */
int fan_landing_group_open(struct fan_group *group);
/* Mark a medium for FAN_CLOSE_WRITE and FAN_MODIFY in that group, as
 * fan_mark_medium() does (filesystem mark, else mount mark). */
int fan_mark_landing(const struct fan_group *group, const char *mount_point, enum fan_scope *scope);
int fan_unmark_landing(const struct fan_group *group, const char *mount_point,
		       enum fan_scope scope);
/* Stop (quiet) or resume reporting FAN_MODIFY for the inode behind fd: an
 * ignore mark that survives modification, so a file being written costs
 * one event rather than one per write.  Removing a mark that is not there
 * is not an error.  Returns 0 or -errno. */
int fan_quiet_modify(const struct fan_group *group, int fd, bool quiet);

/* Whether a filesystem type is an internal, block-backed one worth marking
 * for source-side checks (ext4, xfs, btrfs, f2fs, ...), as opposed to proc,
 * sysfs, tmpfs, overlay, FUSE and other pseudo filesystems. */
bool fan_fstype_is_internal(const char *fstype);
/* Mark the filesystem mounted at mount_point (FAN_MARK_FILESYSTEM) for
 * FAN_OPEN_PERM: the source side of a copy.  Returns 0 or -errno. */
int fan_mark_internal(const struct fan_group *group, const char *mount_point);
/* Remove that mark; 0 if it was already gone. */
int fan_unmark_internal(const struct fan_group *group, const char *mount_point);

/* The stream of files written on internal filesystems: a notification
 * group (FAN_CLASS_NOTIF: nobody waits for its reader, and it is never on
 * the permission path) with FAN_UNLIMITED_QUEUE, event fds O_RDONLY |
 * O_LARGEFILE | O_CLOEXEC (| O_NOATIME).  Returns 0 or -errno. */
int fan_written_group_open(struct fan_group *group);
/* Mark the filesystem mounted at mount_point (FAN_MARK_FILESYSTEM) for
 * FAN_CLOSE_WRITE in such a group.  Returns 0 or -errno. */
int fan_mark_written(const struct fan_group *group, const char *mount_point);
/* Remove that mark while the filesystem is still mounted there (a mount
 * that turned out to be a removable medium's); once unmounted the mark
 * went with its superblock and the path names another filesystem: 0,
 * nothing done. */
int fan_unmark_written(const struct fan_group *group, const char *mount_point);

/* Tell the kernel to stop reporting FAN_OPEN_PERM (and mask bits besides,
 * pass 0 for the default) for the inode behind fd, until the inode is
 * modified: an inode mark with FAN_MARK_IGNORE (or FAN_MARK_IGNORED_MASK on
 * kernels before 6.0), FAN_MARK_EVICTABLE when available so it does not pin
 * the inode in memory, and never FAN_MARK_IGNORED_SURV_MODIFY.  fd is the
 * event's fd (or any fd open on the file; an O_PATH fd is refused with
 * -EBADF).  Returns 0 or -errno. */
int fan_ignore_inode(const struct fan_group *group, int fd, uint64_t extra_mask);
/* Remove that inode's ignore mark again (a writer raced the
 * classification that placed it).  No ignore mark is not an error: 0.
 * Returns 0 or -errno. */
int fan_unignore_inode(const struct fan_group *group, int fd, uint64_t extra_mask);
/* Drop every ignore mark (e.g. after a policy reload changed what counts
 * as marked).  Returns 0 or -errno. */
int fan_flush_ignores(const struct fan_group *group);

/* One event, as read.  The caller owns fd and must close it after
 * answering (a permission event must be answered before its fd is
 * closed, or the opener waits until the group closes). */
struct fan_event {
	int fd;	       /* the opened file; -1 (FAN_NOFD) on queue overflow */
	pid_t pid;     /* the opener (thread group id) */
	uint64_t mask; /* FAN_OPEN_PERM, FAN_CLOSE_WRITE, ... */
};

static inline bool fan_event_is_perm(const struct fan_event *ev)
{
	/* FAN_OPEN_PERM 0x10000, FAN_ACCESS_PERM 0x20000, FAN_OPEN_EXEC_PERM 0x40000 */
	return (ev->mask & 0x00070000ull) != 0;
}
static inline bool fan_event_is_close_write(const struct fan_event *ev)
{
	return (ev->mask & 0x00000008ull) != 0; /* FAN_CLOSE_WRITE */
}

/* A good read buffer size: up to ~1000 events (24 bytes each) per read. */
#define FAN_READ_BUFSZ (24 * 1024)

/* Read what is queued into buf (aligned for struct fanotify_event_metadata;
 * use an array of uint64_t or aligned_alloc).  Returns the byte count, 0 if
 * nothing was queued (non-blocking group), or -errno. */
ssize_t fan_read(const struct fan_group *group, void *buf, size_t size);

/* Iterates the events of one fan_read() result. */
struct fan_batch {
	const unsigned char *buf;
	size_t len;
	size_t off;
	int error; /* -EPROTO after a malformed or version-mismatched record */
};
void fan_batch_init(struct fan_batch *batch, const void *buf, size_t len);
/* Next event into *ev; false at the end (check batch->error).  After a
 * malformed record the rest of the batch is skipped; fds of events already
 * returned stay the caller's. */
bool fan_batch_next(struct fan_batch *batch, struct fan_event *ev);

enum fan_verdict {
	FAN_VERDICT_ALLOW,
	FAN_VERDICT_DENY, /* the opener gets EPERM */
};
/* Answer permission event event_fd.  audit adds FAN_AUDIT when the group
 * has FAN_CAP_AUDIT (the kernel audit log then records it too).  Returns 0
 * or -errno (-ENOENT: already answered or the group was flushed). */
int fan_respond(const struct fan_group *group, int event_fd, enum fan_verdict verdict, bool audit);

/* The path of an open fd (readlink of /proc/self/fd/N), NUL-terminated.
 * A deleted file ends in " (deleted)".  Returns 0, -ENAMETOOLONG when cut,
 * or -errno. */
int fan_fd_path(int fd, char *buf, size_t size);

/* The mount id of an open fd (/proc/self/fdinfo/N "mnt_id:"), without
 * touching the file itself.  Returns the id or -errno. */
int fan_fd_mount_id(int fd);

/* Who opened the file: read from /proc/PID with a few bounded reads.  A
 * process that already exited gives -ESRCH; fields that could not be read
 * stay empty (exe of a kernel thread) and are not an error. */
#define FAN_OPENER_MAX_GROUPS 32
struct fan_opener {
	pid_t pid;
	pid_t ppid;
	uid_t uid;  /* real */
	uid_t euid; /* effective */
	gid_t gid;
	/* Supplementary groups ("Groups:"), at most FAN_OPENER_MAX_GROUPS. */
	gid_t groups[FAN_OPENER_MAX_GROUPS];
	size_t n_groups;
	uid_t loginuid; /* audit login uid: the person behind sudo; (uid_t)-1 unset */
	char comm[32];	/* /proc/PID/comm */
	char exe[4096]; /* readlink /proc/PID/exe, may end in " (deleted)" */
};
int fan_opener_read(pid_t pid, struct fan_opener *out);

#endif
