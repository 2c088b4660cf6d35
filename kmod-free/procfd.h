/* What a process holds open, from /proc/PID/fd and /proc/PID/fdinfo:
 * the two questions behind copy detection without a kernel module.
 *   - destination side: does the opener of a file on removable media hold
 *     a document open for reading elsewhere (a candidate source)?
 *   - source side: does the opener of a document hold a file open for
 *     writing on removable media?
 * Bounded (max_fds), tolerant of the process or any fd vanishing while it
 * is scanned (that fd is skipped, not an error).
 *
 * Note: stat(2) of /proc/PID/fd/N reaches the file's filesystem (a FUSE
 * getattr for exfat-fuse).  Call this from a worker thread, never from the
 * thread that answers fanotify events. */
#ifndef WARD_KMODFREE_PROCFD_H
#define WARD_KMODFREE_PROCFD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum procfd_kind {
	PROCFD_MEDIA_WRITER = 1 << 0, /* regular file open O_WRONLY/O_RDWR on one of media_devs */
	PROCFD_SOURCE = 1 << 1,	      /* regular file open for reading, not on media_devs */
};

struct procfd_query {
	const dev_t *media_devs; /* st_dev of the removable media's filesystems */
	size_t n_media_devs;
	unsigned int want; /* PROCFD_MEDIA_WRITER | PROCFD_SOURCE */
	size_t max_fds;	   /* fds examined at most; 0 = PROCFD_DEFAULT_MAX_FDS */
	int skip_fd;	   /* an fd number to leave out (the one just opened), or -1 */
	dev_t skip_dev;	   /* ... or leave out this dev/ino (0/0: none) */
	ino_t skip_ino;
};
#define PROCFD_DEFAULT_MAX_FDS 4096

struct procfd_file {
	int fd; /* the descriptor's number in the target process */
	enum procfd_kind kind;
	int flags; /* open flags from fdinfo (O_ACCMODE, O_APPEND, ...) */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime; /* with dev, ino and size: the file's version */
};

/* Scan pid's descriptors; fills at most max_out matches into out and sets
 * *n_out.  Returns 0 (also when more matched than fit: *truncated is then
 * true if non-NULL), -ESRCH if the process is gone, or -errno. */
int procfd_scan(pid_t pid, const struct procfd_query *query, struct procfd_file *out,
		size_t max_out, size_t *n_out, bool *truncated);

/* Open a file the process holds, by /proc/PID/fd/N, O_RDONLY | O_CLOEXEC
 * (| O_NOATIME), and check it is still the same dev/ino (the fd number may
 * have been reused).  This open produces a fanotify event from our own pid
 * if the file is on a marked filesystem: the reader answers our own events
 * at once, so do not call this from the reader thread.  Returns the fd or
 * -errno (-ESTALE when the fd now names another file). */
int procfd_open(pid_t pid, const struct procfd_file *file);

/* The path of a file the process holds (readlink of /proc/PID/fd/N),
 * NUL-terminated, without opening it.  Returns 0, -ESRCH when the process
 * or the fd is gone, -ENAMETOOLONG when cut, or -errno. */
int procfd_path(pid_t pid, int fd, char *buf, size_t size);

/* Whether pid is us or one of our threads' ids is handled by the caller;
 * this reads the thread-group id of a task (Tgid: in /proc/PID/status),
 * -errno on failure. */
pid_t procfd_tgid(pid_t pid);

/* The parent of a process, from /proc/PID/stat (one small read: cheaper
 * than fan_opener_read() when only the ancestry matters, e.g. to ask
 * whether a process or its parent opened something on a medium).  Returns
 * the ppid, -ESRCH if gone, or -errno. */
pid_t procfd_ppid(pid_t pid);

/* The path of our own executable (readlink of /proc/self/exe), NUL-
 * terminated.  Returns 0, -ENAMETOOLONG or -errno. */
int procfd_self_exe(char *buf, size_t size);

/* The mount table of our mount namespace, for agent/mounts. */
#define PROCFD_MOUNTINFO "/proc/self/mountinfo"

/* The language a process asked for, from /proc/PID/environ (the first
 * PROCFD_ENVIRON_MAX bytes): the first set of LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG, in gettext's order of precedence.  For telling a
 * person in their language; needs CAP_SYS_PTRACE for other users'
 * processes.  Returns 0, -ENOENT when none is set, -ESRCH, or -errno. */
#define PROCFD_ENVIRON_MAX (64 * 1024)
int procfd_locale(pid_t pid, char *out, size_t size);

#endif
