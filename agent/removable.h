/* Removable media: udev and the mount table in, device decisions and
 * fanotify marks out.  removable.c owns wardd's one table of known
 * devices: every removable medium udev reports (identity, syspath, the
 * device rule's verdict and which rule) and the mounts of those media
 * that are marked.  devices.c asks it what is known; the workers and the
 * fail-mode path look media up in it.
 *
 * Threads: the main thread changes the table (udev and mountinfo events);
 * any thread reads it, through the lookups below (copies, under a
 * read-write lock). */
#ifndef WARD_AGENT_REMOVABLE_H
#define WARD_AGENT_REMOVABLE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/devices.h"
#include "agent/mounts.h"
#include "common/device.h"
#include "kmod-free/fanotify.h"
#include "policy/policy.h"

struct agent;
struct udev;

/* A mounted, marked removable medium, as the workers see it. */
struct medium {
	dev_t st_dev; /* st_dev of files on this mount */
	dev_t devnum; /* the block device */
	int mount_id; /* mountinfo id */
	char mount_point[PATH_MAX];
	enum fan_scope scope;
	struct ward_device device;
	enum policy_device_action action; /* the device rule's verdict */
	char rule_file[96];		  /* which rule: "30-devices.rules", line */
	unsigned rule_line;
};

#define MEDIA_MAX 64		 /* marked mounts at once */
#define REMOVABLE_MAX_DEVICES 64 /* known devices at once */

struct removable;

/* The table, empty, for agent a (its ops place the marks).  Returns 0 or
 * -ENOMEM. */
int removable_new(struct agent *a, struct removable **out);
void removable_free(struct removable *r);

/* Main thread: open the udev monitor, the device inventory and the mount
 * table, then mark what is mounted and decide every medium present.
 * Returns 0 or -errno (a missing inventory is only logged). */
int removable_watch(struct removable *r);
/* The fds to poll: udev (POLLIN), mountinfo (POLLPRI | POLLERR). */
int removable_udev_fd(const struct removable *r);
int removable_mounts_fd(const struct removable *r);
/* Main thread: the udev monitor is readable / the mount table changed. */
void removable_udev_ready(struct removable *r);
void removable_mounts_changed(struct removable *r);
/* The libudev context (USB deauthorization); NULL before watching. */
struct udev *removable_udev(const struct removable *r);

/* Main thread: one event, as devices.c and mounts.c report them (called
 * by the above; tests call them directly). */
void removable_device_event(const struct devices_event *ev, void *arg);
void removable_mount_event(enum mounts_action action, const struct mount_entry *m, void *arg);

/* Any thread: the medium whose files have this st_dev / this mount id. */
bool removable_lookup_dev(struct removable *r, dev_t st_dev, struct medium *out);
bool removable_lookup_mount(struct removable *r, int mount_id, struct medium *out);
/* The st_dev of every marked medium, for procfd queries.  Returns the
 * count. */
size_t removable_media_devs(struct removable *r, dev_t *devs, size_t max);
size_t removable_media_count(struct removable *r);
/* Copies up to max media out (status).  Returns the count. */
size_t removable_media_list(struct removable *r, struct medium *out, size_t max);
/* Internal filesystems marked for source-side checks. */
size_t removable_internal_count(struct removable *r);

#endif
