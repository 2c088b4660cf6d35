/* udev + mounts → device decision → marks, and the one table of known
 * devices (removable.h). */
#define _GNU_SOURCE
#include "agent/removable.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/inventory.h"
#include "agent/notice.h"
#include "agent/written.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_INTERNAL 64

struct known_device {
	struct devices_event ev; /* identity and syspath as udev last said */
	bool present;		 /* false: pulled, kept while still mounted */
	enum policy_device_action action;
	char rule_file[96]; /* the device rule that decided, and its line */
	unsigned rule_line;
};

struct watched_mount {
	int mount_id;
	dev_t st_dev;
	dev_t devnum; /* its known device */
	char mount_point[PATH_MAX];
	enum fan_scope scope;
};

struct internal_mark {
	dev_t dev;
	char mount_point[PATH_MAX];
};

struct removable {
	struct agent *a;
	pthread_rwlock_t lock; /* written by the main thread, read by all */
	struct known_device dev[REMOVABLE_MAX_DEVICES];
	size_t n_dev;
	struct watched_mount mnt[MEDIA_MAX];
	size_t n_mnt;
	/* Main thread only. */
	struct internal_mark internal[MAX_INTERNAL];
	atomic_size_t n_internal;
	struct devices *devices;
	struct mounts *mounts;
	struct inventory *inventory;
};

int removable_new(struct agent *a, struct removable **out)
{
	struct removable *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->a = a;
	pthread_rwlock_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void removable_free(struct removable *r)
{
	if (!r)
		return;
	mounts_free(r->mounts);
	devices_free(r->devices);
	inventory_free(r->inventory);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

/* ---- the table (lock held by the caller) ---- */

static struct known_device *device_find(struct removable *r, dev_t devnum)
{
	for (size_t i = 0; i < r->n_dev; i++)
		if (r->dev[i].ev.devnum == devnum)
			return &r->dev[i];
	return NULL;
}

static bool device_has_mounts(const struct removable *r, dev_t devnum)
{
	for (size_t i = 0; i < r->n_mnt; i++)
		if (r->mnt[i].devnum == devnum)
			return true;
	return false;
}

static void device_drop(struct removable *r, struct known_device *k)
{
	*k = r->dev[--r->n_dev];
}

static void medium_fill(const struct removable *r, const struct watched_mount *w,
			struct medium *out)
{
	const struct known_device *k = NULL;

	for (size_t i = 0; i < r->n_dev && !k; i++)
		if (r->dev[i].ev.devnum == w->devnum)
			k = &r->dev[i];
	memset(out, 0, sizeof(*out));
	out->st_dev = w->st_dev;
	out->devnum = w->devnum;
	out->mount_id = w->mount_id;
	memcpy(out->mount_point, w->mount_point, sizeof(out->mount_point));
	out->scope = w->scope;
	if (k) {
		out->device = k->ev.device;
		out->action = k->action;
		memcpy(out->rule_file, k->rule_file, sizeof(out->rule_file));
		out->rule_line = k->rule_line;
	}
}

/* devices.c's view of the table. */
static bool table_find(void *arg, dev_t devnum, struct devices_event *out)
{
	struct removable *r = arg;
	const struct known_device *k = device_find(r, devnum);

	/* Main thread only, as the only writer: no lock needed to read. */
	if (!k || !k->present)
		return false;
	*out = k->ev;
	return true;
}

static size_t table_list(void *arg, dev_t *out, size_t max)
{
	struct removable *r = arg;
	size_t n = 0;

	for (size_t i = 0; i < r->n_dev && n < max; i++)
		if (r->dev[i].present)
			out[n++] = r->dev[i].ev.devnum;
	return n;
}

/* ---- lookups, any thread ---- */

bool removable_lookup_dev(struct removable *r, dev_t st_dev, struct medium *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; i < r->n_mnt && !found; i++) {
		if (r->mnt[i].st_dev == st_dev) {
			medium_fill(r, &r->mnt[i], out);
			found = true;
		}
	}
	pthread_rwlock_unlock(&r->lock);
	return found;
}

bool removable_lookup_mount(struct removable *r, int mount_id, struct medium *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; i < r->n_mnt && !found; i++) {
		if (r->mnt[i].mount_id == mount_id) {
			medium_fill(r, &r->mnt[i], out);
			found = true;
		}
	}
	pthread_rwlock_unlock(&r->lock);
	return found;
}

size_t removable_media_devs(struct removable *r, dev_t *devs, size_t max)
{
	size_t n = 0;

	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; i < r->n_mnt && n < max; i++)
		devs[n++] = r->mnt[i].st_dev;
	pthread_rwlock_unlock(&r->lock);
	return n;
}

size_t removable_media_count(struct removable *r)
{
	size_t n;

	pthread_rwlock_rdlock(&r->lock);
	n = r->n_mnt;
	pthread_rwlock_unlock(&r->lock);
	return n;
}

size_t removable_media_list(struct removable *r, struct medium *out, size_t max)
{
	size_t n = 0;

	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; i < r->n_mnt && n < max; i++)
		medium_fill(r, &r->mnt[i], &out[n++]);
	pthread_rwlock_unlock(&r->lock);
	return n;
}

size_t removable_internal_count(struct removable *r)
{
	return atomic_load(&r->n_internal);
}

/* ---- internal filesystems: the source side's marks ---- */

static bool mount_of_known_device(struct removable *r, const struct mount_entry *m)
{
	for (size_t i = 0; i < r->n_dev; i++)
		if (mount_entry_on_device(m, r->dev[i].ev.devnum, r->dev[i].ev.device.devnode))
			return true;
	return false;
}

static void mark_internals(struct removable *r)
{
	const struct mount_table *t = r->mounts ? mounts_table(r->mounts) : NULL;
	size_t n = atomic_load(&r->n_internal);

	for (size_t i = 0; t && i < t->n; i++) {
		const struct mount_entry *m = &t->entries[i];
		bool have = false;
		int e;

		if (!fan_fstype_is_internal(m->fstype) || mount_of_known_device(r, m))
			continue;
		for (size_t k = 0; k < n && !have; k++)
			have = r->internal[k].dev == m->dev;
		if (have || n == MAX_INTERNAL)
			continue;
		e = r->a->ops->mark_internal(r->a, m->mount_point);
		if (e < 0) {
			log_warnx("cannot mark %s (%s) for source-side checks: %s", m->mount_point,
				  m->fstype, strerror(-e));
			continue;
		}
		r->internal[n].dev = m->dev;
		str_copy(r->internal[n].mount_point, sizeof(r->internal[n].mount_point),
			 m->mount_point);
		n++;
		log_debug("source side: marked %s (%s)", m->mount_point, m->fstype);
	}
	atomic_store(&r->n_internal, n);
}

static void unmark_internals(struct removable *r)
{
	size_t n = atomic_load(&r->n_internal);

	for (size_t k = 0; k < n; k++)
		r->a->ops->unmark_internal(r->a, r->internal[k].mount_point);
	atomic_store(&r->n_internal, 0);
	log_debug("source side: no removable medium left, internal marks removed");
}

/* The stream of written files covers every internal filesystem, with or
 * without a medium (written.h). */
static void watch_written(struct removable *r, const struct mount_entry *m)
{
	int e;

	if (!r->a->written)
		return;
	e = written_watch(r->a->written, m->dev, m->mount_point);
	if (e < 0)
		log_warnx("cannot watch files written on %s (%s): %s", m->mount_point, m->fstype,
			  strerror(-e));
}

/* ---- mounts ---- */

/* A read-only medium mounted writable (at insertion, or remounted rw
 * behind our back): one mount made read-only, through act. */
static void remount_read_only(struct removable *r, const struct mount_entry *m,
			      const struct known_device *k)
{
	struct ward_device device = k->ev.device;
	struct act_request req = {
	    .event = ACT_EVENT_MOUNT,
	    .record = true,
	    .fd = -1,
	    .path = m->mount_point,
	    .device = &device,
	    .action = policy_device_action_name(k->action),
	    .rule_file = k->rule_file,
	    .rule_line = k->rule_line,
	    .effect = ACT_EFFECT_REMOUNT_RO,
	    .target = m->mount_point,
	};

	act_carry_out(r->a, &req);
}

static void medium_mounted(struct removable *r, const struct mount_entry *m,
			   const struct known_device *k)
{
	struct watched_mount w;
	int e = 0;

	/* Seen as internal before udev named its device (at start): what is
	 * written there is judged by content, never by the internal stream. */
	if (r->a->written)
		written_unwatch(r->a->written, m->dev);
	if (k->action == POLICY_DEVICE_READ_ONLY && !m->read_only)
		remount_read_only(r, m, k);
	memset(&w, 0, sizeof(w));
	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; i < r->n_mnt && e == 0; i++)
		if (r->mnt[i].mount_id == m->mount_id)
			e = -EEXIST;
	pthread_rwlock_unlock(&r->lock);
	if (e < 0)
		return; /* known already: options changed */
	e = r->a->ops->mark_medium(r->a, m->mount_point, &w.scope);
	if (e < 0) {
		log_warnx("cannot watch %s on %s: %s; copies to it are not checked", m->mount_point,
			  k->ev.device.devnode, strerror(-e));
		return;
	}
	w.mount_id = m->mount_id;
	w.st_dev = m->dev;
	w.devnum = k->ev.devnum;
	str_copy(w.mount_point, sizeof(w.mount_point), m->mount_point);
	pthread_rwlock_wrlock(&r->lock);
	if (r->n_mnt < MEDIA_MAX)
		r->mnt[r->n_mnt++] = w;
	else
		e = -ENOSPC;
	pthread_rwlock_unlock(&r->lock);
	if (e < 0) {
		log_warnx("cannot track %s: %s", m->mount_point, strerror(-e));
		r->a->ops->unmark_medium(r->a, w.mount_point, w.scope);
		return;
	}
	log_info("watching %s (%s %s, %s) mounted at %s: %s", k->ev.device.devnode,
		 k->ev.device.vendor, k->ev.device.model, m->fstype, m->mount_point,
		 policy_device_action_name(k->action));
	if (removable_media_count(r) == 1)
		mark_internals(r);
}

static void medium_unmounted(struct removable *r, int mount_id)
{
	struct watched_mount gone;
	struct known_device *k;
	bool found = false;
	size_t left;

	pthread_rwlock_wrlock(&r->lock);
	for (size_t i = 0; i < r->n_mnt && !found; i++) {
		if (r->mnt[i].mount_id != mount_id)
			continue;
		gone = r->mnt[i];
		r->mnt[i] = r->mnt[--r->n_mnt];
		found = true;
	}
	/* A medium pulled while mounted is known until its last mount goes. */
	k = found ? device_find(r, gone.devnum) : NULL;
	if (k && !k->present && !device_has_mounts(r, gone.devnum))
		device_drop(r, k);
	left = r->n_mnt;
	pthread_rwlock_unlock(&r->lock);
	if (!found)
		return;
	r->a->ops->unmark_medium(r->a, gone.mount_point, gone.scope);
	log_info("%s unmounted", gone.mount_point);
	if (left == 0)
		unmark_internals(r);
}

void removable_mount_event(enum mounts_action action, const struct mount_entry *m, void *arg)
{
	struct removable *r = arg;
	const struct known_device *k = NULL;

	if (action == MOUNTS_REMOVED) {
		medium_unmounted(r, m->mount_id);
		return;
	}
	for (size_t i = 0; i < r->n_dev && !k; i++)
		if (mount_entry_on_device(m, r->dev[i].ev.devnum, r->dev[i].ev.device.devnode))
			k = &r->dev[i];
	if (k) {
		medium_mounted(r, m, k);
		return;
	}
	if (action == MOUNTS_ADDED && fan_fstype_is_internal(m->fstype))
		watch_written(r, m);
	if (action == MOUNTS_ADDED && removable_media_count(r) > 0 &&
	    fan_fstype_is_internal(m->fstype))
		mark_internals(r);
}

/* ---- devices ---- */

/* The device rules decide; the verdict and the rule go into the table. */
static void device_decide(struct known_device *k, struct act_request *req, struct policy_event *pe,
			  struct policy_decision *dec)
{
	memset(pe, 0, sizeof(*pe));
	pe->kind = POLICY_EVENT_DEVICE;
	pe->device = &k->ev.device;
	pe->uid = (uid_t)-1;
	pe->gid = (gid_t)-1;
	pe->time = time(NULL);
	if (policy_decide(req->policy, pe, dec) == 0) {
		k->action = dec->device_action;
		str_copy(k->rule_file, sizeof(k->rule_file), dec->rule_file ? dec->rule_file : "");
		k->rule_line = dec->rule_line;
		req->decision = dec;
		req->pe = pe;
	} else {
		k->action = POLICY_DEVICE_ALLOW;
		str_copy(k->rule_file, sizeof(k->rule_file), "(invalid event)");
		k->rule_line = 0;
		req->action = policy_device_action_name(k->action);
		req->rule_file = k->rule_file;
	}
}

static void device_gone(struct removable *r, dev_t devnum)
{
	struct known_device *k = device_find(r, devnum);

	if (!k)
		return;
	log_info("%s (%s %s) removed", k->ev.device.devnode, k->ev.device.vendor,
		 k->ev.device.model);
	/* A loop device (or a card reader's slot) keeps its node: the next
	 * medium there must not inherit read-only. */
	if (k->action == POLICY_DEVICE_READ_ONLY)
		r->a->ops->set_read_only(k->ev.device.devnode, false);
	notice_device_removed(r->a->notify, &k->ev.device);
	pthread_rwlock_wrlock(&r->lock);
	if (device_has_mounts(r, devnum))
		k->present = false;
	else
		device_drop(r, k);
	pthread_rwlock_unlock(&r->lock);
}

static struct known_device *device_remember(struct removable *r, const struct devices_event *ev)
{
	struct known_device *k = device_find(r, ev->devnum);

	if (!k && r->n_dev == REMOVABLE_MAX_DEVICES) {
		log_warnx("too many removable media at once; %s is not tracked",
			  ev->device.devnode);
		return NULL;
	}
	pthread_rwlock_wrlock(&r->lock);
	if (!k) {
		k = &r->dev[r->n_dev++];
		memset(k, 0, sizeof(*k));
	}
	k->ev = *ev;
	k->present = true;
	pthread_rwlock_unlock(&r->lock);
	return k;
}

static void inventory_note(struct removable *r, const struct known_device *k)
{
	char rule[128];
	int e;

	if (!r->inventory)
		return;
	snprintf(rule, sizeof(rule), "%s:%u", k->rule_file, k->rule_line);
	inventory_record(r->inventory, &k->ev.device, policy_device_action_name(k->action), rule,
			 time(NULL));
	e = inventory_save(r->inventory);
	if (e < 0)
		log_warnx("cannot save the device inventory in %s: %s", r->a->cfg.state_dir,
			  strerror(-e));
}

void removable_device_event(const struct devices_event *ev, void *arg)
{
	struct removable *r = arg;
	struct known_device *k;
	struct ward_device device;
	struct policy_event pe;
	struct policy_decision dec;
	struct act_request req = {.event = ACT_EVENT_DEVICE, .record = true, .fd = -1};

	if (ev->action == DEVICES_REMOVED) {
		device_gone(r, ev->devnum);
		return;
	}
	k = device_remember(r, ev);
	if (!k)
		return;
	req.policy = policy_current_get(r->a->policy);
	/* The decision is the table's (under the lock); act works on a copy. */
	pthread_rwlock_wrlock(&r->lock);
	device_decide(k, &req, &pe, &dec);
	pthread_rwlock_unlock(&r->lock);
	device = k->ev.device;
	pe.device = &device;
	req.device = &device;
	if (k->action == POLICY_DEVICE_READ_ONLY) {
		req.effect = ACT_EFFECT_READ_ONLY;
		req.target = k->ev.device.devnode;
	} else if (k->action == POLICY_DEVICE_BLOCK) {
		req.effect = ACT_EFFECT_DEAUTHORIZE;
		req.target = k->ev.syspath;
	}
	log_info("medium %s (%04x:%04x %s %s, serial %s, %s): %s by %s:%u", device.devnode,
		 device.vendor_id, device.product_id, device.vendor, device.model, device.serial,
		 device.fs_type, policy_device_action_name(k->action), k->rule_file, k->rule_line);
	act_carry_out(r->a, &req);
	policy_unref(req.policy);
	inventory_note(r, k);
	/* Mounted before we heard of it (at start, or a fast automounter). */
	if (r->mounts) {
		const struct mount_table *t = mounts_table(r->mounts);

		for (size_t i = 0; i < t->n; i++)
			if (mount_entry_on_device(&t->entries[i], k->ev.devnum,
						  k->ev.device.devnode))
				medium_mounted(r, &t->entries[i], k);
	}
}

/* ---- the sources ---- */

int removable_watch(struct removable *r)
{
	const struct devices_table table = {table_find, table_list, r};
	int e;

	e = devices_open(&table, &r->devices);
	if (e < 0) {
		log_warnx("cannot watch udev: %s", strerror(-e));
		return e;
	}
	e = inventory_open(r->a->cfg.state_dir, &r->inventory);
	if (e < 0) {
		log_warnx("cannot read the device inventory in %s: %s; starting a new one",
			  r->a->cfg.state_dir, strerror(-e));
		r->inventory = NULL;
	}
	e = mounts_open(NULL, &r->mounts);
	if (e < 0) {
		log_warnx("cannot watch the mount table: %s", strerror(-e));
		return e;
	}
	e = mounts_refresh(r->mounts, removable_mount_event, r);
	if (e < 0) {
		log_warnx("cannot read the mount table: %s", strerror(-e));
		return e;
	}
	e = devices_enumerate(r->devices, removable_device_event, r);
	if (e < 0)
		log_warnx("cannot enumerate removable media present at start: %s", strerror(-e));
	return 0;
}

int removable_udev_fd(const struct removable *r)
{
	return devices_fd(r->devices);
}

int removable_mounts_fd(const struct removable *r)
{
	return mounts_fd(r->mounts);
}

struct udev *removable_udev(const struct removable *r)
{
	return r->devices ? devices_udev(r->devices) : NULL;
}

void removable_udev_ready(struct removable *r)
{
	int e = devices_dispatch(r->devices, removable_device_event, r);

	if (e < 0)
		log_warnx("cannot read udev events: %s", strerror(-e));
}

void removable_mounts_changed(struct removable *r)
{
	int e = mounts_refresh(r->mounts, removable_mount_event, r);

	if (e < 0)
		log_warnx("cannot read the mount table: %s", strerror(-e));
}
