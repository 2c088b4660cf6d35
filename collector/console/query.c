#define _GNU_SOURCE
#include "collector/console/query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"

#define DAY_MS (24 * 3600 * 1000LL)

static const char *const NAMES[F_COUNT] = {
    "from", "to",     "period", "level",    "action", "host", "dept",
    "user", "device", "state",	"assignee", "q",      "sort", "dir",
};

const char *const STATE_CODES[3] = {"new", "investigating", "closed"};
const char *const RESOLUTION_CODES[3] = {"violation", "false-positive", "approved-exception"};
const char *const ACTION_CODES[6] = {"allow", "audit", "warn", "block", "quarantine", "read-only"};

/* Sorts: the code in the query, the ORDER BY it means. */
static const struct {
	const char *code, *asc, *desc;
} SORTS[] = {
    {"time", "observed_ms ASC, leaf_idx ASC", "observed_ms DESC, leaf_idx DESC"},
    {"level", "level_rank ASC, observed_ms ASC, leaf_idx ASC",
     "level_rank DESC, observed_ms DESC, leaf_idx DESC"},
    {"action", "action ASC, observed_ms ASC, leaf_idx ASC",
     "action DESC, observed_ms DESC, leaf_idx DESC"},
    {"host", "host ASC, observed_ms ASC, leaf_idx ASC",
     "host DESC, observed_ms DESC, leaf_idx DESC"},
    {"user", "username ASC, observed_ms ASC, leaf_idx ASC",
     "username DESC, observed_ms DESC, leaf_idx DESC"},
    {"state", "state ASC, observed_ms ASC, leaf_idx ASC",
     "state DESC, observed_ms DESC, leaf_idx DESC"},
    {"attempts", "attempts ASC, observed_ms ASC, leaf_idx ASC",
     "attempts DESC, observed_ms DESC, leaf_idx DESC"},
};

const char *query_name(enum filter f)
{
	return NAMES[f];
}

const char *state_label(const char *code)
{
	static const char *const labels[] = {N_("new"), N_("investigating"), N_("closed")};

	for (size_t i = 0; code && i < ARRAY_SIZE(STATE_CODES); i++)
		if (strcmp(code, STATE_CODES[i]) == 0)
			return _(labels[i]);
	return code ? code : "";
}

const char *resolution_label(const char *code)
{
	static const char *const labels[] = {N_("violation"), N_("false positive"),
					     N_("approved exception")};

	for (size_t i = 0; code && i < ARRAY_SIZE(RESOLUTION_CODES); i++)
		if (strcmp(code, RESOLUTION_CODES[i]) == 0)
			return _(labels[i]);
	return code ? code : "";
}

const char *action_label(const char *code)
{
	static const char *const labels[] = {N_("allow"), N_("audit"),	    N_("warn"),
					     N_("block"), N_("quarantine"), N_("read-only")};

	for (size_t i = 0; code && i < ARRAY_SIZE(ACTION_CODES); i++)
		if (strcmp(code, ACTION_CODES[i]) == 0)
			return _(labels[i]);
	return code ? code : "";
}

const char *outcome_label(const char *code)
{
	/* wardd's outcomes (docs/protocol.md, `outcome`); one it adds later
	 * is shown as it came. */
	static const char *const outcomes[][2] = {
	    {"allowed", N_("allowed")},
	    {"denied", N_("denied")},
	    {"kept", N_("kept")},
	    {"quarantined", N_("quarantined")},
	    {"removed (evidence not kept)", N_("removed (evidence not kept)")},
	    {"quarantine-failed", N_("quarantine failed")},
	    {"rescanned", N_("media checked again")},
	    {"read-only", N_("read-only")},
	    {"read-only (mount only)", N_("read-only (mount only)")},
	    {"read-only failed", N_("read-only failed")},
	    {"blocked (deauthorized)", N_("blocked (deauthorized)")},
	    {"blocked (opens denied)", N_("blocked (opens denied)")},
	    {"denied (deadline passed: fail mode)", N_("denied (no answer in time: fail mode)")},
	    {"allowed (deadline passed: fail mode)", N_("allowed (no answer in time: fail mode)")},
	    {"denied (queue full: fail mode)", N_("denied (queue full: fail mode)")},
	    {"allowed (queue full: fail mode)", N_("allowed (queue full: fail mode)")},
	    {"denied (the record could not be written: report-failure block)",
	     N_("denied (the record could not be written)")},
	    {"quarantine pending", N_("quarantine pending")},
	    {"read-only pending", N_("read-only pending")},
	    {"block pending", N_("block pending")},
	};

	for (size_t i = 0; code && i < ARRAY_SIZE(outcomes); i++)
		if (strcmp(code, outcomes[i][0]) == 0)
			return _(outcomes[i][1]);
	return code ? code : "";
}

const char *level_label(int rank)
{
	static const char *const labels[] = {N_("unmarked"), "密", "機密", "極機密", "絕對機密"};

	return rank <= 0 || rank > 4 ? _(labels[0]) : labels[rank];
}

static bool in_list(const char *v, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

static void add_cond(struct query *q, const char *cond, struct db_val v)
{
	size_t used = strlen(q->where);

	if (q->n >= QUERY_PARAMS - 2)
		return;
	snprintf(q->where + used, sizeof(q->where) - used, "%s%s", used ? " AND " : "", cond);
	q->params[q->n++] = v;
}

static bool refuse(struct query *q, const char *why)
{
	q->bad = why;
	return false;
}

/* The named period's days: [from, to] local, by name. */
static bool period_range(struct page *pg, const char *name, int64_t *from, int64_t *to)
{
	static const char sql[] = "SELECT from_day, to_day FROM periods WHERE name = ?";
	struct db_val p[] = {DBV_TEXT(name)};
	struct db_rows *rows = db_query(pg->db, sql, p, 1);
	bool ok = false;

	if (rows && db_next(rows))
		ok = local_time_ms(db_col_text(rows, 0, NULL), from) &&
		     local_time_ms(db_col_text(rows, 1, NULL), to);
	db_rows_free(rows);
	if (ok)
		*to += DAY_MS;
	return ok;
}

static bool time_filters(struct page *pg, struct query *q)
{
	const char *from = q->value[F_FROM], *to = q->value[F_TO], *period = q->value[F_PERIOD];
	int64_t a, b;

	if (from && !local_time_ms(from, &q->from_ms))
		return refuse(q, _("The start date is not a date (YYYY-MM-DD)."));
	if (to && !local_time_ms(to, &q->to_ms))
		return refuse(q, _("The end date is not a date (YYYY-MM-DD)."));
	if (to && strlen(to) == 10)
		q->to_ms += DAY_MS; /* the whole last day */
	if (from)
		add_cond(q, "observed_ms >= ?", DBV_INT(q->from_ms));
	if (to)
		add_cond(q, "observed_ms < ?", DBV_INT(q->to_ms));
	q->has_from = from;
	q->has_to = to;
	if (period) {
		if (!period_range(pg, period, &a, &b))
			return refuse(q, _("There is no period of that name."));
		add_cond(q, "observed_ms >= ?", DBV_INT(a));
		add_cond(q, "observed_ms < ?", DBV_INT(b));
		if (!from || a > q->from_ms)
			q->from_ms = a;
		if (!to || b < q->to_ms)
			q->to_ms = b;
		q->has_from = q->has_to = true;
	}
	return true;
}

static bool fixed_filters(struct query *q)
{
	const char *level = q->value[F_LEVEL], *action = q->value[F_ACTION];
	const char *state = q->value[F_STATE];

	if (level) {
		if (strlen(level) != 1 || level[0] < '0' || level[0] > '4')
			return refuse(q, _("There is no such level."));
		add_cond(q, "level_rank = ?", DBV_INT(level[0] - '0'));
	}
	if (action) {
		if (!in_list(action, ACTION_CODES, ARRAY_SIZE(ACTION_CODES)))
			return refuse(q, _("There is no such action."));
		add_cond(q, "action = ?", DBV_TEXT(action));
	}
	if (state) {
		if (!in_list(state, STATE_CODES, ARRAY_SIZE(STATE_CODES)))
			return refuse(q, _("There is no such state."));
		add_cond(q, "state = ?", DBV_TEXT(state));
	}
	return true;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

/* XXXX-XXXX in Crockford's base 32 (protocol §2.3). */
static bool is_ref(const char *s)
{
	if (strlen(s) != 9 || s[4] != '-')
		return false;
	for (int i = 0; i < 9; i++)
		if (i != 4 &&
		    !strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", toupper((unsigned char)s[i])))
			return false;
	return true;
}

/* Search: a SHA-256, a reference code, or part of a file name. */
static void search(struct page *pg, struct query *q, const char *text)
{
	size_t o = 0;

	if (is_hex64(text)) {
		for (int i = 0; i < 64; i++)
			q->sha[i] = (char)tolower((unsigned char)text[i]);
		q->sha[64] = '\0';
		add_cond(q, "file_sha256 = ?", DBV_TEXT(q->sha));
		return;
	}
	if (is_ref(text)) {
		for (int i = 0; i < 9; i++)
			q->ref[i] = (char)toupper((unsigned char)text[i]);
		q->ref[9] = '\0';
		add_cond(q, "ref = ?", DBV_TEXT(q->ref));
		return;
	}
	q->q_value[o++] = '%';
	for (const char *p = text; *p && o + 3 < sizeof(q->q_value); p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			q->q_value[o++] = '\\';
		q->q_value[o++] = *p;
	}
	q->q_value[o++] = '%';
	q->q_value[o] = '\0';
	add_cond(q,
		 db_kind(pg->db) == DB_POSTGRES ? "file_name ILIKE ? ESCAPE '\\'"
						: "file_name LIKE ? ESCAPE '\\'",
		 DBV_TEXT(q->q_value));
}

static void text_filters(struct page *pg, struct query *q)
{
	if (q->value[F_HOST])
		add_cond(q, "host = ?", DBV_TEXT(q->value[F_HOST]));
	if (q->value[F_DEPT])
		add_cond(q, "agent_id IN (SELECT agent_id FROM desks WHERE department = ?)",
			 DBV_TEXT(q->value[F_DEPT]));
	if (q->value[F_USER])
		add_cond(q, "username = ?", DBV_TEXT(q->value[F_USER]));
	if (q->value[F_DEVICE])
		add_cond(q, "device_serial = ?", DBV_TEXT(q->value[F_DEVICE]));
	if (q->value[F_ASSIGNEE])
		add_cond(q, "assignee = ?", DBV_TEXT(q->value[F_ASSIGNEE]));
	if (q->value[F_Q])
		search(pg, q, q->value[F_Q]);
}

static bool sort_order(struct query *q)
{
	const char *sort = q->value[F_SORT] ? q->value[F_SORT] : "time";
	const char *dir = q->value[F_DIR] ? q->value[F_DIR] : "desc";

	if (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0)
		return refuse(q, _("Sort either up or down."));
	for (size_t i = 0; i < ARRAY_SIZE(SORTS); i++)
		if (strcmp(sort, SORTS[i].code) == 0) {
			q->order = strcmp(dir, "asc") == 0 ? SORTS[i].asc : SORTS[i].desc;
			return true;
		}
	return refuse(q, _("The list cannot be sorted that way."));
}

bool query_parse(struct page *pg, struct query *q)
{
	const char *page = http_arg(pg->req, "page"), *n = http_arg(pg->req, "n");

	memset(q, 0, sizeof(*q));
	for (int f = 0; f < F_COUNT; f++) {
		const char *v = http_arg(pg->req, NAMES[f]);

		q->value[f] = v && *v && strlen(v) < 256 ? v : NULL;
		if (v && strlen(v) >= 256)
			return refuse(q, _("A filter value is too long."));
	}
	q->page = page ? strtoll(page, NULL, 10) : 1;
	q->per_page = n ? strtoll(n, NULL, 10) : PAGE_SIZE;
	if (q->page < 1 || q->page > 100000)
		q->page = 1;
	if (q->per_page < 1 || q->per_page > PAGE_SIZE_MAX)
		q->per_page = PAGE_SIZE;
	if (!time_filters(pg, q) || !fixed_filters(q) || !sort_order(q))
		return false;
	text_filters(pg, q);
	return true;
}

char *query_sql(struct query *q, const char *cols, int64_t limit, int64_t offset)
{
	char *sql = NULL;

	if (asprintf(&sql, "SELECT %s FROM incidents%s%s ORDER BY %s LIMIT ? OFFSET ?", cols,
		     q->where[0] ? " WHERE " : "", q->where,
		     q->order ? q->order : SORTS[0].desc) < 0)
		return NULL;
	q->params[q->n] = DBV_INT(limit ? limit : q->per_page);
	q->params[q->n + 1] = DBV_INT(offset);
	return sql;
}

/* How many rows PostgreSQL's planner expects the list to have (its
 * statistics, no rows read), or -1 when it cannot say. */
static int64_t planner_estimate(struct page *pg, const struct query *q)
{
	_cleanup_free_ char *sql = NULL;
	struct db_rows *rows;
	json_t *plan = NULL;
	int64_t estimate = -1;

	if (asprintf(&sql, "EXPLAIN (FORMAT JSON) SELECT 1 FROM incidents%s%s",
		     q->where[0] ? " WHERE " : "", q->where) < 0)
		return -1;
	rows = db_query_adhoc(pg->db, sql, q->params, q->n);
	if (rows && db_next(rows)) {
		size_t len;
		const char *text = db_col_text(rows, 0, &len);

		plan = wjson_parse(text, len, NULL, 0);
	}
	db_rows_free(rows);
	if (!wjson_int(json_object_get(json_array_get(plan, 0), "Plan"), "Plan Rows", &estimate))
		estimate = -1;
	json_decref(plan);
	return estimate;
}

/* Two significant digits: an estimate does not pretend to more. */
static int64_t round_estimate(int64_t n)
{
	int64_t unit = 1;

	while (n / unit >= 100)
		unit *= 10;
	return (n + unit / 2) / unit * unit;
}

int64_t query_count(struct page *pg, struct query *q, bool *estimated)
{
	char *sql = NULL;
	struct db_rows *rows;
	int64_t count = -1;

	/* A capped count of a large list reads up to COUNT_CAP rows in
	 * whatever order the planner likes, often a sequential scan that
	 * starts mid-table: hundreds of milliseconds to say "more than
	 * 10000".  The planner's own estimate costs one plan. */
	*estimated = false;
	if (db_kind(pg->db) == DB_POSTGRES) {
		int64_t estimate = planner_estimate(pg, q);

		if (estimate > COUNT_CAP) {
			*estimated = true;
			return round_estimate(estimate);
		}
	}
	if (asprintf(&sql, "SELECT count(*) FROM (SELECT 1 FROM incidents%s%s LIMIT %d) t",
		     q->where[0] ? " WHERE " : "", q->where, COUNT_CAP + 1) < 0)
		return -1;
	rows = db_query_adhoc(pg->db, sql, q->params, q->n);
	if (rows && db_next(rows))
		count = db_col_int(rows, 0);
	db_rows_free(rows);
	free(sql);
	return count;
}

bool query_link(struct html *h, const struct query *q, const char *base, enum filter key,
		const char *value)
{
	bool first = true;

	html_raw(h, base);
	for (int f = 0; f < F_COUNT; f++) {
		const char *v = (int)key == f ? value : q->value[f];

		if (!v)
			continue;
		html_raw(h, first ? "?" : "&amp;");
		html_raw(h, NAMES[f]);
		html_raw(h, "=");
		html_url_value(h, v);
		first = false;
	}
	return !first;
}
