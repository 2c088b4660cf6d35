/* Read-only media without a kernel module.  fanotify permission events do
 * not carry the open flags, so "deny writes" cannot be decided per open;
 * the kernel enforces it instead:
 *   - the block device itself read-only (BLKROSET), set before mounting, so
 *     a later mount is read-only and raw writes to /dev/sdX fail with EPERM;
 *   - every mount of it read-only (mount_setattr MOUNT_ATTR_RDONLY, which
 *     covers FUSE mounts such as exfat-fuse whose daemon holds the device
 *     open already), so opens for writing fail with EROFS. */
#ifndef WARD_KMODFREE_BLOCKDEV_H
#define WARD_KMODFREE_BLOCKDEV_H

#include <stdbool.h>

/* BLKROSET on the device node (e.g. /dev/sdb, /dev/sdb1, /dev/loop3).
 * Set it on every node that may be mounted (each partition as its udev
 * event arrives, and the whole disk): do not rely on a disk's flag
 * covering its partitions.  The flag outlives a loop device's detach
 * (the next image on that loop device is read-only): clear it when the
 * medium goes.  Returns 0 or -errno. */
int blockdev_set_ro(const char *devnode, bool read_only);
/* BLKROGET.  Returns 0 and sets *read_only, or -errno. */
int blockdev_get_ro(const char *devnode, bool *read_only);

/* Make the mount at mount_point read-only: mount_setattr(2) with
 * MOUNT_ATTR_RDONLY (5.12+), else mount(2) MS_REMOUNT | MS_BIND | MS_RDONLY.
 * Only this mount point changes, not the superblock.  Returns 0 or -errno. */
int mount_make_ro(const char *mount_point);

#endif
