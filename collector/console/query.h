/* The incident filters every list shares (the list page, its CSV, the
 * dashboard, a bundle of a filtered list): read from the query string,
 * checked, and turned into a WHERE clause whose values are all parameters.
 * A value a filter cannot take (an unknown state, a malformed date) is
 * refused with a message and matches nothing: a bad filter never widens a
 * list. */
#ifndef WARD_CONSOLE_QUERY_H
#define WARD_CONSOLE_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/console/web.h"

enum filter {
	F_FROM,
	F_TO,
	F_PERIOD,
	F_LEVEL,
	F_ACTION,
	F_HOST,
	F_DEPT,
	F_USER,
	F_DEVICE,
	F_STATE,
	F_ASSIGNEE,
	F_Q,
	F_SORT,
	F_DIR,
	F_COUNT
};

#define QUERY_PARAMS 24
#define PAGE_SIZE 50
#define PAGE_SIZE_MAX 200
#define COUNT_CAP 10000

struct query {
	const char *value[F_COUNT]; /* as given, for the form and links */
	char where[1024];
	struct db_val params[QUERY_PARAMS];
	size_t n;
	const char *order; /* a literal from the sort table */
	int64_t page, per_page;
	const char *bad; /* why a filter was refused (then nothing matches) */
	char q_value[300], sha[65], ref[10];
	int64_t from_ms, to_ms; /* the time the filters allow, where has_from/has_to */
	bool has_from, has_to;
};

/* The filters of the request.  Returns false (q->bad set) when a value
 * is refused. */
bool query_parse(struct page *pg, struct query *q);
/* "SELECT <cols> FROM incidents WHERE ... ORDER BY ... LIMIT ? OFFSET ?"
 * (heap), the limit and offset appended to q's parameters.  limit 0: the
 * page's. */
char *query_sql(struct query *q, const char *cols, int64_t limit, int64_t offset);
/* How many incidents match, up to COUNT_CAP + 1; on PostgreSQL, when its
 * planner expects more than COUNT_CAP, that expectation (two significant
 * digits) with *estimated set. */
int64_t query_count(struct page *pg, struct query *q, bool *estimated);
/* base and the query string of q (href-ready, escaped) with one filter
 * changed (key F_COUNT: none) into h.  Returns whether it wrote a '?'. */
bool query_link(struct html *h, const struct query *q, const char *base, enum filter key,
		const char *value);
/* The filter's name in the query string. */
const char *query_name(enum filter f);

/* Codes and labels (translated) of the fixed vocabularies. */
const char *state_label(const char *code);
const char *resolution_label(const char *code);
const char *action_label(const char *code);
/* What wardd says really happened, for people (an unknown one as it is). */
const char *outcome_label(const char *code);
const char *level_label(int rank);
extern const char *const STATE_CODES[3];
extern const char *const RESOLUTION_CODES[3];
extern const char *const ACTION_CODES[6];

#endif
