/* Approvals from the review console (protocol §4): ward-sender leaves
 * each token the collector hands it in <state_dir>/spool/approvals/
 * (<id>.tok, and <id>.revoked when one is revoked; id is the SHA-256 of
 * the token's text).  wardd checks each new token against the policy's
 * trusted supervisors, installs the good ones in the policy's `tokens`
 * directory and takes revoked ones out; the caller reloads the policy when
 * anything changed.  The sender is trusted for nothing: a token that is
 * not signed by a supervisor the policy trusts is refused here (and logged
 * once), and a revocation can only remove. */
#ifndef WARD_AGENT_APPROVALS_H
#define WARD_AGENT_APPROVALS_H

#include <stdbool.h>

struct policy_current;
struct approvals;

/* NULL on no memory. */
struct approvals *approvals_new(const char *state_dir);
void approvals_free(struct approvals *ap);
/* One pass over the spool: true when the tokens directory changed. */
bool approvals_sync(struct approvals *ap, struct policy_current *policy);

#endif
