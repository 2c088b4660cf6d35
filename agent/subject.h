/* Who caused an event: the opener's identity from /proc (uid, login uid
 * behind sudo, exe, groups) and the names behind the numbers, read once
 * per event and only when something needs it (a decision with rules on
 * users or groups, a record).  Workers only: reading /proc/PID and the
 * user database may wait. */
#ifndef WARD_AGENT_SUBJECT_H
#define WARD_AGENT_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kmod-free/fanotify.h"

struct agent;

#define SUBJECT_MAX_GROUPS (FAN_OPENER_MAX_GROUPS + 1)

struct subject {
	pid_t pid;
	bool have_opener;
	bool gone; /* the process had exited (or /proc refused): ids unknown */
	struct fan_opener opener;
	char user[64]; /* login name of opener.uid, "" unknown */
	/* Primary then supplementary groups, and the names of those that
	 * have one (for `group` conditions in rules). */
	bool have_groups;
	gid_t groups[SUBJECT_MAX_GROUPS];
	size_t n_groups;
	char group_text[SUBJECT_MAX_GROUPS][64];
	const char *group_names[SUBJECT_MAX_GROUPS];
	size_t n_group_names;
};

/* An empty subject for pid (nothing read yet). */
void subject_init(struct subject *s, pid_t pid);
/* The opener, read on first use through a->ops->opener.  A process
 * already gone leaves uid, loginuid (uid_t)-1 and the rest empty. */
const struct fan_opener *subject_opener(struct agent *a, struct subject *s);
/* The groups and their names, read on first use. */
void subject_groups(struct agent *a, struct subject *s);

#endif
