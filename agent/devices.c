#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "agent/devices.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define LIST_MAX 256 /* known media swept after an enumeration */

struct devices {
	struct udev *udev;
	struct udev_monitor *monitor;
	struct devices_table table; /* the caller's: what is known */
};

bool devices_decode_enc(const char *enc, char *out, size_t size)
{
	size_t w = 0;
	bool fit = true;

	if (size == 0)
		return false;
	for (const char *r = enc; *r;) {
		char c;
		if (r[0] == '\\' && r[1] == 'x' && r[2] && r[3]) {
			char hex[3] = {r[2], r[3], 0};
			char *end;
			long v = strtol(hex, &end, 16);
			if (*end == '\0' && v > 0) {
				c = (char)v;
				r += 4;
			} else {
				c = *r++;
			}
		} else {
			c = *r++;
		}
		if (w + 1 >= size) {
			fit = false;
			break;
		}
		out[w++] = c;
	}
	/* Do not leave half a UTF-8 character at a cut. */
	if (!fit) {
		size_t start = w;
		while (start > 0 && ((unsigned char)out[start - 1] & 0xc0) == 0x80)
			start--;
		if (start > 0) {
			unsigned char lead = (unsigned char)out[start - 1];
			size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
			if (w - (start - 1) < need)
				w = start - 1;
		}
	}
	while (w > 0 && (out[w - 1] == ' ' || out[w - 1] == '\t'))
		w--;
	out[w] = '\0';
	return fit;
}

static bool is_true(const char *v)
{
	return v && strcmp(v, "1") == 0;
}

bool devices_props_removable(devices_prop_fn prop, devices_prop_fn attr, const char *sysname,
			     void *ctx)
{
	const char *bus = prop("ID_BUS", ctx);
	const char *drv = prop("ID_USB_DRIVER", ctx);

	if (bus && strcmp(bus, "usb") == 0 && drv &&
	    (strcmp(drv, "usb-storage") == 0 || strcmp(drv, "uas") == 0))
		return true;
	if (is_true(prop("ID_DRIVE_FLASH_SD", ctx)) || (bus && strcmp(bus, "mmc") == 0))
		return true;
	if (sysname && strncmp(sysname, "mmcblk", 6) == 0)
		return true;
	return is_true(attr("removable", ctx));
}

static void copy_prop(devices_prop_fn prop, void *ctx, const char *enc_key, const char *key,
		      char *out, size_t size)
{
	const char *v = enc_key ? prop(enc_key, ctx) : NULL;

	if (v && *v) {
		devices_decode_enc(v, out, size);
		return;
	}
	v = prop(key, ctx);
	str_copy(out, size, v ? v : "");
}

static uint16_t hex16(const char *v)
{
	if (!v)
		return 0;
	char *end;
	unsigned long x = strtoul(v, &end, 16);
	return (*end == '\0' && x <= 0xffff) ? (uint16_t)x : 0;
}

void devices_props_identity(devices_prop_fn prop, devices_prop_fn attr, void *ctx,
			    struct ward_device *out)
{
	const char *bus = prop("ID_BUS", ctx);
	const char *devname = prop("DEVNAME", ctx);
	const char *size = attr("size", ctx);

	memset(out, 0, sizeof(*out));
	out->removable = true;
	if (bus && strcmp(bus, "usb") == 0)
		out->bus = DEVICE_BUS_USB;
	else if ((bus && strcmp(bus, "mmc") == 0) || is_true(prop("ID_DRIVE_FLASH_SD", ctx)) ||
		 (devname && strstr(devname, "/mmcblk")))
		out->bus = DEVICE_BUS_MMC;
	else
		out->bus = DEVICE_BUS_OTHER;
	out->vendor_id = hex16(prop("ID_VENDOR_ID", ctx));
	out->product_id = hex16(prop("ID_MODEL_ID", ctx));
	copy_prop(prop, ctx, NULL, "ID_SERIAL_SHORT", out->serial, sizeof(out->serial));
	copy_prop(prop, ctx, "ID_VENDOR_ENC", "ID_VENDOR", out->vendor, sizeof(out->vendor));
	copy_prop(prop, ctx, "ID_MODEL_ENC", "ID_MODEL", out->model, sizeof(out->model));
	copy_prop(prop, ctx, NULL, "ID_USB_INTERFACES", out->interfaces, sizeof(out->interfaces));
	copy_prop(prop, ctx, NULL, "ID_FS_TYPE", out->fs_type, sizeof(out->fs_type));
	copy_prop(prop, ctx, NULL, "ID_FS_UUID", out->fs_uuid, sizeof(out->fs_uuid));
	copy_prop(prop, ctx, "ID_FS_LABEL_ENC", "ID_FS_LABEL", out->fs_label,
		  sizeof(out->fs_label));
	str_copy(out->devnode, sizeof(out->devnode), devname ? devname : "");
	if (size)
		out->size_bytes = strtoull(size, NULL, 10) * 512;
}

/* Property lookup over a udev device and, for identity that udev keeps
 * on the disk, its parent disk. */
struct udev_ctx {
	struct udev_device *dev;
	struct udev_device *disk;     /* the parent disk of a partition, else dev */
	struct udev_device *usb;      /* the USB device above, or NULL */
	struct udev_device *usb_intf; /* the USB interface above, or NULL */
	struct udev_ctx *lower;	      /* for a device stacked on a medium (dm-crypt, LVM, md):
				       * the removable device below, which has the identity */
};

/* What udev's usb_id builtin would have said, read from sysfs: for a
 * device udev has no database entry for (udevd started after it was
 * plugged in, or its rules did not run). */
static const char *sysfs_usb_prop(const struct udev_ctx *c, const char *key)
{
	static const struct {
		const char *key, *attr;
	} map[] = {
	    {"ID_VENDOR_ID", "idVendor"},  {"ID_MODEL_ID", "idProduct"},
	    {"ID_SERIAL_SHORT", "serial"}, {"ID_VENDOR", "manufacturer"},
	    {"ID_MODEL", "product"},
	};

	if (!c->usb)
		return NULL;
	if (strcmp(key, "ID_BUS") == 0)
		return "usb";
	if (strcmp(key, "ID_USB_DRIVER") == 0)
		return c->usb_intf ? udev_device_get_driver(c->usb_intf) : NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(key, map[i].key) == 0)
			return udev_device_get_sysattr_value(c->usb, map[i].attr);
	return NULL;
}

static const char *udev_prop(const char *key, void *arg)
{
	struct udev_ctx *c = arg;
	const char *v = udev_device_get_property_value(c->dev, key);

	/* A partition's filesystem properties are its own; everything else
	 * (bus, vendor, serial) may have to come from the disk. */
	if (!v && c->disk != c->dev && strncmp(key, "ID_FS_", 6) != 0 &&
	    strcmp(key, "DEVNAME") != 0)
		v = udev_device_get_property_value(c->disk, key);
	/* An encoded name is preferred when udev has one; without udev's
	 * properties at all, the plain key falls back to sysfs. */
	if (!v && strstr(key, "_ENC") == NULL)
		v = sysfs_usb_prop(c, key);
	/* A LUKS container on a stick: the filesystem is the mapping's own,
	 * the bus, vendor and serial are the stick's. */
	if (!v && c->lower && strncmp(key, "ID_FS_", 6) != 0 && strcmp(key, "DEVNAME") != 0)
		v = udev_prop(key, c->lower);
	return v;
}

static const char *udev_attr(const char *name, void *arg)
{
	struct udev_ctx *c = arg;

	/* "removable" lives on the disk (below, for a stacked device);
	 * "size" on each block device. */
	if (strcmp(name, "removable") == 0)
		return c->lower ? udev_attr(name, c->lower)
				: udev_device_get_sysattr_value(c->disk, name);
	return udev_device_get_sysattr_value(c->dev, name);
}

int devices_open(const struct devices_table *table, struct devices **out)
{
	struct devices *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->table = *table;
	d->udev = udev_new();
	if (!d->udev) {
		r = -ENOMEM;
		goto fail;
	}
	d->monitor = udev_monitor_new_from_netlink(d->udev, "udev");
	if (!d->monitor) {
		r = errno ? -errno : -EPROTO;
		goto fail;
	}
	if ((r = udev_monitor_filter_add_match_subsystem_devtype(d->monitor, "block", NULL)) < 0)
		goto fail;
	/* A burst of events (a hub with several card readers) must not be
	 * dropped; needs CAP_NET_ADMIN for more than rmem_max, else stays. */
	udev_monitor_set_receive_buffer_size(d->monitor, 4 * 1024 * 1024);
	if ((r = udev_monitor_enable_receiving(d->monitor)) < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	devices_free(d);
	return r < 0 ? r : -EIO;
}

void devices_free(struct devices *d)
{
	if (!d)
		return;
	if (d->monitor)
		udev_monitor_unref(d->monitor);
	if (d->udev)
		udev_unref(d->udev);
	free(d);
}

int devices_fd(const struct devices *d)
{
	return udev_monitor_get_fd(d->monitor);
}

struct udev *devices_udev(const struct devices *d)
{
	return d->udev;
}

/* Fill c for dev: its disk (itself unless a partition) and the USB device
 * and interface above.  False for a partition without a disk. */
static bool ctx_init(struct udev_ctx *c, struct udev_device *dev)
{
	const char *devtype = udev_device_get_devtype(dev);

	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->disk = dev;
	if (devtype && strcmp(devtype, "partition") == 0) {
		c->disk = udev_device_get_parent_with_subsystem_devtype(dev, "block", "disk");
		if (!c->disk)
			return false;
	}
	/* Owned by c->disk, like every parent: no unref. */
	c->usb = udev_device_get_parent_with_subsystem_devtype(c->disk, "usb", "usb_device");
	c->usb_intf =
	    udev_device_get_parent_with_subsystem_devtype(c->disk, "usb", "usb_interface");
	return true;
}

static bool ctx_removable(struct udev_ctx *c)
{
	return devices_props_removable(udev_prop, udev_attr, udev_device_get_sysname(c->disk), c);
}

/* The devices below a stacked one, looked at so far (they own the strings
 * the identity is read from until it is built). */
#define STACK_MAX 8
struct lower_hold {
	struct udev_device *devs[STACK_MAX];
	struct udev_ctx ctx[STACK_MAX];
	int n;
};

static void lower_release(struct lower_hold *h)
{
	for (int i = 0; i < h->n; i++)
		udev_device_unref(h->devs[i]);
	h->n = 0;
}

/* The removable medium under dev, through sysfs "slaves" (dm-crypt, LVM,
 * md, several levels deep), or NULL. */
static struct udev_ctx *find_lower(struct udev_device *dev, struct lower_hold *h)
{
	char path[512];
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;

	if (snprintf(path, sizeof(path), "%s/slaves", udev_device_get_syspath(dev)) >=
	    (int)sizeof(path))
		return NULL;
	dir = opendir(path);
	if (!dir)
		return NULL;
	while ((de = readdir(dir)) != NULL && h->n < STACK_MAX) {
		if (de->d_name[0] == '.')
			continue;
		struct udev_device *s = udev_device_new_from_subsystem_sysname(
		    udev_device_get_udev(dev), "block", de->d_name);
		if (!s)
			continue;
		struct udev_ctx *sc = &h->ctx[h->n];
		h->devs[h->n++] = s;
		if (!ctx_init(sc, s))
			continue;
		if (ctx_removable(sc))
			return sc;
		sc->lower = find_lower(s, h);
		if (sc->lower)
			return sc;
	}
	return NULL;
}

/* Build the event for a device that is present (add/change/enumerated).
 * Returns false when it is not removable storage or has no medium. */
static bool describe(struct udev_device *dev, struct devices_event *ev)
{
	struct udev_ctx c;
	struct lower_hold hold = {.n = 0};
	const char *size;
	bool ok = false;

	memset(ev, 0, sizeof(*ev));
	ev->devnum = udev_device_get_devnum(dev);
	ev->parent_devnum = ev->devnum;
	if (major(ev->devnum) == 0 || !ctx_init(&c, dev))
		return false;
	if (c.disk != dev) {
		ev->is_partition = true;
		ev->parent_devnum = udev_device_get_devnum(c.disk);
	}
	if (!ctx_removable(&c)) {
		/* Not removable itself: maybe a mapping of something that is
		 * (an encrypted stick opened with cryptsetup). */
		c.lower = find_lower(dev, &hold);
		if (!c.lower)
			goto out;
		ev->stacked = true;
		ev->parent_devnum = udev_device_get_devnum(c.lower->dev);
	}
	/* No medium: an empty card reader slot, a detached loop device. */
	size = udev_device_get_sysattr_value(dev, "size");
	if (!size || strtoull(size, NULL, 10) == 0)
		goto out;
	devices_props_identity(udev_prop, udev_attr, &c, &ev->device);
	if (!ev->device.devnode[0]) {
		const char *node = udev_device_get_devnode(dev);
		str_copy(ev->device.devnode, sizeof(ev->device.devnode), node ? node : "");
	}
	str_copy(ev->syspath, sizeof(ev->syspath), udev_device_get_syspath(dev));
	ok = true;
out:
	lower_release(&hold);
	return ok;
}

/* Field by field: struct copies need not preserve padding bytes. */
static bool same_identity(const struct ward_device *a, const struct ward_device *b)
{
	return a->bus == b->bus && a->removable == b->removable && a->vendor_id == b->vendor_id &&
	       a->product_id == b->product_id && a->size_bytes == b->size_bytes &&
	       strcmp(a->serial, b->serial) == 0 && strcmp(a->vendor, b->vendor) == 0 &&
	       strcmp(a->model, b->model) == 0 && strcmp(a->interfaces, b->interfaces) == 0 &&
	       strcmp(a->fs_type, b->fs_type) == 0 && strcmp(a->fs_uuid, b->fs_uuid) == 0 &&
	       strcmp(a->fs_label, b->fs_label) == 0 && strcmp(a->devnode, b->devnode) == 0;
}

/* One udev device with its action; reports what changed against what the
 * caller's table knows.  A present medium's devnum goes into present when
 * given (an enumeration).  Returns 1 if an event was reported, 0 if not,
 * -errno. */
static int handle(struct devices *d, struct udev_device *dev, const char *action, devices_cb cb,
		  void *arg, struct buf *present)
{
	struct devices_event ev, prev;
	dev_t devnum = udev_device_get_devnum(dev);
	bool known = d->table.find(d->table.arg, devnum, &prev);

	if (!action)
		action = "add";
	if (strcmp(action, "remove") == 0 ||
	    ((strcmp(action, "add") == 0 || strcmp(action, "change") == 0) &&
	     !describe(dev, &ev))) {
		if (!known)
			return 0;
		prev.action = DEVICES_REMOVED;
		cb(&prev, arg);
		return 1;
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "change") != 0)
		return 0; /* bind, unbind, move, online, offline */
	if (present && buf_push(present, &ev.devnum, sizeof(ev.devnum)) < 0)
		return -ENOMEM;
	if (known && same_identity(&prev.device, &ev.device))
		return 0; /* a change event that changed nothing we know of */
	ev.action = known ? DEVICES_CHANGED : DEVICES_ADDED;
	cb(&ev, arg);
	return 1;
}

static bool listed(const struct buf *present, dev_t devnum)
{
	const dev_t *v = (const dev_t *)present->data;

	for (size_t i = 0; i < present->len / sizeof(dev_t); i++)
		if (v[i] == devnum)
			return true;
	return false;
}

/* Known but not present any more: its remove event was lost. */
static void sweep(struct devices *d, const struct buf *present, devices_cb cb, void *arg)
{
	dev_t known[LIST_MAX];
	size_t n = d->table.list(d->table.arg, known, LIST_MAX);

	for (size_t i = 0; i < n; i++) {
		struct devices_event ev;

		if (listed(present, known[i]) || !d->table.find(d->table.arg, known[i], &ev))
			continue;
		ev.action = DEVICES_REMOVED;
		cb(&ev, arg);
	}
}

int devices_enumerate(struct devices *d, devices_cb cb, void *arg)
{
	struct udev_enumerate *en = udev_enumerate_new(d->udev);
	_cleanup_buf_ struct buf present = BUF_INIT;
	struct udev_list_entry *e;
	int r;

	if (!en)
		return -ENOMEM;
	if ((r = udev_enumerate_add_match_subsystem(en, "block")) < 0 ||
	    (r = udev_enumerate_scan_devices(en)) < 0) {
		udev_enumerate_unref(en);
		return r;
	}
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		struct udev_device *dev =
		    udev_device_new_from_syspath(d->udev, udev_list_entry_get_name(e));
		if (!dev)
			continue; /* gone meanwhile */
		r = handle(d, dev, "add", cb, arg, &present);
		udev_device_unref(dev);
		if (r < 0)
			break;
	}
	udev_enumerate_unref(en);
	if (r < 0)
		return r;
	sweep(d, &present, cb, arg);
	return 0;
}

int devices_dispatch(struct devices *d, devices_cb cb, void *arg)
{
	int reported = 0;

	for (;;) {
		errno = 0;
		struct udev_device *dev = udev_monitor_receive_device(d->monitor);
		if (!dev) {
			/* The socket overflowed and events were lost: what is
			 * present now is found by enumerating again. */
			if (errno == ENOBUFS) {
				log_warnx(
				    "udev monitor overflowed; re-reading the block devices present");
				int r = devices_enumerate(d, cb, arg);
				if (r < 0)
					return r;
				continue;
			}
			break; /* EAGAIN: drained */
		}
		int r = handle(d, dev, udev_device_get_action(dev), cb, arg, NULL);
		udev_device_unref(dev);
		if (r < 0)
			return r;
		reported += r;
	}
	return reported;
}
