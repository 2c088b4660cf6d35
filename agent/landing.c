/* What lands on removable media (landing.h): the landing group's thread,
 * the files it holds, and the walk after a loss. */
#define _GNU_SOURCE
#include "agent/landing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/walk.h"
#include "common/log.h"
#include "common/util.h"

#define RETRY_MS 20	     /* the workers' queues were full: offer again after */
#define POOL_SHARE 64	     /* files waiting for the workers at once (each an open fd) */
#define RESCAN_SLACK_S 2     /* exFAT keeps times to two seconds */
#define LANDING_MAX_MEDIA 64 /* marked media at once */
#define EVENT_LEN (sizeof(struct fanotify_event_metadata))

/* A file written on a medium, held until the workers take it. */
struct held {
	dev_t dev;
	ino_t ino;
	int fd; /* the event's, read-write */
	pid_t pid;
	bool closed; /* close-write seen: offer now */
	bool quiet;  /* FAN_MODIFY ignored on its inode meanwhile */
	uint64_t changed_ms, polled_ms, seq;
	off_t size;
	struct timespec mtime, ctime;
};

struct condemned {
	dev_t dev;
	ino_t ino;
	uint64_t until_ms;
};

struct watched {
	char mount_point[PATH_MAX];
	time_t since; /* when it was marked: a walk looks at files changed after */
};

struct landing {
	struct agent *a;
	struct fan_group group;
	pthread_t thread;
	bool running;
	int stop; /* eventfd */
	uint64_t *buf;
	struct held files[LANDING_MAX_FILES];
	size_t n_files;
	uint64_t seq;
	uint64_t retry_at; /* the workers refused an offer: not before this */
	/* Losses since the last walk, and why. */
	uint64_t lost_pending;
	int lost_errno;
	pthread_mutex_t lock; /* guards media (main thread writes) and condemned (workers) */
	struct condemned condemned[LANDING_MAX_CONDEMNED];
	size_t n_condemned;
	struct watched media[LANDING_MAX_MEDIA];
	size_t n_media;
	atomic_uint_fast64_t events, closed, open, lost, vanished, rescans, rescued, held, waits,
	    retruncated;
};

int landing_new(struct agent *a, struct landing **out)
{
	struct landing *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->a = a;
	l->group.fd = -1;
	l->stop = -1;
	pthread_mutex_init(&l->lock, NULL);
	*out = l;
	return 0;
}

void landing_free(struct landing *l)
{
	if (!l)
		return;
	if (l->running && eventfd_write(l->stop, 1) == 0)
		pthread_join(l->thread, NULL);
	for (size_t i = 0; i < l->n_files; i++)
		close(l->files[i].fd);
	if (l->stop >= 0)
		close(l->stop);
	fan_group_close(&l->group);
	free(l->buf);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int landing_open(struct landing *l)
{
	l->buf = malloc(FAN_READ_BUFSZ);
	if (!l->buf)
		return -ENOMEM;
	return fan_landing_group_open(&l->group);
}

/* ---- media ---- */

int landing_watch(struct landing *l, const char *mount_point, enum fan_scope *scope)
{
	int r;

	if (l->group.fd < 0)
		return -EBADF;
	r = fan_mark_landing(&l->group, mount_point, scope);
	if (r < 0)
		return r;
	pthread_mutex_lock(&l->lock);
	if (l->n_media < LANDING_MAX_MEDIA) {
		struct watched *w = &l->media[l->n_media++];

		str_copy(w->mount_point, sizeof(w->mount_point), mount_point);
		w->since = time(NULL);
	}
	pthread_mutex_unlock(&l->lock);
	return 0;
}

int landing_unwatch(struct landing *l, const char *mount_point, enum fan_scope scope)
{
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n_media; i++)
		if (strcmp(l->media[i].mount_point, mount_point) == 0) {
			l->media[i] = l->media[--l->n_media];
			break;
		}
	pthread_mutex_unlock(&l->lock);
	return l->group.fd < 0 ? 0 : fan_unmark_landing(&l->group, mount_point, scope);
}

/* ---- the files held ---- */

static struct held *held_find(struct landing *l, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < l->n_files; i++)
		if (l->files[i].dev == dev && l->files[i].ino == ino)
			return &l->files[i];
	return NULL;
}

static void held_drop(struct landing *l, struct held *h)
{
	*h = l->files[--l->n_files];
	atomic_store(&l->held, l->n_files);
}

static void quiet(struct landing *l, struct held *h, bool on)
{
	int r;

	if (h->quiet == on)
		return;
	r = fan_quiet_modify(&l->group, h->fd, on);
	if (r < 0)
		log_debug("landing: cannot %s writes of a file: %s", on ? "quiet" : "hear",
			  strerror(-r));
	h->quiet = on && r == 0;
}

static void held_add(struct landing *l, int fd, pid_t pid, const struct stat *st, bool closed,
		     uint64_t now_ms)
{
	struct held *h = &l->files[l->n_files++];

	*h = (struct held){.dev = st->st_dev,
			   .ino = st->st_ino,
			   .fd = fd,
			   .pid = pid,
			   .closed = closed,
			   .changed_ms = now_ms,
			   .polled_ms = now_ms,
			   .seq = l->seq++,
			   .size = st->st_size,
			   .mtime = st->st_mtim,
			   .ctime = st->st_ctim};
	atomic_store(&l->held, l->n_files);
	if (!closed)
		quiet(l, h, true);
}

/* The workers take it (and its fd), or the queues are full. */
static bool offer(struct landing *l, struct held *h, uint64_t now_ms)
{
	uint64_t mask = AGENT_EV_LANDED |
			(h->closed ? FAN_CLOSE_WRITE : (uint64_t)FAN_MODIFY | AGENT_EV_STILL_OPEN);

	/* Its writes are heard again before it is judged: a write after the
	 * check starts a new round. */
	quiet(l, h, false);
	if (pool_notes_waiting(l->a->pool) >= POOL_SHARE ||
	    !pool_offer(l->a->pool, h->fd, h->pid, mask, now_ms)) {
		l->retry_at = now_ms + RETRY_MS;
		return false;
	}
	atomic_fetch_add(h->closed ? &l->closed : &l->open, 1);
	held_drop(l, h);
	return true;
}

/* An open file's size and times, looked at again: a change restarts its
 * quiet period. */
static void poll_open(struct held *h, uint64_t now_ms)
{
	struct stat st;

	h->polled_ms = now_ms;
	if (fstat(h->fd, &st) < 0)
		return;
	if (st.st_size != h->size || st.st_mtim.tv_sec != h->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != h->mtime.tv_nsec || st.st_ctim.tv_sec != h->ctime.tv_sec ||
	    st.st_ctim.tv_nsec != h->ctime.tv_nsec) {
		h->size = st.st_size;
		h->mtime = st.st_mtim;
		h->ctime = st.st_ctim;
		h->changed_ms = now_ms;
	}
}

/* The closed file held longest, or NULL. */
static struct held *oldest_closed(struct landing *l)
{
	struct held *best = NULL;

	for (size_t i = 0; i < l->n_files; i++)
		if (l->files[i].closed && (!best || l->files[i].seq < best->seq))
			best = &l->files[i];
	return best;
}

int landing_tick(struct landing *l, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	struct held *h;

	if (now_ms < l->retry_at)
		return (int)(l->retry_at - now_ms);
	while ((h = oldest_closed(l)))
		if (!offer(l, h, now_ms))
			return RETRY_MS;
	for (size_t i = 0; i < l->n_files;) {
		h = &l->files[i];
		if (now_ms - h->polled_ms >= LANDING_POLL_MS)
			poll_open(h, now_ms);
		if (now_ms - h->changed_ms >= LANDING_QUIET_MS) {
			if (!offer(l, h, now_ms))
				return RETRY_MS;
			continue; /* slot i now holds another file */
		}
		if (h->polled_ms + LANDING_POLL_MS < next)
			next = h->polled_ms + LANDING_POLL_MS;
		i++;
	}
	return next == UINT64_MAX ? -1 : (int)(next > now_ms ? next - now_ms : 0);
}

/* ---- quarantined files still held open ---- */

void landing_condemn(struct landing *l, dev_t dev, ino_t ino)
{
	uint64_t now = monotonic_ms();
	size_t slot = 0;

	pthread_mutex_lock(&l->lock);
	/* A free slot, an expired one, or else the one closest to expiry. */
	for (size_t i = 0; i < l->n_condemned; i++)
		if (l->condemned[i].until_ms < l->condemned[slot].until_ms)
			slot = i;
	if (l->n_condemned < LANDING_MAX_CONDEMNED &&
	    (l->n_condemned == 0 || l->condemned[slot].until_ms > now))
		slot = l->n_condemned++;
	l->condemned[slot] = (struct condemned){dev, ino, now + LANDING_CONDEMNED_MS};
	pthread_mutex_unlock(&l->lock);
}

/* A write to a file taken off the medium (no name left: an inode number
 * reused by a new file has one) is truncated at once. */
static bool retruncate(struct landing *l, int fd, const struct stat *st, uint64_t now_ms)
{
	bool found = false;

	if (st->st_nlink != 0)
		return false;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n_condemned && !found; i++)
		found = l->condemned[i].dev == st->st_dev && l->condemned[i].ino == st->st_ino &&
			l->condemned[i].until_ms > now_ms;
	pthread_mutex_unlock(&l->lock);
	if (!found)
		return false;
	if (ftruncate(fd, 0) < 0)
		log_warnx("ALERT: cannot truncate a quarantined file written again: %s",
			  strerror(errno));
	atomic_fetch_add(&l->retruncated, 1);
	return true;
}

/* ---- events ---- */

void landing_dispatch(struct landing *l, const struct fan_event *ev, uint64_t now_ms)
{
	struct stat st;
	struct held *h;

	atomic_fetch_add(&l->events, 1);
	if (ev->pid == l->a->self_pid && !(ev->mask & FAN_Q_OVERFLOW)) {
		/* A quarantine's own wipe and truncation (the file may be
		 * gone by now, its descriptor an error). */
		if (ev->fd >= 0)
			close(ev->fd);
		return;
	}
	if (ev->fd == -ENOENT || ev->fd == -ESTALE) {
		/* Removed before the event was read: no name holds it. */
		atomic_fetch_add(&l->vanished, 1);
		return;
	}
	if (ev->fd < 0 || (ev->mask & FAN_Q_OVERFLOW)) {
		atomic_fetch_add(&l->lost, 1);
		l->lost_pending++;
		l->lost_errno = ev->fd < -1 ? -ev->fd : 0;
		return;
	}
	if (fstat(ev->fd, &st) < 0 || !S_ISREG(st.st_mode) || retruncate(l, ev->fd, &st, now_ms)) {
		close(ev->fd); /* not a file, or done with */
		return;
	}
	h = held_find(l, st.st_dev, st.st_ino);
	if (!h && l->n_files < LANDING_MAX_FILES) {
		held_add(l, ev->fd, ev->pid, &st, ev->mask & FAN_CLOSE_WRITE, now_ms);
		return;
	}
	close(ev->fd);
	if (!h) {
		/* Cannot happen: the group is not read while the table is full. */
		atomic_fetch_add(&l->lost, 1);
		l->lost_pending++;
		return;
	}
	h->pid = ev->pid;
	h->changed_ms = now_ms;
	if (ev->mask & FAN_CLOSE_WRITE)
		h->closed = true;
	else
		quiet(l, h, true);
}

/* ---- after a loss: every medium walked again ---- */

struct rescan {
	struct landing *l;
	time_t since;
	unsigned offered;
};

/* Room for one more file: offer what is due, and wait for the workers. */
static void make_room(struct landing *l)
{
	while (l->n_files >= LANDING_MAX_FILES) {
		int t = landing_tick(l, monotonic_ms());

		if (l->n_files < LANDING_MAX_FILES)
			break;
		atomic_fetch_add(&l->waits, 1);
		usleep((useconds_t)(t > 0 ? t : RETRY_MS) * 1000);
	}
}

static bool rescan_visit(void *arg, int dirfd, const char *name, const struct stat *st)
{
	struct rescan *rs = arg;
	struct stat now;
	int fd;

	if (!S_ISREG(st->st_mode) ||
	    (st->st_mtim.tv_sec < rs->since && st->st_ctim.tv_sec < rs->since) ||
	    held_find(rs->l, st->st_dev, st->st_ino))
		return true;
	fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return true;
	if (fstat(fd, &now) < 0 || now.st_ino != st->st_ino) {
		close(fd);
		return true;
	}
	make_room(rs->l);
	held_add(rs->l, fd, 0, &now, true, monotonic_ms());
	rs->offered++;
	return true;
}

static void record_rescan(struct landing *l, uint64_t lost, int err, unsigned media,
			  unsigned offered, int unreadable)
{
	char detail[320];
	struct act_request req = {
	    .event = ACT_EVENT_OVERFLOW,
	    .record = true,
	    .fd = -1,
	    .action = "rescan",
	    .detail = detail,
	};

	snprintf(detail, sizeof(detail),
		 "%llu notification(s) of files written to removable media lost (%s); %u "
		 "medium(s) walked again, %u file(s) changed since mounted checked%s",
		 (unsigned long long)lost, err ? strerror(err) : "the kernel's queue overflowed",
		 media, offered, unreadable ? "; some directories could not be read" : "");
	log_warnx("%s", detail);
	req.policy = policy_current_get(l->a->policy);
	act_carry_out(l->a, &req);
	policy_unref(req.policy);
}

static void rescan(struct landing *l)
{
	struct watched media[LANDING_MAX_MEDIA];
	size_t n;
	uint64_t lost = l->lost_pending;
	int err = l->lost_errno, unreadable = 0;
	struct rescan rs = {.l = l};

	l->lost_pending = 0;
	pthread_mutex_lock(&l->lock);
	n = l->n_media;
	memcpy(media, l->media, n * sizeof(media[0]));
	pthread_mutex_unlock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		int root = open(media[i].mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (root < 0 || fstat(root, &st) < 0) {
			unreadable++;
		} else {
			int r;

			rs.since = media[i].since - RESCAN_SLACK_S;
			r = walk_tree(root, st.st_dev, rescan_visit, &rs);
			unreadable += r < 0 ? 1 : r;
		}
		if (root >= 0)
			close(root);
	}
	atomic_fetch_add(&l->rescans, 1);
	atomic_fetch_add(&l->rescued, rs.offered);
	record_rescan(l, lost, err, (unsigned)n, rs.offered, unreadable);
}

/* ---- the thread ---- */

static void drain(struct landing *l)
{
	struct fan_batch batch;
	struct fan_event ev;
	size_t room = LANDING_MAX_FILES - l->n_files;
	size_t want = room * EVENT_LEN < FAN_READ_BUFSZ ? room * EVENT_LEN : FAN_READ_BUFSZ;
	ssize_t n;

	/* No more events than there is room for: the rest wait in the
	 * kernel's queue, unopened. */
	n = fan_read(&l->group, l->buf, want);
	if (n < 0)
		log_warnx("landing: cannot read events: %s", strerror((int)-n));
	if (n <= 0)
		return;
	fan_batch_init(&batch, l->buf, (size_t)n);
	while (fan_batch_next(&batch, &ev))
		landing_dispatch(l, &ev, monotonic_ms());
	if (batch.error)
		log_warnx("landing: malformed fanotify record skipped");
}

static void *landing_main(void *arg)
{
	struct landing *l = arg;
	bool was_full = false;

	for (;;) {
		int t = landing_tick(l, monotonic_ms());
		bool room = l->n_files < LANDING_MAX_FILES;
		struct pollfd pfd[2] = {{l->stop, POLLIN, 0}, {l->group.fd, POLLIN, 0}};

		if (!room && !was_full)
			atomic_fetch_add(&l->waits, 1);
		was_full = !room;
		if (poll(pfd, room ? 2 : 1, t) < 0 && errno != EINTR)
			log_warn("landing: poll");
		if (pfd[0].revents)
			break;
		if (room && (pfd[1].revents & POLLIN))
			drain(l);
		if (l->lost_pending)
			rescan(l);
	}
	return NULL;
}

int landing_start(struct landing *l)
{
	int r;

	l->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->stop < 0)
		return -errno;
	r = -pthread_create(&l->thread, NULL, landing_main, l);
	if (r == 0)
		l->running = true;
	return r;
}

void landing_get_stats(struct landing *l, struct landing_stats *out)
{
	out->events = atomic_load(&l->events);
	out->closed = atomic_load(&l->closed);
	out->open = atomic_load(&l->open);
	out->lost = atomic_load(&l->lost);
	out->vanished = atomic_load(&l->vanished);
	out->rescans = atomic_load(&l->rescans);
	out->rescued = atomic_load(&l->rescued);
	out->held = atomic_load(&l->held);
	out->waits = atomic_load(&l->waits);
	out->retruncated = atomic_load(&l->retruncated);
}
