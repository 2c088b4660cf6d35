/* What the employee is told, made from what the agent did: act.c's
 * outcomes that carry a notice (block, quarantine, warn, a denial by the
 * fail mode, a medium made read-only or blocked), a medium taken out (the
 * next insertion is announced again), and approval tokens that a reload
 * brought.  The words are the policy's own (`message` settings, rendered
 * by act.c in both languages); the hub (notify.h) delivers.  Cheap and
 * non-blocking: a subscriber of the act stage, on workers and the main
 * thread alike. */
#ifndef WARD_AGENT_NOTICE_H
#define WARD_AGENT_NOTICE_H

#include "agent/act.h"
#include "agent/notify.h"
#include "common/device.h"
#include "policy/policy.h"

/* The act stage's notify subscriber (struct act_subscriber): arg is the
 * hub.  Outcomes without a notice, an exemption (an audit: nothing to
 * say) and each open on a blocked medium (its insertion was said) are
 * passed over. */
void notice_outcome(void *hub, const struct act_outcome *o);

/* A medium was taken out: its next insertion is announced again. */
void notice_device_removed(struct notify_hub *hub, const struct ward_device *dev);

/* After a reload: each approval token that `after` holds and `before` did
 * not, still valid now, tells its user the copy may now be retried. */
void notice_approvals(struct notify_hub *hub, const struct policy *before,
		      const struct policy *after);

#endif
