/* Token helpers every statement parser uses: values and sets, numbers,
 * comparisons, paths, and the names declarations introduce. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/cleanup.h"
#include "policy/parser.h"

/* Where "something is missing" errors point: just after the statement. */
void perr_missing(struct parser *ps, const char *what)
{
	const struct token *last = &ps->toks[ps->end - 1];
	unsigned col = last->col + utf8_len(ps->text + last->off, last->end - last->off);

	perr_at(ps, last->line, col, "%s", what);
}

char *tok_dup(struct parser *ps, const struct token *t)
{
	return arena_strndup(ps->p, t->s, t->len);
}

/* A printable copy of a token for messages (bounded). */
const char *tok_show(const struct token *t, char *buf, size_t size)
{
	str_copy_n(buf, size, t->s, t->len);
	return buf;
}

/* "expected WHAT, found 'X'" at t, or after the statement when it ended. */
static void perr_expected(struct parser *ps, const struct token *t, const char *what)
{
	char msg[128];

	if (t) {
		perr(ps, t, "expected %s, found '%s'", what, SHOW(t));
		return;
	}
	snprintf(msg, sizeof(msg), "expected %s", what);
	perr_missing(ps, msg);
}

/* Reads one value or a set: VALUE | one-of { V V ; V } | { V V }.
 * Fills vals (up to MAX_VALUES); returns the count, or -1 after an error. */
int parse_values(struct parser *ps, const char *what, struct token **vals)
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
		perr_expected(ps, t, what);
		return -1;
	}
	vals[0] = next(ps);
	return 1;
}

bool parse_u64(const char *s, size_t len, uint64_t *out)
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

bool parse_hex_n(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return false;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
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

bool expect_op(struct parser *ps, const char *what, uint8_t *op)
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

bool to_patterns(struct parser *ps, struct token **vals, int n, struct cond *c)
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

bool end_of_statement(struct parser *ps)
{
	struct token *t = peek(ps);

	if (!t)
		return true;
	perr(ps, t, "unexpected '%s' at the end of the statement", SHOW(t));
	return false;
}

bool expect_name(struct parser *ps, const char *what, struct token **out)
{
	struct token *t = next(ps);

	if (!is_value(t)) {
		perr_expected(ps, t, what);
		return false;
	}
	*out = t;
	return true;
}

char *resolve_path(struct parser *ps, const struct token *t)
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

/* ---- names ---- */

void list_names(char *buf, size_t size, const void *arr, size_t n, size_t stride, size_t name_off)
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

long find_name(const void *arr, size_t n, size_t stride, size_t name_off, const struct token *t)
{
	for (size_t i = 0; i < n; i++) {
		const char *name =
		    *(const char *const *)((const char *)arr + i * stride + name_off);

		if (strlen(name) == t->len && memcmp(name, t->s, t->len) == 0)
			return (long)i;
	}
	return -1;
}

bool policy_grow(struct policy *p, void **arr, size_t n, size_t stride)
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
