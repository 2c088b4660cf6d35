/* Settings: the policy's time zone, staff messages and contact line, fail
 * mode and deadline, what is reported, and where approval tokens live.
 * A later setting replaces an earlier one. */
#include <ctype.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/parser.h"

int parse_action(const struct token *t, enum section section)
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
void stmt_message(struct parser *ps)
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

int parse_dest(const struct token *t, uint32_t *mask)
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

/* The statement's destination into *mask; an error (missing says what the
 * statement expects) when there is none or it is unknown. */
static int statement_dest(struct parser *ps, const char *missing, uint32_t *mask)
{
	struct token *dest = next(ps);

	if (dest && parse_dest(dest, mask) == 0)
		return 0;
	if (dest)
		perr(ps, dest,
		     "unknown destination '%s' (expected removable, usb, mmc, other or internal)",
		     SHOW(dest));
	else
		perr_missing(ps, missing);
	return -1;
}

void stmt_fail_mode(struct parser *ps)
{
	struct token *act;
	uint32_t mask;
	int a;

	if (statement_dest(ps, "expected a destination and an action, e.g. removable block",
			   &mask) < 0)
		return;
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

/* report-failure DEST block|allow: what happens when a decision's record
 * cannot be written. */
void stmt_report_failure(struct parser *ps)
{
	struct token *act;
	uint32_t mask;
	bool block;

	if (statement_dest(ps, "expected a destination and block or allow, e.g. removable block",
			   &mask) < 0)
		return;
	act = next(ps);
	if (tok_is(act, "block") || tok_is(act, "allow")) {
		block = tok_is(act, "block");
	} else {
		if (act)
			perr(ps, act, "expected block or allow, found '%s'", SHOW(act));
		else
			perr_missing(ps, "expected block or allow after the destination");
		return;
	}
	if (!end_of_statement(ps))
		return;
	for (int b = 0; b < 4; b++)
		if (mask & (1u << b))
			ps->p->report_failure_blocks[b] = block;
}

void stmt_deadline(struct parser *ps)
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
void stmt_report(struct parser *ps)
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

void stmt_timezone(struct parser *ps)
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

void stmt_string_setting(struct parser *ps, const char **dst, bool is_path)
{
	struct token *t;

	if (!expect_name(ps, is_path ? "a directory" : "a text in double quotes", &t) ||
	    !end_of_statement(ps))
		return;
	*dst = is_path ? resolve_path(ps, t) : tok_dup(ps, t);
}
