/* The record step: what act.c writes before and after it acts, and the
 * agent's own records (a policy reload).  Today these go to the
 * hash-chained journal (journal.c); the signed record log replaces the
 * bodies of these functions and nothing else in the pipeline. */
#ifndef WARD_AGENT_RECORD_H
#define WARD_AGENT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/act.h"
#include "agent/journal.h"

struct agent;

/* Writes one outcome (a->ops->record in wardd).  With sync, durable on
 * return.  Returns 0 with out->seq set, or -errno (counted by the log). */
int record_write(struct agent *a, const struct act_outcome *o, bool sync, struct act_receipt *out);

/* The outcome's members as JSON text, without the braces (the evidence
 * store keeps them beside a quarantined file).  *out is heap.  Returns 0
 * or -errno. */
int record_format(const struct act_outcome *o, char **out, size_t *len);

/* A policy reload from path: loaded, or rejected (the old one kept). */
void record_policy_reload(struct agent *a, const char *path, bool loaded);

/* The journal's view of an outcome (pointers into o). */
void record_to_journal(const struct act_outcome *o, char rule[320], struct journal_record *rec);

#endif
