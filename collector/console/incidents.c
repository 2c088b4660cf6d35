/* The incident list: filters, sorting, paging, search by file name,
 * SHA-256 or reference code, the coalesced count of each incident, and
 * from here the CSV of the filtered list and the evidence bundle of the
 * incidents ticked. */
#include <stdlib.h>
#include <string.h>

#include "collector/console/pages.h"
#include "collector/console/query.h"
#include "collector/console/sync.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/util.h"

#define LIST_COLS                                                                                  \
	"leaf_idx, observed_ms, ref, username, host, file_name, level_rank, action, outcome,"      \
	" device_serial, device_name, attempts, state, resolution, assignee, approver"

static void text_input(struct page *pg, const struct query *q, enum filter f, const char *label)
{
	html_raw(&pg->h, "<label>");
	html_text(&pg->h, label);
	html_raw(&pg->h, "<input");
	html_attr(&pg->h, "name", query_name(f));
	html_attr(&pg->h, "value", q->value[f]);
	html_raw(&pg->h, "></label>");
}

static void select_codes(struct page *pg, const struct query *q, enum filter f, const char *label,
			 const char *const *codes, size_t n, const char *(*name)(const char *))
{
	html_raw(&pg->h, "<label>");
	html_text(&pg->h, label);
	html_raw(&pg->h, "<select");
	html_attr(&pg->h, "name", query_name(f));
	html_raw(&pg->h, ">");
	html_option(&pg->h, "", _("any"), !q->value[f]);
	for (size_t i = 0; i < n; i++)
		html_option(&pg->h, codes[i], name(codes[i]),
			    q->value[f] && strcmp(q->value[f], codes[i]) == 0);
	html_raw(&pg->h, "</select></label>");
}

static void level_select(struct page *pg, const struct query *q)
{
	static const char *const digits[] = {"0", "1", "2", "3", "4"};

	html_raw(&pg->h, "<label>");
	html_text(&pg->h, _("Level"));
	html_raw(&pg->h, "<select name=\"level\">");
	html_option(&pg->h, "", _("any"), !q->value[F_LEVEL]);
	for (int i = 4; i >= 0; i--)
		html_option(&pg->h, digits[i], level_label(i),
			    q->value[F_LEVEL] && strcmp(q->value[F_LEVEL], digits[i]) == 0);
	html_raw(&pg->h, "</select></label>");
}

static void period_select(struct page *pg, const struct query *q)
{
	struct db_rows *rows =
	    db_query(pg->db, "SELECT name FROM periods ORDER BY from_day", NULL, 0);

	html_raw(&pg->h, "<label>");
	html_text(&pg->h, _("Period"));
	html_raw(&pg->h, "<select name=\"period\">");
	html_option(&pg->h, "", _("any"), !q->value[F_PERIOD]);
	while (rows && db_next(rows)) {
		const char *name = db_col_text(rows, 0, NULL);

		html_option(&pg->h, name, name,
			    q->value[F_PERIOD] && strcmp(q->value[F_PERIOD], name) == 0);
	}
	db_rows_free(rows);
	html_raw(&pg->h, "</select></label>");
}

static void filter_form(struct page *pg, const struct query *q)
{
	struct html *h = &pg->h;

	html_raw(h, "<form method=\"get\" action=\"/incidents\" class=\"filters\"><label>");
	html_text(h, _("Search: file name, SHA-256 or reference"));
	html_raw(h, "<input type=\"search\" name=\"q\"");
	html_attr(h, "value", q->value[F_Q]);
	html_raw(h, "></label><label>");
	html_text(h, _("From"));
	html_raw(h, "<input type=\"date\" name=\"from\"");
	html_attr(h, "value", q->value[F_FROM]);
	html_raw(h, "></label><label>");
	html_text(h, _("To"));
	html_raw(h, "<input type=\"date\" name=\"to\"");
	html_attr(h, "value", q->value[F_TO]);
	html_raw(h, "></label>");
	period_select(pg, q);
	level_select(pg, q);
	select_codes(pg, q, F_ACTION, _("Action"), ACTION_CODES, ARRAY_SIZE(ACTION_CODES),
		     action_label);
	select_codes(pg, q, F_STATE, _("State"), STATE_CODES, ARRAY_SIZE(STATE_CODES), state_label);
	text_input(pg, q, F_HOST, _("Host"));
	text_input(pg, q, F_DEPT, _("Department"));
	text_input(pg, q, F_USER, _("User"));
	text_input(pg, q, F_DEVICE, _("Device serial"));
	text_input(pg, q, F_ASSIGNEE, _("Assigned to"));
	if (q->value[F_SORT])
		html_hidden(h, "sort", q->value[F_SORT]);
	if (q->value[F_DIR])
		html_hidden(h, "dir", q->value[F_DIR]);
	html_raw(h, "<button type=\"submit\">");
	html_text(h, _("Filter"));
	html_raw(h, "</button> <a href=\"/incidents\">");
	html_text(h, _("Clear"));
	html_raw(h, "</a></form>");
}

/* A column heading that sorts by code (again: the other way); code
 * NULL: a heading that does not sort. */
static void sort_head(struct page *pg, const struct query *q, const char *code, const char *label)
{
	const char *sort = q->value[F_SORT] ? q->value[F_SORT] : "time";
	bool here = code && strcmp(sort, code) == 0;
	bool desc = !q->value[F_DIR] || strcmp(q->value[F_DIR], "desc") == 0;
	struct query flipped = *q;

	if (!code) {
		html_el(&pg->h, "th", label);
		return;
	}
	flipped.value[F_SORT] = code;
	flipped.value[F_DIR] = here && desc ? "asc" : "desc";
	html_raw(&pg->h, "<th><a href=\"");
	query_link(&pg->h, &flipped, "/incidents", F_COUNT, NULL);
	html_raw(&pg->h, "\">");
	html_text(&pg->h, label);
	if (here)
		html_raw(&pg->h, desc ? " ▾" : " ▴");
	html_raw(&pg->h, "</a></th>");
}

static void row(struct page *pg, struct html *h, struct db_rows *rows)
{
	int64_t leaf = db_col_int(rows, 0), attempts = db_col_int(rows, 11);

	html_raw(h, "<tr><td><input type=\"checkbox\" name=\"leaf\"");
	html_attr_int(h, "value", leaf);
	html_raw(h, "></td><td>");
	html_time(h, db_col_int(rows, 1), pg->english);
	html_raw(h, "</td><td><a class=\"ref\"");
	html_raw(h, " href=\"/incident/");
	html_int(h, leaf);
	html_raw(h, "\">");
	html_text(h, db_col_null(rows, 2) ? "—" : db_col_text(rows, 2, NULL));
	html_raw(h, "</a></td>");
	html_el(h, "td", db_col_text(rows, 3, NULL));
	html_el(h, "td", db_col_text(rows, 4, NULL));
	html_elc(h, "td", "file", db_col_text(rows, 5, NULL));
	html_elc(h, "td", db_col_int(rows, 6) ? "level marked" : "level",
		 level_label((int)db_col_int(rows, 6)));
	html_raw(h, "<td>");
	html_elc(h, "span", "action", action_label(db_col_text(rows, 7, NULL)));
	if (!db_col_null(rows, 15)) {
		html_raw(h, " ");
		html_elc(h, "span", "approved", _("approved"));
	}
	html_raw(h, "</td><td>");
	html_text(h, db_col_text(rows, 9, NULL));
	html_raw(h, "</td><td>");
	if (attempts > 1) {
		html_raw(h, "<span class=\"count\">×");
		html_int(h, attempts);
		html_raw(h, "</span>");
	}
	html_raw(h, "</td><td>");
	html_elc(h, "span", db_col_text(rows, 12, NULL), state_label(db_col_text(rows, 12, NULL)));
	if (!db_col_null(rows, 13)) {
		html_raw(h, " · ");
		html_text(h, resolution_label(db_col_text(rows, 13, NULL)));
	}
	html_raw(h, "</td>");
	html_el(h, "td", db_col_text(rows, 14, NULL));
	html_raw(h, "</tr>");
}

/* The count above the list: exact up to COUNT_CAP, else "more than" or
 * the planner's estimate. */
static void count_line(struct html *h, int64_t count, bool estimated)
{
	html_raw(h, "<p class=\"count\"");
	html_attr_int(h, "data-count", count);
	if (estimated)
		html_attr(h, "data-estimated", "true");
	html_raw(h, ">");
	if (estimated)
		html_textf(h, _("About %lld incidents"), (long long)count);
	else if (count > COUNT_CAP)
		html_textf(h, _("More than %d incidents"), COUNT_CAP);
	else
		html_textf(h, P_("%lld incident", "%lld incidents", (unsigned long)count),
			   (long long)count);
}

/* The page's rows into body; returns how many the list has from the
 * page's first on, up to one past the page (which says another follows:
 * paging needs no count), or -1 when it could not be read. */
static int64_t list_rows(struct page *pg, struct query *q, struct html *body)
{
	char *sql = query_sql(q, LIST_COLS, q->per_page + 1, (q->page - 1) * q->per_page);
	struct db_rows *rows = sql ? db_query_adhoc(pg->db, sql, q->params, q->n + 2) : NULL;
	int64_t n = 0;

	free(sql);
	if (!rows)
		return -1;
	while (db_next(rows))
		if (n++ < q->per_page)
			row(pg, body, rows);
	db_rows_free(rows);
	return n;
}

static void table(struct page *pg, struct query *q, int64_t count, bool estimated,
		  const struct html *body)
{
	struct html *h = &pg->h;

	html_raw(h, "<form method=\"get\" action=\"/bundle\" class=\"listing\">");
	count_line(h, count, estimated);
	html_raw(h, " · <a class=\"csv\" href=\"");
	query_link(h, q, "/incidents.csv", F_COUNT, NULL);
	html_raw(h, "\">");
	html_text(h, _("Export this list as CSV"));
	html_raw(h, "</a> · <button type=\"submit\" name=\"bundle\" value=\"1\">");
	html_text(h, _("Evidence bundle of the ticked incidents"));
	html_raw(h, "</button></p><table class=\"incidents\"><thead><tr>"
		    "<th><input type=\"checkbox\" class=\"all\" aria-label=\"all\"></th>");
	sort_head(pg, q, "time", _("When"));
	sort_head(pg, q, NULL, _("Reference"));
	sort_head(pg, q, "user", _("User"));
	sort_head(pg, q, "host", _("Host"));
	sort_head(pg, q, NULL, _("File"));
	sort_head(pg, q, "level", _("Level"));
	sort_head(pg, q, "action", _("Action"));
	sort_head(pg, q, NULL, _("Device"));
	sort_head(pg, q, "attempts", _("Attempts"));
	sort_head(pg, q, "state", _("State"));
	sort_head(pg, q, NULL, _("Assigned to"));
	html_raw(h, "</tr></thead><tbody>");
	if (body)
		html_bytes(h, body->data, body->len);
	else
		html_elc(h, "tr", "error", _("The list could not be read."));
	html_raw(h, "</tbody></table></form>");
}

static void page_link(struct page *pg, const struct query *q, int64_t n, const char *rel,
		      const char *label)
{
	html_raw(&pg->h, "<a rel=\"");
	html_raw(&pg->h, rel);
	html_raw(&pg->h, "\" href=\"");
	html_raw(&pg->h,
		 query_link(&pg->h, q, "/incidents", F_COUNT, NULL) ? "&amp;page=" : "?page=");
	html_int(&pg->h, n);
	html_raw(&pg->h, "\">");
	html_text(&pg->h, label);
	html_raw(&pg->h, "</a>");
}

static void pager(struct page *pg, const struct query *q, bool more)
{
	html_raw(&pg->h, "<nav class=\"pager\">");
	if (q->page > 1)
		page_link(pg, q, q->page - 1, "prev", _("Previous page"));
	html_raw(&pg->h, " <span>");
	html_textf(&pg->h, _("Page %lld"), (long long)q->page);
	html_raw(&pg->h, "</span> ");
	if (more)
		page_link(pg, q, q->page + 1, "next", _("Next page"));
	html_raw(&pg->h, "</nav>");
}

/* The list, its count and its pager.  A list that ends on this page is
 * counted from it; a longer one by query_count. */
static void listing(struct page *pg, struct query *q)
{
	struct html body = {0};
	int64_t n = list_rows(pg, q, &body), count;
	bool estimated = false;

	if (body.failed)
		pg->h.failed = true;
	if (n >= 0 && n <= q->per_page && (n > 0 || q->page == 1))
		count = (q->page - 1) * q->per_page + n;
	else
		count = query_count(pg, q, &estimated);
	table(pg, q, count, estimated, n < 0 ? NULL : &body);
	pager(pg, q, n > q->per_page);
	html_free(&body);
}

void page_incidents(struct page *pg)
{
	struct query q;
	bool ok;

	sync_incidents(pg->con, pg->db);
	ok = query_parse(pg, &q);
	page_begin(pg, _("Incidents"));
	filter_form(pg, &q);
	if (!ok) {
		html_elc(&pg->h, "p", "error", q.bad);
		html_raw(&pg->h, "<p class=\"count\" data-count=\"0\">");
		html_text(&pg->h, _("No incident matches a refused filter."));
		html_raw(&pg->h, "</p>");
	} else {
		listing(pg, &q);
	}
	page_end(pg);
	page_send(pg, ok ? 200 : 400);
}
