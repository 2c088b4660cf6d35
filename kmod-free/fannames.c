/* Names created on removable media (fannames.h). */
#define _GNU_SOURCE
#include "kmod-free/fannames.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/fanotify.h>

#define NAMES_MASK (FAN_CREATE | FAN_MOVED_TO | FAN_ONDIR)

int fan_names_group_open(struct fan_group *group)
{
	unsigned int flags = FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_UNLIMITED_QUEUE |
			     FAN_UNLIMITED_MARKS | FAN_CLOEXEC | FAN_NONBLOCK;
	int fd = fanotify_init(flags, O_RDONLY | O_CLOEXEC);

	group->caps = 0;
	group->fd = fd;
	return fd < 0 ? -errno : 0;
}

int fan_mark_names(const struct fan_group *group, int dir_fd)
{
	if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, NAMES_MASK, dir_fd,
			  NULL) == 0)
		return 0;
	return -errno;
}

int fan_unmark_names(const struct fan_group *group, int dir_fd)
{
	if (fanotify_mark(group->fd, FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM, NAMES_MASK, dir_fd,
			  NULL) == 0 ||
	    errno == ENOENT)
		return 0;
	return -errno;
}

int fan_mark_names_dir(const struct fan_group *group, int dir_fd, const char *name)
{
	if (fanotify_mark(group->fd, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR,
			  NAMES_MASK, dir_fd, name) == 0)
		return 0;
	return -errno;
}

/* The directory handle and name of one info record, copied out. */
static bool take_dfid_name(const unsigned char *p, size_t len, struct fan_name_event *ev)
{
	struct fanotify_event_info_fid fid;
	struct file_handle fh;
	size_t at = sizeof(fid), name_len;
	const unsigned char *name;

	if (len < at + sizeof(fh))
		return false;
	memcpy(&fid, p, sizeof(fid));
	memcpy(&fh, p + at, sizeof(fh));
	if (fh.handle_bytes > FAN_NAME_HANDLE_MAX || len < at + sizeof(fh) + fh.handle_bytes + 1)
		return false;
	memcpy(ev->fsid, &fid.fsid, sizeof(ev->fsid));
	memcpy(ev->dir.raw, p + at, sizeof(fh) + fh.handle_bytes);
	name = p + at + sizeof(fh) + fh.handle_bytes;
	name_len = strnlen((const char *)name, len - (at + sizeof(fh) + fh.handle_bytes));
	if (name_len == len - (at + sizeof(fh) + fh.handle_bytes) || name_len >= sizeof(ev->name))
		return false; /* not terminated, or longer than any name */
	memcpy(ev->name, name, name_len + 1);
	return true;
}

/* One event's info records: true when a directory handle with a name was
 * found. */
static bool take_infos(const unsigned char *p, size_t len, struct fan_name_event *ev, int *error)
{
	bool found = false;

	while (len >= sizeof(struct fanotify_event_info_header)) {
		struct fanotify_event_info_header h;

		memcpy(&h, p, sizeof(h));
		if (h.len < sizeof(h) || h.len > len) {
			*error = -EPROTO;
			return false;
		}
		if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME && !found)
			found = take_dfid_name(p, h.len, ev);
		p += h.len;
		len -= h.len;
	}
	return found;
}

bool fan_batch_next_name(struct fan_batch *batch, struct fan_name_event *ev)
{
	struct fanotify_event_metadata md;

	while (!batch->error && batch->len - batch->off >= FAN_EVENT_METADATA_LEN) {
		const unsigned char *p = batch->buf + batch->off;

		memcpy(&md, p, sizeof(md));
		if (md.vers != FANOTIFY_METADATA_VERSION || md.event_len < md.metadata_len ||
		    md.metadata_len < FAN_EVENT_METADATA_LEN ||
		    md.event_len > batch->len - batch->off) {
			batch->error = -EPROTO;
			return false;
		}
		batch->off += md.event_len;
		memset(ev, 0, offsetof(struct fan_name_event, dir));
		ev->name[0] = '\0';
		ev->mask = md.mask;
		ev->pid = md.pid;
		ev->is_dir = md.mask & FAN_ONDIR;
		if (md.mask & FAN_Q_OVERFLOW) {
			ev->overflow = true;
			return true;
		}
		if (take_infos(p + md.metadata_len, md.event_len - md.metadata_len, ev,
			       &batch->error))
			return true;
	}
	if (!batch->error && batch->off != batch->len)
		batch->error = -EPROTO;
	return false;
}
