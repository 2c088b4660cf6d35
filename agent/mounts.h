/* The mount table, from /proc/self/mountinfo: parsed, watched with POLLPRI,
 * and diffed so the daemon hears "mounted" and "unmounted" and can place or
 * drop fanotify marks.  No threads inside. */
#ifndef WARD_AGENT_MOUNTS_H
#define WARD_AGENT_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One line of mountinfo, unescaped (\040 -> ' ' etc.).  Strings are owned
 * by the table they belong to. */
struct mount_entry {
	int mount_id;
	int parent_id;
	dev_t dev;  /* field 3 (major:minor): st_dev of files on this mount */
	char *root; /* root of the mount within its filesystem ("/" unless a bind of a subdir) */
	char *mount_point; /* where it is mounted */
	char *mount_opts;  /* per-mount options: "rw,nosuid,..." */
	char *fstype;	   /* "ext4", "fuseblk", "fuse.exfat", ... */
	char *source;	   /* "/dev/sdb1", "/dev/loop3", "tmpfs", ... */
	char *super_opts;  /* superblock options */
	bool read_only;	   /* "ro" in mount_opts */
};

struct mount_table {
	struct mount_entry *entries;
	size_t n;
	char *storage; /* private: the text the entries' strings point into */
};

/* Parse mountinfo text (len bytes; need not be NUL-terminated).  Malformed
 * lines are skipped and counted in *bad_lines if non-NULL.  Returns 0 or
 * -ENOMEM. */
int mount_table_parse(const char *text, size_t len, struct mount_table *out, size_t *bad_lines);
void mount_table_free(struct mount_table *table);

/* Unescape mountinfo's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash) in place. */
void mountinfo_unescape(char *s);

/* Whether this mount holds the filesystem of block device devnum / devnode:
 * by dev (major:minor) for kernel filesystems, or by source for FUSE
 * (exfat-fuse shows source /dev/loopN with an anonymous 0:NN dev): the
 * source names devnode, or stat(source) is a block device with rdev ==
 * devnum. */
bool mount_entry_on_device(const struct mount_entry *m, dev_t devnum, const char *devnode);
/* Whether the mount is FUSE (fstype "fuse", "fuseblk" or "fuse.*"). */
bool mount_entry_is_fuse(const struct mount_entry *m);

/* The tracker. */
struct mounts;

enum mounts_action {
	MOUNTS_ADDED,
	MOUNTS_REMOVED,
	MOUNTS_CHANGED, /* same mount, options changed (e.g. remounted read-only) */
};
typedef void (*mounts_cb)(enum mounts_action action, const struct mount_entry *m, void *arg);

/* Open path (NULL for /proc/self/mountinfo).  The first mounts_refresh()
 * reports every mount as MOUNTS_ADDED.  Returns 0 or -errno. */
int mounts_open(const char *path, struct mounts **out);
void mounts_free(struct mounts *mounts);
/* The fd to poll for POLLPRI (and POLLERR): the table changed. */
int mounts_fd(const struct mounts *mounts);
/* Re-read, diff against the previous table (by mount id, dev and mount
 * point), call cb for each difference: removals first, then additions,
 * then changes.  Returns the number of differences or -errno. */
int mounts_refresh(struct mounts *mounts, mounts_cb cb, void *arg);
/* The current table (valid until the next refresh). */
const struct mount_table *mounts_table(const struct mounts *mounts);

/* Diff two tables (what mounts_refresh() does), exposed for unit tests. */
int mount_table_diff(const struct mount_table *old, const struct mount_table *cur, mounts_cb cb,
		     void *arg);

#endif
