/* The record step: what act.c writes before and after it acts, and the
 * agent's own records (a policy reload), as signed records in the one
 * record log (report/, docs/protocol.md §2): a decision and its facts
 * (file names as keyed hashes with `report file-names no`, a stub for an
 * action the policy does not report), made durable when act.c needs it
 * before the answer, repeats within the window folded into one record. */
#ifndef WARD_AGENT_RECORD_H
#define WARD_AGENT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/act.h"

struct agent;

/* Writes one outcome (a->ops->record in wardd).  With sync, durable on
 * return.  Returns 0 with out->seq and out->ref set (a repeat folded into
 * the first attempt's record: seq 0, the first one's ref; an audit-level
 * record dropped over the log's cap: seq 0), or -errno: the record is not
 * on disk (counted, logged, reported once records can be written again). */
int record_write(struct agent *a, const struct act_outcome *o, bool sync, struct act_receipt *out);

/* The outcome's members as JSON text, without the braces (the evidence
 * store keeps them beside a quarantined file).  *out is heap.  Returns 0
 * or -errno. */
int record_format(const struct act_outcome *o, char **out, size_t *len);

/* A policy reload from path: loaded, or rejected (the old one kept). */
void record_policy_reload(struct agent *a, const char *path, bool loaded);

#endif
