/* Names created on removable media: a fanotify notification group that
 * reports directory entries with their names (FAN_REPORT_DFID_NAME), for
 * FAN_CREATE and FAN_MOVED_TO of files and directories.  Nothing is
 * opened by the kernel for these events: each carries the directory's
 * file handle and the new entry's name.
 *
 * Such a group needs a filesystem with a file system id: ext4 and other
 * block filesystems take one mark for the whole medium; a FUSE filesystem
 * (exfat-fuse) reports no fsid, so a filesystem mark is refused (ENODEV)
 * and only inode marks work there, one on each directory
 * (fan_mark_names_dir), whose events carry a zero fsid. */
#ifndef WARD_KMODFREE_FANNAMES_H
#define WARD_KMODFREE_FANNAMES_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmod-free/fanotify.h"

/* Opens the group (notification class, unlimited queue and marks).
 * Returns 0 or -errno. */
int fan_names_group_open(struct fan_group *group);

/* A filesystem mark on the filesystem of dir_fd (a directory of the
 * medium).  Returns 0, -ENODEV / -EOPNOTSUPP / -EXDEV when the filesystem
 * cannot report names that way (then mark its directories), or -errno. */
int fan_mark_names(const struct fan_group *group, int dir_fd);
/* Removes it again (nothing to remove is not an error). */
int fan_unmark_names(const struct fan_group *group, int dir_fd);
/* An inode mark on directory name in dir_fd (name "." for dir_fd
 * itself), never following a symbolic link.  Returns 0 or -errno. */
int fan_mark_names_dir(const struct fan_group *group, int dir_fd, const char *name);

#define FAN_NAME_HANDLE_MAX 128 /* MAX_HANDLE_SZ */

/* One event of the group, as read.  overflow: the kernel's queue
 * overflowed (no name). */
struct fan_name_event {
	uint64_t mask;
	pid_t pid;
	bool overflow;
	bool is_dir; /* FAN_ONDIR: the entry is a directory */
	int32_t fsid[2];
	union {
		struct file_handle handle; /* the directory the entry is in */
		unsigned char raw[sizeof(struct file_handle) + FAN_NAME_HANDLE_MAX];
	} dir;
	char name[256];
};

/* The next event of a fan_read() batch of this group.  An event without a
 * directory handle and name is skipped; a malformed record stops the batch
 * (batch->error). */
bool fan_batch_next_name(struct fan_batch *batch, struct fan_name_event *ev);

#endif
