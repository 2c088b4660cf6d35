/* Rules: `device ACTION CONDITION...` and `copy ACTION CONDITION...`.
 * Within a section the first rule whose conditions all hold wins, so a
 * rule after the section's catch-all can never match: it is an error. */
#include <stdlib.h>
#include <string.h>

#include "policy/parser.h"

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

void stmt_rule(struct parser *ps, enum section section)
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
