/* The members of decision and device records (docs/protocol.md §2.3), from
 * what the agent knows of one event.  Facts, never content: counts of
 * personal data, never the data; with `report file-names no`, keyed hashes
 * in place of names and paths. */
#ifndef WARD_REPORT_DECISION_H
#define WARD_REPORT_DECISION_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "classify/classify.h"
#include "common/device.h"
#include "report/identity.h"

/* What one decision says.  Every pointer may be NULL (not known). */
struct report_decision {
	const char *event;   /* copy-destination, copy-source, close-write, device */
	const char *action;  /* the policy's action */
	const char *outcome; /* what really happened */
	const char *rule_file;
	unsigned rule_line; /* 0: none */
	const char *rule_reason;
	uid_t uid; /* (uid_t)-1 when unknown */
	const char *user;
	uid_t loginuid; /* (uid_t)-1 when unset */
	pid_t pid;	/* 0 when not a process event */
	const char *exe;
	const char *path;   /* the file decided on */
	const char *source; /* for a destination-side copy: the marked source */
	const struct classify_result *content;
	const struct ward_device *device;
	const char *approver; /* when a token lifted a block */
	const char *token;    /* that token's text (only its SHA-256 is recorded) */
	const char *detail;
	uint64_t count; /* coalesced repeats: >= 2, else 0 */
	struct timespec first, last;
};

/* Adds d's members (and `ref`, from the payload's record_id) to payload.
 * names_key NULL: names and paths in clear; else name_hmac/path_hmac/
 * source_hmac.  Returns 0 or -ENOMEM / -EINVAL. */
int decision_members(json_t *payload, const struct report_decision *d,
		     const unsigned char *names_key);

/* The `device` member alone, for device records and others. */
json_t *decision_device_json(const struct ward_device *dev);

#endif
