#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "kmod-free/blockdev.h"

int blockdev_set_ro(const char *devnode, bool read_only)
{
	/* O_RDONLY is enough for BLKROSET (it needs CAP_SYS_ADMIN, not a
	 * writable fd), and an O_RDONLY open does not make the kernel flush
	 * or rescan anything. */
	_cleanup_close_ int fd = open(devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int v = read_only ? 1 : 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKROSET, &v) != 0)
		return -errno;
	return 0;
}

int blockdev_get_ro(const char *devnode, bool *read_only)
{
	_cleanup_close_ int fd = open(devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int v = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKROGET, &v) != 0)
		return -errno;
	*read_only = v != 0;
	return 0;
}

int mount_make_ro(const char *mount_point)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

	if (syscall(SYS_mount_setattr, AT_FDCWD, mount_point, 0, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* Before 5.12: a bind remount changes only this mount's flags, not
	 * the superblock's, and works for FUSE alike. */
	if (mount(NULL, mount_point, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
		return -errno;
	return 0;
}
