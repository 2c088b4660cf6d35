/* The stream of files written on internal filesystems (written.h). */
#define _GNU_SOURCE
#include "agent/written.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

#define LOST_LOG_EVERY_MS 10000

struct watched_fs {
	dev_t dev;
	uint64_t fsid;
	char mount_point[PATH_MAX];
};

struct written {
	pid_t self;
	struct fan_group group;
	struct written_subscriber subs[WRITTEN_MAX_SUBSCRIBERS];
	size_t n_subs;
	pthread_t thread;
	bool running;
	int stop; /* eventfd */
	uint64_t *buf;
	uint64_t lost_logged_ms;
	/* Written by the main thread, read by any. */
	pthread_rwlock_t lock;
	struct watched_fs fs[WRITTEN_MAX_FILESYSTEMS];
	size_t n_fs;
	atomic_uint_fast64_t events, files, own, lost;
};

int written_new(pid_t self, struct written **out)
{
	struct written *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->self = self;
	w->group.fd = -1;
	w->stop = -1;
	pthread_rwlock_init(&w->lock, NULL);
	*out = w;
	return 0;
}

void written_stop(struct written *w)
{
	if (w->running && eventfd_write(w->stop, 1) == 0)
		pthread_join(w->thread, NULL);
	w->running = false;
	if (w->stop >= 0)
		close(w->stop);
	w->stop = -1;
	fan_group_close(&w->group);
}

void written_free(struct written *w)
{
	if (!w)
		return;
	written_stop(w);
	free(w->buf);
	pthread_rwlock_destroy(&w->lock);
	free(w);
}

int written_subscribe(struct written *w, const struct written_subscriber *sub)
{
	if (w->n_subs == WRITTEN_MAX_SUBSCRIBERS)
		return -ENOSPC;
	w->subs[w->n_subs++] = *sub;
	return 0;
}

/* ---- the filesystems ---- */

static struct watched_fs *fs_find(struct written *w, dev_t dev)
{
	for (size_t i = 0; i < w->n_fs; i++)
		if (w->fs[i].dev == dev)
			return &w->fs[i];
	return NULL;
}

static uint64_t fsid_of(const char *mount_point)
{
	struct statfs sf;
	uint64_t id = 0;

	if (statfs(mount_point, &sf) == 0)
		memcpy(&id, &sf.f_fsid,
		       sizeof(id) < sizeof(sf.f_fsid) ? sizeof(id) : sizeof(sf.f_fsid));
	return id;
}

int written_watch(struct written *w, dev_t dev, const char *mount_point)
{
	struct watched_fs f = {.dev = dev};
	int r;

	pthread_rwlock_rdlock(&w->lock);
	r = fs_find(w, dev) ? 1 : w->n_fs == WRITTEN_MAX_FILESYSTEMS ? -ENOSPC : 0;
	pthread_rwlock_unlock(&w->lock);
	if (r != 0)
		return r < 0 ? r : 0;
	if (w->group.fd < 0)
		return -EBADF;
	r = fan_mark_written(&w->group, mount_point);
	if (r < 0)
		return r;
	f.fsid = fsid_of(mount_point);
	str_copy(f.mount_point, sizeof(f.mount_point), mount_point);
	pthread_rwlock_wrlock(&w->lock);
	w->fs[w->n_fs++] = f;
	pthread_rwlock_unlock(&w->lock);
	log_debug("written files: watching %s", mount_point);
	return 0;
}

void written_unwatch(struct written *w, dev_t dev)
{
	struct watched_fs gone;
	struct watched_fs *f;

	pthread_rwlock_wrlock(&w->lock);
	f = fs_find(w, dev);
	if (f) {
		gone = *f;
		*f = w->fs[--w->n_fs];
	}
	pthread_rwlock_unlock(&w->lock);
	if (!f)
		return;
	if (w->group.fd >= 0)
		fan_unmark_written(&w->group, gone.mount_point);
	log_debug("written files: %s is a removable medium's, not watched", gone.mount_point);
}

bool written_watches(struct written *w, dev_t dev)
{
	bool found;

	pthread_rwlock_rdlock(&w->lock);
	found = fs_find(w, dev) != NULL;
	pthread_rwlock_unlock(&w->lock);
	return found;
}

bool written_fsid(struct written *w, dev_t dev, uint64_t *fsid)
{
	const struct watched_fs *f;

	pthread_rwlock_rdlock(&w->lock);
	f = fs_find(w, dev);
	if (f)
		*fsid = f->fsid;
	pthread_rwlock_unlock(&w->lock);
	return f != NULL;
}

/* ---- events ---- */

static void lost_event(struct written *w, uint64_t mask)
{
	uint64_t now = monotonic_ms(), lost = atomic_fetch_add(&w->lost, 1) + 1;

	for (size_t i = 0; i < w->n_subs; i++)
		if (w->subs[i].lost)
			w->subs[i].lost(w->subs[i].arg);
	if (w->lost_logged_ms && now - w->lost_logged_ms < LOST_LOG_EVERY_MS)
		return;
	log_warnx("written files: %s; %llu events lost so far",
		  (mask & FAN_Q_OVERFLOW) ? "the kernel's queue overflowed"
					  : "an event came without a descriptor",
		  (unsigned long long)lost);
	w->lost_logged_ms = now;
}

void written_dispatch(struct written *w, const struct fan_event *ev)
{
	struct written_file f = {.fd = ev->fd, .pid = ev->pid};
	struct stat st;

	atomic_fetch_add(&w->events, 1);
	if (ev->fd < 0) {
		lost_event(w, ev->mask);
		return;
	}
	if (ev->pid == w->self) {
		atomic_fetch_add(&w->own, 1);
		close(ev->fd);
		return;
	}
	if (fan_event_is_close_write(ev) && fstat(ev->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		f.st = &st;
		f.now_ms = monotonic_ms();
		atomic_fetch_add(&w->files, 1);
		for (size_t i = 0; i < w->n_subs; i++)
			w->subs[i].written(w->subs[i].arg, &f);
	}
	close(ev->fd);
}

static void drain(struct written *w)
{
	struct fan_batch batch;
	struct fan_event ev;
	ssize_t n;

	while ((n = fan_read(&w->group, w->buf, FAN_READ_BUFSZ)) > 0) {
		fan_batch_init(&batch, w->buf, (size_t)n);
		while (fan_batch_next(&batch, &ev))
			written_dispatch(w, &ev);
		if (batch.error)
			log_warnx("written files: malformed fanotify record skipped");
	}
	if (n < 0)
		log_warnx("written files: cannot read events: %s", strerror((int)-n));
}

static void *written_main(void *arg)
{
	struct written *w = arg;

	for (;;) {
		struct pollfd pfd[2] = {{w->group.fd, POLLIN, 0}, {w->stop, POLLIN, 0}};

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			log_warn("written files: poll");
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & POLLIN)
			drain(w);
	}
	return NULL;
}

int written_start(struct written *w)
{
	int r = fan_written_group_open(&w->group);

	if (r < 0)
		return r;
	w->buf = malloc(FAN_READ_BUFSZ);
	w->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!w->buf || w->stop < 0)
		return w->buf ? -errno : -ENOMEM;
	r = -pthread_create(&w->thread, NULL, written_main, w);
	if (r == 0)
		w->running = true;
	return r;
}

void written_get_stats(struct written *w, struct written_stats *out)
{
	out->events = atomic_load(&w->events);
	out->files = atomic_load(&w->files);
	out->own = atomic_load(&w->own);
	out->lost = atomic_load(&w->lost);
	pthread_rwlock_rdlock(&w->lock);
	out->filesystems = w->n_fs;
	pthread_rwlock_unlock(&w->lock);
}
