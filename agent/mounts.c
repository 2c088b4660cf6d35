#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent/mounts.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "kmod-free/procfd.h"

void mountinfo_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Next space-separated field of *p (which is advanced), or NULL. */
static char *next_field(char **p)
{
	char *s = *p;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	char *e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static bool opts_has(const char *opts, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = opts; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t flen = comma ? (size_t)(comma - p) : strlen(p);
		if (flen == len && strncmp(p, opt, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Parse one NUL-terminated line in place.  False if malformed. */
static bool parse_line(char *line, struct mount_entry *m)
{
	char *p = line, *f, *end;
	unsigned long maj, min;

	memset(m, 0, sizeof(*m));
	if (!(f = next_field(&p)))
		return false;
	m->mount_id = (int)strtol(f, &end, 10);
	if (*end)
		return false;
	if (!(f = next_field(&p)))
		return false;
	m->parent_id = (int)strtol(f, &end, 10);
	if (*end)
		return false;
	if (!(f = next_field(&p)))
		return false;
	maj = strtoul(f, &end, 10);
	if (*end != ':')
		return false;
	min = strtoul(end + 1, &end, 10);
	if (*end)
		return false;
	m->dev = makedev(maj, min);
	if (!(m->root = next_field(&p)) || !(m->mount_point = next_field(&p)) ||
	    !(m->mount_opts = next_field(&p)))
		return false;
	/* Optional fields ("shared:1", "master:2", ...) up to a lone "-". */
	for (;;) {
		if (!(f = next_field(&p)))
			return false;
		if (strcmp(f, "-") == 0)
			break;
	}
	if (!(m->fstype = next_field(&p)) || !(m->source = next_field(&p)))
		return false;
	m->super_opts = next_field(&p);
	if (!m->super_opts)
		m->super_opts = p; /* empty string at end of line */
	mountinfo_unescape(m->root);
	mountinfo_unescape(m->mount_point);
	mountinfo_unescape(m->fstype);
	mountinfo_unescape(m->source);
	m->read_only = opts_has(m->mount_opts, "ro");
	return true;
}

int mount_table_parse(const char *text, size_t len, struct mount_table *out, size_t *bad_lines)
{
	size_t lines = 0, bad = 0;
	char *storage;

	out->entries = NULL;
	out->n = 0;
	out->storage = NULL;
	storage = malloc(len + 1);
	if (!storage)
		return -ENOMEM;
	memcpy(storage, text, len);
	storage[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (storage[i] == '\n')
			lines++;
	lines++;
	out->entries = calloc(lines, sizeof(*out->entries));
	if (!out->entries) {
		free(storage);
		return -ENOMEM;
	}
	out->storage = storage;
	for (char *line = storage; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line) {
			if (parse_line(line, &out->entries[out->n]))
				out->n++;
			else
				bad++;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (bad_lines)
		*bad_lines = bad;
	return 0;
}

void mount_table_free(struct mount_table *table)
{
	free(table->entries);
	free(table->storage);
	table->entries = NULL;
	table->storage = NULL;
	table->n = 0;
}

bool mount_entry_is_fuse(const struct mount_entry *m)
{
	return strcmp(m->fstype, "fuse") == 0 || strcmp(m->fstype, "fuseblk") == 0 ||
	       strncmp(m->fstype, "fuse.", 5) == 0;
}

bool mount_entry_on_device(const struct mount_entry *m, dev_t devnum, const char *devnode)
{
	struct stat st;

	if (m->dev == devnum)
		return true;
	if (m->source[0] != '/')
		return false;
	if (devnode && devnode[0] && strcmp(m->source, devnode) == 0)
		return true;
	/* A symlink such as /dev/disk/by-label/X, or a node of another name.
	 * Only under /dev: stat of anything else could reach a marked or
	 * FUSE filesystem from the daemon's event loop. */
	if (strncmp(m->source, "/dev/", 5) != 0)
		return false;
	return stat(m->source, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == devnum;
}

static int cmp_by_id(const void *a, const void *b)
{
	const struct mount_entry *x = *(const struct mount_entry *const *)a;
	const struct mount_entry *y = *(const struct mount_entry *const *)b;
	return (x->mount_id > y->mount_id) - (x->mount_id < y->mount_id);
}

static const struct mount_entry *find_same(const struct mount_entry *const *sorted, size_t n,
					   const struct mount_entry *m)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid]->mount_id < m->mount_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A mount id is reused only after its mount is gone: same id with
	 * another dev or place is a different mount. */
	if (lo < n && sorted[lo]->mount_id == m->mount_id && sorted[lo]->dev == m->dev &&
	    strcmp(sorted[lo]->mount_point, m->mount_point) == 0)
		return sorted[lo];
	return NULL;
}

static const struct mount_entry **sorted_view(const struct mount_table *t)
{
	const struct mount_entry **v = calloc(t->n ? t->n : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->entries[i];
	qsort(v, t->n, sizeof(*v), cmp_by_id);
	return v;
}

int mount_table_diff(const struct mount_table *old, const struct mount_table *cur, mounts_cb cb,
		     void *arg)
{
	_cleanup_free_ const struct mount_entry **old_sorted = sorted_view(old);
	_cleanup_free_ const struct mount_entry **cur_sorted = sorted_view(cur);
	int changes = 0;

	if (!old_sorted || !cur_sorted)
		return -ENOMEM;
	/* Removals first, deepest (last listed) first, so a caller dropping
	 * marks sees children before parents. */
	for (size_t i = old->n; i-- > 0;) {
		if (!find_same(cur_sorted, cur->n, &old->entries[i])) {
			cb(MOUNTS_REMOVED, &old->entries[i], arg);
			changes++;
		}
	}
	for (size_t i = 0; i < cur->n; i++) {
		if (!find_same(old_sorted, old->n, &cur->entries[i])) {
			cb(MOUNTS_ADDED, &cur->entries[i], arg);
			changes++;
		}
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct mount_entry *o = find_same(old_sorted, old->n, &cur->entries[i]);
		if (o && (strcmp(o->mount_opts, cur->entries[i].mount_opts) != 0 ||
			  strcmp(o->super_opts, cur->entries[i].super_opts) != 0)) {
			cb(MOUNTS_CHANGED, &cur->entries[i], arg);
			changes++;
		}
	}
	return changes;
}

struct mounts {
	int fd;
	struct mount_table table;
	struct buf text; /* the last read, kept for its memory */
};

int mounts_open(const char *path, struct mounts **out)
{
	struct mounts *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->fd = open(path ? path : PROCFD_MOUNTINFO, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		int err = -errno;
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

void mounts_free(struct mounts *mounts)
{
	if (!mounts)
		return;
	if (mounts->fd >= 0)
		close(mounts->fd);
	mount_table_free(&mounts->table);
	buf_free(&mounts->text);
	free(mounts);
}

int mounts_fd(const struct mounts *mounts)
{
	return mounts->fd;
}

const struct mount_table *mounts_table(const struct mounts *mounts)
{
	return &mounts->table;
}

/* Read the whole file from the start.  mountinfo is generated per read, so
 * a buffer too small is grown and the read restarted. */
static ssize_t read_whole(struct mounts *mounts)
{
	struct buf *b = &mounts->text;
	int r;

	b->max = 64u * 1024 * 1024;
	r = buf_reserve(b, 64 * 1024);
	for (; r == 0; r = buf_reserve(b, b->cap)) {
		size_t room = b->cap - 1;
		ssize_t n;

		buf_reset(b);
		if (lseek(mounts->fd, 0, SEEK_SET) < 0)
			return -errno;
		n = read_full(mounts->fd, b->data, room);
		if (n < 0)
			return n;
		if ((size_t)n < room)
			return n;
	}
	return r;
}

int mounts_refresh(struct mounts *mounts, mounts_cb cb, void *arg)
{
	struct mount_table cur;
	ssize_t n = read_whole(mounts);
	int r;

	if (n < 0)
		return (int)n;
	r = mount_table_parse(mounts->text.data, (size_t)n, &cur, NULL);
	if (r < 0)
		return r;
	r = mount_table_diff(&mounts->table, &cur, cb, arg);
	if (r < 0) {
		mount_table_free(&cur);
		return r;
	}
	mount_table_free(&mounts->table);
	mounts->table = cur;
	return r;
}
