/* Offline checks of what the collector keeps: ward-collector admin verify
 * (the log recomputed from the stored records, every checkpoint and
 * every agent's chain re-verified) and admin export (an evidence bundle
 * an auditor verifies with the npm jose package). */
#ifndef WARD_COLLECTOR_VERIFY_H
#define WARD_COLLECTOR_VERIFY_H

#include <stdio.h>

#include "collector/collector.h"

/* Prints each finding and a summary to out; returns 0 when nothing was
 * found, 1 otherwise. */
int verify_all(struct collector *c, FILE *out);

/* Writes the bundle of the records selected by args (--agent ID, --ref
 * CODE, --leaf N, repeatable) into dir.  Returns 0 or 1. */
int evidence_export(struct collector *c, const char *dir, int argc, char **argv);

#endif
