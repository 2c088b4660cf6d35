/* What Ward knows of a storage medium: built by the agent from udev and
 * blkid properties, matched by device rules in the policy, recorded in the
 * device inventory and in every decision. */
#ifndef WARD_DEVICE_H
#define WARD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

enum device_bus {
	DEVICE_BUS_OTHER = 0, /* removable, but neither USB nor SD/MMC */
	DEVICE_BUS_USB,
	DEVICE_BUS_MMC,
	DEVICE_BUS_INTERNAL, /* not removable: internal disks */
};

struct ward_device {
	enum device_bus bus;
	bool removable;
	uint16_t vendor_id;   /* USB idVendor (ID_VENDOR_ID), 0 if unknown */
	uint16_t product_id;  /* USB idProduct (ID_MODEL_ID) */
	char serial[128];     /* ID_SERIAL_SHORT */
	char vendor[128];     /* ID_VENDOR / sysfs vendor */
	char model[128];      /* ID_MODEL */
	char interfaces[128]; /* ID_USB_INTERFACES, e.g. ":080650:" */
	char fs_type[32];     /* ID_FS_TYPE: exfat, vfat, ext4, ... */
	char fs_uuid[64];     /* ID_FS_UUID */
	char fs_label[128];   /* ID_FS_LABEL */
	char devnode[64];     /* /dev/sdb1 */
	uint64_t size_bytes;
};

const char *device_bus_name(enum device_bus bus);

#endif
