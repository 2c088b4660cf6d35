/* The dashboard: attempts per day by action, by level, the top users,
 * hosts and devices, and attempts in and outside office hours, drawn as
 * SVG by the server (no script, no external anything; colours come from
 * the stylesheet's classes).  Attempts count coalesced repeats.  The
 * same filters as the incident list; the last 30 days when none names a
 * time. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/console/pages.h"
#include "collector/console/query.h"
#include "collector/console/sync.h"
#include "common/date.h"
#include "common/i18n.h"
#include "common/util.h"

#define DAY_MS (24 * 3600 * 1000LL)
#define DAYS_MAX 92
#define TOP 10
#define CHART_W 720
#define CHART_H 220

/* The offset of local time (Asia/Taipei has had no daylight saving since
 * 1979, so one offset serves every day shown). */
static int64_t local_offset_ms(void)
{
	time_t now = time(NULL);
	struct tm tm;

	return localtime_r(&now, &tm) ? (int64_t)tm.tm_gmtoff * 1000 : 0;
}

/* Runs "SELECT <cols> FROM incidents WHERE <filters> GROUP BY ..." . */
static struct db_rows *grouped(struct page *pg, struct query *q, const char *cols, const char *tail)
{
	char *sql = NULL;
	struct db_rows *rows = NULL;

	if (asprintf(&sql, "SELECT %s FROM incidents%s%s %s", cols, q->where[0] ? " WHERE " : "",
		     q->where, tail) < 0)
		return NULL;
	rows = db_query_adhoc(pg->db, sql, q->params, q->n);
	free(sql);
	return rows;
}

static void chart_begin(struct page *pg, const char *title, int w, int h)
{
	html_raw(&pg->h, "<figure class=\"chart\"><figcaption>");
	html_text(&pg->h, title);
	html_raw(&pg->h, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"");
	html_raw(&pg->h, " viewBox=\"0 0 ");
	html_int(&pg->h, w);
	html_raw(&pg->h, " ");
	html_int(&pg->h, h);
	html_raw(&pg->h, "\"");
	html_attr(&pg->h, "aria-label", title);
	html_raw(&pg->h, ">");
}

static void chart_end(struct page *pg)
{
	html_raw(&pg->h, "</svg></figure>");
}

static void rect(struct page *pg, const char *cls, int64_t x, int64_t y, int64_t w, int64_t h,
		 const char *tip)
{
	html_raw(&pg->h, "<rect");
	html_attr(&pg->h, "class", cls);
	html_attr_int(&pg->h, "x", x);
	html_attr_int(&pg->h, "y", y);
	html_attr_int(&pg->h, "width", w);
	html_attr_int(&pg->h, "height", h);
	html_raw(&pg->h, "><title>");
	html_text(&pg->h, tip);
	html_raw(&pg->h, "</title></rect>");
}

static void label(struct page *pg, const char *cls, int64_t x, int64_t y, const char *text)
{
	html_raw(&pg->h, "<text");
	html_attr(&pg->h, "class", cls);
	html_attr_int(&pg->h, "x", x);
	html_attr_int(&pg->h, "y", y);
	html_raw(&pg->h, ">");
	html_text(&pg->h, text);
	html_raw(&pg->h, "</text>");
}

static int action_index(const char *code)
{
	for (int i = 0; i < 6; i++)
		if (strcmp(code, ACTION_CODES[i]) == 0)
			return i;
	return -1;
}

/* Stacked bars: one per day, a segment per action. */
static void per_day(struct page *pg, struct query *q, int64_t from, int days)
{
	int64_t off = local_offset_ms(), count[DAYS_MAX][6] = {{0}}, max = 1;
	char cols[160], tip[160], date[64];
	struct db_rows *rows;
	int bw = (CHART_W - 40) / days;

	snprintf(cols, sizeof(cols), "(observed_ms + %lld) / %lld AS d, action, sum(attempts)",
		 (long long)off, (long long)DAY_MS);
	rows = grouped(pg, q, cols, "GROUP BY d, action");
	while (rows && db_next(rows)) {
		int64_t d = db_col_int(rows, 0) - (from + off) / DAY_MS;
		int a = action_index(db_col_text(rows, 1, NULL));

		if (d >= 0 && d < days && a >= 0)
			count[d][a] += db_col_int(rows, 2);
	}
	db_rows_free(rows);
	for (int d = 0; d < days; d++) {
		int64_t sum = 0;

		for (int a = 0; a < 6; a++)
			sum += count[d][a];
		max = sum > max ? sum : max;
	}
	chart_begin(pg, _("Attempts per day, by action"), CHART_W, CHART_H + 30);
	for (int d = 0; d < days; d++) {
		int64_t y = CHART_H;

		date_day_for_people((time_t)((from + d * DAY_MS) / 1000), pg->english, date,
				    sizeof(date));
		for (int a = 0; a < 6; a++) {
			int64_t h = count[d][a] * (CHART_H - 10) / max;

			if (!count[d][a])
				continue;
			y -= h;
			snprintf(cols, sizeof(cols), "bar a-%s", ACTION_CODES[a]);
			snprintf(tip, sizeof(tip), "%s %s: %lld", date,
				 action_label(ACTION_CODES[a]), (long long)count[d][a]);
			rect(pg, cols, 40 + d * bw, y, bw > 2 ? bw - 1 : bw, h ? h : 1, tip);
		}
		if (d % (days > 31 ? 14 : 7) == 0) {
			time_t t = (time_t)((from + d * DAY_MS) / 1000);
			struct tm tm;

			localtime_r(&t, &tm);
			snprintf(tip, sizeof(tip), "%d/%d", tm.tm_mon + 1, tm.tm_mday);
			label(pg, "axis", 40 + d * bw, CHART_H + 20, tip);
		}
	}
	snprintf(tip, sizeof(tip), "%lld", (long long)max);
	label(pg, "axis", 0, 14, tip);
	chart_end(pg);
	html_raw(&pg->h, "<ul class=\"legend\">");
	for (int a = 0; a < 6; a++) {
		snprintf(cols, sizeof(cols), "a-%s", ACTION_CODES[a]);
		html_elc(&pg->h, "li", cols, action_label(ACTION_CODES[a]));
	}
	html_raw(&pg->h, "</ul>");
}

/* Horizontal bars from rows of (name, count), at most TOP. */
static void bars(struct page *pg, const char *title, const char *cls, struct db_rows *rows,
		 const char *(*name)(struct db_rows *rows))
{
	char names[TOP][160], tip[256];
	int64_t n[TOP], max = 1;
	int k = 0;

	while (rows && db_next(rows) && k < TOP) {
		str_copy(names[k], sizeof(names[k]), name(rows));
		n[k] = db_col_int(rows, 1);
		max = n[k] > max ? n[k] : max;
		k++;
	}
	db_rows_free(rows);
	chart_begin(pg, title, 360, 24 * (k ? k : 1) + 4);
	if (!k)
		label(pg, "axis", 4, 18, _("none"));
	for (int i = 0; i < k; i++) {
		snprintf(tip, sizeof(tip), "%.160s: %lld", names[i], (long long)n[i]);
		rect(pg, cls, 140, 4 + i * 24, 1 + n[i] * 200 / max, 18, tip);
		label(pg, "name", 0, 18 + i * 24, names[i]);
		snprintf(tip, sizeof(tip), "%lld", (long long)n[i]);
		label(pg, "axis", 146 + n[i] * 200 / max, 18 + i * 24, tip);
	}
	chart_end(pg);
}

static const char *first_col(struct db_rows *rows)
{
	return db_col_null(rows, 0) ? "—" : db_col_text(rows, 0, NULL);
}

static const char *level_col(struct db_rows *rows)
{
	return level_label((int)db_col_int(rows, 0));
}

static void tops(struct page *pg, struct query *q)
{
	static const char tail[] = "GROUP BY k ORDER BY n DESC LIMIT 10";

	bars(pg, _("By level"), "bar level",
	     grouped(pg, q, "level_rank AS k, sum(attempts) AS n", "GROUP BY k ORDER BY k DESC"),
	     level_col);
	bars(pg, _("Top users"), "bar user",
	     grouped(pg, q, "username AS k, sum(attempts) AS n", tail), first_col);
	bars(pg, _("Top hosts"), "bar host", grouped(pg, q, "host AS k, sum(attempts) AS n", tail),
	     first_col);
	bars(pg, _("Top devices"), "bar device",
	     grouped(pg, q, "device_serial AS k, sum(attempts) AS n", tail), first_col);
}

/* Half-hour slots of the week: Monday to Friday 08:00-12:00 and
 * 13:30-17:30 are office hours (the default policy's `hours office`). */
static bool office_slot(int64_t slot)
{
	int64_t day = (slot / 48 + 4) % 7, half = slot % 48; /* 1970-01-01 was a Thursday */

	return day >= 1 && day <= 5 && ((half >= 16 && half < 24) || (half >= 27 && half < 35));
}

static void office_hours(struct page *pg, struct query *q)
{
	int64_t in = 0, out = 0, max;
	char cols[160], tip[120];
	struct db_rows *rows;

	snprintf(cols, sizeof(cols), "((observed_ms + %lld) / 1800000) %% 336 AS s, sum(attempts)",
		 (long long)local_offset_ms());
	rows = grouped(pg, q, cols, "GROUP BY s");
	while (rows && db_next(rows))
		*(office_slot(db_col_int(rows, 0)) ? &in : &out) += db_col_int(rows, 1);
	db_rows_free(rows);
	max = in > out ? in : out;
	max = max ? max : 1;
	chart_begin(pg, _("In and outside office hours (Mon–Fri 08:00–12:00, 13:30–17:30)"), 360,
		    56);
	snprintf(tip, sizeof(tip), "%s: %lld", _("office hours"), (long long)in);
	rect(pg, "bar office", 140, 4, 1 + in * 200 / max, 20, tip);
	label(pg, "name", 0, 19, tip);
	snprintf(tip, sizeof(tip), "%s: %lld", _("outside office hours"), (long long)out);
	rect(pg, "bar after", 140, 30, 1 + out * 200 / max, 20, tip);
	label(pg, "name", 0, 45, tip);
	chart_end(pg);
}

void page_dashboard(struct page *pg)
{
	int64_t now = page_now(), from, days;
	struct query q;

	sync_incidents(pg->con, pg->db);
	if (!query_parse(pg, &q)) {
		page_error(pg, 400, q.bad);
		return;
	}
	from = q.has_from ? q.from_ms : now - 29 * DAY_MS;
	if (!q.has_from && !q.has_to) {
		int64_t off = local_offset_ms();

		from = (from + off) / DAY_MS * DAY_MS - off; /* local midnight */
		q.params[q.n++] = DBV_INT(from);
		strcat(q.where, q.where[0] ? " AND observed_ms >= ?" : "observed_ms >= ?");
	}
	days = ((q.has_to ? q.to_ms : now) - from) / DAY_MS + 1;
	days = days < 1 ? 1 : days > DAYS_MAX ? DAYS_MAX : days;
	page_begin(pg, _("Dashboard"));
	per_day(pg, &q, from, (int)days);
	html_raw(&pg->h, "<div class=\"charts\">");
	tops(pg, &q);
	office_hours(pg, &q);
	html_raw(&pg->h, "</div>");
	page_end(pg);
	page_send(pg, 200);
}
