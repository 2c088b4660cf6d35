/* One delivered record (protocol §2) as the collector keeps it: the chain
 * members report/chain.h reads (the one chain verifier Ward has, shared
 * with wardctl verify and the agent), the facts the console filters on,
 * and the verdict of the chain check remembered with the state it was
 * made against, so a batch checked before the write lock is not checked
 * again under it unless the chain moved meanwhile. */
#ifndef WARD_COLLECTOR_RECORD_H
#define WARD_COLLECTOR_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "report/chain.h"

#define HASH_HEX_LEN 64

struct delivered {
	const char *text;
	size_t len;
	struct record_info info;
	char sha256[HASH_HEX_LEN + 1];
	void *json; /* json_t * of the payload; the strings below point into it */
	const char *kind, *observed_at, *host, *user, *level, *action, *outcome;
	const char *device_serial, *file_name, *file_sha256, *ref;
	char rule[160];
	bool checked;
	struct chain_state checked_against;
	enum chain_verdict verdict;
	const char *why;
};

/* Parses text (len bytes, kept by the caller) as a record of agent_id.
 * Returns 0, or -EINVAL with *why a short reason for people. */
int delivered_parse(struct delivered *d, const char *text, size_t len, const char *agent_id,
		    const char **why);
void delivered_free(struct delivered *d);

/* chain_check of d against st, from memory when st is the state d was
 * last checked against.  *why as chain_check's. */
enum chain_verdict delivered_check(struct delivered *d, const struct chain_state *st,
				   const char **why);

/* The hex SHA-256 of len bytes. */
void sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

#endif
