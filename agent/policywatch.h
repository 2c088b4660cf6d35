/* The policy directory watched with inotify: a saved edit is applied as a
 * SIGHUP would apply it (a policy that does not check clean is logged with
 * file:line:col and the one in force stays).  Editors and dpkg save in
 * steps (a temporary file renamed over the old one, .dpkg-new files, one
 * file after another), so a change is reported once the directory has been
 * quiet for POLICY_WATCH_SETTLE_MS. */
#ifndef WARD_AGENT_POLICYWATCH_H
#define WARD_AGENT_POLICYWATCH_H

#include <stdbool.h>
#include <stdint.h>

#define POLICY_WATCH_SETTLE_MS 500

struct policy_watch {
	int fd;		 /* inotify, -1 when the policy is one file or unwatched */
	bool pending;	 /* a .rules file changed, not yet reported */
	uint64_t due_ms; /* monotonic: report it from then on */
};

/* Watches dir when it is a directory (a policy that is one file is left to
 * SIGHUP).  Returns 0 or -errno; w->fd is -1 on failure. */
int policy_watch_open(struct policy_watch *w, const char *dir);
/* For poll(): how long until a pending change is due, or -1. */
int policy_watch_timeout_ms(const struct policy_watch *w);
/* Reads what inotify has (the fd polled readable). */
void policy_watch_read(struct policy_watch *w);
/* True once a settled change is due; the caller reloads. */
bool policy_watch_due(struct policy_watch *w);
/* A reload (of any cause) is about to read the directory: the changes
 * inotify reported so far are in it, so none is left pending (a SIGHUP
 * sent after a save reloads once, not twice). */
void policy_watch_covered(struct policy_watch *w);
void policy_watch_close(struct policy_watch *w);

#endif
