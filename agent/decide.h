/* The agent's hold on the policy: the current policy object behind a
 * mutex that guards only the pointer (policy.h's reload protocol), and the
 * few policy questions the agent asks, in one place. */
#ifndef WARD_AGENT_DECIDE_H
#define WARD_AGENT_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

struct decide;

/* Loads the policy at path (a directory of .rules files or one file).  On
 * error every diagnostic is logged and -EINVAL returned. */
int decide_open(const char *path, struct decide **out);
void decide_free(struct decide *d);

/* SIGHUP: load again; a broken policy is logged and the old one kept.
 * Returns 0 when the new policy is in place, -EINVAL otherwise. */
int decide_reload(struct decide *d);

/* A reference to the current policy: release with policy_unref(). */
struct policy *decide_acquire(struct decide *d);

/* How many reloads succeeded and failed. */
void decide_reload_counts(struct decide *d, unsigned *ok, unsigned *failed);

/* The built-in identity of an internal disk, for fail modes on the
 * source side. */
extern const struct ward_device decide_internal_device;

/* Whether a file action stops the copy (block and quarantine deny). */
static inline bool decide_denies(enum policy_action action)
{
	return action == POLICY_BLOCK || action == POLICY_QUARANTINE;
}

#endif
