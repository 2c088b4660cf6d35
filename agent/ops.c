/* agent_system_ops: the real kernel, /proc, scanners and record log behind
 * agent/ops.h. */
#include "agent/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/landing.h"
#include "agent/names.h"
#include "agent/record.h"
#include "agent/removable.h"
#include "common/log.h"
#include "kmod-free/blockdev.h"
#include "kmod-free/usbauth.h"

static int sys_classify(struct agent *a, unsigned worker, int fd, const char *name_hint,
			const struct classify_budget *budget, uint32_t timeout_ms,
			struct classify_result *out)
{
	return scanner_classify(a->scanners[worker], fd, name_hint, budget, timeout_ms, out);
}

static int sys_respond(struct agent *a, const struct pool_event *ev, enum pool_verdict verdict,
		       bool audit)
{
	const struct fan_group *g = (ev->mask & AGENT_EV_SOURCE) ? &a->fan_src : &a->fan;

	return fan_respond(g, ev->fd, verdict == POOL_DENY ? FAN_VERDICT_DENY : FAN_VERDICT_ALLOW,
			   audit);
}

static int sys_quarantine(struct agent *a, int fd, const struct act_outcome *o,
			  char id[QUARANTINE_ID_LEN])
{
	char *meta = NULL;
	size_t len = 0;
	int r = record_format(o, &meta, &len);

	if (r == 0)
		r = quarantine_store(a->quarantine_dir, fd, meta, len, id);
	free(meta);
	return r;
}

/* From the medium's root as wardd's own mount namespace has it. */
static int sys_evict(struct agent *a, int fd, struct evict_result *out)
{
	struct stat st;
	struct medium m;
	int root = -1, r;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) < 0)
		return -errno;
	if (removable_lookup_dev(a->removable, st.st_dev, &m))
		root = open(m.mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = evict_file(fd, root, out);
	if (root >= 0)
		close(root);
	/* Whoever still holds it open may write again: truncated on sight. */
	if (a->landing)
		landing_condemn(a->landing, st.st_dev, st.st_ino);
	return r;
}

static int sys_deauthorize(struct agent *a, const char *syspath, char *usb, size_t size)
{
	struct udev *udev = removable_udev(a->removable);

	if (!udev)
		return -ENODEV;
	return usbauth_deauthorize_block(udev, syspath, usb, size);
}

static int sys_ignore(struct agent *a, int fd)
{
	return fan_ignore_inode(&a->fan_src, fd, 0);
}

/* A changed file must not stay ignored: if even taking the one mark back
 * fails, every ignore mark goes. */
static int sys_unignore(struct agent *a, int fd)
{
	int r = fan_unignore_inode(&a->fan_src, fd, 0);

	if (r < 0)
		r = fan_flush_ignores(&a->fan_src);
	return r;
}

/* Both groups: opens in the permission group, what is written in the
 * landing group.  A medium whose writes cannot be followed is not
 * watched at all: a copy through a pipe would go unseen. */
static int sys_mark_medium(struct agent *a, const char *mount_point, enum fan_scope *scope)
{
	enum fan_scope landing_scope;
	int r = fan_mark_medium(&a->fan, mount_point, scope);

	if (r < 0 || !a->landing)
		return r;
	r = landing_watch(a->landing, mount_point, &landing_scope);
	if (r < 0) {
		fan_unmark_medium(&a->fan, mount_point, *scope);
		return r;
	}
	/* A record, not a control: a medium whose names cannot be followed
	 * is still watched. */
	if (a->names && names_watch(a->names, mount_point) < 0)
		log_warnx("names created on %s are not followed", mount_point);
	return 0;
}

static int sys_unmark_medium(struct agent *a, const char *mount_point, enum fan_scope scope)
{
	int r = fan_unmark_medium(&a->fan, mount_point, scope);
	int l = a->landing ? landing_unwatch(a->landing, mount_point, scope) : 0;

	if (a->names)
		names_unwatch(a->names, mount_point);
	return r < 0 ? r : l;
}

static int sys_mark_internal(struct agent *a, const char *mount_point)
{
	return fan_mark_internal(&a->fan_src, mount_point);
}

static int sys_unmark_internal(struct agent *a, const char *mount_point)
{
	return fan_unmark_internal(&a->fan_src, mount_point);
}

const struct agent_ops agent_system_ops = {
    .opener = fan_opener_read,
    .locale = procfd_locale,
    .held_files = procfd_scan,
    .open_held = procfd_open,
    .held_path = procfd_path,
    .fd_path = fan_fd_path,
    .fd_mount_id = fan_fd_mount_id,
    .classify = sys_classify,
    .respond = sys_respond,
    .record = record_write,
    .remove_file = quarantine_remove_original,
    .evict = sys_evict,
    .quarantine = sys_quarantine,
    .set_read_only = blockdev_set_ro,
    .remount_read_only = mount_make_ro,
    .deauthorize = sys_deauthorize,
    .ignore = sys_ignore,
    .unignore = sys_unignore,
    .mark_medium = sys_mark_medium,
    .unmark_medium = sys_unmark_medium,
    .mark_internal = sys_mark_internal,
    .unmark_internal = sys_unmark_internal,
};
