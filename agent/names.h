/* Names created on removable media: a file or directory whose name
 * carries a marking (`機密-部署表.txt`, `【密】`, `TOP SECRET`) is a
 * record, even when nothing marked was ever written: names are a channel
 * of their own (a document's lines as empty files' names, a marking moved
 * into a directory name).
 *
 * A fanotify group of its own (kmod-free/fannames.h: FAN_CREATE and
 * FAN_MOVED_TO with the directory's handle and the entry's name), read by
 * a thread of its own; nobody waits for it.  Where the filesystem has a
 * file system id (ext4, the kernel's exfat) one filesystem mark covers the
 * medium.  exfat-fuse has none: every directory of the medium gets an
 * inode mark instead, placed by a walk when the medium is watched and on
 * each new directory as it appears (then walked, for what was created in
 * it before its mark).
 *
 * Threads: names_watch/unwatch on the main thread (mounts); marks, walks,
 * events and records on the names thread. */
#ifndef WARD_AGENT_NAMES_H
#define WARD_AGENT_NAMES_H

#include <stdint.h>

#include "common/level.h"

struct agent;
struct names;

#define NAMES_MAX_MEDIA 64
#define NAMES_MAX_DIRS 65536 /* directory marks on FUSE media, all together */

struct names_stats {
	uint64_t events;     /* read from the group */
	uint64_t recorded;   /* names with a marking recorded */
	uint64_t unresolved; /* a marked name whose directory could not be found */
	uint64_t lost;	     /* the kernel's queue overflowed */
	uint64_t dirs;	     /* directory marks placed (FUSE media) */
};

int names_new(struct agent *a, struct names **out);
/* Stops the thread if it runs, closes the group, frees. */
void names_free(struct names *n);
/* Opens the group and starts the thread.  Returns 0 or -errno. */
int names_start(struct names *n);

/* Main thread: follow / stop following names on a medium (its marks are
 * placed by the names thread).  Returns 0 or -errno. */
int names_watch(struct names *n, const char *mount_point);
void names_unwatch(struct names *n, const char *mount_point);

/* The highest marking a name carries, WARD_LEVEL_NONE if none: a level
 * standing as a word of its own (between separators, brackets, digits or
 * letters of another script: `機密-x`, `x_密.txt`, `【極機密】`, `top
 * secret.pdf`), or 機密 / 極機密 / 絕對機密 opening a run of ideographs
 * (`機密文件.odt`).  密 inside a word (密碼, 保密) is not a marking. */
enum ward_level names_level(const char *name);

void names_get_stats(struct names *n, struct names_stats *out);

#endif
