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

/* Where a bundle's files go: put(ctx, "records/12.jws" | "bundle.json" |
 * "verify.mjs", bytes, len) returns 0 or -errno. */
struct evidence_sink {
	int (*put)(void *ctx, const char *name, const char *data, size_t len);
	void *ctx;
};
/* The bundle of the records args select, through sink, read on db;
 * *n_records gets how many records it holds.  Returns 0 or -errno. */
int evidence_write(struct collector *c, struct db *db, int argc, char **argv,
		   const struct evidence_sink *sink, size_t *n_records);

#endif
