/* The inventory of every storage medium this workstation has seen: when it
 * was first and last seen, its identity, what Ward decided and by which
 * rule.  The office's peripheral checks read it with `wardctl devices`.
 *
 * Stored in <state_dir>/devices.tsv: a header line, then one line per
 * medium, tab-separated, with \t \n \\ escaped.  Rewritten whole on save
 * through a temp file, fsync, rename and fsync of the directory, so a crash
 * leaves the old or the new file, never a mix. */
#ifndef WARD_AGENT_INVENTORY_H
#define WARD_AGENT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "common/device.h"

#define INVENTORY_FILE "devices.tsv"

struct inventory_entry {
	char key[200]; /* identity key: see inventory_key() */
	struct ward_device device;
	time_t first_seen;
	time_t last_seen;
	unsigned long times_seen;
	char decision[16]; /* "allow", "read-only", "block", ... as the policy named it */
	char rule[64];	   /* the device rule that matched, "" for the default */
};

struct inventory;

/* Load <state_dir>/devices.tsv (a missing file is an empty inventory).
 * Returns 0, -EINVAL for a file that is not an inventory, or -errno. */
int inventory_open(const char *state_dir, struct inventory **out);
void inventory_free(struct inventory *inv);

/* A medium's identity key: "usb:VVVV:PPPP:SERIAL" when there is a serial,
 * else "fs:UUID", else "model:VENDOR:MODEL:SIZE". */
void inventory_key(const struct ward_device *dev, char *out, size_t size);

/* Record that dev was seen now with this decision: updates last_seen,
 * times_seen, identity, decision and rule, or adds an entry.  In memory
 * only; call inventory_save().  Returns 0 or -ENOMEM. */
int inventory_record(struct inventory *inv, const struct ward_device *dev, const char *decision,
		     const char *rule, time_t now);
/* Write it out atomically.  Returns 0 or -errno. */
int inventory_save(struct inventory *inv);

size_t inventory_count(const struct inventory *inv);
/* Entries in first-seen order; NULL past the end. */
const struct inventory_entry *inventory_get(const struct inventory *inv, size_t i);

/* For `wardctl devices`: print the inventory, a table for people (column
 * titles in Traditional Chinese then English) or, with json, one JSON array.
 * Returns 0 or -errno. */
int inventory_print(const struct inventory *inv, FILE *out, bool json);

#endif
