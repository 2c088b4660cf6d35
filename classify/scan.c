/* The analysis every extractor feeds (scan.h): which text stands as a
 * marking, which personal data a document holds, and the budget of the
 * call.
 *
 * Rules, from the county's marking practice:
 *  - a level standing alone on a line of a page header or footer, or among
 *    the first or last SCAN_EDGE_LINES non-empty lines of a body page, is a
 *    marking; the same words inside prose are not (密切, 保密, 公務機密 ...);
 *  - the letter-header field 密等及解密條件或保密期限：<level> is a marking
 *    wherever it stands;
 *  - structural markings (DI XML 密等, metadata, xattr) come ready-made;
 *  - 本件於…解密, 複製物 with a copy number are supporting evidence only;
 *  - a marking whose text is struck through means declassified.
 *
 * Speed: the body of a page is never walked character by character.  Only
 * its first lines are assembled; its last lines are taken from a tail kept
 * at the end; patterns that may stand anywhere are found with memmem(), and
 * ID numbers by sampling every 8th byte for a digit (an ID holds a run of 8
 * digits, so one of its digits sits at a multiple of 8). */
#define _GNU_SOURCE /* memmem, memrchr */
#include "classify/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

/* UTF-8 of the words the rules look for. */
#define U8_LETTER_FIELD "密等及解密條件"
#define U8_LETTER_FIELD_TAIL "或保密期限"
#define U8_DECLASSIFY "解密"
#define U8_THIS_DOC "本件"
#define U8_COPY "複製物"
#define U8_NUMBER "號"
#define U8_LAND "地"
#define U8_HOUSEHOLD "戶"

static const char *const level_words[] = {
    /* Longest first: 機密 must not be read as 密 followed by junk. */
    "絕對機密",
    "極機密",
    "機密",
    "密",
};
static const enum ward_level level_words_level[] = {
    WARD_LEVEL_TOP_SECRET,
    WARD_LEVEL_SECRET,
    WARD_LEVEL_CONFIDENTIAL,
    WARD_LEVEL_RESTRICTED,
};

/* dst = the strings given, up to a NULL, cut at a UTF-8 character
 * boundary when they do not fit. */
static void concat(char *dst, size_t size, ...)
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

static const char *zone_rule(enum scan_zone zone)
{
	switch (zone) {
	case SCAN_ZONE_HEADER:
		return "header-standalone-level";
	case SCAN_ZONE_FOOTER:
		return "footer-standalone-level";
	case SCAN_ZONE_METADATA:
		return "metadata-label";
	case SCAN_ZONE_BODY:
	default:
		return "page-edge-standalone-level";
	}
}

/* Records a reason; level NONE is supporting evidence.  The same rule and
 * text found again (a header repeated on every page) is kept once. */
static void add_candidate(struct scan *s, const char *rule, const char *where, const char *text,
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
	concat(reason.where, sizeof(reason.where), s->prefix, s->prefix[0] ? " " : "",
	       where ? where : "", struck ? " (struck through)" : "", (const char *)NULL);
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
	add_candidate(s, rule ? rule : "marking", where, text, text ? strlen(text) : 0, level,
		      struck);
}

void scan_set_uninspectable(struct scan *s, const char *reason)
{
	struct scan_call *call = s->call;
	if (call->uninspectable)
		return;
	call->uninspectable = true;
	concat(call->uninspectable_reason, sizeof(call->uninspectable_reason), s->prefix,
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

	concat(prefix, sizeof(prefix), s->prefix, s->prefix[0] ? ":" : "", name ? name : "?",
	       (const char *)NULL);
	struct scan child;
	scan_init(&child, call, s->depth + 1, prefix);
	classify_dispatch(&child, data, len, mime, sizeof(mime));
	scan_finish(&child);
}

/* ------------------------------------------------------------------ */
/* Stand-alone levels                                                  */

/* Length of the white space character at p[0..n), or 0. */
static size_t space_at(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\v' || p[0] == '\f')
		return 1;
	if (n >= 2 && p[0] == 0xc2 && p[1] == 0xa0)
		return 2; /* NO-BREAK SPACE */
	if (n >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return 3; /* IDEOGRAPHIC SPACE */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return 3; /* a stray BOM */
	return 0;
}

/* Length of the white space or box-drawing character ending at p[n-1]. */
static size_t space_before(const unsigned char *p, size_t n, bool box)
{
	if (n == 0)
		return 0;
	unsigned char c = p[n - 1];
	if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || (box && c == '|'))
		return 1;
	if (n >= 2 && p[n - 2] == 0xc2 && c == 0xa0)
		return 2;
	if (n >= 3 && p[n - 3] == 0xe3 && p[n - 2] == 0x80 && c == 0x80)
		return 3;
	/* U+2500..U+257F box drawing: E2 94 80 .. E2 95 BF. */
	if (box && n >= 3 && p[n - 3] == 0xe2 && (p[n - 2] == 0x94 || p[n - 2] == 0x95))
		return 3;
	return 0;
}

static size_t box_or_space_at(const unsigned char *p, size_t n)
{
	size_t k = space_at(p, n);

	if (k)
		return k;
	if (n >= 1 && p[0] == '|')
		return 1;
	if (n >= 3 && p[0] == 0xe2 && (p[1] == 0x94 || p[1] == 0x95))
		return 3;
	return 0;
}

static bool has_prefix(const unsigned char *p, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n >= k && memcmp(p, word, k) == 0;
}

static bool has_suffix(const unsigned char *p, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n >= k && memcmp(p + n - k, word, k) == 0;
}

static const char *const bracket_pairs[][2] = {
    {"「", "」"}, {"【", "】"}, {"[", "]"},   {"〔", "〕"}, {"(", ")"},
    {"（", "）"}, {"『", "』"}, {"〈", "〉"}, {"《", "》"}, {"［", "］"},
};

/* Trims spaces (and box drawing when box) at both ends of [*b, *e). */
static void trim(const unsigned char *p, size_t *b, size_t *e, bool box)
{
	size_t k;

	while (*b < *e && (k = box ? box_or_space_at(p + *b, *e - *b) : space_at(p + *b, *e - *b)))
		*b += k;
	while (*e > *b && (k = space_before(p + *b, *e - *b, box)))
		*e -= k;
}

static bool mem_has(const unsigned char *p, size_t n, const char *word)
{
	return memmem(p, n, word, strlen(word)) != NULL;
}

/* The level a line states standing alone, and whether every byte of the
 * level's text was struck (flags may be NULL: nothing struck). */
static enum ward_level standalone(const struct classify_ctx *ctx, const unsigned char *p, size_t n,
				  const bool *flags, bool *struck)
{
	size_t b = 0, e = n;
	char word[64];
	bool word_struck = true;
	size_t w = 0;

	*struck = false;
	if (n == 0 || n > SCAN_LINE_MAX)
		return WARD_LEVEL_NONE;
	trim(p, &b, &e, true);

	/* One pair of brackets around the level. */
	for (size_t i = 0; i < sizeof(bracket_pairs) / sizeof(bracket_pairs[0]); i++) {
		if (has_prefix(p + b, e - b, bracket_pairs[i][0]) &&
		    has_suffix(p + b, e - b, bracket_pairs[i][1]) &&
		    e - b > strlen(bracket_pairs[i][0]) + strlen(bracket_pairs[i][1])) {
			b += strlen(bracket_pairs[i][0]);
			e -= strlen(bracket_pairs[i][1]);
			trim(p, &b, &e, false);
			break;
		}
	}

	/* A declassification condition in brackets after the level:
	 * 機密（本件於中華民國115年12月31日解密）. */
	if (has_suffix(p + b, e - b, "）") || has_suffix(p + b, e - b, ")")) {
		for (size_t i = b + 1; i < e; i++) {
			if (has_prefix(p + i, e - i, "（") || p[i] == '(') {
				const unsigned char *in = p + i;
				size_t in_len = e - i;

				if (mem_has(in, in_len, U8_DECLASSIFY) ||
				    mem_has(in, in_len, "年") || mem_has(in, in_len, "公布") ||
				    mem_has(in, in_len, "期限")) {
					e = i;
					trim(p, &b, &e, false);
				}
				break;
			}
		}
	}

	/* Spaces inside the level are allowed: 機 密, T O P  S E C R E T. */
	for (size_t i = b; i < e;) {
		size_t k = space_at(p + i, e - i);

		if (k) {
			i += k;
			continue;
		}
		if (w + 1 >= sizeof(word))
			return WARD_LEVEL_NONE;
		word[w++] = (char)p[i];
		if (!flags || !flags[i])
			word_struck = false;
		i++;
	}
	if (w == 0)
		return WARD_LEVEL_NONE;
	word[w] = '\0';

	for (size_t i = 0; i < sizeof(level_words) / sizeof(level_words[0]); i++) {
		if (strcmp(word, level_words[i]) == 0) {
			*struck = word_struck;
			return level_words_level[i];
		}
	}
	for (size_t i = 0; i < w; i++) {
		unsigned char c = (unsigned char)word[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return WARD_LEVEL_NONE;
	}
	enum ward_level level;
	if (classify_english_level(ctx, word, w, &level)) {
		*struck = word_struck;
		return level;
	}
	return WARD_LEVEL_NONE;
}

enum ward_level scan_standalone_level(const struct classify_ctx *ctx, const char *line, size_t len)
{
	bool struck;

	return standalone(ctx, (const unsigned char *)line, len, NULL, &struck);
}

/* Judges one complete non-empty line of the current page. */
static void judge_line(struct scan *s, const unsigned char *p, size_t n, const bool *flags,
		       const char *where_suffix)
{
	char where[sizeof(s->where) + 16];
	bool struck;
	enum ward_level level;

	concat(where, sizeof(where), s->where, where_suffix, (const char *)NULL);
	if (s->zone == SCAN_ZONE_METADATA) {
		/* "name: value": a value that is a level is a label. */
		for (size_t i = 0; i < n; i++) {
			size_t sep = p[i] == ':' ? 1 : has_prefix(p + i, n - i, "：") ? 3 : 0;

			if (!sep)
				continue;
			level = standalone(s->call->ctx, p + i + sep, n - i - sep,
					   flags ? flags + i + sep : NULL, &struck);
			if (level != WARD_LEVEL_NONE)
				add_candidate(s, "metadata-label", where, (const char *)p, n, level,
					      struck);
			return;
		}
		return;
	}
	level = standalone(s->call->ctx, p, n, flags, &struck);
	if (level != WARD_LEVEL_NONE)
		add_candidate(s, zone_rule(s->zone), where, (const char *)p, n, level, struck);
}

static bool blank(const unsigned char *p, size_t n)
{
	size_t b = 0, e = n;

	trim(p, &b, &e, false);
	return b == e;
}

/* The assembled line is complete. */
static void end_line(struct scan *s)
{
	const unsigned char *p = (const unsigned char *)s->line;

	if (s->line_overflow || !blank(p, s->line_len)) {
		if (!s->line_overflow)
			judge_line(s, p, s->line_len, s->line_struck,
				   s->zone == SCAN_ZONE_BODY ? " first lines" : "");
		if (s->zone == SCAN_ZONE_BODY)
			s->head_lines++;
	}
	s->line_len = 0;
	s->line_overflow = false;
}

static bool assembling(const struct scan *s)
{
	return s->zone != SCAN_ZONE_BODY || s->head_lines < SCAN_EDGE_LINES;
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
		if (!blank(p + start, end - start)) {
			judge_line(s, p + start, end - start, s->tail_struck + start,
				   " last lines");
			judged++;
		}
		if (start == 0)
			return;
		end = start - 1;
	}
}

/* ------------------------------------------------------------------ */
/* Patterns that count wherever they stand                             */

/* A window of text being searched: matches whose context ends after
 * from (and within n, unless at_end) are reported; others were or will be
 * seen by another window. */
struct window {
	const unsigned char *p;
	size_t n;
	size_t from;
	bool at_end;
	const bool *flags;
	bool struck;
};

static bool window_owns(const struct window *w, size_t context_end)
{
	return context_end > w->from && (context_end <= w->n || w->at_end);
}

static bool window_struck(const struct window *w, size_t i)
{
	return w->flags ? w->flags[i] : w->struck;
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The next 3-byte UTF-8 character ch at or after p[at], found by its last
 * byte with memchr: a continuation byte is rarer in CJK text than a lead
 * byte, and memchr runs far faster than memmem on a short needle.
 * Returns its offset, or SIZE_MAX. */
static size_t next_char3(const unsigned char *p, size_t n, size_t at, const char *ch)
{
	const unsigned char *c = (const unsigned char *)ch;

	while (at + 3 <= n) {
		const unsigned char *hit = memchr(p + at + 2, c[2], n - at - 2);
		if (!hit)
			return SIZE_MAX;
		size_t pos = (size_t)(hit - p) - 2;
		if (p[pos] == c[0] && p[pos + 1] == c[1])
			return pos;
		at = pos + 1;
	}
	return SIZE_MAX;
}

/* 密等及解密條件或保密期限：<level>（condition） */
#define LETTER_CONTEXT 72
static void find_letter_field(struct scan *s, const struct window *w)
{
	const size_t key = strlen(U8_LETTER_FIELD);
	const unsigned char *p = w->p;
	size_t at = 0;

	for (;;) {
		size_t start = next_char3(p, w->n, at, "密");
		if (start == SIZE_MAX)
			return;
		if (!has_prefix(p + start, w->n - start, U8_LETTER_FIELD)) {
			at = start + 3;
			continue;
		}
		size_t limit = start + LETTER_CONTEXT < w->n ? start + LETTER_CONTEXT : w->n;
		size_t q = start + key, k;
		at = q;
		if (!window_owns(w, start + LETTER_CONTEXT))
			continue;

		if (has_prefix(p + q, limit - q, U8_LETTER_FIELD_TAIL))
			q += strlen(U8_LETTER_FIELD_TAIL);
		while ((k = space_at(p + q, limit - q)))
			q += k;
		if (q < limit && p[q] == ':')
			q++;
		else if (has_prefix(p + q, limit - q, "："))
			q += 3;
		else
			continue;
		while ((k = space_at(p + q, limit - q)))
			q += k;
		/* The value may stand on the next line (a table cell). */
		if (q < limit && p[q] == '\n') {
			q++;
			while ((k = space_at(p + q, limit - q)))
				q += k;
		}
		for (size_t i = 0; i < sizeof(level_words) / sizeof(level_words[0]); i++) {
			size_t len = strlen(level_words[i]);

			if (!has_prefix(p + q, limit - q, level_words[i]))
				continue;
			size_t r = q + len;
			bool ends =
			    r == w->n ? w->at_end
				      : (p[r] == '\n' || p[r] == '\r' ||
					 space_at(p + r, limit - r) || p[r] == '(' || p[r] == ',' ||
					 p[r] == ';' || has_prefix(p + r, limit - r, "（") ||
					 has_prefix(p + r, limit - r, "、") ||
					 has_prefix(p + r, limit - r, "，") ||
					 has_prefix(p + r, limit - r, "。") ||
					 has_prefix(p + r, limit - r, "；"));
			if (!ends)
				break;
			/* The line, as far as the window holds it, for the reason;
			 * never cut inside a character. */
			size_t most = start + SCAN_SEAM < w->n ? start + SCAN_SEAM : w->n;
			const unsigned char *nl = memchr(p + start, '\n', most - start);
			size_t text_end = nl ? (size_t)(nl - p) : most;
			while (text_end < w->n && text_end > start && (p[text_end] & 0xc0) == 0x80)
				text_end--;
			add_candidate(s, "letter-header-field", s->where, (const char *)p + start,
				      text_end - start, level_words_level[i], window_struck(w, q));
			break;
		}
	}
}

/* 本件於…解密, 本件至…年…月…日解密: supporting evidence. */
#define DECLASSIFY_LOOKBACK 60
static void find_declassify_condition(struct scan *s, const struct window *w)
{
	const size_t key = strlen(U8_DECLASSIFY);
	const unsigned char *p = w->p;
	size_t at = 0;

	for (;;) {
		size_t mi = next_char3(p, w->n, at, "密");
		if (mi == SIZE_MAX)
			return;
		at = mi + 3;
		if (mi < 3 || memcmp(p + mi - 3, "解", 3) != 0)
			continue;
		size_t pos = mi - 3; /* at 解 */
		if (!window_owns(w, pos + key))
			continue;
		size_t lo = pos > DECLASSIFY_LOOKBACK ? pos - DECLASSIFY_LOOKBACK : 0;
		/* The nearest 本件 before it on the same line. */
		for (size_t i = pos; i-- > lo;) {
			if (p[i] == '\n')
				break;
			if (!has_prefix(p + i, pos - i, U8_THIS_DOC))
				continue;
			if (has_prefix(p + i + 6, pos - i - 6, "於") ||
			    has_prefix(p + i + 6, pos - i - 6, "至"))
				add_candidate(s, "declassify-condition", s->where,
					      (const char *)p + i, at - i, WARD_LEVEL_NONE, false);
			break;
		}
	}
}

/* 複製物 with a copy number after it. */
#define COPY_CONTEXT 40
static void find_copy_number(struct scan *s, const struct window *w)
{
	static const char *const numerals[] = {"０", "１", "２", "３", "４", "５", "６",
					       "７", "８", "９", "一", "二", "三", "四",
					       "五", "六", "七", "八", "九", "十"};
	const size_t key = strlen(U8_COPY);
	const unsigned char *p = w->p;
	size_t at = 0;

	for (;;) {
		const unsigned char *hit = memmem(p + at, w->n - at, U8_COPY, key);
		if (!hit)
			return;
		size_t pos = (size_t)(hit - p);
		at = pos + key;
		if (!window_owns(w, pos + COPY_CONTEXT))
			continue;
		size_t limit = pos + COPY_CONTEXT < w->n ? pos + COPY_CONTEXT : w->n;
		for (size_t i = at; i < limit; i++) {
			bool digit = is_digit(p[i]);

			for (size_t k = 0; !digit && k < sizeof(numerals) / sizeof(numerals[0]);
			     k++)
				digit = has_prefix(p + i, limit - i, numerals[k]);
			if (p[i] == '\n')
				break;
			if (digit) {
				/* Up to and with the numeral (full-width and CJK
				 * numerals are 3 bytes). */
				size_t end = i + (is_digit(p[i]) ? 1 : 3);
				add_candidate(s, "copy-number", s->where, (const char *)p + pos,
					      end - pos, WARD_LEVEL_NONE, false);
				break;
			}
		}
	}
}

/* 地號 / 戶號 followed, within about 20 characters, by a number such as
 * 0123-0000, 1234-5678 or 01230000. */
#define REGISTER_CONTEXT 84
static bool register_number_follows(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			return false;
		if (!is_digit(p[i]))
			continue;
		size_t j = i;
		while (j < n && is_digit(p[j]))
			j++;
		if (j - i >= 4)
			return true;
		if (j + 1 < n && (p[j] == '-') && is_digit(p[j + 1]))
			return true;
		if (j + 3 < n && has_prefix(p + j, n - j, "－") && is_digit(p[j + 3]))
			return true;
		i = j;
	}
	return false;
}

static void find_register(struct scan *s, const struct window *w)
{
	const unsigned char *p = w->p;
	size_t at = 3;

	if (w->n < 6)
		return;
	for (;;) {
		size_t number = next_char3(p, w->n, at, U8_NUMBER);
		if (number == SIZE_MAX)
			return;
		size_t pos = number - 3; /* at 地 or 戶 */
		at = pos + 6;
		bool land = memcmp(p + pos, U8_LAND, 3) == 0;
		bool household = memcmp(p + pos, U8_HOUSEHOLD, 3) == 0;
		if (!land && !household)
			continue;
		if (!window_owns(w, pos + REGISTER_CONTEXT))
			continue;
		size_t limit = pos + REGISTER_CONTEXT < w->n ? pos + REGISTER_CONTEXT : w->n;
		if (register_number_follows(p + at, limit - at))
			s->call->pii[land ? PII_LAND_REGISTER : PII_HOUSEHOLD_REGISTER]++;
	}
}

/* Letter values of the ROC ID checksum: A=10 ... with I, O, W, Z out of
 * order. */
static int id_letter_value(unsigned char c)
{
	static const unsigned char values[26] = {10, 11, 12, 13, 14, 15, 16, 17, 34,
						 18, 19, 20, 21, 22, 35, 23, 24, 25,
						 26, 27, 28, 29, 32, 30, 31, 33};

	if (c < 'A' || c > 'Z')
		return -1;
	return values[c - 'A'];
}

bool scan_roc_id_valid(const char *id)
{
	static const int weights[9] = {8, 7, 6, 5, 4, 3, 2, 1, 1};
	int letter = id_letter_value((unsigned char)id[0]);
	int second, sum;

	if (letter < 0)
		return false;
	if (id[1] >= 'A' && id[1] <= 'D')
		second = id_letter_value((unsigned char)id[1]) % 10; /* old resident */
	else if (id[1] == '1' || id[1] == '2' || id[1] == '8' || id[1] == '9')
		second = id[1] - '0';
	else
		return false;
	sum = letter / 10 + (letter % 10) * 9 + second * weights[0];
	for (int i = 2; i < 10; i++) {
		if (!is_digit((unsigned char)id[i]))
			return false;
		sum += (id[i] - '0') * weights[i - 1];
	}
	return sum % 10 == 0;
}

/* Well-known sample values (A123456789 on every form's example line):
 * digits that run up or down by one, or repeat. */
static bool id_is_sample(const unsigned char *id)
{
	bool up = true, down = true, same = true;

	for (int i = 2; i < 10; i++) {
		int prev = id[i - 1] - '0', cur = id[i] - '0';

		if (!is_digit(id[i - 1]))
			return false;
		up = up && cur == (prev + 1) % 10;
		down = down && cur == (prev + 9) % 10;
		same = same && cur == prev;
	}
	return up || down || same;
}

static void find_ids(struct scan *s, const struct window *w)
{
	const unsigned char *p = w->p;
	size_t n = w->n;

	for (size_t k = 0; k < n; k += 8) {
		if (!is_digit(p[k]))
			continue;
		size_t a = k, b = k + 1;
		while (a > 0 && is_digit(p[a - 1]))
			a--;
		while (b < n && is_digit(p[b]))
			b++;
		/* Resume at the first multiple of 8 past the run. */
		size_t next = (b + 7) & ~(size_t)7;
		if (next > k + 8)
			k = next - 8;

		size_t start;
		if (b - a == 9 && a >= 1 &&
		    (p[a] == '1' || p[a] == '2' || p[a] == '8' || p[a] == '9'))
			start = a - 1;
		else if (b - a == 8 && a >= 2 && p[a - 1] >= 'A' && p[a - 1] <= 'D')
			start = a - 2;
		else
			continue;
		if (p[start] < 'A' || p[start] > 'Z')
			continue;
		/* Context: one character either side. */
		if (!window_owns(w, start + 11))
			continue;
		if (start > 0 && is_alnum(p[start - 1]))
			continue;
		if (b < n && is_alnum(p[b]))
			continue;
		if (!scan_roc_id_valid((const char *)p + start) || id_is_sample(p + start))
			continue;
		bool national = p[start + 1] == '1' || p[start + 1] == '2';
		s->call->pii[national ? PII_NATIONAL_ID : PII_RESIDENT_ID]++;
	}
}

static void find_anywhere(struct scan *s, const struct window *w)
{
	if (w->n == 0)
		return;
	find_letter_field(s, w);
	find_declassify_condition(s, w);
	find_copy_number(s, w);
	find_register(s, w);
	find_ids(s, w);
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

static void reset_page(struct scan *s)
{
	s->page_bytes = 0;
	s->head_lines = 0;
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

void scan_call_result(const struct scan_call *call, struct classify_result *out)
{
	static const char *const pii_names[PII_KINDS] = {
	    [PII_NATIONAL_ID] = "roc-national-id",
	    [PII_RESIDENT_ID] = "roc-resident-id",
	    [PII_LAND_REGISTER] = "land-register",
	    [PII_HOUSEHOLD_REGISTER] = "household-register",
	};

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
