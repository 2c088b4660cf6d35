/* What the employee is told, made from what the agent decided: which
 * outcomes get a pop-up (block, quarantine, warn, a denial by the fail
 * mode, a medium made read-only or blocked, an approval that arrived), in
 * the policy's own words (`message` settings, both languages, rendered
 * here because only the agent holds the policy), then handed to the notify
 * hub (agent/notify.h).  Cheap and non-blocking: safe on a worker. */
#ifndef WARD_AGENT_NOTICE_H
#define WARD_AGENT_NOTICE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "agent/notify.h"
#include "classify/classify.h"
#include "common/device.h"
#include "policy/policy.h"

/* One decision on a file, as recorded. */
struct notice_decision {
	uid_t uid, loginuid;
	pid_t pid;			       /* whose locale picks the terminal line's language */
	const char *path;		       /* the file decided on */
	const struct classify_result *content; /* NULL when not classified */
	const struct ward_device *device;
	const struct policy_decision *d; /* NULL when the fail mode answered */
	const char *action;		 /* the policy's action, or "fail-mode" */
	const char *outcome;		 /* denied, quarantined, kept, ... */
	const char *ref;		 /* the record's reference code */
	struct timespec time;
};

/* Whether staff are told of this outcome at all (audit and allow: no). */
bool notice_wanted(const char *action, const char *outcome);

void notice_decision(struct notify_hub *hub, const struct policy *policy,
		     const struct notice_decision *f);

/* A medium inserted under a read-only or block rule (said once per
 * insertion: the hub folds udev's repeated events). */
void notice_device(struct notify_hub *hub, const struct policy *policy,
		   const struct ward_device *dev, const struct policy_decision *d);
void notice_device_removed(struct notify_hub *hub, const struct ward_device *dev);

/* After a reload: each approval token that `after` holds and `before` did
 * not, still valid now, tells its user the copy may be retried. */
void notice_approvals(struct notify_hub *hub, const struct policy *before,
		      const struct policy *after);

#endif
