/* A table of known devices for test programs that run agent/devices.c
 * without wardd (whose table is removable.c's): remember what a devices_cb
 * reports, answer devices.c's questions, look media up for mounts. */
#ifndef WARD_TESTS_DEVTABLE_H
#define WARD_TESTS_DEVTABLE_H

#include <string.h>

#include "agent/devices.h"
#include "common/buf.h"

struct devtable {
	struct buf events; /* struct devices_event, one per known medium */
};

static inline struct devices_event *devtable_at(struct devtable *t, size_t i)
{
	return &((struct devices_event *)t->events.data)[i];
}

static inline size_t devtable_count(const struct devtable *t)
{
	return t->events.len / sizeof(struct devices_event);
}

static inline struct devices_event *devtable_get(struct devtable *t, dev_t devnum)
{
	for (size_t i = 0; i < devtable_count(t); i++)
		if (devtable_at(t, i)->devnum == devnum)
			return devtable_at(t, i);
	return NULL;
}

static inline const struct ward_device *devtable_node(struct devtable *t, const char *devnode,
						      dev_t *devnum)
{
	for (size_t i = 0; i < devtable_count(t); i++) {
		if (strcmp(devtable_at(t, i)->device.devnode, devnode) == 0) {
			if (devnum)
				*devnum = devtable_at(t, i)->devnum;
			return &devtable_at(t, i)->device;
		}
	}
	return NULL;
}

/* What a devices_cb must do with every event. */
static inline int devtable_update(struct devtable *t, const struct devices_event *ev)
{
	struct devices_event *k = devtable_get(t, ev->devnum);
	size_t last = devtable_count(t) - 1;

	if (ev->action == DEVICES_REMOVED) {
		if (k) {
			*k = *devtable_at(t, last);
			t->events.len -= sizeof(*k);
		}
		return 0;
	}
	if (k) {
		*k = *ev;
		return 0;
	}
	return buf_push(&t->events, ev, sizeof(*ev));
}

static inline bool devtable_find(void *arg, dev_t devnum, struct devices_event *out)
{
	const struct devices_event *k = devtable_get(arg, devnum);

	if (k)
		*out = *k;
	return k != NULL;
}

static inline size_t devtable_list(void *arg, dev_t *out, size_t max)
{
	struct devtable *t = arg;
	size_t n = 0;

	for (size_t i = 0; i < devtable_count(t) && n < max; i++)
		out[n++] = devtable_at(t, i)->devnum;
	return n;
}

static inline struct devices_table devtable_ops(struct devtable *t)
{
	return (struct devices_table){devtable_find, devtable_list, t};
}

#endif
