/* Declarations: the names rules refer to (periods, office hours, holidays,
 * device lists, fingerprint lists) and the supervisors whose approvals
 * count.  A name must be declared before a rule uses it. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "policy/parser.h"

static bool parse_date_tok(struct parser *ps, const struct token *t, const char *s, size_t len,
			   int64_t *day)
{
	if (parse_date(s, len, day))
		return true;
	perr(ps, t, "bad date '%.*s' (expected YYYY-MM-DD, e.g. 2022-01-24)", (int)len, s);
	return false;
}

/* DATE [.. DATE] (also DATE..DATE as one word). */
static bool parse_date_range(struct parser *ps, int64_t *first, int64_t *last)
{
	struct token *a = next(ps), *dots, *b;
	const char *sep;

	if (!a || a->type != T_WORD) {
		if (a)
			perr(ps, a, "expected a date (YYYY-MM-DD)");
		else
			perr_missing(ps, "expected a date (YYYY-MM-DD)");
		return false;
	}
	sep = memmem(a->s, a->len, "..", 2);
	if (sep) {
		size_t l1 = (size_t)(sep - a->s);

		if (!parse_date_tok(ps, a, a->s, l1, first))
			return false;
		if (!parse_date_tok(ps, a, sep + 2, a->len - l1 - 2, last))
			return false;
		b = a;
	} else {
		if (!parse_date_tok(ps, a, a->s, a->len, first))
			return false;
		dots = peek(ps);
		if (!tok_is(dots, "..")) {
			*last = *first;
			return true;
		}
		next(ps);
		b = next(ps);
		if (!b) {
			perr_missing(ps, "expected the last date after '..'");
			return false;
		}
		if (!parse_date_tok(ps, b, b->s, b->len, last))
			return false;
	}
	if (*last < *first) {
		perr(ps, b == a ? a : b,
		     "date range reversed: the end is before the start (write FIRST .. LAST)");
		return false;
	}
	return true;
}

/* Declared names share one namespace per kind; a period and office hours
 * also share one (both follow 'during'). */
static bool check_new_name(struct parser *ps, const struct token *t)
{
	struct policy *p = ps->p;

	if (p->n_periods + p->n_hours + p->n_devlists + p->n_fpsets >= MAX_NAMES) {
		perr(ps, t, "too many named periods, hours and lists (at most %d)", MAX_NAMES);
		return false;
	}

	if (FIND(p->periods, p->n_periods, t) >= 0 || FIND(p->hours, p->n_hours, t) >= 0 ||
	    FIND(p->devlists, p->n_devlists, t) >= 0 || FIND(p->fpsets, p->n_fpsets, t) >= 0 ||
	    tok_is(t, "holiday") || tok_is(t, "removable") || tok_is(t, "usb") ||
	    tok_is(t, "mmc") || tok_is(t, "internal") || tok_is(t, "other") || tok_is(t, "any")) {
		perr(ps, t, "name '%s' is already declared or reserved", SHOW(t));
		return false;
	}
	return true;
}

void stmt_period(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *name;
	int64_t a, b;

	if (!expect_name(ps, "a period name", &name) || !check_new_name(ps, name))
		return;
	if (!parse_date_range(ps, &a, &b) || !end_of_statement(ps))
		return;
	if (!GROW(p->periods, p->n_periods))
		return;
	p->periods[p->n_periods++] = (struct period){tok_dup(ps, name), a, b};
}

static bool parse_clock(const char *s, size_t len, unsigned *minutes)
{
	uint64_t h, m;

	if (len != 5 || s[2] != ':' || !parse_u64(s, 2, &h) || !parse_u64(s + 3, 2, &m))
		return false;
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return false;
	*minutes = (unsigned)(h * 60 + m);
	return true;
}

static int weekday_index(const char *s, size_t len)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

	for (int i = 0; i < 7; i++)
		if (len == 3 && strncasecmp(s, days[i], 3) == 0)
			return i;
	return -1;
}

/* mon-fri | sat | mon,wed,fri | daily -> bit mask of weekdays */
static bool parse_days(const char *s, size_t len, unsigned *mask)
{
	*mask = 0;
	if (len == 5 && memcmp(s, "daily", 5) == 0) {
		*mask = 0x7f;
		return true;
	}
	while (len) {
		const char *comma = memchr(s, ',', len);
		size_t part = comma ? (size_t)(comma - s) : len;
		int a, b;

		if (part == 7 && s[3] == '-') {
			a = weekday_index(s, 3);
			b = weekday_index(s + 4, 3);
			if (a < 0 || b < 0)
				return false;
			for (int d = a;; d = (d + 1) % 7) {
				*mask |= 1u << d;
				if (d == b)
					break;
			}
		} else {
			a = weekday_index(s, part);
			if (a < 0)
				return false;
			*mask |= 1u << a;
		}
		if (!comma)
			break;
		s += part + 1;
		len -= part + 1;
	}
	return *mask != 0;
}

void stmt_hours(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *name, *days, *span;
	struct hours h = {0};
	unsigned mask, start, end;

	if (!expect_name(ps, "a name for these hours", &name) || !check_new_name(ps, name))
		return;
	h.name = tok_dup(ps, name);
	if (!peek(ps)) {
		perr_missing(ps, "expected weekdays and hours, e.g. mon-fri 08:00-17:30");
		return;
	}
	while ((days = next(ps))) {
		if (!parse_days(days->s, days->len, &mask)) {
			perr(ps, days,
			     "bad weekdays '%s' (expected e.g. mon-fri, sat, mon,wed,fri or daily)",
			     SHOW(days));
			return;
		}
		span = next(ps);
		if (!span) {
			perr_missing(ps, "expected hours after the weekdays, e.g. 08:00-17:30");
			return;
		}
		if (span->len != 11 || span->s[5] != '-' || !parse_clock(span->s, 5, &start) ||
		    !parse_clock(span->s + 6, 5, &end)) {
			perr(ps, span, "bad hours '%s' (expected HH:MM-HH:MM, e.g. 08:00-17:30)",
			     SHOW(span));
			return;
		}
		if (end <= start) {
			perr(ps, span, "hours reversed: '%s' ends before it starts", SHOW(span));
			return;
		}
		for (int d = 0; d < 7; d++) {
			if (!(mask & (1u << d)))
				continue;
			if (h.n_spans[d] == HOURS_MAX_SPANS) {
				perr(ps, span, "too many spans on one weekday (at most %d)",
				     HOURS_MAX_SPANS);
				return;
			}
			h.spans[d][h.n_spans[d]].start = (uint16_t)start;
			h.spans[d][h.n_spans[d]].end = (uint16_t)end;
			h.n_spans[d]++;
		}
	}
	if (!GROW(p->hours, p->n_hours))
		return;
	p->hours[p->n_hours++] = h;
}

void stmt_holiday(struct parser *ps)
{
	struct policy *p = ps->p;
	int64_t a, b;
	struct token *t;

	if (!parse_date_range(ps, &a, &b))
		return;
	/* an optional name: 和平紀念日 */
	t = peek(ps);
	if (is_value(t))
		next(ps);
	if (!end_of_statement(ps))
		return;
	if (b - a > 366) {
		perr(ps, &ps->toks[ps->start + 1], "holiday longer than a year: use a period");
		return;
	}
	if (p->n_holidays + (size_t)(b - a + 1) > MAX_HOLIDAYS) {
		perr(ps, &ps->toks[ps->start + 1], "too many holidays (at most %d days)",
		     MAX_HOLIDAYS);
		return;
	}
	for (int64_t d = a; d <= b; d++) {
		size_t i;

		if (!GROW(p->holidays, p->n_holidays))
			return;
		/* keep sorted, without duplicates */
		for (i = p->n_holidays; i > 0 && p->holidays[i - 1] > d; i--)
			;
		if (i > 0 && p->holidays[i - 1] == d)
			continue;
		memmove(p->holidays + i + 1, p->holidays + i,
			(p->n_holidays - i) * sizeof(*p->holidays));
		p->holidays[i] = d;
		p->n_holidays++;
	}
}

void stmt_devices(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *name, *open, *t;
	struct devlist dl = {0};
	struct devlist_entry *entries;
	struct cond conds[MAX_CONDS];
	uint32_t n_conds = 0;

	if (!expect_name(ps, "a name for the device list", &name) || !check_new_name(ps, name))
		return;
	open = next(ps);
	if (!open || open->type != T_LBRACE) {
		if (open)
			perr(ps, open, "expected '{' to start the device list");
		else
			perr_missing(ps, "expected '{' to start the device list");
		return;
	}
	entries = NULL;
	for (;;) {
		t = peek(ps);
		bool close = !t || t->type == T_RBRACE;
		bool sep = t && (t->type == T_SEMI || (t->bol && n_conds > 0));

		if ((close || sep) && n_conds > 0) {
			struct devlist_entry *e;

			if (dl.n_entries == MAX_DEVLIST_ENTRIES) {
				perr(ps, t ? t : open, "too many devices in one list (at most %d)",
				     MAX_DEVLIST_ENTRIES);
				goto out;
			}
			if (!GROW(entries, dl.n_entries))
				goto out;
			e = &entries[dl.n_entries++];
			e->conds = arena_alloc(p, n_conds * sizeof(*e->conds));
			if (!e->conds)
				goto out;
			memcpy(e->conds, conds, n_conds * sizeof(*e->conds));
			e->n_conds = n_conds;
			n_conds = 0;
		}
		if (!t) {
			perr(ps, open, "'{' of device list '%s' is never closed", SHOW(name));
			goto out;
		}
		if (t->type == T_RBRACE) {
			next(ps);
			break;
		}
		if (t->type == T_SEMI) {
			next(ps);
			continue;
		}
		if (n_conds == MAX_CONDS) {
			perr(ps, t, "too many conditions for one device (at most %d)", MAX_CONDS);
			goto out;
		}
		if (!parse_cond(ps, SECTION_DEVICE, &conds[n_conds], true))
			goto out;
		n_conds++;
	}
	if (!end_of_statement(ps))
		goto out;
	if (dl.n_entries == 0) {
		perr(ps, open, "device list '%s' is empty", SHOW(name));
		goto out;
	}
	dl.name = tok_dup(ps, name);
	dl.entries = arena_alloc(p, dl.n_entries * sizeof(*dl.entries));
	if (!dl.entries || !GROW(p->devlists, p->n_devlists))
		goto out;
	memcpy(dl.entries, entries, dl.n_entries * sizeof(*dl.entries));
	p->devlists[p->n_devlists++] = dl;
out:
	free(entries);
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* fingerprints NAME { HEX ... }  |  fingerprints NAME file PATH
 * (the file in sha256sum format: a digest first on each line) */
void stmt_fingerprints(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *name, *t;
	struct token *vals[MAX_VALUES];
	struct fpset fs = {0};
	unsigned char(*d)[32] = NULL;
	size_t n = 0;
	int nv;

	if (!expect_name(ps, "a name for the fingerprint list", &name) || !check_new_name(ps, name))
		return;
	t = peek(ps);
	if (tok_is(t, "file")) {
		struct token *path_tok;
		char *path;

		next(ps);
		if (!expect_name(ps, "the path of a sha256sum file", &path_tok) ||
		    !end_of_statement(ps))
			return;
		path = resolve_path(ps, path_tok);
		if (!path || !load_fingerprint_file(ps, path_tok, path, &d, &n))
			return;
	} else {
		nv = parse_values(ps, "a SHA-256 digest", vals);
		if (nv < 0 || !end_of_statement(ps))
			return;
		d = calloc((size_t)nv, 32);
		if (!d) {
			p->oom = true;
			return;
		}
		for (int i = 0; i < nv; i++) {
			if (!hex_decode(vals[i]->s, vals[i]->len, d[n], 32)) {
				perr(ps, vals[i],
				     "bad SHA-256 digest '%s' (expected 64 hexadecimal digits)",
				     SHOW(vals[i]));
				goto out;
			}
			n++;
		}
	}
	qsort(d, n, 32, cmp_digest);
	fs.name = tok_dup(ps, name);
	fs.digests = arena_alloc(p, n ? n * 32 : 1);
	if (!fs.digests || !GROW(p->fpsets, p->n_fpsets))
		goto out;
	memcpy(fs.digests, d, n * 32);
	fs.n = (uint32_t)n;
	p->fpsets[p->n_fpsets++] = fs;
out:
	free(d);
}

/* trust supervisor NAME PATH.pub */
void stmt_trust(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *kind = next(ps), *name, *path_tok;
	struct trusted_key k = {0};
	char *path;

	if (!tok_is(kind, "supervisor")) {
		if (kind)
			perr(ps, kind, "expected 'supervisor' after trust");
		else
			perr_missing(ps, "expected 'supervisor NAME KEYFILE' after trust");
		return;
	}
	if (!expect_name(ps, "the supervisor's name", &name) ||
	    !expect_name(ps, "the supervisor's public key file", &path_tok) ||
	    !end_of_statement(ps))
		return;
	if (p->n_keys >= MAX_KEYS) {
		perr(ps, name, "too many trusted supervisors (at most %d)", MAX_KEYS);
		return;
	}
	for (size_t i = 0; i < p->n_keys; i++) {
		if (strlen(p->keys[i].name) == name->len &&
		    memcmp(p->keys[i].name, name->s, name->len) == 0) {
			perr(ps, name, "supervisor '%s' is already trusted", SHOW(name));
			return;
		}
	}
	path = resolve_path(ps, path_tok);
	if (!path || !load_trusted_key(ps, path_tok, path, k.raw))
		return;
	k.name = tok_dup(ps, name);
	k.path = path;
	if (!GROW(p->keys, p->n_keys))
		return;
	p->keys[p->n_keys++] = k;
}
