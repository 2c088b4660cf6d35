/* The analysis every extractor feeds (scan.h): pages of text, the lines
 * at their edges, the findings of a call, its budget and nesting.  The
 * rules live beside it: marking.c (what stands as a marking), pii.c
 * (personal data); rules.h is the seam.
 *
 * Speed: the body of a page is never walked character by character.  Only
 * its first lines are assembled; its last lines are taken from a tail kept
 * at the end; patterns that may stand anywhere are searched per piece of
 * text, with a seam kept so that one split between two pieces is found. */
#include "classify/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

/* dst = the strings given, up to a NULL, cut at a UTF-8 character
 * boundary when they do not fit. */
void scan_concat(char *dst, size_t size, ...)
{
	va_list ap;
	const char *part;
	size_t used = 0;

	dst[0] = '\0';
	va_start(ap, size);
	while ((part = va_arg(ap, const char *)) && used + 1 < size) {
		str_copy(dst + used, size - used, part);
		used += strlen(dst + used);
	}
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Findings                                                            */

void scan_candidate(struct scan *s, const char *rule, const char *where, const char *text,
		    size_t text_len, enum ward_level level, bool struck)
{
	struct scan_call *call = s->call;
	struct classify_reason reason;

	if (level != WARD_LEVEL_NONE) {
		if (struck) {
			if (level > call->struck_level)
				call->struck_level = level;
		} else if (level > call->level) {
			call->level = level;
		}
	}

	memset(&reason, 0, sizeof(reason));
	str_copy(reason.rule, sizeof(reason.rule), rule);
	scan_concat(reason.where, sizeof(reason.where), s->prefix, s->prefix[0] ? " " : "",
		    where ? where : "", struck ? " (struck through)" : "", (const char *)NULL);
	/* A line's end (CRLF files) is no part of what it says. */
	while (text != NULL && text_len > 0 &&
	       (text[text_len - 1] == '\r' || text[text_len - 1] == '\n'))
		text_len--;
	str_copy_n(reason.text, sizeof(reason.text), text ? text : "", text ? text_len : 0);

	for (uint32_t i = 0; i < call->n_candidates; i++) {
		const struct scan_candidate *c = &call->candidates[i];

		if (c->struck == struck && strcmp(c->reason.rule, reason.rule) == 0 &&
		    strcmp(c->reason.text, reason.text) == 0)
			return;
	}
	if (call->n_candidates < SCAN_MAX_CANDIDATES) {
		struct scan_candidate *c = &call->candidates[call->n_candidates++];

		c->reason = reason;
		c->level = level;
		c->struck = struck;
		return;
	}
	/* Full: an unstruck marking displaces the weakest candidate. */
	if (level == WARD_LEVEL_NONE || struck)
		return;
	uint32_t weakest = 0;
	for (uint32_t i = 1; i < call->n_candidates; i++) {
		const struct scan_candidate *a = &call->candidates[i];
		const struct scan_candidate *w = &call->candidates[weakest];
		int ra = a->struck ? 0 : (int)a->level, rw = w->struck ? 0 : (int)w->level;

		if (ra < rw)
			weakest = i;
	}
	struct scan_candidate *w = &call->candidates[weakest];
	if (w->struck || w->level < level) {
		w->reason = reason;
		w->level = level;
		w->struck = false;
	}
}

void scan_add_marking(struct scan *s, enum ward_level level, bool struck, const char *rule,
		      const char *where, const char *text)
{
	if ((unsigned)level > WARD_LEVEL_MAX || level == WARD_LEVEL_NONE)
		return;
	scan_candidate(s, rule ? rule : "marking", where, text, text ? strlen(text) : 0, level,
		       struck);
}

void scan_candidate_evidence(struct scan *s, const char *rule, const char *text)
{
	scan_candidate(s, rule, "", text, strlen(text), WARD_LEVEL_NONE, false);
}

bool scan_marked(const struct scan *s)
{
	return s->call->level != WARD_LEVEL_NONE || s->call->struck_level != WARD_LEVEL_NONE;
}

void scan_set_uninspectable(struct scan *s, const char *reason)
{
	struct scan_call *call = s->call;
	if (call->uninspectable)
		return;
	call->uninspectable = true;
	scan_concat(call->uninspectable_reason, sizeof(call->uninspectable_reason), s->prefix,
		    s->prefix[0] ? ": " : "", reason ? reason : "unreadable", (const char *)NULL);
}

/* ------------------------------------------------------------------ */
/* Budget and nesting                                                  */

bool scan_over_budget(struct scan *s)
{
	struct scan_call *call = s->call;
	char why[96];

	if (call->over_budget)
		return true;
	if (monotonic_ms() >= call->deadline_ms) {
		call->over_budget = true;
		snprintf(why, sizeof(why), "time budget of %u ms spent before the end",
			 call->budget->max_millis);
		scan_set_uninspectable(s, why);
		return true;
	}
	return false;
}

bool scan_charge_expanded(struct scan *s, uint64_t expanded, uint64_t compressed_size)
{
	struct scan_call *call = s->call;
	const struct classify_budget *b = call->budget;
	char why[96];

	call->expanded += expanded;
	if (call->expanded > b->max_expanded_bytes) {
		call->over_budget = true;
		snprintf(why, sizeof(why), "expanded data over the budget of %llu MiB",
			 (unsigned long long)(b->max_expanded_bytes >> 20));
		scan_set_uninspectable(s, why);
		return false;
	}
	/* Small members compress very well legitimately (a page of spaces);
	 * the ratio only speaks once a member is large. */
	if (expanded >= (1u << 20) && b->max_ratio > 0 &&
	    expanded / (compressed_size ? compressed_size : 1) > b->max_ratio) {
		snprintf(why, sizeof(why), "expansion ratio over %u (a decompression bomb)",
			 b->max_ratio);
		scan_set_uninspectable(s, why);
		return false;
	}
	return true;
}

const struct classify_budget *scan_budget(const struct scan *s)
{
	return s->call->budget;
}

uint64_t scan_deadline_ms(const struct scan *s)
{
	return s->call->deadline_ms;
}

struct classify_resources *scan_resources(struct scan *s)
{
	return classify_ctx_resources(s->call->ctx);
}

void scan_nested(struct scan *s, const void *data, size_t len, const char *name)
{
	struct scan_call *call = s->call;
	const struct classify_budget *b = call->budget;
	char why[96];
	char prefix[sizeof(s->prefix)];
	char mime[96];

	if (scan_over_budget(s))
		return;
	if (s->depth + 1 > b->max_depth) {
		snprintf(why, sizeof(why), "nested deeper than %u levels", b->max_depth);
		scan_set_uninspectable(s, why);
		return;
	}
	if (call->entries + 1 > b->max_entries) {
		snprintf(why, sizeof(why), "more than %u archive members or attachments",
			 b->max_entries);
		scan_set_uninspectable(s, why);
		return;
	}
	call->entries++;

	scan_concat(prefix, sizeof(prefix), s->prefix, s->prefix[0] ? ":" : "", name ? name : "?",
		    (const char *)NULL);
	struct scan child;
	scan_init(&child, call, s->depth + 1, prefix);
	classify_dispatch(&child, data, len, mime, sizeof(mime));
	scan_finish(&child);
}

/* ------------------------------------------------------------------ */
/* Edge lines                                                          */

/* The assembled line is complete. */
static void end_line(struct scan *s)
{
	const unsigned char *p = (const unsigned char *)s->line;

	if (s->line_overflow) {
		if (s->zone == SCAN_ZONE_BODY)
			s->head_lines++;
	} else if (marking_blank(p, s->line_len)) {
		/* Empty lines never count. */
	} else if (s->zone == SCAN_ZONE_BODY && marking_filler(p, s->line_len)) {
		s->head_filler++;
	} else {
		marking_judge_line(s, p, s->line_len, s->line_struck,
				   s->zone == SCAN_ZONE_BODY ? " first lines" : "");
		if (s->zone == SCAN_ZONE_BODY)
			s->head_lines++;
	}
	s->line_len = 0;
	s->line_overflow = false;
}

/* The first lines of a body page are assembled until SCAN_EDGE_LINES of
 * them held something, or SCAN_FILLER_MAX rules and dots went by. */
static bool assembling(const struct scan *s)
{
	return s->zone != SCAN_ZONE_BODY ||
	       (s->head_lines < SCAN_EDGE_LINES && s->head_filler < SCAN_FILLER_MAX);
}

/* Feeds lines to the assembler while it still wants them.  base: page
 * offset of p[0]. */
static void feed_lines(struct scan *s, const unsigned char *p, size_t n, const bool *flags,
		       bool struck, uint64_t base)
{
	size_t i = 0;

	while (i < n && assembling(s)) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;
		size_t take = end - i;

		if (!s->line_overflow) {
			if (s->line_len + take > SCAN_LINE_MAX) {
				s->line_overflow = true;
			} else {
				memcpy(s->line + s->line_len, p + i, take);
				if (flags)
					memcpy(s->line_struck + s->line_len, flags + i, take);
				else
					memset(s->line_struck + s->line_len, struck, take);
				s->line_len += take;
			}
		}
		if (!nl)
			return;
		i = end + 1;
		end_line(s);
		if (s->zone == SCAN_ZONE_BODY && !assembling(s))
			s->head_end = base + i;
	}
}

/* Keeps (at least) the last SCAN_TAIL bytes of a body page. */
static void keep_tail(struct scan *s, const unsigned char *p, size_t n, const bool *flags,
		      bool struck)
{
	if (n >= SCAN_TAIL) {
		memcpy(s->tail, p + n - SCAN_TAIL, SCAN_TAIL);
		if (flags)
			memcpy(s->tail_struck, flags + n - SCAN_TAIL, SCAN_TAIL);
		else
			memset(s->tail_struck, struck, SCAN_TAIL);
		s->tail_len = SCAN_TAIL;
		return;
	}
	if (s->tail_len + n > sizeof(s->tail)) {
		size_t keep = SCAN_TAIL - n, drop = s->tail_len - keep;

		memmove(s->tail, s->tail + drop, keep);
		memmove(s->tail_struck, s->tail_struck + drop, keep);
		s->tail_len = keep;
	}
	memcpy(s->tail + s->tail_len, p, n);
	if (flags)
		memcpy(s->tail_struck + s->tail_len, flags, n);
	else
		memset(s->tail_struck + s->tail_len, struck, n);
	s->tail_len += n;
}

/* The last non-empty lines of a body page, not already judged from the
 * top. */
static void judge_last_lines(struct scan *s)
{
	const unsigned char *p = (const unsigned char *)s->tail;
	uint64_t base = s->page_bytes - s->tail_len;
	size_t end = s->tail_len;
	uint32_t judged = 0;

	while (end > 0 && judged < SCAN_EDGE_LINES) {
		size_t start = end;

		while (start > 0 && p[start - 1] != '\n')
			start--;
		/* A line cut by the start of the tail is too long to matter,
		 * and one the top already judged is done. */
		if ((start == 0 && base > 0) || base + start < s->head_end)
			return;
		if (!marking_blank(p + start, end - start) &&
		    !marking_filler(p + start, end - start)) {
			marking_judge_line(s, p + start, end - start, s->tail_struck + start,
					   " last lines");
			judged++;
		}
		if (start == 0)
			return;
		end = start - 1;
	}
}

static void find_anywhere(struct scan *s, const struct window *w)
{
	if (w->n == 0)
		return;
	marking_find(s, w);
	if (!s->markings_only)
		pii_find(s, w);
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

static void reset_page(struct scan *s)
{
	s->page_bytes = 0;
	s->head_lines = 0;
	s->head_filler = 0;
	s->head_end = 0;
	s->line_len = 0;
	s->line_overflow = false;
	s->tail_len = 0;
	s->seam_len = 0;
}

void scan_page_begin(struct scan *s, enum scan_zone zone, const char *where)
{
	if (s->in_page)
		scan_page_end(s);
	s->in_page = true;
	s->zone = zone;
	str_copy(s->where, sizeof(s->where), where ? where : "");
	reset_page(s);
}

/* Text of the current page: p[0..n), struck per byte (flags) or all alike. */
static void feed(struct scan *s, const unsigned char *p, size_t n, const bool *flags, bool struck)
{
	/* Patterns across the seam with the previous text, then within. */
	size_t m = n < SCAN_SEAM ? n : SCAN_SEAM;
	unsigned char joint[2 * SCAN_SEAM];
	bool joint_struck[2 * SCAN_SEAM];

	memcpy(joint, s->seam, s->seam_len);
	memcpy(joint_struck, s->seam_struck, s->seam_len);
	memcpy(joint + s->seam_len, p, m);
	if (flags)
		memcpy(joint_struck + s->seam_len, flags, m);
	else
		memset(joint_struck + s->seam_len, struck, m);
	struct window seam = {joint, s->seam_len + m, s->seam_len, false, joint_struck, false};
	find_anywhere(s, &seam);
	if (n > m) {
		struct window whole = {p, n, m, false, flags, struck};
		find_anywhere(s, &whole);
	}

	/* The new end of the text. */
	size_t total = s->seam_len + m;
	if (n > m) {
		memcpy(s->seam, p + n - SCAN_SEAM, SCAN_SEAM);
		if (flags)
			memcpy(s->seam_struck, flags + n - SCAN_SEAM, SCAN_SEAM);
		else
			memset(s->seam_struck, struck, SCAN_SEAM);
		s->seam_len = SCAN_SEAM;
	} else {
		size_t keep = total < SCAN_SEAM ? total : SCAN_SEAM;

		memcpy(s->seam, joint + total - keep, keep);
		memcpy(s->seam_struck, joint_struck + total - keep, keep);
		s->seam_len = keep;
	}

	if (s->zone == SCAN_ZONE_BODY && !s->markings_only)
		winnow_feed(&s->call->winnow, p, n);
	if (assembling(s))
		feed_lines(s, p, n, flags, struck, s->page_bytes);
	if (s->zone == SCAN_ZONE_BODY)
		keep_tail(s, p, n, flags, struck);
	s->page_bytes += n;
}

void scan_text(struct scan *s, const char *utf8, size_t len, bool struck)
{
	if (len == 0)
		return;
	if (!s->in_page)
		scan_page_begin(s, SCAN_ZONE_BODY, "body");
	feed(s, (const unsigned char *)utf8, len, NULL, struck);
}

void scan_page_end(struct scan *s)
{
	if (!s->in_page)
		return;
	/* Patterns at the very end of the page. */
	struct window end = {
	    (const unsigned char *)s->seam, s->seam_len, s->seam_len, true, s->seam_struck, false};
	find_anywhere(s, &end);

	if (assembling(s) && (s->line_len > 0 || s->line_overflow)) {
		end_line(s);
		if (s->zone == SCAN_ZONE_BODY)
			s->head_end = s->page_bytes;
	}
	if (s->zone == SCAN_ZONE_BODY) {
		if (assembling(s))
			s->head_end = s->page_bytes;
		judge_last_lines(s);
	}
	s->in_page = false;
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */

void scan_call_init(struct scan_call *call, const struct classify_ctx *ctx,
		    const struct classify_budget *budget)
{
	memset(call, 0, sizeof(*call));
	call->ctx = ctx;
	call->budget = budget;
	call->deadline_ms = monotonic_ms() + budget->max_millis;
	winnow_init(&call->winnow, call->fingerprints);
}

void scan_init(struct scan *s, struct scan_call *call, uint32_t depth, const char *prefix)
{
	memset(s, 0, sizeof(*s));
	s->call = call;
	s->depth = depth;
	str_copy(s->prefix, sizeof(s->prefix), prefix ? prefix : "");
}

void scan_finish(struct scan *s)
{
	scan_page_end(s);
}

static int candidate_rank(const struct scan_candidate *c)
{
	if (c->level == WARD_LEVEL_NONE)
		return 0;
	if (c->struck)
		return 1;
	return 1 + (int)c->level;
}

void scan_call_result(struct scan_call *call, struct classify_result *out)
{
	static const char *const pii_names[PII_KINDS] = {
	    [PII_NATIONAL_ID] = "roc-national-id",
	    [PII_RESIDENT_ID] = "roc-resident-id",
	    [PII_LAND_REGISTER] = "land-register",
	    [PII_HOUSEHOLD_REGISTER] = "household-register",
	};

	out->n_fingerprints = winnow_finish(&call->winnow);
	memcpy(out->fingerprints, call->fingerprints,
	       out->n_fingerprints * sizeof(out->fingerprints[0]));
	out->fingerprint_shift = call->winnow.shift;
	out->level = call->level;
	out->declassified = call->level == WARD_LEVEL_NONE && call->struck_level != WARD_LEVEL_NONE;
	out->uninspectable = call->uninspectable;
	str_copy(out->uninspectable_reason, sizeof(out->uninspectable_reason),
		 call->uninspectable_reason);

	out->n_pii = 0;
	for (int k = 0; k < PII_KINDS && out->n_pii < CLASSIFY_MAX_PII; k++) {
		if (call->pii[k] == 0)
			continue;
		struct classify_pii *pii = &out->pii[out->n_pii++];
		str_copy(pii->type, sizeof(pii->type), pii_names[k]);
		pii->count = call->pii[k] > UINT32_MAX ? UINT32_MAX : (uint32_t)call->pii[k];
	}

	/* The strongest reasons first, in the order found. */
	out->n_reasons = 0;
	for (int rank = 1 + WARD_LEVEL_MAX; rank >= 0 && out->n_reasons < CLASSIFY_MAX_REASONS;
	     rank--) {
		for (uint32_t i = 0;
		     i < call->n_candidates && out->n_reasons < CLASSIFY_MAX_REASONS; i++) {
			if (candidate_rank(&call->candidates[i]) == rank)
				out->reasons[out->n_reasons++] = call->candidates[i].reason;
		}
	}
}
