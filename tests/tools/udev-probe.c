/* udev-probe: what an agent listening to udev sees of block devices.
 *
 * Subscribes to udev's "udev" netlink monitor (events after rule
 * processing, as wardd gets them through libudev), for subsystem "block",
 * and prints one line per event:
 *
 *   ACTION DEVNODE ID_BUS=... ID_USB_DRIVER=... ID_VENDOR_ID=... ID_MODEL_ID=...
 *     ID_SERIAL_SHORT=... ID_FS_TYPE=... ID_FS_UUID=... ID_FS_LABEL=... WARD_TEST_STICK=...
 *
 * (on one line; an absent property prints as "KEY=", whitespace and
 * backslashes in values as \xNN, so a line always splits on spaces).
 *
 *   udev-probe [--enumerate] [--count N] [--until-action ACTION] [--timeout SEC]
 *              [--match-prop KEY=GLOB]... [--ready-file FILE] [--subsystem NAME]
 *
 * --enumerate      first print devices udev already knows, action "enum"
 * --count N        exit 0 after N matching events (enumerated ones count)
 * --until-action A  exit 0 after printing a matching event with action A
 *                  (e.g. remove: everything a stick did until it was pulled)
 * --timeout SEC    give up after SEC seconds: exit 2 if --count or
 *                  --until-action was not reached, 0 without them
 * --match-prop     only events whose property KEY matches GLOB (fnmatch);
 *                  repeat for more, all must match
 * --ready-file F   created once the monitor listens: start udev-probe in
 *                  the background, wait for F, then make the event
 *
 * Exit: 0 done, 1 error, 2 timeout before --count events. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libudev.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_MATCHES 16

/* The properties every line shows, in order. */
static const char *const shown_props[] = {
    "ID_BUS",	  "ID_USB_DRIVER", "ID_VENDOR_ID", "ID_MODEL_ID",     "ID_SERIAL_SHORT",
    "ID_FS_TYPE", "ID_FS_UUID",	   "ID_FS_LABEL",  "WARD_TEST_STICK",
};

struct prop_match {
	char key[128];
	const char *glob;
};

struct probe {
	const char *subsystem;
	bool enumerate;
	long count;		  /* 0: no limit */
	long timeout_ms;	  /* 0: none */
	const char *until_action; /* NULL: none */
	const char *ready_file;
	struct prop_match matches[MAX_MATCHES];
	size_t n_matches;
	long seen; /* matching events printed so far */
};

static void usage(void)
{
	fprintf(stderr, "usage: udev-probe [--enumerate] [--count N] [--until-action ACTION]\n"
			"                  [--timeout SEC] [--match-prop KEY=GLOB]...\n"
			"                  [--ready-file FILE] [--subsystem NAME]\n");
	exit(1);
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		fatalx("%s wants a whole number from %ld to %ld, not '%s'", opt, min, max, s);
	return v;
}

static void parse_args(struct probe *p, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"enumerate", no_argument, NULL, 'e'},
	    {"count", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 't'},
	    {"match-prop", required_argument, NULL, 'm'},
	    {"ready-file", required_argument, NULL, 'r'},
	    {"subsystem", required_argument, NULL, 's'},
	    {"until-action", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "ec:t:m:r:s:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			p->enumerate = true;
			break;
		case 'c':
			p->count = parse_long("--count", optarg, 1, LONG_MAX);
			break;
		case 't':
			p->timeout_ms = parse_long("--timeout", optarg, 1, 86400) * 1000;
			break;
		case 'm': {
			const char *eq = strchr(optarg, '=');
			struct prop_match *m;

			if (!eq || eq == optarg)
				fatalx("--match-prop wants KEY=GLOB, not '%s'", optarg);
			if (p->n_matches == MAX_MATCHES)
				fatalx("at most %d --match-prop options", MAX_MATCHES);
			m = &p->matches[p->n_matches++];
			if (!str_copy_n(m->key, sizeof(m->key), optarg, (size_t)(eq - optarg)))
				fatalx("--match-prop key too long in '%s'", optarg);
			m->glob = eq + 1;
			break;
		}
		case 'r':
			p->ready_file = optarg;
			break;
		case 's':
			p->subsystem = optarg;
			break;
		case 'u':
			p->until_action = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

static bool event_matches(const struct probe *p, struct udev_device *dev)
{
	for (size_t i = 0; i < p->n_matches; i++) {
		const char *v = udev_device_get_property_value(dev, p->matches[i].key);

		if (!v || fnmatch(p->matches[i].glob, v, 0) != 0)
			return false;
	}
	return true;
}

/* Prints value with whitespace, backslash and control bytes as \xNN. */
static void put_escaped(const char *v)
{
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c <= ' ' || *c == '\\' || *c == 0x7f)
			printf("\\x%02x", *c);
		else
			putchar(*c);
	}
}

static void print_event(const char *action, struct udev_device *dev)
{
	const char *node = udev_device_get_devnode(dev);

	printf("%s %s", action, node ? node : "-");
	for (size_t i = 0; i < ARRAY_SIZE(shown_props); i++) {
		const char *v = udev_device_get_property_value(dev, shown_props[i]);

		printf(" %s=", shown_props[i]);
		put_escaped(v ? v : "");
	}
	putchar('\n');
	fflush(stdout);
}

/* Returns true when --count is reached. */
static bool handle(struct probe *p, const char *action, struct udev_device *dev)
{
	if (!event_matches(p, dev))
		return false;
	print_event(action, dev);
	p->seen++;
	if (p->until_action && strcmp(action, p->until_action) == 0)
		return true;
	return p->count > 0 && p->seen >= p->count;
}

/* Written to a temporary name and renamed, so a waiter never reads it half
 * made. */
static void write_ready_file(const char *path)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	char line[32];
	int n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		fatalx("--ready-file path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fatal("cannot create ready file %s", tmp);
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write_all(fd, line, (size_t)n) < 0)
		fatal("cannot write ready file %s", tmp);
	if (rename(tmp, path) < 0)
		fatal("cannot rename %s to %s", tmp, path);
}

/* Returns true when --count is reached. */
static bool enumerate(struct probe *p, struct udev *udev)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *entry;
	bool done = false;

	if (!e)
		fatal("udev_enumerate_new");
	if (udev_enumerate_add_match_subsystem(e, p->subsystem) < 0 ||
	    udev_enumerate_scan_devices(e) < 0)
		fatal("cannot enumerate %s devices through libudev", p->subsystem);
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *dev =
		    udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));

		if (!dev)
			continue; /* gone since the scan */
		done = handle(p, "enum", dev);
		udev_device_unref(dev);
		if (done)
			break;
	}
	udev_enumerate_unref(e);
	return done;
}

static int monitor_loop(struct probe *p, struct udev_monitor *mon)
{
	uint64_t deadline = p->timeout_ms ? monotonic_ms() + (uint64_t)p->timeout_ms : 0;
	struct pollfd pfd = {.fd = udev_monitor_get_fd(mon), .events = POLLIN};

	for (;;) {
		int wait_ms = -1;
		int r;

		if (deadline) {
			uint64_t now = monotonic_ms();

			if (now >= deadline)
				return p->count > 0 || p->until_action ? 2 : 0;
			wait_ms = (int)(deadline - now);
		}
		r = poll(&pfd, 1, wait_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll on the udev monitor");
		}
		if (r == 0)
			continue;
		/* Drain what is queued; the socket is non-blocking. */
		for (;;) {
			struct udev_device *dev = udev_monitor_receive_device(mon);
			const char *action;
			bool done;

			if (!dev)
				break;
			action = udev_device_get_action(dev);
			done = handle(p, action ? action : "-", dev);
			udev_device_unref(dev);
			if (done)
				return 0;
		}
	}
}

int main(int argc, char **argv)
{
	struct probe p = {.subsystem = "block"};
	struct udev *udev;
	struct udev_monitor *mon;
	int status;

	log_init("udev-probe", LOG_TO_STDERR, false);
	parse_args(&p, argc, argv);

	udev = udev_new();
	if (!udev)
		fatal("udev_new");
	mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon)
		fatal("cannot open the udev netlink monitor (needs a kernel with netlink uevents)");
	if (udev_monitor_filter_add_match_subsystem_devtype(mon, p.subsystem, NULL) < 0)
		fatalx("cannot filter the udev monitor on subsystem %s", p.subsystem);
	/* Bursts of events (many devices at once) must not overflow it. */
	if (udev_monitor_set_receive_buffer_size(mon, 4 * 1024 * 1024) < 0)
		log_warnx("cannot enlarge the monitor's receive buffer (needs CAP_NET_ADMIN);"
			  " events may be lost in bursts");
	if (udev_monitor_enable_receiving(mon) < 0)
		fatalx("cannot start receiving udev events");

	/* Listening before enumerating: a device appearing in between is
	 * reported (perhaps twice), never missed. */
	if (p.ready_file)
		write_ready_file(p.ready_file);
	if (p.enumerate && enumerate(&p, udev))
		status = 0;
	else
		status = monitor_loop(&p, mon);

	udev_monitor_unref(mon);
	udev_unref(udev);
	return status;
}
