/* The decisions behind every fanotify event, on the worker threads:
 *   destination side  an open on a removable medium while the opener holds
 *                     a readable document elsewhere (cp, mv, rsync sender);
 *   source side       an open of a document while the opener holds a file
 *                     open for writing on a removable medium (cat > stick,
 *                     tar -cf stick/x.tar, zip);
 *   post-write        a file closed after writing on a removable medium
 *                     (pipes, editors, archivers): classify what was
 *                     written, quarantine it if the policy says so;
 *   learning          a file on an internal filesystem found clean gets an
 *                     ignore mark, so its next opens cost nothing.
 * What is decided is carried out by act.c; every outside call goes
 * through a->ops. */
#ifndef WARD_AGENT_DECIDE_H
#define WARD_AGENT_DECIDE_H

#include <stdbool.h>

#include "agent/pool.h"

struct agent;

/* The pool's callbacks (pool_ops.handle and pool_ops.fail_verdict; the
 * answer itself is act_respond). */
void decide_event(void *arg, unsigned worker, struct pool_event *ev);
enum pool_verdict decide_fail_verdict(void *arg, const struct pool_event *ev);

/* Reader thread: try to learn that a file on an internal filesystem is
 * clean without waiting on anything.  True: done with it (fd still the
 * caller's); false: hand it to a worker. */
bool decide_learn_inline(struct agent *a, int fd);

#endif
