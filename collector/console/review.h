/* The review trail is evidence too: every reviewer's action (a state
 * change with its reason, an assignment, a comment, an approval issued or
 * revoked, an account or enrollment change) is a compact JWS signed with
 * the collector's key (kid "collector/<name>", protocol §2.1) appended as
 * a leaf of the same transparency log as the desks' records, in the same
 * transaction as the change it records: the change and its leaf are kept
 * together or not at all, and the trail cannot be rewritten unnoticed. */
#ifndef WARD_CONSOLE_REVIEW_H
#define WARD_CONSOLE_REVIEW_H

#include <jansson.h>

#include "collector/console/web.h"

/* Who acts, where: the signed-in user of a page, or the administrator
 * at the collector's command line. */
struct review_actor {
	struct collector *c;
	struct db *db;
	const char *name, *display, *role;
};

/* The change a review action makes: one statement that must change
 * exactly one row (else the action is refused as stale: someone changed
 * the incident meanwhile). */
struct review_change {
	const char *sql;
	const struct db_val *params;
	size_t n;
};

/* Appends the action to the log.  body: members of the payload beyond
 * v, kind ("review"), action, actor, actor_role, at and incident (ref,
 * record_id, leaf), which are added here; its reference is stolen.
 * incident < 0: an action on no incident (accounts, desks).  change and
 * extra (may be NULL) run in the same transaction, change first.
 * *leaf (may be NULL) gets the action's leaf index.  Returns 0, -ESTALE
 * or -EIO. */
int review_append(struct page *pg, int64_t incident, const char *action, json_t *body,
		  const struct review_change *change, const struct review_change *extra,
		  int64_t *leaf);
/* The same for any actor. */
int review_append_as(const struct review_actor *who, int64_t incident, const char *action,
		     json_t *body, const struct review_change *change,
		     const struct review_change *extra, int64_t *leaf);

/* An account or desk action (no incident), its failure only logged:
 * "user-create", "password", ... on target. */
void review_log_account(struct page *pg, const char *action, const char *target, json_t *body);

#endif
