/* Removable storage as udev sees it: a libudev monitor ("udev" netlink
 * source, subsystem "block", disks and partitions) plus an enumeration of
 * what is present at start.  It keeps no table of its own: it reports
 * media against the caller's table of known devices (wardd: removable.c),
 * which it asks through struct devices_table, so a "change" that changes
 * nothing is not reported, a "change" without media is the medium going
 * away, and an enumeration reports media whose removal was missed.  No
 * threads inside: the daemon polls devices_fd() and calls
 * devices_dispatch(). */
#ifndef WARD_AGENT_DEVICES_H
#define WARD_AGENT_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/device.h"

struct udev;
struct devices;

enum devices_action {
	DEVICES_ADDED,	 /* new medium (add, or change with media present) */
	DEVICES_CHANGED, /* known medium, properties changed (e.g. reformatted) */
	DEVICES_REMOVED, /* remove, or change with no media */
};

struct devices_event {
	enum devices_action action;
	dev_t devnum;	     /* the block device's major:minor */
	dev_t parent_devnum; /* the whole disk for a partition, else devnum */
	bool is_partition;
	bool stacked;		   /* a mapping (dm-crypt, LVM, md) over a removable medium:
				    * parent_devnum is the medium below, the identity its */
	struct ward_device device; /* identity; a partition carries its disk's USB identity */
	char syspath[256];	   /* /sys/devices/.../block/sdb/sdb1 */
};

/* Called once per event; the event is valid only during the call.  It
 * must keep the caller's table in step: remember an ADDED or CHANGED
 * event (the whole struct), forget a REMOVED one. */
typedef void (*devices_cb)(const struct devices_event *event, void *arg);

/* The caller's table of known devices, as devices.c asks it. */
struct devices_table {
	/* The event last remembered for devnum, copied into *out; false
	 * when devnum is not known. */
	bool (*find)(void *arg, dev_t devnum, struct devices_event *out);
	/* The devnum of every known medium, up to max, into out; returns
	 * how many. */
	size_t (*list)(void *arg, dev_t *out, size_t max);
	void *arg;
};

/* Open the monitor (enabled, non-blocking).  table is copied.  Returns 0
 * or -errno. */
int devices_open(const struct devices_table *table, struct devices **out);
void devices_free(struct devices *devices);

/* The monitor's fd for poll(2) (POLLIN). */
int devices_fd(const struct devices *devices);
/* The libudev context, for helpers that need one (usbauth). */
struct udev *devices_udev(const struct devices *devices);

/* Report every removable medium already present as DEVICES_ADDED.  Call
 * after devices_open() (so nothing is missed in between).  Called again, it
 * reports only the differences with what it knows (added, changed, and
 * removed for media no longer present): devices_dispatch() does so itself
 * when the monitor socket overflowed.  Returns 0 or -errno. */
int devices_enumerate(struct devices *devices, devices_cb cb, void *arg);
/* Drain the monitor: one callback per relevant event.  Non-removable
 * devices are ignored.  Returns the number of events reported or -errno. */
int devices_dispatch(struct devices *devices, devices_cb cb, void *arg);

/* --- Pure helpers, exposed for unit tests and for other sources of
 * properties.  get(key, ctx) returns a udev property value or NULL; attr(name,
 * ctx) a sysfs attribute ("removable", "size") or NULL. */
typedef const char *(*devices_prop_fn)(const char *key, void *ctx);

/* Whether these properties describe removable mass storage: ID_BUS=usb with
 * ID_USB_DRIVER usb-storage or uas, SD/MMC (ID_DRIVE_FLASH_SD, ID_BUS=mmc,
 * an mmcblk sysname), or sysfs removable=1 (attr of the disk). */
bool devices_props_removable(devices_prop_fn prop, devices_prop_fn attr, const char *sysname,
			     void *ctx);
/* Fill *out from properties (ID_VENDOR_ID, ID_MODEL_ID, ID_SERIAL_SHORT,
 * ID_VENDOR_ENC decoded / ID_VENDOR, ID_MODEL_ENC / ID_MODEL,
 * ID_USB_INTERFACES, ID_FS_TYPE, ID_FS_UUID, ID_FS_LABEL_ENC / ID_FS_LABEL,
 * DEVNAME) and size (sysfs "size" in 512-byte sectors). */
void devices_props_identity(devices_prop_fn prop, devices_prop_fn attr, void *ctx,
			    struct ward_device *out);
/* Decode udev's \xNN escapes (ID_VENDOR_ENC, ID_FS_LABEL_ENC) into out;
 * trailing blanks are trimmed.  Returns false if out was too small. */
bool devices_decode_enc(const char *enc, char *out, size_t size);

#endif
