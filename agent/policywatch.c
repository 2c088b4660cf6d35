#define _GNU_SOURCE
#include "agent/policywatch.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* The events that leave a file's new text in place: closed after writing,
 * renamed in or out, deleted.  Not IN_CREATE or IN_MODIFY: a file being
 * written is not finished. */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

int policy_watch_open(struct policy_watch *w, const char *dir)
{
	struct stat st;

	w->fd = -1;
	w->pending = false;
	w->due_ms = 0;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return 0;
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0)
		return -errno;
	if (inotify_add_watch(w->fd, dir, WATCH_MASK | IN_ONLYDIR) < 0) {
		int r = -errno;

		close(w->fd);
		w->fd = -1;
		return r;
	}
	return 0;
}

static bool is_rules_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 6 && strcmp(name + len - 6, ".rules") == 0;
}

void policy_watch_read(struct policy_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			/* A lost queue may have held an edit: count it as one. */
			if ((ev->mask & IN_Q_OVERFLOW) ||
			    (ev->len > 0 && is_rules_file(ev->name))) {
				w->pending = true;
				w->due_ms = monotonic_ms() + POLICY_WATCH_SETTLE_MS;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

int policy_watch_timeout_ms(const struct policy_watch *w)
{
	uint64_t now;

	if (!w->pending)
		return -1;
	now = monotonic_ms();
	return now >= w->due_ms ? 0 : (int)(w->due_ms - now);
}

bool policy_watch_due(struct policy_watch *w)
{
	if (!w->pending || monotonic_ms() < w->due_ms)
		return false;
	w->pending = false;
	return true;
}

void policy_watch_covered(struct policy_watch *w)
{
	if (w->fd < 0)
		return;
	policy_watch_read(w);
	w->pending = false;
}

void policy_watch_close(struct policy_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
