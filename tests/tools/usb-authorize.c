/* usb-authorize: find USB devices through libudev and read or write their
 * sysfs `authorized` attribute, as USBGuard (and Ward's deauthorization)
 * does.  Meant to run under umockdev-run with
 * tests/lib/umockdev/usb-stick.umockdev, where /sys is a mock tree; on a
 * real machine writing 0 really disconnects the device.
 *
 *   usb-authorize --vendor VID --product PID [--serial S] [--set 0|1]
 *   usb-authorize --block NAME [--set 0|1]
 *
 * --vendor/--product/--serial  walk subsystem "usb", devtype "usb_device"
 *                              and take every device with these idVendor,
 *                              idProduct (and serial) attributes
 * --block NAME                 the USB device a block device (sdb, sdb1)
 *                              sits on, through its udev parents
 * --set V                      write V to `authorized`, then read it back
 *
 * Prints one line per device: "SYSPATH authorized=V" (with --set,
 * "SYSPATH authorized=OLD->NEW").  Exit: 0 found (and written), 1 error,
 * 3 no such device. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libudev.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

struct request {
	const char *vendor;  /* idVendor, 4 hex digits */
	const char *product; /* idProduct */
	const char *serial;  /* NULL: any */
	const char *block;   /* sysname of a block device, or NULL */
	const char *set;     /* "0", "1" or NULL: only read */
};

static void usage(void)
{
	fprintf(stderr, "usage: usb-authorize --vendor VID --product PID [--serial S] [--set 0|1]\n"
			"       usb-authorize --block NAME [--set 0|1]\n");
	exit(1);
}

static void parse_args(struct request *rq, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"vendor", required_argument, NULL, 'v'},
	    {"product", required_argument, NULL, 'p'},
	    {"serial", required_argument, NULL, 's'},
	    {"block", required_argument, NULL, 'b'},
	    {"set", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "v:p:s:b:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			rq->vendor = optarg;
			break;
		case 'p':
			rq->product = optarg;
			break;
		case 's':
			rq->serial = optarg;
			break;
		case 'b':
			rq->block = optarg;
			break;
		case 'w':
			if (strcmp(optarg, "0") != 0 && strcmp(optarg, "1") != 0)
				fatalx("--set wants 0 or 1, not '%s'", optarg);
			rq->set = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!rq->block == !(rq->vendor && rq->product))
		usage();
}

/* Reads <syspath>/authorized into buf ("0" or "1"); returns 0 or -errno.
 * Read from the file, not libudev's attribute cache, which would still
 * hold the value from before a write. */
static int read_authorized(const char *syspath, char *buf, size_t size)
{
	char path[512];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/authorized", syspath) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_full(fd, buf, size - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_authorized(const char *syspath, const char *value)
{
	char path[512];
	_cleanup_close_ int fd = -1;

	if (snprintf(path, sizeof(path), "%s/authorized", syspath) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_all(fd, value, strlen(value));
}

/* Shows (and with --set changes) one USB device; returns 0 or -errno. */
static int act_on(const struct request *rq, struct udev_device *usb)
{
	const char *syspath = udev_device_get_syspath(usb);
	char before[16], after[16];
	int r;

	r = read_authorized(syspath, before, sizeof(before));
	if (r < 0) {
		errno = -r;
		log_warn("cannot read %s/authorized", syspath);
		return r;
	}
	if (!rq->set) {
		printf("%s authorized=%s\n", syspath, before);
		return 0;
	}
	r = write_authorized(syspath, rq->set);
	if (r < 0) {
		errno = -r;
		log_warn("cannot write %s to %s/authorized", rq->set, syspath);
		return r;
	}
	r = read_authorized(syspath, after, sizeof(after));
	if (r < 0) {
		errno = -r;
		log_warn("cannot read back %s/authorized", syspath);
		return r;
	}
	printf("%s authorized=%s->%s\n", syspath, before, after);
	return 0;
}

/* Every usb_device with the requested ids; returns how many were acted on,
 * or -errno. */
static int by_ids(const struct request *rq, struct udev *udev)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *entry;
	int found = 0, r = 0;

	if (!e)
		return -errno;
	if (udev_enumerate_add_match_subsystem(e, "usb") < 0 ||
	    udev_enumerate_add_match_property(e, "DEVTYPE", "usb_device") < 0 ||
	    udev_enumerate_add_match_sysattr(e, "idVendor", rq->vendor) < 0 ||
	    udev_enumerate_add_match_sysattr(e, "idProduct", rq->product) < 0 ||
	    (rq->serial && udev_enumerate_add_match_sysattr(e, "serial", rq->serial) < 0) ||
	    udev_enumerate_scan_devices(e) < 0) {
		udev_enumerate_unref(e);
		return -EIO;
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *usb =
		    udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));

		if (!usb)
			continue; /* unplugged since the scan */
		r = act_on(rq, usb);
		udev_device_unref(usb);
		if (r < 0)
			break;
		found++;
	}
	udev_enumerate_unref(e);
	return r < 0 ? r : found;
}

/* The usb_device above a block device; returns 1, 0 if it is not on USB,
 * or -errno. */
static int by_block(const struct request *rq, struct udev *udev)
{
	struct udev_device *blk = udev_device_new_from_subsystem_sysname(udev, "block", rq->block);
	struct udev_device *usb;
	int r;

	if (!blk) {
		log_warnx("no block device named %s in sysfs", rq->block);
		return 0;
	}
	/* Owned by blk: no unref of its own. */
	usb = udev_device_get_parent_with_subsystem_devtype(blk, "usb", "usb_device");
	if (!usb) {
		log_warnx("block device %s is not on a USB device", rq->block);
		udev_device_unref(blk);
		return 0;
	}
	r = act_on(rq, usb);
	udev_device_unref(blk);
	return r < 0 ? r : 1;
}

int main(int argc, char **argv)
{
	struct request rq = {0};
	struct udev *udev;
	int r;

	log_init("usb-authorize", LOG_TO_STDERR, false);
	parse_args(&rq, argc, argv);
	udev = udev_new();
	if (!udev)
		fatal("udev_new");
	r = rq.block ? by_block(&rq, udev) : by_ids(&rq, udev);
	udev_unref(udev);
	if (r < 0) {
		if (r == -EIO)
			log_warnx("cannot enumerate USB devices through libudev");
		return 1;
	}
	if (r == 0) {
		if (!rq.block)
			log_warnx("no USB device %s:%s%s%s", rq.vendor, rq.product,
				  rq.serial ? " with serial " : "", rq.serial ? rq.serial : "");
		return 3;
	}
	return 0;
}
