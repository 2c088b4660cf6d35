/* The removable media currently mounted and marked: what the workers ask
 * on every event ("is this file on a stick, which one, what does its device
 * rule say").  Written by the main thread on mount changes, read by the
 * workers and by the fail-mode path; a read-write lock guards it. */
#ifndef WARD_AGENT_MEDIA_H
#define WARD_AGENT_MEDIA_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/device.h"
#include "kmod-free/fanotify.h"
#include "policy/policy.h"

struct medium {
	dev_t st_dev; /* st_dev of files on this mount */
	dev_t devnum; /* the block device */
	int mount_id; /* mountinfo id */
	char mount_point[PATH_MAX];
	enum fan_scope scope;
	struct ward_device device;
	enum policy_device_action action; /* the device rule's verdict */
	char rule[96];			  /* which rule: "file.rules:3" */
};

#define MEDIA_MAX 64

struct media;

int media_new(struct media **out);
void media_free(struct media *m);

/* Main thread.  Returns 0, -EEXIST (same mount id) or -ENOSPC. */
int media_add(struct media *m, const struct medium *medium);
/* Removes by mount id; copies what was removed into *out if non-NULL.
 * Returns true if it was there. */
bool media_remove(struct media *m, int mount_id, struct medium *out);

/* Any thread: the medium whose files have this st_dev (copied out). */
bool media_lookup_dev(struct media *m, dev_t st_dev, struct medium *out);
/* The medium with this mount id (fail mode from /proc/self/fdinfo). */
bool media_lookup_mount(struct media *m, int mount_id, struct medium *out);
/* The st_dev of every medium, for procfd queries.  Returns the count. */
size_t media_devs(struct media *m, dev_t *devs, size_t max);
size_t media_count(struct media *m);
/* Copies up to max media out (status, tests).  Returns the count. */
size_t media_list(struct media *m, struct medium *out, size_t max);

#endif
