/* Names created on removable media (names.h): the names group's thread,
 * the marks on a FUSE medium's directories, and the records. */
#define _GNU_SOURCE
#include "agent/names.h"

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
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/removable.h"
#include "agent/subject.h"
#include "agent/walk.h"
#include "common/log.h"
#include "common/util.h"
#include "kmod-free/fannames.h"

#define RECENT 64 /* names recorded lately, so a walk and an event say it once */

struct watched_names {
	char mount_point[PATH_MAX];
	bool ready;   /* its marks are placed */
	bool by_dirs; /* FUSE: one mark per directory */
	dev_t dev;
	int32_t fsid[2];
};

struct recent {
	dev_t dev;
	ino_t ino;
	uint64_t name_hash;
};

struct names {
	struct agent *a;
	struct fan_group group;
	pthread_t thread;
	bool running;
	int wake; /* eventfd: a medium to set up, or stop */
	atomic_bool stop;
	uint64_t *buf;
	pthread_mutex_t lock; /* guards media */
	struct watched_names media[NAMES_MAX_MEDIA];
	size_t n_media;
	struct recent recent[RECENT];
	size_t n_recent;
	atomic_uint_fast64_t events, recorded, unresolved, lost, dirs;
};

/* ---- what a name says ---- */

enum char_class { CH_SEPARATOR, CH_LETTER, CH_IDEOGRAPH };

/* The next character of s at *i: its class, and for a letter its ASCII
 * lower case (full-width letters folded). */
static bool continuation(const unsigned char *s, size_t from, unsigned count)
{
	for (unsigned k = 0; k < count; k++)
		if ((s[from + k] & 0xc0) != 0x80)
			return false; /* also stops at the NUL */
	return true;
}

static enum char_class next_char(const unsigned char *s, size_t *i, char *letter)
{
	unsigned c = s[*i], cp = c, len = 1;

	if (c >= 0xf0 && c <= 0xf4 && continuation(s, *i + 1, 3)) {
		cp = (c & 0x07) << 18 | (s[*i + 1] & 0x3f) << 12 | (s[*i + 2] & 0x3f) << 6 |
		     (s[*i + 3] & 0x3f);
		len = 4;
	} else if (c >= 0xe0 && c < 0xf0 && continuation(s, *i + 1, 2)) {
		cp = (c & 0x0f) << 12 | (s[*i + 1] & 0x3f) << 6 | (s[*i + 2] & 0x3f);
		len = 3;
	} else if (c >= 0xc2 && c < 0xe0 && continuation(s, *i + 1, 1)) {
		cp = (c & 0x1f) << 6 | (s[*i + 1] & 0x3f);
		len = 2;
	} else if (c >= 0x80) {
		cp = 0xfffd; /* not UTF-8: a separator */
	}
	*i += len;
	if (cp >= 0xff21 && cp <= 0xff3a)
		cp -= 0xff21 - 'A';
	if (cp >= 0xff41 && cp <= 0xff5a)
		cp -= 0xff41 - 'a';
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')) {
		*letter = (char)(cp | 0x20);
		return CH_LETTER;
	}
	if ((cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || cp >= 0x20000)
		return CH_IDEOGRAPH;
	return CH_SEPARATOR;
}

/* A run of ideographs: a level as the whole run, or 機密, 極機密, 絕對機密
 * opening it. */
static enum ward_level ideograph_level(const char *run, size_t len)
{
	static const char *const openers[] = {"絕對機密", "極機密", "機密"};
	enum ward_level level;

	if (level_parse(run, len, &level))
		return level;
	for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++)
		if (len > strlen(openers[i]) && memcmp(run, openers[i], strlen(openers[i])) == 0 &&
		    level_parse(openers[i], strlen(openers[i]), &level))
			return level;
	return WARD_LEVEL_NONE;
}

/* A word of letters, or two ("top secret"). */
static enum ward_level word_level(const char *word, const char *prev)
{
	enum ward_level level = WARD_LEVEL_NONE;
	char pair[128];

	if (prev[0] && snprintf(pair, sizeof(pair), "%s %s", prev, word) < (int)sizeof(pair) &&
	    level_parse(pair, strlen(pair), &level))
		return level;
	if (level_parse(word, strlen(word), &level))
		return level;
	return WARD_LEVEL_NONE;
}

enum ward_level names_level(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	enum ward_level best = WARD_LEVEL_NONE, l = WARD_LEVEL_NONE;
	char word[64] = "", prev[64] = "", letter = 0;
	size_t i = 0, run_start = 0, wlen = 0;
	enum char_class run = CH_SEPARATOR;

	while (run != CH_SEPARATOR || s[i]) {
		size_t at = i;
		enum char_class c = s[i] ? next_char(s, &i, &letter) : CH_SEPARATOR;

		if (run == CH_IDEOGRAPH && c != CH_IDEOGRAPH)
			l = ideograph_level(name + run_start, at - run_start);
		if (run == CH_LETTER && c != CH_LETTER) {
			word[wlen] = '\0';
			l = word_level(word, prev);
			str_copy(prev, sizeof(prev), word);
			wlen = 0;
		}
		if (c == CH_IDEOGRAPH && run != CH_IDEOGRAPH) {
			run_start = at;
			prev[0] = '\0';
		}
		if (c == CH_LETTER && wlen + 1 < sizeof(word))
			word[wlen++] = letter;
		if (l > best)
			best = l;
		l = WARD_LEVEL_NONE;
		run = c;
		if (!s[at])
			break;
	}
	return best;
}

/* ---- the records ---- */

static uint64_t hash_name(const char *name)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

/* Whether this entry was recorded lately; remembers it if not. */
static bool seen_lately(struct names *n, int dirfd, const char *name)
{
	struct stat st;
	struct recent r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false; /* gone already: still worth its record */
	r = (struct recent){st.st_dev, st.st_ino, hash_name(name)};
	for (size_t i = 0; i < n->n_recent && i < RECENT; i++)
		if (n->recent[i].dev == r.dev && n->recent[i].ino == r.ino &&
		    n->recent[i].name_hash == r.name_hash)
			return true;
	n->recent[n->n_recent++ % RECENT] = r;
	return false;
}

static void record_name(struct names *n, dev_t dev, int dirfd, const char *name,
			struct subject *who, enum ward_level level, bool by_dirs)
{
	struct agent *a = n->a;
	char dir[PATH_MAX], path[PATH_MAX + 256], detail[320];
	struct medium m;
	struct act_request req = {
	    .event = ACT_EVENT_NAME,
	    .record = true,
	    .fd = -1,
	    .action = "audit",
	    .subject = who,
	    .path = name,
	    .detail = detail,
	};

	if (seen_lately(n, dirfd, name))
		return;
	if (a->ops->fd_path(dirfd, dir, sizeof(dir)) == 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		req.path = path;
	}
	if (removable_lookup_dev(a->removable, dev, &m))
		req.device = &m.device;
	snprintf(detail, sizeof(detail),
		 "a name carrying the marking %s was created on removable media (seen by %s)",
		 level_name(level),
		 by_dirs ? "the marks on its directories" : "the medium's directory-entry events");
	req.policy = policy_current_get(a->policy);
	act_carry_out(a, &req);
	policy_unref(req.policy);
	atomic_fetch_add(&n->recorded, 1);
}

/* ---- a medium's directories (FUSE) ---- */

struct dir_walk {
	struct names *n;
	struct watched_names *w;
	struct subject *who; /* who made the directory; NULL: nothing recorded */
};

static bool mark_dir(struct names *n, struct watched_names *w, int dirfd, const char *name)
{
	int r;

	if (atomic_load(&n->dirs) >= NAMES_MAX_DIRS)
		return false;
	r = fan_mark_names_dir(&n->group, dirfd, name);
	if (r < 0) {
		log_warnx("names: cannot follow a directory of %s: %s", w->mount_point,
			  strerror(-r));
		return false;
	}
	if (atomic_fetch_add(&n->dirs, 1) + 1 == NAMES_MAX_DIRS)
		log_warnx("names: %u directories followed on FUSE media; names in others are not "
			  "followed",
			  NAMES_MAX_DIRS);
	return true;
}

/* What a walk finds in a directory that appeared just now. */
static bool visit_new(void *arg, int dirfd, const char *name, const struct stat *st)
{
	struct dir_walk *dw = arg;
	enum ward_level level = names_level(name);

	if (level != WARD_LEVEL_NONE)
		record_name(dw->n, st->st_dev, dirfd, name, dw->who, level, dw->w->by_dirs);
	return true;
}

static bool enter_new(void *arg, int dirfd, const char *name, const struct stat *st)
{
	struct dir_walk *dw = arg;

	if (dw->who)
		visit_new(arg, dirfd, name, st);
	mark_dir(dw->n, dw->w, dirfd, name);
	return true; /* walked even unmarked: its names are still looked at */
}

/* A medium's directories, marked (who NULL: when it is watched, nothing
 * recorded) or a new directory's (its names recorded, made by who). */
static void mark_tree(struct names *n, struct watched_names *w, int dirfd, struct subject *who)
{
	struct dir_walk dw = {n, w, who};
	struct stat st;

	if (fstat(dirfd, &st) < 0 || !mark_dir(n, w, dirfd, "."))
		return;
	walk_tree_dirs(dirfd, st.st_dev, who ? visit_new : NULL, enter_new, &dw);
}

/* ---- media ---- */

int names_watch(struct names *n, const char *mount_point)
{
	int r = -ENOSPC;

	pthread_mutex_lock(&n->lock);
	if (n->n_media < NAMES_MAX_MEDIA) {
		struct watched_names *w = &n->media[n->n_media++];

		memset(w, 0, sizeof(*w));
		str_copy(w->mount_point, sizeof(w->mount_point), mount_point);
		r = 0;
	}
	pthread_mutex_unlock(&n->lock);
	if (r == 0 && eventfd_write(n->wake, 1) < 0)
		r = -errno;
	return r;
}

/* The medium's root, if it is still the one watched (dev 0: any). */
static int open_root(const char *mount_point, dev_t dev)
{
	int fd = open(mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || (dev && st.st_dev != dev))) {
		close(fd);
		return -1;
	}
	return fd;
}

void names_unwatch(struct names *n, const char *mount_point)
{
	pthread_mutex_lock(&n->lock);
	for (size_t i = 0; i < n->n_media; i++) {
		struct watched_names *w = &n->media[i];
		int fd;

		if (strcmp(w->mount_point, mount_point) != 0)
			continue;
		/* Directory marks go with the medium's superblock; a medium
		 * left mounted but no longer watched is ignored (no entry). */
		if (w->ready && !w->by_dirs && (fd = open_root(mount_point, w->dev)) >= 0) {
			fan_unmark_names(&n->group, fd);
			close(fd);
		}
		*w = n->media[--n->n_media];
		break;
	}
	pthread_mutex_unlock(&n->lock);
}

/* Names thread: marks for a medium just watched. */
static void set_up(struct names *n, struct watched_names *w)
{
	struct statfs sf;
	struct stat st;
	int fd = open_root(w->mount_point, 0), r;
	uint64_t before = atomic_load(&n->dirs);

	w->ready = true;
	if (fd < 0 || fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0) {
		log_warnx("names: cannot open %s: names created there are not followed",
			  w->mount_point);
		if (fd >= 0)
			close(fd);
		return;
	}
	w->dev = st.st_dev;
	memcpy(w->fsid, &sf.f_fsid, sizeof(w->fsid));
	r = fan_mark_names(&n->group, fd);
	if (r == -ENODEV || r == -EOPNOTSUPP || r == -EXDEV) {
		w->by_dirs = true;
		mark_tree(n, w, fd, NULL);
		log_info("names: %s has no file system id: %llu directories followed one by one",
			 w->mount_point, (unsigned long long)(atomic_load(&n->dirs) - before));
	} else if (r < 0) {
		log_warnx("names: cannot follow names created on %s: %s", w->mount_point,
			  strerror(-r));
	}
	close(fd);
}

static void set_up_new_media(struct names *n)
{
	for (;;) {
		struct watched_names w;
		bool found = false;

		pthread_mutex_lock(&n->lock);
		for (size_t i = 0; i < n->n_media && !found; i++)
			if (!n->media[i].ready) {
				w = n->media[i];
				n->media[i].ready = true; /* taken */
				found = true;
			}
		pthread_mutex_unlock(&n->lock);
		if (!found)
			return;
		set_up(n, &w);
		pthread_mutex_lock(&n->lock);
		for (size_t i = 0; i < n->n_media; i++)
			if (strcmp(n->media[i].mount_point, w.mount_point) == 0 &&
			    n->media[i].dev == 0)
				n->media[i] = w;
		pthread_mutex_unlock(&n->lock);
	}
}

/* ---- events ---- */

/* The directory an event names, on the medium it is from: its descriptor
 * (and *w, a copy of that medium's entry), or -1. */
static int resolve(struct names *n, const struct fan_name_event *ev, struct watched_names *w)
{
	struct watched_names media[NAMES_MAX_MEDIA];
	size_t count;

	pthread_mutex_lock(&n->lock);
	count = n->n_media;
	memcpy(media, n->media, count * sizeof(media[0]));
	pthread_mutex_unlock(&n->lock);
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		int root, dir;

		if (!media[i].ready || !media[i].dev ||
		    memcmp(media[i].fsid, ev->fsid, sizeof(ev->fsid)) != 0)
			continue;
		root = open_root(media[i].mount_point, media[i].dev);
		if (root < 0)
			continue;
		dir = open_by_handle_at(root, (struct file_handle *)&ev->dir.handle,
					O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(root);
		if (dir >= 0 && fstat(dir, &st) == 0 && st.st_dev == media[i].dev) {
			*w = media[i];
			return dir;
		}
		if (dir >= 0)
			close(dir);
	}
	return -1;
}

static void on_event(struct names *n, const struct fan_name_event *ev)
{
	enum ward_level level;
	struct watched_names w;
	struct subject who;
	int dir;

	atomic_fetch_add(&n->events, 1);
	if (ev->overflow) {
		atomic_fetch_add(&n->lost, 1);
		log_warnx("names: the kernel's queue overflowed: names created on removable "
			  "media were not all seen");
		return;
	}
	if (ev->pid == n->a->self_pid || strncmp(ev->name, ".fuse_hidden", 12) == 0)
		return;
	level = names_level(ev->name);
	/* Most names say nothing: their directory is looked up only for a
	 * record, or for a new directory's mark. */
	if (level == WARD_LEVEL_NONE && !(ev->is_dir && ev->fsid[0] == 0 && ev->fsid[1] == 0))
		return;
	/* Who, first: a process that made one name (touch, mkdir) is gone
	 * in a moment. */
	subject_init(&who, ev->pid);
	if (level != WARD_LEVEL_NONE)
		subject_opener(n->a, &who);
	dir = resolve(n, ev, &w);
	if (dir < 0) {
		if (level != WARD_LEVEL_NONE) {
			atomic_fetch_add(&n->unresolved, 1);
			log_warnx("names: a name carrying the marking %s was created on a medium, "
				  "its directory not found",
				  level_name(level));
		}
		return;
	}
	if (level != WARD_LEVEL_NONE)
		record_name(n, w.dev, dir, ev->name, &who, level, w.by_dirs);
	if (ev->is_dir && w.by_dirs) {
		int sub = openat(dir, ev->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (sub >= 0) {
			mark_tree(n, &w, sub, &who);
			close(sub);
		}
	}
	close(dir);
}

static void drain(struct names *n)
{
	struct fan_batch batch;
	struct fan_name_event ev;
	ssize_t r = fan_read(&n->group, n->buf, FAN_READ_BUFSZ);

	if (r < 0)
		log_warnx("names: cannot read events: %s", strerror((int)-r));
	if (r <= 0)
		return;
	fan_batch_init(&batch, n->buf, (size_t)r);
	while (fan_batch_next_name(&batch, &ev))
		on_event(n, &ev);
	if (batch.error)
		log_warnx("names: malformed fanotify record skipped");
}

static void *names_main(void *arg)
{
	struct names *n = arg;

	set_up_new_media(n); /* watched before the thread started */
	while (!atomic_load(&n->stop)) {
		struct pollfd pfd[2] = {{n->wake, POLLIN, 0}, {n->group.fd, POLLIN, 0}};
		eventfd_t v;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			log_warn("names: poll");
		if (pfd[0].revents && eventfd_read(n->wake, &v) == 0 && !atomic_load(&n->stop))
			set_up_new_media(n);
		if (pfd[1].revents & POLLIN)
			drain(n);
	}
	return NULL;
}

/* ---- life ---- */

int names_new(struct agent *a, struct names **out)
{
	struct names *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->a = a;
	n->group.fd = -1;
	/* Before any medium is watched: names_watch wakes the thread. */
	n->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->wake < 0) {
		free(n);
		return -errno;
	}
	pthread_mutex_init(&n->lock, NULL);
	*out = n;
	return 0;
}

int names_start(struct names *n)
{
	int r;

	n->buf = malloc(FAN_READ_BUFSZ);
	if (!n->buf)
		return -ENOMEM;
	r = fan_names_group_open(&n->group);
	if (r < 0)
		return r;
	r = -pthread_create(&n->thread, NULL, names_main, n);
	n->running = r == 0;
	return r;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	atomic_store(&n->stop, true);
	if (n->running && eventfd_write(n->wake, 1) == 0)
		pthread_join(n->thread, NULL);
	if (n->wake >= 0)
		close(n->wake);
	fan_group_close(&n->group);
	free(n->buf);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

void names_get_stats(struct names *n, struct names_stats *out)
{
	out->events = atomic_load(&n->events);
	out->recorded = atomic_load(&n->recorded);
	out->unresolved = atomic_load(&n->unresolved);
	out->lost = atomic_load(&n->lost);
	out->dirs = atomic_load(&n->dirs);
}
