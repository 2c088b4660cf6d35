/* kmodfree-devwatch: runs agent/devices and agent/mounts the way wardd does
 * (one poll loop) and prints what they report, one line each, for shell
 * tests:
 *   ready
 *   device add|change|remove MAJ:MIN bus=usb vid=0781 pid=5567 serial=S
 *       fs=exfat uuid=U label=L node=/dev/loop3 size=N part=0|1 stacked=0|1
 *       below=MAJ:MIN (the disk of a partition, the medium under a mapping)
 *   mount add|remove|change MOUNT_POINT dev=MAJ:MIN fstype=T medium=NODE|-
 * Usage: kmodfree-devwatch [--seconds N] [--inventory DIR] [--deaf]
 * SIGUSR1 enumerates again (what the tracker does after a monitor
 * overflow); --deaf never reads the monitor, to stand for lost events.
 *        kmodfree-devwatch --print-inventory DIR [--json]
 * With --inventory, every medium added is recorded as "allow" in DIR's
 * inventory and saved at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "agent/devices.h"
#include "agent/inventory.h"
#include "agent/mounts.h"
#include "common/util.h"
#include "tests/tools/devtable.h"

static volatile sig_atomic_t stop, resync;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		resync = 1;
	else
		stop = 1;
}

struct watch {
	struct devices *devices;
	struct devtable known;
	struct inventory *inv;
};

static void on_device(const struct devices_event *ev, void *arg)
{
	struct watch *w = arg;
	const struct ward_device *d = &ev->device;
	static const char *const names[] = {"add", "change", "remove"};

	printf("device %s %u:%u bus=%s vid=%04x pid=%04x serial=%s vendor=%s model=%s fs=%s "
	       "uuid=%s label=%s node=%s size=%llu part=%d stacked=%d below=%u:%u\n",
	       names[ev->action], major(ev->devnum), minor(ev->devnum), device_bus_name(d->bus),
	       d->vendor_id, d->product_id, d->serial, d->vendor, d->model, d->fs_type, d->fs_uuid,
	       d->fs_label, d->devnode, (unsigned long long)d->size_bytes, ev->is_partition,
	       ev->stacked, major(ev->parent_devnum), minor(ev->parent_devnum));
	fflush(stdout);
	if (devtable_update(&w->known, ev) < 0)
		fprintf(stderr, "kmodfree-devwatch: out of memory\n");
	if (w->inv && ev->action != DEVICES_REMOVED) {
		int r = inventory_record(w->inv, d, "allow", "", time(NULL));
		if (r == 0)
			r = inventory_save(w->inv);
		if (r < 0)
			fprintf(stderr, "kmodfree-devwatch: inventory: %s\n", strerror(-r));
	}
}

static void on_mount(enum mounts_action action, const struct mount_entry *m, void *arg)
{
	struct watch *w = arg;
	static const char *const names[] = {"add", "remove", "change"};
	const char *medium = "-";

	/* Map the mount to a removable medium: by major:minor first, then
	 * by source for FUSE. */
	const struct devices_event *k = devtable_get(&w->known, m->dev);
	if (k)
		medium = k->device.devnode;
	else if (m->source[0] == '/') {
		dev_t devnum;
		if (devtable_node(&w->known, m->source, &devnum) &&
		    mount_entry_on_device(m, devnum, m->source))
			medium = m->source;
	}
	printf("mount %s %s dev=%u:%u fstype=%s ro=%d medium=%s\n", names[action], m->mount_point,
	       major(m->dev), minor(m->dev), m->fstype, m->read_only, medium);
	fflush(stdout);
}

static void ignore_mount(enum mounts_action action, const struct mount_entry *m, void *arg)
{
	(void)action;
	(void)m;
	(void)arg;
}

static int print_inventory(const char *dir, bool json)
{
	struct inventory *inv;
	int r = inventory_open(dir, &inv);

	if (r < 0) {
		fprintf(stderr, "kmodfree-devwatch: %s: %s\n", dir, strerror(-r));
		return 1;
	}
	r = inventory_print(inv, stdout, json);
	inventory_free(inv);
	return r < 0;
}

int main(int argc, char **argv)
{
	struct watch w = {0};
	struct mounts *mounts;
	long seconds = 0;
	const char *inv_dir = NULL;
	bool deaf = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--deaf") == 0)
			deaf = true;
		else if (strcmp(argv[i], "--inventory") == 0 && i + 1 < argc)
			inv_dir = argv[++i];
		else if (strcmp(argv[i], "--print-inventory") == 0 && i + 1 < argc)
			return print_inventory(argv[i + 1],
					       i + 2 < argc && strcmp(argv[i + 2], "--json") == 0);
		else {
			fprintf(stderr,
				"usage: kmodfree-devwatch [--seconds N] [--inventory DIR]\n"
				"       kmodfree-devwatch --print-inventory DIR [--json]\n");
			return 2;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	if (inv_dir && (r = inventory_open(inv_dir, &w.inv)) < 0) {
		fprintf(stderr, "kmodfree-devwatch: inventory %s: %s\n", inv_dir, strerror(-r));
		return 1;
	}
	struct devices_table table = devtable_ops(&w.known);

	if ((r = devices_open(&table, &w.devices)) < 0 || (r = mounts_open(NULL, &mounts)) < 0) {
		fprintf(stderr, "kmodfree-devwatch: %s\n", strerror(-r));
		return 1;
	}
	/* Monitor first, then enumerate: nothing falls in between.  Mounts
	 * present at start are not reported (only changes). */
	if ((r = devices_enumerate(w.devices, on_device, &w)) < 0 ||
	    (r = mounts_refresh(mounts, ignore_mount, NULL)) < 0) {
		fprintf(stderr, "kmodfree-devwatch: start: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	uint64_t end = seconds ? monotonic_ms() + (uint64_t)seconds * 1000 : 0;
	while (!stop && (!end || monotonic_ms() < end)) {
		struct pollfd p[2] = {
		    {.fd = deaf ? -1 : devices_fd(w.devices), .events = POLLIN},
		    {.fd = mounts_fd(mounts), .events = POLLPRI},
		};
		if (poll(p, 2, 200) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if (resync) {
			resync = 0;
			if ((r = devices_enumerate(w.devices, on_device, &w)) < 0)
				fprintf(stderr, "kmodfree-devwatch: enumerate: %s\n", strerror(-r));
			printf("resynced\n");
			fflush(stdout);
		}
		/* Devices before mounts: a mount of a new stick maps only once
		 * the stick is known. */
		if (p[0].revents & POLLIN)
			devices_dispatch(w.devices, on_device, &w);
		if (p[1].revents & (POLLPRI | POLLERR))
			mounts_refresh(mounts, on_mount, &w);
	}
	mounts_free(mounts);
	devices_free(w.devices);
	buf_free(&w.known.events);
	inventory_free(w.inv);
	return 0;
}
