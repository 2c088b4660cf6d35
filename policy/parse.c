/* The policy language's parser: text in, a compiled struct policy out, or
 * every error with file:line:col.  The language is described in
 * policy/README.md; this file follows its order: lexing, statements
 * (declarations, settings, rules), then whole-policy checks.
 *
 * Names (periods, hours, device lists, fingerprint sets, supervisors) must
 * be declared before a rule uses them; files are read in name order, so
 * declarations go in an early file (00-*.rules). */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "policy/internal.h"

#define POLICY_FILE_MAX (4u << 20)
#define MAX_CONDS 32
#define MAX_VALUES 256
#define MAX_DEVLIST_ENTRIES 4096
/* Bounds that keep loading linear-ish on hostile input (names are looked
 * up by linear search) and decisions bounded on absurd policies. */
#define MAX_NAMES 1024 /* periods, hours, device and fingerprint lists */
#define MAX_KEYS 64
#define MAX_HOLIDAYS 4096
#define MAX_RULES 10000 /* per section */
#define MAX_ERRORS 1000

/* ---- diagnostics ---- */

static void diag_add(struct policy_diag *diag, const char *path, unsigned line, unsigned col,
		     const char *fmt, va_list ap)
{
	struct policy_error *e;

	if (!diag || diag->n_errors >= MAX_ERRORS)
		return;
	if (diag->n_errors == diag->cap) {
		size_t cap = diag->cap ? diag->cap * 2 : 16;
		struct policy_error *grown = realloc(diag->errors, cap * sizeof(*grown));

		if (!grown)
			return;
		diag->errors = grown;
		diag->cap = cap;
	}
	e = &diag->errors[diag->n_errors++];
	str_copy(e->file, sizeof(e->file), path);
	e->line = line;
	e->col = col;
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
}

void policy_diag_free(struct policy_diag *diag)
{
	if (!diag)
		return;
	free(diag->errors);
	diag->errors = NULL;
	diag->n_errors = diag->cap = 0;
}

void policy_diag_print(const struct policy_diag *diag, FILE *out)
{
	for (size_t i = 0; i < diag->n_errors; i++) {
		const struct policy_error *e = &diag->errors[i];

		fprintf(out, "%s:%u:%u: %s\n", e->file, e->line, e->col, e->message);
	}
}

/* ---- lexing ---- */

enum tok_type { T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI, T_OP };

struct token {
	uint8_t type;
	bool bol; /* first token on its line */
	const char *s;
	size_t len;
	unsigned line, col;
	size_t off, end; /* byte span in the source */
};

struct comment {
	unsigned line;
	const char *s;
	size_t len;
};

/* State across all files of one load. */
struct load {
	struct policy *p;
	struct policy_diag *diag;
	bool failed;
	/* the first catch-all of each section, for unreachable rules */
	const struct rule *catch_all[SECTION_COUNT];
};

struct parser {
	struct load *ld;
	struct policy *p;
	const char *path;
	const char *file;
	const char *base_dir;
	const char *text;
	size_t len;
	struct token *toks;
	size_t n_toks, cap_toks;
	struct comment *comments;
	size_t n_comments, cap_comments;
	unsigned lex_error_line; /* last line with a lexing error, 0 if none */
	/* the statement being parsed: toks[pos..end) */
	size_t start, pos, end;
};

static void __attribute__((format(printf, 4, 5)))
perr_at(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	ps->ld->failed = true;
	va_start(ap, fmt);
	diag_add(ps->ld->diag, ps->path, line, col, fmt, ap);
	va_end(ap);
}

#define perr(ps, tok, ...) perr_at(ps, (tok)->line, (tok)->col, __VA_ARGS__)

static unsigned utf8_len(const char *s, size_t n)
{
	unsigned cols = 0;

	for (size_t i = 0; i < n; i++)
		cols += ((unsigned char)s[i] & 0xC0) != 0x80;
	return cols;
}

static bool push_token(struct parser *ps, const struct token *t)
{
	if (ps->n_toks == ps->cap_toks) {
		size_t cap = ps->cap_toks ? ps->cap_toks * 2 : 256;
		struct token *grown = realloc(ps->toks, cap * sizeof(*grown));

		if (!grown)
			return false;
		ps->toks = grown;
		ps->cap_toks = cap;
	}
	ps->toks[ps->n_toks++] = *t;
	return true;
}

static bool push_comment(struct parser *ps, unsigned line, const char *s, size_t len)
{
	if (ps->n_comments == ps->cap_comments) {
		size_t cap = ps->cap_comments ? ps->cap_comments * 2 : 64;
		struct comment *grown = realloc(ps->comments, cap * sizeof(*grown));

		if (!grown)
			return false;
		ps->comments = grown;
		ps->cap_comments = cap;
	}
	ps->comments[ps->n_comments++] = (struct comment){line, s, len};
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_op_char(char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

static bool is_word_char(char c)
{
	return !is_space(c) && c != '\n' && c != '#' && c != '"' && c != '{' && c != '}' &&
	       c != ';' && !is_op_char(c);
}

static bool lex(struct parser *ps)
{
	const char *s = ps->text;
	size_t i = 0, line_start = 0;
	unsigned line = 1;
	bool bol = true;

	/* Windows editors start UTF-8 files with a byte-order mark */
	if (ps->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = line_start = 3;
	while (i < ps->len) {
		char c = s[i];
		struct token t = {.bol = bol, .line = line};

		if (c == '\n') {
			line++;
			line_start = i + 1;
			bol = true;
			i++;
			continue;
		}
		if (is_space(c)) {
			i++;
			continue;
		}
		t.col = utf8_len(s + line_start, i - line_start) + 1;
		t.off = i;
		if (c == '#') {
			size_t j = i + 1;

			while (j < ps->len && s[j] != '\n')
				j++;
			/* the reason text: "# 公務機密..." without '#' and spaces */
			size_t a = i + 1, b = j;
			while (a < b && is_space(s[a]))
				a++;
			while (b > a && is_space(s[b - 1]))
				b--;
			if (!push_comment(ps, line, s + a, b - a))
				return false;
			i = j;
			continue;
		}
		if (c == '"') {
			size_t j = i + 1, n = 0;
			char *buf;

			/* find the end first (closing quote, or the line's end) to
			 * size the copy */
			while (j < ps->len && s[j] != '"' && s[j] != '\n')
				j += s[j] == '\\' && j + 1 < ps->len && s[j + 1] != '\n' ? 2 : 1;
			buf = arena_alloc(ps->p, j - i + 1);
			if (!buf)
				return false;
			j = i + 1;
			while (j < ps->len && s[j] != '"' && s[j] != '\n') {
				if (s[j] == '\\' && j + 1 < ps->len &&
				    (s[j + 1] == '"' || s[j + 1] == '\\')) {
					buf[n++] = s[j + 1];
					j += 2;
					continue;
				}
				buf[n++] = s[j++];
			}
			if (j >= ps->len || s[j] != '"') {
				perr_at(ps, line, t.col,
					"unterminated string (a '\"' is missing on this line)");
				ps->lex_error_line = line;
				i = j;
				continue;
			}
			buf[n] = '\0';
			t.type = T_STRING;
			t.s = buf;
			t.len = n;
			i = j + 1;
		} else if (c == '{' || c == '}' || c == ';') {
			t.type = c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : T_SEMI;
			t.s = s + i;
			t.len = 1;
			i++;
		} else if (is_op_char(c)) {
			size_t j = i;

			while (j < ps->len && is_op_char(s[j]))
				j++;
			t.type = T_OP;
			t.s = s + i;
			t.len = j - i;
			i = j;
		} else {
			size_t j = i;

			while (j < ps->len && is_word_char(s[j]))
				j++;
			t.type = T_WORD;
			t.s = s + i;
			t.len = j - i;
			i = j;
		}
		t.end = i;
		bol = false;
		if (!push_token(ps, &t))
			return false;
	}
	return true;
}

/* ---- token helpers ---- */

static bool tok_is(const struct token *t, const char *word)
{
	return t && (t->type == T_WORD || t->type == T_OP) && strlen(word) == t->len &&
	       memcmp(t->s, word, t->len) == 0;
}

static struct token *peek(struct parser *ps)
{
	return ps->pos < ps->end ? &ps->toks[ps->pos] : NULL;
}

static struct token *next(struct parser *ps)
{
	return ps->pos < ps->end ? &ps->toks[ps->pos++] : NULL;
}

/* Where "something is missing" errors point: just after the statement. */
static void perr_missing(struct parser *ps, const char *what)
{
	const struct token *last = &ps->toks[ps->end - 1];
	unsigned col = last->col + utf8_len(ps->text + last->off, last->end - last->off);

	perr_at(ps, last->line, col, "%s", what);
}

static char *tok_dup(struct parser *ps, const struct token *t)
{
	return arena_strndup(ps->p, t->s, t->len);
}

/* A printable copy of a token for messages (bounded). */
static const char *tok_show(const struct token *t, char *buf, size_t size)
{
	str_copy_n(buf, size, t->s, t->len);
	return buf;
}

#define SHOW(t) tok_show((t), (char[96]){0}, 96)

static bool is_value(const struct token *t)
{
	return t && (t->type == T_WORD || t->type == T_STRING);
}

/* Reads one value or a set: VALUE | one-of { V V ; V } | { V V }.
 * Fills vals (up to MAX_VALUES); returns the count, or -1 after an error. */
static int parse_values(struct parser *ps, const char *what, struct token **vals)
{
	struct token *t = peek(ps);
	int n = 0;

	if (tok_is(t, "one-of")) {
		next(ps);
		t = peek(ps);
		if (!t || t->type != T_LBRACE) {
			if (t)
				perr(ps, t, "expected '{' after one-of");
			else
				perr_missing(ps, "expected '{' after one-of");
			return -1;
		}
	}
	if (t && t->type == T_LBRACE) {
		struct token *open = next(ps);

		for (;;) {
			t = next(ps);
			if (!t) {
				perr(ps, open, "'{' is never closed");
				return -1;
			}
			if (t->type == T_RBRACE)
				break;
			if (t->type == T_SEMI)
				continue;
			if (!is_value(t)) {
				perr(ps, t, "expected %s, found '%s'", what, SHOW(t));
				return -1;
			}
			if (n == MAX_VALUES) {
				perr(ps, t, "too many values in one set (at most %d)", MAX_VALUES);
				return -1;
			}
			vals[n++] = t;
		}
		if (n == 0) {
			perr(ps, open, "empty set: expected at least one %s", what);
			return -1;
		}
		return n;
	}
	if (!is_value(t)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "expected %s", what);
		if (t)
			perr(ps, t, "expected %s, found '%s'", what, SHOW(t));
		else
			perr_missing(ps, msg);
		return -1;
	}
	vals[0] = next(ps);
	return 1;
}

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_hex_n(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		int c = tolower((unsigned char)s[i]);

		if (isdigit(c))
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

static bool parse_sha256_hex(const char *s, size_t len, unsigned char out[32])
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < 32; i++) {
		unsigned v;

		if (!parse_hex_n(s + 2 * i, 2, &v))
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

static bool parse_op(const struct token *t, uint8_t *op)
{
	static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">="};

	if (!t || t->type != T_OP)
		return false;
	if (tok_is(t, "=="))
		return *op = OP_EQ, true;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (tok_is(t, ops[i])) {
			*op = (uint8_t)i;
			return true;
		}
	}
	return false;
}

static bool expect_op(struct parser *ps, const char *what, uint8_t *op)
{
	struct token *t = peek(ps);

	if (parse_op(t, op)) {
		next(ps);
		return true;
	}
	if (t)
		perr(ps, t, "expected a comparison (>=, >, <=, <, =, !=) after '%s', found '%s'",
		     what, SHOW(t));
	else
		perr_missing(ps, "expected a comparison (>=, >, <=, <, =, !=)");
	return false;
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

static bool to_patterns(struct parser *ps, struct token **vals, int n, struct cond *c)
{
	c->u.strs.v = arena_alloc(ps->p, (size_t)n * sizeof(struct pattern));
	if (!c->u.strs.v)
		return false;
	c->u.strs.n = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		struct pattern *pt = &c->u.strs.v[i];
		uint64_t num;

		pt->s = tok_dup(ps, vals[i]);
		pt->glob = vals[i]->type == T_WORD && is_glob(pt->s);
		pt->number =
		    parse_u64(vals[i]->s, vals[i]->len, &num) && num <= INT_MAX ? (long)num : -1;
	}
	return true;
}

/* ---- names ---- */

static void list_names(char *buf, size_t size, const void *arr, size_t n, size_t stride,
		       size_t name_off)
{
	size_t used = 0;

	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, size, "none");
		return;
	}
	for (size_t i = 0; i < n && used < size; i++) {
		const char *name =
		    *(const char *const *)((const char *)arr + i * stride + name_off);
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", name);
	}
}

static long find_name(const void *arr, size_t n, size_t stride, size_t name_off,
		      const struct token *t)
{
	for (size_t i = 0; i < n; i++) {
		const char *name =
		    *(const char *const *)((const char *)arr + i * stride + name_off);

		if (strlen(name) == t->len && memcmp(name, t->s, t->len) == 0)
			return (long)i;
	}
	return -1;
}

#define FIND(arr, n, t) find_name((arr), (n), sizeof(*(arr)), 0, (t))

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

static bool grow(struct policy *p, void **arr, size_t n, size_t stride)
{
	/* grow by doubling at powers of two */
	if (n && (n & (n - 1)))
		return true;
	void *grown = realloc(*arr, (n ? n * 2 : 4) * stride);

	if (!grown) {
		p->oom = true;
		return false;
	}
	*arr = grown;
	return true;
}

#define GROW(arr, n) grow(p, (void **)&(arr), (n), sizeof(*(arr)))

/* ---- declarations ---- */

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

static bool end_of_statement(struct parser *ps)
{
	struct token *t = peek(ps);

	if (!t)
		return true;
	perr(ps, t, "unexpected '%s' at the end of the statement", SHOW(t));
	return false;
}

static bool expect_name(struct parser *ps, const char *what, struct token **out)
{
	struct token *t = next(ps);

	if (!is_value(t)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "expected %s", what);
		if (t)
			perr(ps, t, "expected %s, found '%s'", what, SHOW(t));
		else
			perr_missing(ps, msg);
		return false;
	}
	*out = t;
	return true;
}

static void stmt_period(struct parser *ps)
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

static void stmt_hours(struct parser *ps)
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

static void stmt_holiday(struct parser *ps)
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

static bool parse_cond(struct parser *ps, enum section section, struct cond *c, bool in_devlist);

static void stmt_devices(struct parser *ps)
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

/* Opens a file the policy names (a key, a fingerprint list): only regular
 * files, so a typo naming a device or a FIFO cannot hang the loader. */
static FILE *open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

static char *resolve_path(struct parser *ps, const struct token *t)
{
	char buf[PATH_MAX];

	if (t->len >= sizeof(buf) - 1 || memchr(t->s, '\0', t->len)) {
		perr(ps, t, "path too long");
		return NULL;
	}
	if (t->s[0] == '/')
		return tok_dup(ps, t);
	if (!ps->base_dir) {
		perr(ps, t, "relative path '%s' needs the policy to be loaded from a file",
		     SHOW(t));
		return NULL;
	}
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%.*s", ps->base_dir, (int)t->len, t->s) >=
	    sizeof(buf)) {
		perr(ps, t, "path too long");
		return NULL;
	}
	return arena_strndup(ps->p, buf, strlen(buf));
}

/* fingerprints NAME { HEX ... }  |  fingerprints NAME file PATH
 * (the file in sha256sum format: a digest first on each line) */
static void stmt_fingerprints(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *name, *t;
	struct token *vals[MAX_VALUES];
	struct fpset fs = {0};
	unsigned char(*d)[32] = NULL;
	size_t n = 0, cap = 0;
	int nv;

	if (!expect_name(ps, "a name for the fingerprint list", &name) || !check_new_name(ps, name))
		return;
	t = peek(ps);
	if (tok_is(t, "file")) {
		struct token *path_tok;
		char *path;
		char line[512];
		unsigned lineno = 0;

		next(ps);
		if (!expect_name(ps, "the path of a sha256sum file", &path_tok) ||
		    !end_of_statement(ps))
			return;
		path = resolve_path(ps, path_tok);
		if (!path)
			return;
		_cleanup_fclose_ FILE *f = open_regular(path);
		if (!f) {
			perr(ps, path_tok, "cannot read fingerprint file '%s': %s", path,
			     strerror(errno));
			return;
		}
		while (fgets(line, sizeof(line), f)) {
			size_t l = strcspn(line, " \t\r\n");

			lineno++;
			if (l == 0 || line[0] == '#')
				continue;
			if (n == 1u << 22) {
				perr(ps, path_tok, "%s: more than %u digests", path, 1u << 22);
				goto out;
			}
			if (n == cap) {
				void *grown = realloc(d, (cap = cap ? cap * 2 : 64) * 32);
				if (!grown) {
					p->oom = true;
					goto out;
				}
				d = grown;
			}
			if (!parse_sha256_hex(line, l, d[n])) {
				perr(ps, path_tok, "%s:%u: not a SHA-256 digest (64 hex digits)",
				     path, lineno);
				goto out;
			}
			n++;
		}
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
			if (!parse_sha256_hex(vals[i]->s, vals[i]->len, d[n])) {
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
static void stmt_trust(struct parser *ps)
{
	struct policy *p = ps->p;
	struct token *kind = next(ps), *name, *path_tok;
	struct trusted_key k = {0};
	char *path;
	EVP_PKEY *pkey;
	size_t rawlen = 32;

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
	if (!path)
		return;
	_cleanup_fclose_ FILE *f = open_regular(path);
	if (!f) {
		perr(ps, path_tok, "cannot read key file '%s': %s", path, strerror(errno));
		return;
	}
	pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, k.raw, &rawlen) != 1 || rawlen != 32) {
		perr(
		    ps, path_tok,
		    "'%s' is not an Ed25519 public key in PEM (make one with 'wardctl token keygen')",
		    path);
		EVP_PKEY_free(pkey);
		return;
	}
	EVP_PKEY_free(pkey);
	k.name = tok_dup(ps, name);
	k.path = path;
	if (!GROW(p->keys, p->n_keys))
		return;
	p->keys[p->n_keys++] = k;
}

static int parse_action(const struct token *t, enum section section)
{
	static const char *const copy_actions[] = {"allow", "audit", "warn", "block", "quarantine"};
	static const char *const dev_actions[] = {"allow", "read-only", "block"};

	if (section == SECTION_COPY) {
		for (size_t i = 0; i < ARRAY_SIZE(copy_actions); i++)
			if (tok_is(t, copy_actions[i]))
				return (int)i;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(dev_actions); i++)
			if (tok_is(t, dev_actions[i]))
				return (int)i;
	}
	return -1;
}

static const char *const notice_names[] = {
    "warn", "block", "quarantine", "device-block", "device-read-only", "exempted", "fail",
};

/* message NOTICE zh-TW|en "text" */
static void stmt_message(struct parser *ps)
{
	struct token *kind = next(ps), *lang, *text;
	int notice = -1, l;

	for (size_t i = 0; kind && i < ARRAY_SIZE(notice_names); i++)
		if (tok_is(kind, notice_names[i]))
			notice = (int)i;
	if (notice < 0) {
		if (kind)
			perr(
			    ps, kind,
			    "unknown message '%s' (expected warn, block, quarantine, device-block, device-read-only, exempted or fail)",
			    SHOW(kind));
		else
			perr_missing(ps, "expected which message: warn, block, quarantine, ...");
		return;
	}
	lang = next(ps);
	if (tok_is(lang, "zh-TW") || tok_is(lang, "zh_TW")) {
		l = POLICY_LANG_ZH_TW;
	} else if (tok_is(lang, "en")) {
		l = POLICY_LANG_EN;
	} else {
		if (lang)
			perr(ps, lang, "unknown language '%s' (expected zh-TW or en)", SHOW(lang));
		else
			perr_missing(ps, "expected a language: zh-TW or en");
		return;
	}
	text = next(ps);
	if (!text || text->type != T_STRING) {
		if (text)
			perr(ps, text, "expected the message in double quotes");
		else
			perr_missing(ps, "expected the message in double quotes");
		return;
	}
	if (!end_of_statement(ps))
		return;
	ps->p->messages[notice][l] = tok_dup(ps, text);
}

static int parse_dest(const struct token *t, uint32_t *mask)
{
	if (tok_is(t, "removable"))
		*mask = 1u << DEVICE_BUS_USB | 1u << DEVICE_BUS_MMC | 1u << DEVICE_BUS_OTHER;
	else if (tok_is(t, "usb"))
		*mask = 1u << DEVICE_BUS_USB;
	else if (tok_is(t, "mmc") || tok_is(t, "sd"))
		*mask = 1u << DEVICE_BUS_MMC;
	else if (tok_is(t, "other"))
		*mask = 1u << DEVICE_BUS_OTHER;
	else if (tok_is(t, "internal"))
		*mask = 1u << DEVICE_BUS_INTERNAL;
	else if (tok_is(t, "any"))
		*mask = 0xf;
	else
		return -1;
	return 0;
}

static void stmt_fail_mode(struct parser *ps)
{
	struct token *dest = next(ps), *act;
	uint32_t mask;
	int a;

	if (!dest || parse_dest(dest, &mask) < 0) {
		if (dest)
			perr(
			    ps, dest,
			    "unknown destination '%s' (expected removable, usb, mmc, other or internal)",
			    SHOW(dest));
		else
			perr_missing(ps,
				     "expected a destination and an action, e.g. removable block");
		return;
	}
	act = next(ps);
	a = act ? parse_action(act, SECTION_COPY) : -1;
	if (a < 0) {
		if (act)
			perr(
			    ps, act,
			    "unknown action '%s' (expected allow, audit, warn, block or quarantine)",
			    SHOW(act));
		else
			perr_missing(ps, "expected an action after the destination");
		return;
	}
	if (!end_of_statement(ps))
		return;
	for (int b = 0; b < 4; b++)
		if (mask & (1u << b))
			ps->p->fail_mode[b] = (uint8_t)a;
}

static void stmt_deadline(struct parser *ps)
{
	struct token *t = next(ps);
	uint64_t v;
	size_t digits = 0;

	if (!t) {
		perr_missing(ps, "expected a time, e.g. 3000ms or 3s");
		return;
	}
	while (digits < t->len && isdigit((unsigned char)t->s[digits]))
		digits++;
	if (!parse_u64(t->s, digits, &v) ||
	    !((t->len - digits == 2 && memcmp(t->s + digits, "ms", 2) == 0) ||
	      (t->len - digits == 1 && t->s[digits] == 's')) ||
	    v == 0 || v > 600000) {
		perr(ps, t, "bad deadline '%s' (expected e.g. 3000ms or 3s, at most 600s)",
		     SHOW(t));
		return;
	}
	if (t->s[digits] == 's')
		v *= 1000;
	if (v > 600000) {
		perr(ps, t, "bad deadline '%s' (at most 600s)", SHOW(t));
		return;
	}
	if (!end_of_statement(ps))
		return;
	ps->p->deadline_ms = (uint32_t)v;
}

static bool parse_yes_no(struct parser *ps, bool *out)
{
	struct token *t = next(ps);

	if (tok_is(t, "yes") || tok_is(t, "on")) {
		*out = true;
	} else if (tok_is(t, "no") || tok_is(t, "off")) {
		*out = false;
	} else {
		if (t)
			perr(ps, t, "expected yes or no, found '%s'", SHOW(t));
		else
			perr_missing(ps, "expected yes or no");
		return false;
	}
	return end_of_statement(ps);
}

/* report ACTION... | report device-events yes|no | report file-names yes|no */
static void stmt_report(struct parser *ps)
{
	struct token *t = peek(ps);
	uint32_t mask = 0;

	if (tok_is(t, "device-events")) {
		next(ps);
		parse_yes_no(ps, &ps->p->report_devices);
		return;
	}
	if (tok_is(t, "file-names")) {
		next(ps);
		parse_yes_no(ps, &ps->p->report_file_names);
		return;
	}
	if (!t) {
		perr_missing(ps,
			     "expected the actions to report, e.g. audit warn block quarantine");
		return;
	}
	while ((t = next(ps))) {
		int a = tok_is(t, "none") ? -2 : parse_action(t, SECTION_COPY);

		if (a == -1) {
			perr(
			    ps, t,
			    "unknown action '%s' (expected allow, audit, warn, block, quarantine, none, device-events or file-names)",
			    SHOW(t));
			return;
		}
		if (a >= 0)
			mask |= 1u << a;
	}
	ps->p->report_mask = mask;
}

static void stmt_timezone(struct parser *ps)
{
	struct token *t;
	char err[256], *name;

	if (!expect_name(ps, "a time zone, e.g. Asia/Taipei", &t) || !end_of_statement(ps))
		return;
	name = tok_dup(ps, t);
	if (!name)
		return;
	tz_free(&ps->p->tz);
	if (!tz_load(&ps->p->tz, name, err, sizeof(err))) {
		perr(ps, t, "%s", err);
		return;
	}
	ps->p->tz_name = name;
}

static void stmt_string_setting(struct parser *ps, const char **dst, bool is_path)
{
	struct token *t;

	if (!expect_name(ps, is_path ? "a directory" : "a text in double quotes", &t) ||
	    !end_of_statement(ps))
		return;
	*dst = is_path ? resolve_path(ps, t) : tok_dup(ps, t);
}

/* ---- conditions ---- */

static bool content_cond(uint8_t kind)
{
	return kind == C_LEVEL || kind == C_DECLASSIFIED || kind == C_UNINSPECTABLE ||
	       kind == C_PII || kind == C_MIME || kind == C_SHA256_SET || kind == C_SIZE ||
	       kind == C_EVENT;
}

static bool device_attr_cond(uint8_t kind)
{
	return (kind >= C_DEV_ID && kind <= C_DEV_LABEL) || kind == C_BUS;
}

static bool parse_level_tok(struct parser *ps, const struct token *t, enum ward_level *out)
{
	if (t && is_value(t) && level_parse(t->s, t->len, out))
		return true;
	if (t)
		perr(ps, t, "unknown level '%s' (expected 密, 機密, 極機密, 絕對機密 or none)",
		     SHOW(t));
	else
		perr_missing(ps, "expected a level: 密, 機密, 極機密, 絕對機密 or none");
	return false;
}

static bool parse_size(const struct token *t, uint64_t *out)
{
	size_t digits = 0;
	uint64_t v, mult = 1;

	while (digits < t->len && isdigit((unsigned char)t->s[digits]))
		digits++;
	if (!parse_u64(t->s, digits, &v))
		return false;
	if (t->len - digits == 1 || (t->len - digits == 2 && toupper(t->s[digits + 1]) == 'B') ||
	    (t->len - digits == 3 && t->s[digits + 1] == 'i' && t->s[digits + 2] == 'B')) {
		switch (toupper((unsigned char)t->s[digits])) {
		case 'K':
			mult = 1024;
			break;
		case 'M':
			mult = 1024 * 1024;
			break;
		case 'G':
			mult = 1024ull * 1024 * 1024;
			break;
		case 'B':
			if (t->len - digits != 1)
				return false;
			break;
		default:
			return false;
		}
	} else if (t->len != digits) {
		return false;
	}
	if (v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

static const char *const cond_keywords =
    "level, declassified, uninspectable, pii, mime, sha256, size, to, id, serial, name, vendor, "
    "with-interface, fs, uuid, label, user, group, exe, during, outside, event, no-exemption, "
    "a device list name or *";

static bool parse_time_ref(struct parser *ps, struct cond *c, bool outside)
{
	struct policy *p = ps->p;
	struct token *t = next(ps);
	long i;

	c->kind = C_TIME;
	c->negate = c->negate != outside;
	if (!is_value(t)) {
		if (t)
			perr(ps, t, "expected a period or office hours name, found '%s'", SHOW(t));
		else
			perr_missing(ps, "expected a period or office hours name");
		return false;
	}
	if (tok_is(t, "holiday") || tok_is(t, "holidays")) {
		c->u.time.ref = TIME_HOLIDAY;
		return true;
	}
	if ((i = FIND(p->periods, p->n_periods, t)) >= 0) {
		c->u.time.ref = TIME_PERIOD;
		c->u.time.index = (uint32_t)i;
		return true;
	}
	if ((i = FIND(p->hours, p->n_hours, t)) >= 0) {
		c->u.time.ref = TIME_HOURS;
		c->u.time.index = (uint32_t)i;
		return true;
	}
	char periods[256], hours[256];

	list_names(periods, sizeof(periods), p->periods, p->n_periods, sizeof(*p->periods), 0);
	list_names(hours, sizeof(hours), p->hours, p->n_hours, sizeof(*p->hours), 0);
	perr(ps, t, "unknown period '%s' (declared periods: %s; office hours: %s; or holiday)",
	     SHOW(t), periods, hours);
	return false;
}

static bool parse_id(struct parser *ps, const struct token *t, struct idpat *id)
{
	const char *colon = memchr(t->s, ':', t->len);
	unsigned v;

	if (!colon || t->type != T_WORD)
		goto bad;
	size_t l1 = (size_t)(colon - t->s), l2 = t->len - l1 - 1;

	memset(id, 0, sizeof(*id));
	if (l1 == 1 && t->s[0] == '*')
		id->vid_any = true;
	else if (l1 == 4 && parse_hex_n(t->s, 4, &v))
		id->vid = (uint16_t)v;
	else
		goto bad;
	if (l2 == 1 && colon[1] == '*')
		id->pid_any = true;
	else if (l2 == 4 && parse_hex_n(colon + 1, 4, &v))
		id->pid = (uint16_t)v;
	else
		goto bad;
	return true;
bad:
	perr(
	    ps, t,
	    "bad device id '%s' (expected VVVV:PPPP in hexadecimal, e.g. 0781:5567; * for any part)",
	    SHOW(t));
	return false;
}

static bool parse_iface(struct parser *ps, const struct token *t, struct ifpat *f)
{
	memset(f, 0, sizeof(*f));
	if (t->len != 8 || t->s[2] != ':' || t->s[5] != ':')
		goto bad;
	for (int i = 0; i < 3; i++) {
		const char *s = t->s + 3 * i;
		unsigned v;

		if (s[0] == '*' && s[1] == '*')
			f->any[i] = true;
		else if (parse_hex_n(s, 2, &v))
			f->v[i] = (uint8_t)v;
		else
			goto bad;
	}
	return true;
bad:
	perr(ps, t,
	     "bad interface '%s' (expected CC:SS:PP in hexadecimal, e.g. 08:06:50; ** for any)",
	     SHOW(t));
	return false;
}

static bool parse_cond(struct parser *ps, enum section section, struct cond *c, bool in_devlist)
{
	struct policy *p = ps->p;
	struct token *kw = next(ps), *t;
	struct token *vals[MAX_VALUES];
	int n;
	long i;

	memset(c, 0, sizeof(*c));
	if (tok_is(kw, "not")) {
		c->negate = true;
		kw = next(ps);
		if (!kw) {
			perr_missing(ps, "expected a condition after 'not'");
			return false;
		}
	}
	if (!kw)
		return false;
	if (tok_is(kw, "*")) {
		c->kind = C_ANY;
	} else if (tok_is(kw, "level")) {
		c->kind = C_LEVEL;
		if (!expect_op(ps, "level", &c->op) || !parse_level_tok(ps, next(ps), &c->u.level))
			return false;
	} else if (tok_is(kw, "declassified")) {
		c->kind = C_DECLASSIFIED;
	} else if (tok_is(kw, "uninspectable")) {
		c->kind = C_UNINSPECTABLE;
	} else if (tok_is(kw, "pii")) {
		uint64_t count;

		c->kind = C_PII;
		t = next(ps);
		c->u.pii.type = -2;
		if (tok_is(t, "any")) {
			c->u.pii.type = -1;
		} else {
			for (size_t k = 0; t && k < n_pii_types; k++)
				if (tok_is(t, pii_types[k]))
					c->u.pii.type = (int32_t)k;
		}
		if (c->u.pii.type == -2) {
			if (t)
				perr(
				    ps, t,
				    "unknown personal-data type '%s' (expected roc-national-id, roc-resident-id, land-register, household-register or any)",
				    SHOW(t));
			else
				perr_missing(ps,
					     "expected a personal-data type, e.g. roc-national-id");
			return false;
		}
		if (!expect_op(ps, "pii", &c->op))
			return false;
		t = next(ps);
		if (!t || !parse_u64(t->s, t->len, &count) || count > UINT32_MAX) {
			if (t)
				perr(ps, t, "bad count '%s' (expected a whole number)", SHOW(t));
			else
				perr_missing(ps, "expected a count");
			return false;
		}
		c->u.pii.count = (uint32_t)count;
	} else if (tok_is(kw, "mime") || tok_is(kw, "type")) {
		c->kind = C_MIME;
		if ((n = parse_values(ps, "a MIME type, e.g. application/pdf", vals)) < 0)
			return false;
		return to_patterns(ps, vals, n, c);
	} else if (tok_is(kw, "sha256")) {
		c->kind = C_SHA256_SET;
		t = next(ps);
		if (!tok_is(t, "in")) {
			if (t)
				perr(ps, t, "expected 'in' and a fingerprint list after sha256");
			else
				perr_missing(ps,
					     "expected 'in' and a fingerprint list after sha256");
			return false;
		}
		t = next(ps);
		if (!t || (i = FIND(p->fpsets, p->n_fpsets, t)) < 0) {
			char names[256];

			list_names(names, sizeof(names), p->fpsets, p->n_fpsets, sizeof(*p->fpsets),
				   0);
			if (t)
				perr(ps, t, "unknown fingerprint list '%s' (declared lists: %s)",
				     SHOW(t), names);
			else
				perr_missing(ps, "expected a fingerprint list name");
			return false;
		}
		c->u.index = (uint32_t)i;
	} else if (tok_is(kw, "size")) {
		c->kind = C_SIZE;
		if (!expect_op(ps, "size", &c->op))
			return false;
		t = next(ps);
		if (!t || !parse_size(t, &c->u.size)) {
			if (t)
				perr(ps, t, "bad size '%s' (expected e.g. 500K, 20M, 1G or bytes)",
				     SHOW(t));
			else
				perr_missing(ps, "expected a size, e.g. 20M");
			return false;
		}
	} else if (tok_is(kw, "to") || tok_is(kw, "bus")) {
		t = next(ps);
		if (t && parse_dest(t, &c->u.bus_mask) == 0) {
			c->kind = C_BUS;
		} else if (t && (i = FIND(p->devlists, p->n_devlists, t)) >= 0 && !in_devlist) {
			c->kind = C_DEVLIST;
			c->u.index = (uint32_t)i;
		} else {
			char names[256];

			list_names(names, sizeof(names), p->devlists, p->n_devlists,
				   sizeof(*p->devlists), 0);
			if (t)
				perr(
				    ps, t,
				    "unknown destination '%s' (expected removable, usb, mmc, other, internal, any or a device list: %s)",
				    SHOW(t), names);
			else
				perr_missing(ps, "expected a destination, e.g. removable");
			return false;
		}
	} else if (tok_is(kw, "id")) {
		c->kind = C_DEV_ID;
		if ((n = parse_values(ps, "a device id VVVV:PPPP", vals)) < 0)
			return false;
		c->u.ids.v = arena_alloc(p, (size_t)n * sizeof(struct idpat));
		if (!c->u.ids.v)
			return false;
		c->u.ids.n = (uint32_t)n;
		for (int k = 0; k < n; k++)
			if (!parse_id(ps, vals[k], &c->u.ids.v[k]))
				return false;
	} else if (tok_is(kw, "with-interface")) {
		c->kind = C_DEV_IFACE;
		if ((n = parse_values(ps, "an interface CC:SS:PP", vals)) < 0)
			return false;
		c->u.ifs.v = arena_alloc(p, (size_t)n * sizeof(struct ifpat));
		if (!c->u.ifs.v)
			return false;
		c->u.ifs.n = (uint32_t)n;
		for (int k = 0; k < n; k++)
			if (!parse_iface(ps, vals[k], &c->u.ifs.v[k]))
				return false;
	} else if (tok_is(kw, "serial") || tok_is(kw, "name") || tok_is(kw, "vendor") ||
		   tok_is(kw, "fs") || tok_is(kw, "uuid") || tok_is(kw, "label") ||
		   tok_is(kw, "user") || tok_is(kw, "group") || tok_is(kw, "exe")) {
		static const struct {
			const char *kw;
			uint8_t kind;
			const char *what;
		} attrs[] = {
		    {"serial", C_DEV_SERIAL, "a serial number"},
		    {"name", C_DEV_NAME, "a model name"},
		    {"vendor", C_DEV_VENDOR, "a vendor name"},
		    {"fs", C_DEV_FS, "a filesystem type, e.g. exfat"},
		    {"uuid", C_DEV_UUID, "a filesystem UUID"},
		    {"label", C_DEV_LABEL, "a filesystem label"},
		    {"user", C_USER, "a user name"},
		    {"group", C_GROUP, "a group name or number"},
		    {"exe", C_EXE, "an executable path"},
		};
		for (size_t k = 0; k < ARRAY_SIZE(attrs); k++) {
			if (tok_is(kw, attrs[k].kw)) {
				c->kind = attrs[k].kind;
				if ((n = parse_values(ps, attrs[k].what, vals)) < 0)
					return false;
				if (!to_patterns(ps, vals, n, c))
					return false;
				break;
			}
		}
		if (in_devlist && !device_attr_cond(c->kind)) {
			perr(ps, kw, "'%s' describes a person, not a device: use it in a rule",
			     SHOW(kw));
			return false;
		}
	} else if (tok_is(kw, "during") || tok_is(kw, "inside")) {
		if (!parse_time_ref(ps, c, false))
			return false;
	} else if (tok_is(kw, "outside")) {
		if (!parse_time_ref(ps, c, true))
			return false;
	} else if (tok_is(kw, "event")) {
		c->kind = C_EVENT;
		if ((n = parse_values(ps, "an event: copy or close-write", vals)) < 0)
			return false;
		for (int k = 0; k < n; k++) {
			if (tok_is(vals[k], "copy")) {
				c->u.event_mask |= 1u << POLICY_EVENT_COPY;
			} else if (tok_is(vals[k], "close-write")) {
				c->u.event_mask |= 1u << POLICY_EVENT_CLOSE_WRITE;
			} else {
				perr(ps, vals[k],
				     "unknown event '%s' (expected copy or close-write)",
				     SHOW(vals[k]));
				return false;
			}
		}
	} else if (!in_devlist && (i = FIND(p->devlists, p->n_devlists, kw)) >= 0) {
		c->kind = C_DEVLIST;
		c->u.index = (uint32_t)i;
	} else {
		perr(ps, kw, "unknown condition '%s' (expected %s)", SHOW(kw), cond_keywords);
		return false;
	}
	if (in_devlist && !device_attr_cond(c->kind)) {
		perr(ps, kw, "'%s' cannot describe a device in a device list", SHOW(kw));
		return false;
	}
	if (section == SECTION_DEVICE && content_cond(c->kind)) {
		perr(ps, kw, "'%s' cannot be used in a device rule (a medium has no content)",
		     SHOW(kw));
		return false;
	}
	return true;
}

/* ---- rules ---- */

/* Comments are recorded in line order, at most one per line. */
static const char *comment_on_line(struct parser *ps, unsigned line)
{
	size_t lo = 0, hi = ps->n_comments;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct comment *c = &ps->comments[mid];

		if (c->line == line)
			return arena_strndup(ps->p, c->s, c->len);
		if (c->line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "";
}

static void stmt_rule(struct parser *ps, enum section section)
{
	struct policy *p = ps->p;
	struct token *kw = &ps->toks[ps->start], *act = next(ps), *last;
	struct cond conds[MAX_CONDS];
	struct rule r = {0};
	int a;
	bool any_real = false;

	a = act ? parse_action(act, section) : -1;
	if (a < 0) {
		const char *expected = section == SECTION_COPY
					   ? "allow, audit, warn, block or quarantine"
					   : "allow, read-only or block";
		if (act)
			perr(ps, act, "unknown action '%s' for a %s rule (expected %s)", SHOW(act),
			     section == SECTION_COPY ? "copy" : "device", expected);
		else
			perr_missing(ps, "expected an action and conditions");
		return;
	}
	r.section = (uint8_t)section;
	r.action = (uint8_t)a;
	if (!peek(ps)) {
		perr_missing(ps, "expected conditions after the action ('*' matches everything)");
		return;
	}
	while (peek(ps)) {
		if (tok_is(peek(ps), "no-exemption")) {
			next(ps);
			r.strict = true;
			continue;
		}
		if (r.n_conds == MAX_CONDS) {
			perr(ps, peek(ps), "too many conditions in one rule (at most %d)",
			     MAX_CONDS);
			return;
		}
		if (!parse_cond(ps, section, &conds[r.n_conds], false))
			return;
		if (conds[r.n_conds].kind != C_ANY || conds[r.n_conds].negate)
			any_real = true;
		if (conds[r.n_conds].kind == C_TIME)
			r.uses_time = true;
		r.n_conds++;
	}
	if (r.n_conds == 0) {
		perr_missing(ps, "expected conditions after the action ('*' matches everything)");
		return;
	}
	r.catch_all = !any_real;
	last = &ps->toks[ps->end - 1];
	r.file = ps->file;
	r.path = ps->path;
	r.line = kw->line;
	r.text = arena_strndup(p, ps->text + kw->off, last->end - kw->off);
	r.reason = comment_on_line(ps, last->line);
	r.conds = arena_alloc(p, r.n_conds * sizeof(*r.conds));
	if (!r.text || !r.reason || !r.conds)
		return;
	memcpy(r.conds, conds, r.n_conds * sizeof(*r.conds));

	const struct rule *ca = ps->ld->catch_all[section];
	if (ca) {
		perr(
		    ps, kw,
		    "unreachable rule: the catch-all rule at %s:%u ('%.120s') matches every event first",
		    ca->path, ca->line, ca->text);
		return;
	}
	if (p->n_rules[section] >= MAX_RULES) {
		perr(ps, kw, "too many %s rules (at most %d)",
		     section == SECTION_COPY ? "copy" : "device", MAX_RULES);
		return;
	}
	if (p->n_rules[section] == p->cap_rules[section]) {
		size_t cap = p->cap_rules[section] ? p->cap_rules[section] * 2 : 16;
		struct rule *grown = realloc(p->rules[section], cap * sizeof(*grown));

		if (!grown) {
			p->oom = true;
			return;
		}
		p->rules[section] = grown;
		p->cap_rules[section] = cap;
	}
	p->rules[section][p->n_rules[section]++] = r;
	if (r.catch_all) {
		/* point at the stored copy; the array may move, so remember
		 * only what errors need, in a stable arena copy */
		struct rule *stable = arena_alloc(p, sizeof(*stable));

		if (stable) {
			*stable = r;
			ps->ld->catch_all[section] = stable;
		}
	}
}

static void statement(struct parser *ps)
{
	static const char *const keywords =
	    "device, copy, period, hours, holiday, devices, fingerprints, trust, timezone, message, contact, fail-mode, deadline, report or tokens";
	struct token *kw = next(ps);

	if (kw->type != T_WORD) {
		perr(ps, kw, "expected a keyword (%s), found '%s'", keywords, SHOW(kw));
		return;
	}
	if (tok_is(kw, "device"))
		stmt_rule(ps, SECTION_DEVICE);
	else if (tok_is(kw, "copy"))
		stmt_rule(ps, SECTION_COPY);
	else if (tok_is(kw, "period"))
		stmt_period(ps);
	else if (tok_is(kw, "hours"))
		stmt_hours(ps);
	else if (tok_is(kw, "holiday"))
		stmt_holiday(ps);
	else if (tok_is(kw, "devices"))
		stmt_devices(ps);
	else if (tok_is(kw, "fingerprints"))
		stmt_fingerprints(ps);
	else if (tok_is(kw, "trust"))
		stmt_trust(ps);
	else if (tok_is(kw, "timezone"))
		stmt_timezone(ps);
	else if (tok_is(kw, "message"))
		stmt_message(ps);
	else if (tok_is(kw, "contact"))
		stmt_string_setting(ps, &ps->p->contact, false);
	else if (tok_is(kw, "fail-mode"))
		stmt_fail_mode(ps);
	else if (tok_is(kw, "deadline"))
		stmt_deadline(ps);
	else if (tok_is(kw, "report"))
		stmt_report(ps);
	else if (tok_is(kw, "tokens"))
		stmt_string_setting(ps, &ps->p->tokens_dir, true);
	else
		perr(ps, kw, "unknown keyword '%s' (expected %s)", SHOW(kw), keywords);
}

/* Insertion sort by line and column: stable, and error lists are short. */
static void sort_errors(struct policy_error *e, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct policy_error tmp = e[i];
		size_t j = i;

		while (j > 0 && (e[j - 1].line > tmp.line ||
				 (e[j - 1].line == tmp.line && e[j - 1].col > tmp.col))) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = tmp;
	}
}

/* Splits tokens into statements: a statement starts at the first token of a
 * line and runs to the next line start outside braces. */
static void parse_text(struct load *ld, const char *path, const char *base_dir, const char *text,
		       size_t len)
{
	struct parser ps = {
	    .ld = ld, .p = ld->p, .path = path, .base_dir = base_dir, .text = text, .len = len};
	const char *slash = strrchr(path, '/');
	size_t first_error = ld->diag ? ld->diag->n_errors : 0;

	ps.file = arena_strndup(ld->p, slash ? slash + 1 : path, strlen(slash ? slash + 1 : path));
	/* rules keep the path for later errors: the caller's buffer will not last */
	ps.path = arena_strndup(ld->p, path, strlen(path));
	if (!ps.path)
		ps.path = path;
	if (!ps.file || !lex(&ps)) {
		perr_at(&ps, 1, 1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ps.n_toks;) {
		size_t j = i;
		int depth = 0;
		const struct token *open = NULL;

		do {
			if (ps.toks[j].type == T_LBRACE) {
				if (depth++ == 0)
					open = &ps.toks[j];
			} else if (ps.toks[j].type == T_RBRACE) {
				depth--;
			}
			j++;
		} while (j < ps.n_toks && (depth > 0 || !ps.toks[j].bol) && depth >= 0);
		if (depth < 0) {
			perr(&ps, &ps.toks[j - 1], "'}' without a matching '{'");
			/* skip to the next line */
			while (j < ps.n_toks && !ps.toks[j].bol)
				j++;
			i = j;
			continue;
		}
		if (depth > 0) {
			/* an unterminated string on that line swallowed the '}' */
			if (ps.lex_error_line != open->line)
				perr(&ps, open, "'{' is never closed");
			break;
		}
		ps.start = ps.pos = i;
		ps.end = j;
		/* a statement on a line the lexer already complained about
		 * would only repeat the complaint */
		if (!ps.lex_error_line || ps.toks[i].line != ps.lex_error_line)
			statement(&ps);
		i = j;
	}
out:
	free(ps.toks);
	free(ps.comments);
	if (ld->diag && ld->diag->n_errors > first_error)
		sort_errors(ld->diag->errors + first_error, ld->diag->n_errors - first_error);
}

/* ---- whole-policy checks and loading ---- */

static void check_sections(struct load *ld)
{
	static const char *const section_names[] = {"device", "copy"};
	static const char *const examples[] = {"device allow *", "copy allow *"};
	struct policy *p = ld->p;

	/* after other errors some rules are missing: the check would mislead */
	if (ld->failed)
		return;
	for (int s = 0; s < SECTION_COUNT; s++) {
		const struct rule *last;

		if (p->n_rules[s] == 0 || ld->catch_all[s])
			continue;
		last = &p->rules[s][p->n_rules[s] - 1];
		struct parser ps = {.ld = ld, .p = p, .path = last->path};

		perr_at(&ps, last->line, 1,
			"the %s rules have no catch-all at the end: add a last rule such as '%s'",
			section_names[s], examples[s]);
	}
}

static struct policy *policy_new(void)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	policy_set_defaults(p);
	return p;
}

static struct policy *finish(struct load *ld)
{
	if (ld->p->oom) {
		struct parser ps = {.ld = ld, .p = ld->p, .path = "(policy)"};

		perr_at(&ps, 0, 0, "out of memory while loading the policy");
	}
	check_sections(ld);
	if (ld->failed) {
		policy_unref(ld->p);
		return NULL;
	}
	if (ld->p->tokens_dir)
		tokens_load_dir(ld->p);
	return ld->p;
}

static bool load_tz_default(struct load *ld, const char *path)
{
	char err[256];

	if (tz_load(&ld->p->tz, NULL, err, sizeof(err)))
		return true;
	struct parser ps = {.ld = ld, .p = ld->p, .path = path};
	perr_at(&ps, 1, 1, "system time zone: %s", err);
	return false;
}

struct policy *policy_load_buffer(const char *name, const char *text, size_t len,
				  const char *base_dir, struct policy_diag *diag)
{
	struct load ld = {.diag = diag};

	ld.p = policy_new();
	if (!ld.p)
		return NULL;
	ld.p->n_files = 1;
	if (!load_tz_default(&ld, name))
		return finish(&ld);
	parse_text(&ld, name, base_dir, text, len);
	return finish(&ld);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool read_file(struct load *ld, const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;
	struct parser ps = {.ld = ld, .p = ld->p, .path = path};

	if (fd < 0 || fstat(fd, &st) < 0) {
		perr_at(&ps, 0, 0, "cannot read: %s", strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		perr_at(&ps, 0, 0, "not a regular file");
		return false;
	}
	if (st.st_size > POLICY_FILE_MAX) {
		perr_at(&ps, 0, 0, "file larger than %u bytes", POLICY_FILE_MAX);
		return false;
	}
	*out = malloc((size_t)st.st_size + 1);
	if (!*out) {
		perr_at(&ps, 0, 0, "out of memory");
		return false;
	}
	n = read_full(fd, *out, (size_t)st.st_size);
	if (n < 0) {
		perr_at(&ps, 0, 0, "cannot read: %s", strerror((int)-n));
		free(*out);
		return false;
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	return true;
}

struct policy *policy_load(const char *path, struct policy_diag *diag)
{
	struct load ld = {.diag = diag};
	struct stat st;
	char **names = NULL;
	size_t n_names = 0;
	_cleanup_free_ char *dir = NULL;

	ld.p = policy_new();
	if (!ld.p)
		return NULL;
	if (stat(path, &st) < 0) {
		struct parser ps = {.ld = &ld, .p = ld.p, .path = path};

		perr_at(&ps, 0, 0, "cannot open policy: %s", strerror(errno));
		return finish(&ld);
	}
	if (!load_tz_default(&ld, path))
		return finish(&ld);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d) {
			struct parser ps = {.ld = &ld, .p = ld.p, .path = path};

			perr_at(&ps, 0, 0, "cannot open policy directory: %s", strerror(errno));
			return finish(&ld);
		}
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);

			if (de->d_name[0] == '.' || l < 7 ||
			    strcmp(de->d_name + l - 6, ".rules") != 0)
				continue;
			if (!grow(ld.p, (void **)&names, n_names, sizeof(*names)))
				break;
			names[n_names] = strdup(de->d_name);
			if (names[n_names])
				n_names++;
			else
				ld.p->oom = true;
		}
		closedir(d);
		if (n_names > 1)
			qsort(names, n_names, sizeof(*names), cmp_str);
		dir = strdup(path);
		if (!dir)
			ld.p->oom = true;
		if (n_names == 0) {
			struct parser ps = {.ld = &ld, .p = ld.p, .path = path};

			perr_at(&ps, 0, 0, "no .rules files in the policy directory");
		}
	} else {
		const char *slash = strrchr(path, '/');

		dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
		if (!dir)
			ld.p->oom = true;
		names = malloc(sizeof(*names));
		if (names && (names[0] = strdup(path)))
			n_names = 1;
		else
			ld.p->oom = true;
	}
	ld.p->n_files = n_names;
	for (size_t i = 0; i < n_names; i++) {
		char full[PATH_MAX];
		char *text;
		size_t len;

		if (S_ISDIR(st.st_mode))
			snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		else
			str_copy(full, sizeof(full), names[i]);
		if (read_file(&ld, full, &text, &len)) {
			parse_text(&ld, full, dir, text, len);
			free(text);
		}
		free(names[i]);
	}
	free(names);
	return finish(&ld);
}
