/* The policy language's lexer, and the diagnostics every part of the parser
 * reports through: text in, tokens and comments out (a rule's trailing
 * comment is its reason), errors as file:line:col with the column in
 * characters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "policy/parser.h"

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

void perr_at(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	ps->ld->failed = true;
	va_start(ap, fmt);
	diag_add(ps->ld->diag, ps->path, line, col, fmt, ap);
	va_end(ap);
}

/* ---- lexing ---- */

unsigned utf8_len(const char *s, size_t n)
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

bool policy_lex(struct parser *ps)
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
