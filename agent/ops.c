/* agent_system_ops: the real kernel, /proc, scanners and record log behind
 * agent/ops.h. */
#include "agent/ops.h"

#include <errno.h>
#include <stdlib.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/record.h"
#include "agent/removable.h"
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

static int sys_mark_medium(struct agent *a, const char *mount_point, enum fan_scope *scope)
{
	return fan_mark_medium(&a->fan, mount_point, scope);
}

static int sys_unmark_medium(struct agent *a, const char *mount_point, enum fan_scope scope)
{
	return fan_unmark_medium(&a->fan, mount_point, scope);
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
    .fd_path = fan_fd_path,
    .fd_mount_id = fan_fd_mount_id,
    .classify = sys_classify,
    .respond = sys_respond,
    .record = record_write,
    .remove_file = quarantine_remove_original,
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
