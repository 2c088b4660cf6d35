#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/devices.h"
#include "tests/tools/devtable.h"

/* A device described by two key=value lists, as udev and sysfs would. */
struct fake {
	const char *const *props; /* "KEY=value", ..., NULL */
	const char *const *attrs;
};

static const char *lookup(const char *const *list, const char *key)
{
	size_t klen = strlen(key);
	for (; list && *list; list++)
		if (strncmp(*list, key, klen) == 0 && (*list)[klen] == '=')
			return *list + klen + 1;
	return NULL;
}

static const char *fake_prop(const char *key, void *ctx)
{
	return lookup(((struct fake *)ctx)->props, key);
}

static const char *fake_attr(const char *key, void *ctx)
{
	return lookup(((struct fake *)ctx)->attrs, key);
}

/* A SanDisk Cruzer as udev describes its first partition. */
static const char *const sandisk[] = {
    "DEVNAME=/dev/sdb1",
    "ID_BUS=usb",
    "ID_USB_DRIVER=usb-storage",
    "ID_VENDOR=SanDisk",
    "ID_VENDOR_ENC=SanDisk\\x20",
    "ID_VENDOR_ID=0781",
    "ID_MODEL=Cruzer_Blade",
    "ID_MODEL_ENC=Cruzer\\x20Blade\\x20\\x20\\x20\\x20",
    "ID_MODEL_ID=5567",
    "ID_SERIAL_SHORT=4C530001230715117463",
    "ID_USB_INTERFACES=:080650:",
    "ID_FS_TYPE=exfat",
    "ID_FS_UUID=1234-ABCD",
    "ID_FS_LABEL=____",
    "ID_FS_LABEL_ENC=\\xe5\\x85\\xac\\xe6\\x96\\x87",
    NULL,
};

static void usb_stick_identity(void **state)
{
	static const char *const attrs[] = {"removable=0", "size=60063744", NULL};
	struct fake f = {sandisk, attrs};
	struct ward_device d;

	(void)state;
	/* removable=0 (many sticks say so): recognised by bus and driver. */
	assert_true(devices_props_removable(fake_prop, fake_attr, "sdb", &f));
	devices_props_identity(fake_prop, fake_attr, &f, &d);
	assert_int_equal(d.bus, DEVICE_BUS_USB);
	assert_true(d.removable);
	assert_int_equal(d.vendor_id, 0x0781);
	assert_int_equal(d.product_id, 0x5567);
	assert_string_equal(d.serial, "4C530001230715117463");
	assert_string_equal(d.vendor, "SanDisk");
	assert_string_equal(d.model, "Cruzer Blade");
	assert_string_equal(d.interfaces, ":080650:");
	assert_string_equal(d.fs_type, "exfat");
	assert_string_equal(d.fs_uuid, "1234-ABCD");
	assert_string_equal(d.fs_label, "公文");
	assert_string_equal(d.devnode, "/dev/sdb1");
	assert_int_equal(d.size_bytes, 60063744ull * 512);
}

static void which_devices_are_removable(void **state)
{
	static const char *const uas[] = {"ID_BUS=usb", "ID_USB_DRIVER=uas", NULL};
	static const char *const usb_other[] = {"ID_BUS=usb", "ID_USB_DRIVER=usbhid", NULL};
	static const char *const sd[] = {"ID_DRIVE_FLASH_SD=1", NULL};
	static const char *const mmc[] = {"ID_BUS=mmc", NULL};
	static const char *const ata[] = {"ID_BUS=ata", NULL};
	static const char *const none[] = {NULL};
	static const char *const removable[] = {"removable=1", NULL};
	static const char *const fixed[] = {"removable=0", NULL};
	struct fake f;

	(void)state;
	f = (struct fake){uas, fixed};
	assert_true(devices_props_removable(fake_prop, fake_attr, "sdc", &f));
	f = (struct fake){usb_other, fixed};
	assert_false(devices_props_removable(fake_prop, fake_attr, "sdc", &f));
	f = (struct fake){sd, fixed};
	assert_true(devices_props_removable(fake_prop, fake_attr, "sdd", &f));
	f = (struct fake){mmc, fixed};
	assert_true(devices_props_removable(fake_prop, fake_attr, "sde", &f));
	f = (struct fake){none, fixed};
	assert_true(devices_props_removable(fake_prop, fake_attr, "mmcblk0", &f));
	f = (struct fake){ata, removable};
	assert_true(devices_props_removable(fake_prop, fake_attr, "sdf", &f));
	f = (struct fake){ata, fixed};
	assert_false(devices_props_removable(fake_prop, fake_attr, "sda", &f));
	f = (struct fake){none, NULL};
	assert_false(devices_props_removable(fake_prop, fake_attr, "vda", &f));
}

static void sd_card_and_unknown_bus(void **state)
{
	static const char *const sd[] = {"DEVNAME=/dev/mmcblk0p1", "ID_FS_TYPE=vfat", NULL};
	static const char *const other[] = {"DEVNAME=/dev/sdf", "ID_BUS=ata", "ID_MODEL=X", NULL};
	struct fake f = {sd, NULL};
	struct ward_device d;

	(void)state;
	devices_props_identity(fake_prop, fake_attr, &f, &d);
	assert_int_equal(d.bus, DEVICE_BUS_MMC);
	assert_int_equal(d.vendor_id, 0);
	assert_string_equal(d.vendor, "");
	assert_int_equal(d.size_bytes, 0);
	f = (struct fake){other, NULL};
	devices_props_identity(fake_prop, fake_attr, &f, &d);
	assert_int_equal(d.bus, DEVICE_BUS_OTHER);
	assert_string_equal(d.model, "X");
}

static void decodes_udev_escapes(void **state)
{
	char out[8];

	(void)state;
	assert_true(devices_decode_enc("A\\x20B\\x5c", out, sizeof(out)));
	assert_string_equal(out, "A B\\");
	/* Not an escape: kept as is. */
	assert_true(devices_decode_enc("\\xZZ", out, sizeof(out)));
	assert_string_equal(out, "\\xZZ");
	/* Too long: cut, reported, and never in the middle of a character. */
	assert_false(devices_decode_enc("ab\\xe5\\x85\\xac\\xe6\\x96\\x87", out, 5));
	assert_string_equal(out, "ab");
	assert_false(devices_decode_enc("ab\\xe5\\x85\\xac\\xe6\\x96\\x87", out, 7));
	assert_string_equal(out, "ab公");
}

struct counted {
	int n;
	bool saw_nonremovable;
	struct devtable known;
};

static void count_cb(const struct devices_event *ev, void *arg)
{
	struct counted *c = arg;
	c->n++;
	if (!ev->device.removable || ev->action != DEVICES_ADDED)
		c->saw_nonremovable = true;
	assert_int_equal(devtable_update(&c->known, ev), 0);
}

/* Against the machine's real udev: the context opens, and whatever it
 * enumerates is removable by its own rules (the root disk never is). */
static void enumerate_reports_only_removable(void **state)
{
	struct devices *d;
	struct counted c = {0, false, {BUF_INIT}};
	struct devices_table table = devtable_ops(&c.known);

	(void)state;
	assert_int_equal(devices_open(&table, &d), 0);
	assert_true(devices_fd(d) >= 0);
	assert_int_equal(devices_enumerate(d, count_cb, &c), 0);
	assert_false(c.saw_nonremovable);
	assert_int_equal(devtable_count(&c.known), (size_t)c.n);
	/* Enumerating again, against what the caller knows, reports no
	 * differences. */
	int first = c.n;
	assert_int_equal(devices_enumerate(d, count_cb, &c), 0);
	assert_int_equal(c.n, first);
	assert_int_equal(devtable_count(&c.known), (size_t)first);
	/* The root disk (vda here) is not in the table. */
	assert_null(devtable_node(&c.known, "/dev/vda", NULL));
	devices_free(d);
	buf_free(&c.known.events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(usb_stick_identity),
	    cmocka_unit_test(which_devices_are_removable),
	    cmocka_unit_test(sd_card_and_unknown_bus),
	    cmocka_unit_test(decodes_udev_escapes),
	    cmocka_unit_test(enumerate_reports_only_removable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
