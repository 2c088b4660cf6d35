/* Exits of processes from the kernel's process connector (netlink,
 * NETLINK_CONNECTOR / CN_IDX_PROC; CAP_NET_ADMIN): a process's parent
 * once the process is gone from /proc, which /proc can no longer tell.
 * Process lineage asks it when a reader exited before its read was seen
 * (`sh -c 'base64 doc > out'`: the shell closes `out`, its child is gone). */
#ifndef WARD_KMODFREE_PROCEXIT_H
#define WARD_KMODFREE_PROCEXIT_H

#include <sys/types.h>

/* A socket subscribed to process events, non-blocking.  Returns the fd or
 * -errno (-EPERM without CAP_NET_ADMIN, -EPROTONOSUPPORT without
 * CONFIG_PROC_EVENTS). */
int procexit_open(void);

/* Reads every event waiting on fd without blocking and tells fn of each
 * process (not thread) that exited: its pid and its parent's.  Returns 0,
 * -ENOBUFS when the kernel dropped some for want of room (the rest is
 * still read), or -errno. */
int procexit_drain(int fd, void (*fn)(void *arg, pid_t pid, pid_t ppid), void *arg);

#endif
