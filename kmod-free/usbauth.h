/* USB deauthorization through sysfs, as USBGuard does: writing 0 to a USB
 * device's `authorized` attribute unbinds its drivers (its disks vanish);
 * a bus's `authorized_default` decides for devices plugged in later.
 * All paths go through libudev / sysfs, so umockdev can stand in for a
 * real bus in tests. */
#ifndef WARD_KMODFREE_USBAUTH_H
#define WARD_KMODFREE_USBAUTH_H

#include <stdbool.h>
#include <stddef.h>

struct udev;

/* Find the USB device (subsystem usb, devtype usb_device) above the block
 * device at block_syspath (/sys/devices/.../block/sdb or a partition), copy
 * its syspath into usb_syspath.  Returns 0, -ENODEV if it is not on USB (a
 * root hub is never returned), -EINVAL if block_syspath is not a block
 * device, or -errno. */
int usbauth_find_usb_device(struct udev *udev, const char *block_syspath, char *usb_syspath,
			    size_t size);

/* Write 0 or 1 to <usb_syspath>/authorized.  Returns 0 or -errno. */
int usbauth_set_authorized(const char *usb_syspath, bool authorized);
/* Read it back.  Returns 0 and sets *authorized, or -errno. */
int usbauth_get_authorized(const char *usb_syspath, bool *authorized);

/* Both steps: deauthorize the USB device a block device sits on.  The
 * deauthorized device's syspath goes to usb_syspath (may be NULL).  Returns
 * 0, -ENODEV if the block device is not on USB, or -errno. */
int usbauth_deauthorize_block(struct udev *udev, const char *block_syspath, char *usb_syspath,
			      size_t size);

/* Write value (0 none, 1 all, 2 internal ports only) to the
 * authorized_default of the root hub at bus_syspath (/sys/bus/usb/devices/usbN
 * or its /sys/devices path).  Returns 0 or -errno. */
int usbauth_set_default(const char *bus_syspath, int value);

#endif
