/* `wardctl policy explain`: the event its options describe, and the
 * decision printed for people or as JSON.  cmd_policy.c runs it. */
#ifndef WARD_WARDCTL_EXPLAIN_H
#define WARD_WARDCTL_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/classify.h"
#include "common/device.h"
#include "policy/policy.h"

#define EXPLAIN_MAX_TOKENS 8
#define EXPLAIN_MAX_GROUPS 16

struct explain_args {
	const char *policy_path; /* NULL: the default */
	bool json;
	const char *time_arg; /* NULL: now */
	const char *token_paths[EXPLAIN_MAX_TOKENS];
	size_t n_token_paths;
	const char *group_names[EXPLAIN_MAX_GROUPS];
	size_t n_groups;
	struct classify_result content;
	bool have_content;
	struct ward_device dev;
	struct policy_event ev;
};

/* The usage message is wanted (an unknown option, a stray argument). */
#define EXPLAIN_USAGE (-1)

/* Fills a from the command line.  Returns 0, EXPLAIN_USAGE, or an exit
 * status after saying why on stderr: 2 a bad value, 1 a document that
 * could not be classified (--file). */
int explain_parse_args(int argc, char **argv, struct explain_args *a);

struct rejected_token {
	const char *path;
	const char *status;
	char text[256];
};

/* The tokens offered with the event, and those refused. */
struct explain_tokens {
	struct policy_token *held[EXPLAIN_MAX_TOKENS];
	const struct policy_token *offered[EXPLAIN_MAX_TOKENS];
	size_t n_held;
	struct rejected_token rejected[EXPLAIN_MAX_TOKENS];
	size_t n_rejected;
};

void explain_print_text(const struct policy_event *ev, const struct policy_decision *d,
			const char *why, const struct explain_tokens *tokens);
/* One JSON object on one line.  Returns 0, or 1 when it could not be
 * written. */
int explain_print_json(const struct policy *p, const struct policy_event *ev,
		       const struct policy_decision *d, const char *why,
		       const struct explain_tokens *tokens);

#endif
