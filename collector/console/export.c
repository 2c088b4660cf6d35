/* Exports.  The CSV of any filtered list: UTF-8 with a byte-order mark
 * (so Excel reads the Chinese right), every field quoted, and a field that
 * a spreadsheet would take for a formula (= + - @ at its start) prefixed
 * with an apostrophe.  The evidence bundle of the ticked incidents: the
 * collector's bundle (collector/evidence.c: the records, the records that
 * announced the ratchet keys they need, receipts, the checkpoint, the
 * desks' keys, verify.mjs for jose) with the incidents' review actions,
 * as one .tar.gz. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/archive.h"
#include "collector/console/pages.h"
#include "collector/console/query.h"
#include "collector/console/sync.h"
#include "collector/verify.h"
#include "common/cleanup.h"
#include "common/date.h"
#include "common/i18n.h"
#include "common/util.h"

#define CSV_MAX_ROWS 100000
#define BUNDLE_MAX 200
#define CSV_COLS                                                                                   \
	"leaf_idx, observed_ms, ref, username, host, file_name, file_sha256, level_rank, action,"  \
	" outcome, device_serial, device_name, attempts, state, resolution, assignee, approver,"   \
	" rule"

static void csv_field(struct html *out, const char *v, bool last)
{
	html_raw(out, "\"");
	if (v && strchr("=+-@\t\r", v[0]) && v[0])
		html_raw(out, "'");
	for (const char *p = v; p && *p; p++)
		html_bytes(out, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
	html_raw(out, last ? "\"\r\n" : "\",");
}

static void csv_header(struct html *out)
{
	static const char *const heads[] = {
	    N_("Leaf"),	       N_("Time (ISO 8601)"),
	    N_("Date"),	       N_("Reference"),
	    N_("User"),	       N_("Host"),
	    N_("File"),	       N_("SHA-256"),
	    N_("Level"),       N_("Action"),
	    N_("Outcome"),     N_("Device serial"),
	    N_("Device"),      N_("Attempts"),
	    N_("State"),       N_("Resolution"),
	    N_("Assigned to"), N_("Approved by"),
	    N_("Rule"),
	};

	html_raw(out, "\xEF\xBB\xBF");
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
		csv_field(out, _(heads[i]), i + 1 == ARRAY_SIZE(heads));
}

static void csv_row(struct page *pg, struct html *out, struct db_rows *rows)
{
	char iso[40], date[64], num[24];
	int64_t ms = db_col_int(rows, 1);

	csv_field(out, db_col_text(rows, 0, NULL), false);
	date_iso_local((time_t)(ms / 1000), iso, sizeof(iso));
	date_day_for_people((time_t)(ms / 1000), pg->english, date, sizeof(date));
	csv_field(out, iso, false);
	csv_field(out, date, false);
	for (int c = 2; c <= 6; c++)
		csv_field(out, db_col_text(rows, c, NULL), false);
	csv_field(out, level_label((int)db_col_int(rows, 7)), false);
	csv_field(out, action_label(db_col_text(rows, 8, NULL)), false);
	csv_field(out, outcome_label(db_col_text(rows, 9, NULL)), false);
	csv_field(out, db_col_text(rows, 10, NULL), false);
	csv_field(out, db_col_text(rows, 11, NULL), false);
	snprintf(num, sizeof(num), "%" PRId64, db_col_int(rows, 12));
	csv_field(out, num, false);
	csv_field(out, state_label(db_col_text(rows, 13, NULL)), false);
	csv_field(out, resolution_label(db_col_null(rows, 14) ? NULL : db_col_text(rows, 14, NULL)),
		  false);
	for (int c = 15; c <= 17; c++)
		csv_field(out, db_col_text(rows, c, NULL), c == 17);
}

static void attachment(struct page *pg, const char *type, const char *name, char *data, size_t len)
{
	char disp[160];

	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	http_reply_header(pg->reply, "Content-Disposition", disp);
	pg->reply->status = 200;
	pg->reply->content_type = type;
	pg->reply->body = data;
	pg->reply->body_len = len;
}

void page_csv(struct page *pg)
{
	struct html out = {0};
	struct query q;
	struct db_rows *rows;
	char *sql, *data;
	size_t len;

	sync_incidents(pg->con, pg->db);
	if (!query_parse(pg, &q)) {
		page_error(pg, 400, q.bad);
		return;
	}
	sql = query_sql(&q, CSV_COLS, CSV_MAX_ROWS, 0);
	rows = sql ? db_query_adhoc(pg->db, sql, q.params, q.n + 2) : NULL;
	free(sql);
	if (!rows) {
		page_error(pg, 503, _("The list could not be read."));
		return;
	}
	csv_header(&out);
	while (db_next(rows))
		csv_row(pg, &out, rows);
	db_rows_free(rows);
	data = html_take(&out, &len);
	if (!data) {
		page_error(pg, 503, _("The list could not be read."));
		return;
	}
	attachment(pg, "text/csv; charset=utf-8", "ward-incidents.csv", data, len);
}

static int put_tar(void *ctx, const char *name, const char *data, size_t len)
{
	char path[300];

	snprintf(path, sizeof(path), "ward-evidence/%s", name);
	return tarball_add(ctx, path, data, len);
}

/* --leaf selectors: each incident and each of its review actions. */
static size_t selectors(struct page *pg, const char **leaves, size_t n, char (*nums)[24],
			char **argv, size_t max)
{
	static const char sql[] = "SELECT leaf_idx FROM review_actions WHERE incident = ?";
	size_t argc = 0, used = 0;

	for (size_t i = 0; i < n && argc + 2 <= max; i++) {
		int64_t leaf = strtoll(leaves[i], NULL, 10);
		struct db_val p[] = {DBV_INT(leaf)};
		struct db_rows *rows;

		snprintf(nums[used], 24, "%" PRId64, leaf);
		argv[argc++] = "--leaf";
		argv[argc++] = nums[used++];
		rows = db_query(pg->db, sql, p, 1);
		while (rows && db_next(rows) && argc + 2 <= max) {
			snprintf(nums[used], 24, "%" PRId64, db_col_int(rows, 0));
			argv[argc++] = "--leaf";
			argv[argc++] = nums[used++];
		}
		db_rows_free(rows);
	}
	return argc;
}

static const char README_TXT[] =
    "Ward evidence bundle / Ward 證據包\n\n"
    "records/<leaf>.jws  the exact signed records and review actions, as the collector keeps\n"
    "                    them (compact JWS, Ed25519)\n"
    "bundle.json         the collector's signed checkpoint and key, each record's inclusion\n"
    "                    proof, the desks' enrollment keys\n"
    "verify.mjs          checks every signature, every ratchet step and every inclusion proof\n\n"
    "To verify offline:  npm install jose && node ward-evidence/verify.mjs\n"
    "離線驗證：          npm install jose && node ward-evidence/verify.mjs\n";

void page_bundle(struct page *pg)
{
	const char *leaves[BUNDLE_MAX];
	size_t n = http_args(pg->req, "leaf", leaves, BUNDLE_MAX), argc, records = 0;
	char(*nums)[24] = calloc(BUNDLE_MAX * 8, 24);
	char **argv = calloc(BUNDLE_MAX * 16, sizeof(char *));
	struct tarball *t = tarball_new();
	struct evidence_sink sink = {put_tar, t};
	char *data = NULL;
	size_t len = 0;
	int e = nums && argv && t ? 0 : -ENOMEM;

	if (n == 0 || n > BUNDLE_MAX) {
		page_error(pg, 400, _("Tick between 1 and 200 incidents for a bundle."));
		e = -EINVAL;
	}
	for (size_t i = 0; e == 0 && i < n; i++)
		if (leaves[i][0] < '0' || leaves[i][0] > '9')
			e = -EINVAL;
	if (e == 0) {
		argc = selectors(pg, leaves, n, nums, argv, BUNDLE_MAX * 8);
		e = evidence_write(pg->con->c, pg->db, (int)argc, argv, &sink, &records);
	}
	if (e == 0)
		e = tarball_add(t, "ward-evidence/README.txt", README_TXT, strlen(README_TXT));
	if (t)
		e = tarball_finish(t, &data, &len) < 0 && e == 0 ? -EIO : e;
	if (e == 0 && records > 0)
		attachment(pg, "application/gzip", "ward-evidence.tar.gz", data, len);
	else {
		free(data);
		if (e != -EINVAL || n)
			page_error(pg, e == -EINVAL ? 400 : 503,
				   e == -EINVAL ? _("Those are not incidents.")
						: _("The bundle could not be made."));
	}
	free(nums);
	free(argv);
}
