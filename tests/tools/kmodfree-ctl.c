/* kmodfree-ctl: one kmod-free call per run, for shell tests.
 *   kmodfree-ctl blockdev-ro DEVNODE on|off|get
 *   kmodfree-ctl mount-ro MOUNT_POINT
 *   kmodfree-ctl usb-find BLOCK_SYSPATH          prints the USB device's syspath
 *   kmodfree-ctl usb-auth USB_SYSPATH 0|1|get
 *   kmodfree-ctl usb-deauth-block BLOCK_SYSPATH  prints what was deauthorized
 *   kmodfree-ctl usb-default BUS_SYSPATH 0|1|2
 * Exit 0 on success; on failure the error text on stderr and exit 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod-free/blockdev.h"
#include "kmod-free/usbauth.h"

static int fail(const char *what, const char *on, int r)
{
	fprintf(stderr, "kmodfree-ctl: %s %s: %s\n", what, on, strerror(-r));
	return 1;
}

int main(int argc, char **argv)
{
	char path[512];
	bool b;
	int r;

	if (argc == 4 && strcmp(argv[1], "blockdev-ro") == 0) {
		if (strcmp(argv[3], "get") == 0) {
			if ((r = blockdev_get_ro(argv[2], &b)) < 0)
				return fail("BLKROGET", argv[2], r);
			printf("%d\n", b);
			return 0;
		}
		r = blockdev_set_ro(argv[2], strcmp(argv[3], "on") == 0);
		return r < 0 ? fail("BLKROSET", argv[2], r) : 0;
	}
	if (argc == 3 && strcmp(argv[1], "mount-ro") == 0) {
		r = mount_make_ro(argv[2]);
		return r < 0 ? fail("read-only mount", argv[2], r) : 0;
	}
	if (argc == 3 &&
	    (strcmp(argv[1], "usb-find") == 0 || strcmp(argv[1], "usb-deauth-block") == 0)) {
		struct udev *udev = udev_new();
		if (!udev)
			return fail("udev", "context", -ENOMEM);
		if (strcmp(argv[1], "usb-find") == 0)
			r = usbauth_find_usb_device(udev, argv[2], path, sizeof(path));
		else
			r = usbauth_deauthorize_block(udev, argv[2], path, sizeof(path));
		udev_unref(udev);
		if (r < 0)
			return fail(argv[1], argv[2], r);
		printf("%s\n", path);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "usb-auth") == 0) {
		if (strcmp(argv[3], "get") == 0) {
			if ((r = usbauth_get_authorized(argv[2], &b)) < 0)
				return fail("read authorized of", argv[2], r);
			printf("%d\n", b);
			return 0;
		}
		r = usbauth_set_authorized(argv[2], strcmp(argv[3], "1") == 0);
		return r < 0 ? fail("write authorized of", argv[2], r) : 0;
	}
	if (argc == 4 && strcmp(argv[1], "usb-default") == 0) {
		r = usbauth_set_default(argv[2], atoi(argv[3]));
		return r < 0 ? fail("write authorized_default of", argv[2], r) : 0;
	}
	fprintf(stderr, "usage: see the comment at the top of tests/tools/kmodfree-ctl.c\n");
	return 2;
}
