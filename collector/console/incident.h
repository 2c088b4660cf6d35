/* One incident's row (incidents), shared by its page, the review actions
 * and the approval desk. */
#ifndef WARD_CONSOLE_INCIDENT_H
#define WARD_CONSOLE_INCIDENT_H

#include <stdint.h>

#include "collector/console/web.h"

struct incident {
	int64_t leaf, seq, observed_ms, last_ms, attempts;
	int level_rank;
	char agent_id[40], ref[16], state[16], resolution[24], assignee[USER_NAME_MAX];
	char user[128], host[256], action[16], outcome[32], serial[128], sha256[65];
	char file_name[512], approver[USER_DISPLAY_MAX];
};

/* Returns 0, -ENOENT or -EIO. */
int incident_get(struct db *db, int64_t leaf, struct incident *in);
/* The decision record's payload (a json_t *, the caller's) or NULL. */
void *incident_payload(struct db *db, int64_t leaf);

/* The incident page's parts beyond the facts (review.c's forms, approve.c's
 * list). */
void incident_review_forms(struct page *pg, const struct incident *in);
void incident_trail(struct page *pg, const struct incident *in);
void incident_approvals(struct page *pg, const struct incident *in);

#endif
