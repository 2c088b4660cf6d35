#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <libudev.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "kmod-free/usbauth.h"

int usbauth_find_usb_device(struct udev *udev, const char *block_syspath, char *usb_syspath,
			    size_t size)
{
	struct udev_device *blk = udev_device_new_from_syspath(udev, block_syspath);
	const char *subsystem;
	int ret = -ENODEV;

	if (!blk)
		return errno ? -errno : -ENODEV;
	/* Only ever walk up from a block device: from anything else the
	 * nearest usb_device could be a hub, or the root hub of a bus that
	 * holds the keyboard. */
	subsystem = udev_device_get_subsystem(blk);
	if (!subsystem || strcmp(subsystem, "block") != 0) {
		udev_device_unref(blk);
		return -EINVAL;
	}
	/* The parent is owned by blk: no unref of its own. */
	struct udev_device *usb =
	    udev_device_get_parent_with_subsystem_devtype(blk, "usb", "usb_device");
	const char *sysname = usb ? udev_device_get_sysname(usb) : NULL;
	if (usb && sysname && strncmp(sysname, "usb", 3) != 0) {
		const char *sp = udev_device_get_syspath(usb);
		if (sp && str_copy(usb_syspath, size, sp))
			ret = 0;
		else
			ret = -ENAMETOOLONG;
	}
	udev_device_unref(blk);
	return ret;
}

static int write_attr(const char *dir, const char *name, const char *value)
{
	char path[512];
	_cleanup_close_ int fd = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return write_all(fd, value, strlen(value));
}

int usbauth_set_authorized(const char *usb_syspath, bool authorized)
{
	return write_attr(usb_syspath, "authorized", authorized ? "1" : "0");
}

int usbauth_get_authorized(const char *usb_syspath, bool *authorized)
{
	char path[512], buf[8];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/authorized", usb_syspath) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	*authorized = buf[0] != '0';
	return 0;
}

int usbauth_deauthorize_block(struct udev *udev, const char *block_syspath, char *usb_syspath,
			      size_t size)
{
	char found[512];
	int r = usbauth_find_usb_device(udev, block_syspath, found, sizeof(found));

	if (r < 0)
		return r;
	if (usb_syspath && !str_copy(usb_syspath, size, found))
		return -ENAMETOOLONG;
	return usbauth_set_authorized(found, false);
}

int usbauth_set_default(const char *bus_syspath, int value)
{
	char v[4];

	if (value < 0 || value > 2)
		return -EINVAL;
	snprintf(v, sizeof(v), "%d", value);
	return write_attr(bus_syspath, "authorized_default", v);
}
