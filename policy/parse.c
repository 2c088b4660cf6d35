/* The policy language's parser: one file's text in, its statements added
 * to the policy being loaded, every error with file:line:col.  The language
 * is described in policy/README.md; parser.h says which file parses what.
 *
 * Names (periods, hours, device lists, fingerprint sets, supervisors) must
 * be declared before a rule uses them; files are read in name order, so
 * declarations go in an early file (00-*.rules). */
#include <stdlib.h>
#include <string.h>

#include "policy/parser.h"

static void statement(struct parser *ps)
{
	static const char *const keywords =
	    "device, copy, period, hours, holiday, devices, fingerprints, trust, timezone, message, contact, fail-mode, deadline, report, report-failure or tokens";
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
	else if (tok_is(kw, "report-failure"))
		stmt_report_failure(ps);
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
void parse_text(struct load *ld, const char *path, const char *base_dir, const char *text,
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
	if (!ps.file || !policy_lex(&ps)) {
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
