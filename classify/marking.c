/* What stands as a marking (rules.h): a level alone on a line of a page
 * header or footer or among the edge lines of a body page, the letter
 * header field wherever it stands; and the supporting evidence
 * (declassification condition, copy number).
 *
 * Rules, from the county's marking practice:
 *  - a level standing alone on a line of a page header or footer, or among
 *    the first or last SCAN_EDGE_LINES non-empty lines of a body page, is a
 *    marking; the same words inside prose are not (密切, 保密, 公務機密 ...);
 *  - the letter-header field 密等及解密條件或保密期限：<level> is a marking
 *    wherever it stands;
 *  - structural markings (DI XML 密等, metadata, xattr) come ready-made;
 *  - 本件於…解密, 複製物 with a copy number are supporting evidence only;
 *  - a marking whose text is struck through means declassified. */
#define _GNU_SOURCE /* memmem */
#include "classify/rules.h"

#include <stdio.h>
#include <string.h>

/* UTF-8 of the words the rules look for. */
#define U8_LETTER_FIELD "密等及解密條件"
#define U8_LETTER_FIELD_TAIL "或保密期限"
#define U8_DECLASSIFY "解密"
#define U8_THIS_DOC "本件"
#define U8_COPY "複製物"

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

/* Markdown-like emphasis around a level (**密**, __機密__, # 機密); a line
 * wrapped in ~~ is struck through, as the markup says. */
static void strip_markup(const unsigned char *p, size_t *b, size_t *e, bool *flags)
{
	bool tilde =
	    *e - *b > 4 && p[*b] == '~' && p[*b + 1] == '~' && p[*e - 1] == '~' && p[*e - 2] == '~';

	if (tilde && flags != NULL)
		memset(flags + *b, true, *e - *b);
	while (*b < *e &&
	       (p[*b] == '*' || p[*b] == '_' || p[*b] == '~' || p[*b] == '#' || p[*b] == '='))
		(*b)++;
	while (*e > *b &&
	       (p[*e - 1] == '*' || p[*e - 1] == '_' || p[*e - 1] == '~' || p[*e - 1] == '='))
		(*e)--;
}

/* Punctuation after a level changes nothing (密。 機密！ SECRET.). */
static void strip_trailing_punctuation(const unsigned char *p, size_t b, size_t *e)
{
	static const char *const marks[] = {"。", "．", "，", "、", "：", "；", "！", "？", "…"};
	bool again = true;

	while (again && *e > b) {
		unsigned char c = p[*e - 1];

		again = false;
		if (c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?') {
			(*e)--;
			again = true;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
			if (has_suffix(p + b, *e - b, marks[i])) {
				*e -= strlen(marks[i]);
				again = true;
				break;
			}
		}
	}
}

/* A declassification condition in brackets after the level:
 * 機密（本件於中華民國115年12月31日解密）. */
static void strip_condition(const unsigned char *p, size_t *b, size_t *e)
{
	if (!has_suffix(p + *b, *e - *b, "）") && !has_suffix(p + *b, *e - *b, ")"))
		return;
	for (size_t i = *b + 1; i < *e; i++) {
		if (has_prefix(p + i, *e - i, "（") || p[i] == '(') {
			const unsigned char *in = p + i;
			size_t in_len = *e - i;

			if (mem_has(in, in_len, U8_DECLASSIFY) || mem_has(in, in_len, "年") ||
			    mem_has(in, in_len, "公布") || mem_has(in, in_len, "期限")) {
				*e = i;
				trim(p, b, e, false);
			}
			return;
		}
	}
}

/* The level a word (spaces removed) names: a Chinese level, or its 件
 * stamp (密件, 機密件: "a classified item"), or an English word. */
static enum ward_level word_level(const struct classify_ctx *ctx, const char *word, size_t w)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_words); i++) {
		size_t k = strlen(level_words[i]);

		if (w >= k && memcmp(word, level_words[i], k) == 0 &&
		    (w == k || (w == k + 3 && memcmp(word + k, "件", 3) == 0)))
			return level_words_level[i];
	}
	for (size_t i = 0; i < w; i++) {
		unsigned char c = (unsigned char)word[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return WARD_LEVEL_NONE;
	}
	enum ward_level level;
	if (classify_english_level(ctx, word, w, &level))
		return level;
	return WARD_LEVEL_NONE;
}

/* The level a line states standing alone, and whether every byte of the
 * level's text was struck (flags may be NULL: nothing struck).  The line is
 * judged as a reader sees it (normalize_line). */
static enum ward_level standalone(const struct classify_ctx *ctx, const unsigned char *line,
				  size_t n, const bool *line_flags, bool *struck)
{
	unsigned char p[3 * SCAN_LINE_MAX];
	bool flags[3 * SCAN_LINE_MAX];
	size_t b = 0, e;
	char word[64];
	bool word_struck = true;
	size_t w = 0;

	*struck = false;
	if (n == 0 || n > SCAN_LINE_MAX)
		return WARD_LEVEL_NONE;
	e = normalize_line(line, n, line_flags, p, flags, sizeof(p));
	if (e == SIZE_MAX)
		return WARD_LEVEL_NONE;
	trim(p, &b, &e, true);
	strip_markup(p, &b, &e, flags);
	trim(p, &b, &e, true);
	strip_trailing_punctuation(p, b, &e);
	trim(p, &b, &e, true);

	/* One pair of brackets around the level. */
	for (size_t i = 0; i < ARRAY_SIZE(bracket_pairs); i++) {
		if (has_prefix(p + b, e - b, bracket_pairs[i][0]) &&
		    has_suffix(p + b, e - b, bracket_pairs[i][1]) &&
		    e - b > strlen(bracket_pairs[i][0]) + strlen(bracket_pairs[i][1])) {
			b += strlen(bracket_pairs[i][0]);
			e -= strlen(bracket_pairs[i][1]);
			trim(p, &b, &e, false);
			strip_trailing_punctuation(p, b, &e);
			trim(p, &b, &e, false);
			break;
		}
	}
	strip_condition(p, &b, &e);

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
		if (!flags[i])
			word_struck = false;
		i++;
	}
	if (w == 0)
		return WARD_LEVEL_NONE;
	word[w] = '\0';
	enum ward_level level = word_level(ctx, word, w);
	if (level != WARD_LEVEL_NONE)
		*struck = word_struck;
	return level;
}

enum ward_level scan_standalone_level(const struct classify_ctx *ctx, const char *line, size_t len)
{
	bool struck;

	return standalone(ctx, (const unsigned char *)line, len, NULL, &struck);
}

void marking_judge_line(struct scan *s, const unsigned char *p, size_t n, const bool *flags,
			const char *where_suffix)
{
	char where[sizeof(s->where) + 16];
	bool struck;
	enum ward_level level;

	scan_concat(where, sizeof(where), s->where, where_suffix, (const char *)NULL);
	if (s->zone == SCAN_ZONE_METADATA) {
		/* "name: value": a value that is a level is a label. */
		for (size_t i = 0; i < n; i++) {
			size_t sep = p[i] == ':' ? 1 : has_prefix(p + i, n - i, "：") ? 3 : 0;

			if (!sep)
				continue;
			level = standalone(s->call->ctx, p + i + sep, n - i - sep,
					   flags ? flags + i + sep : NULL, &struck);
			if (level != WARD_LEVEL_NONE)
				scan_candidate(s, "metadata-label", where, (const char *)p, n,
					       level, struck);
			return;
		}
		return;
	}
	level = standalone(s->call->ctx, p, n, flags, &struck);
	if (level != WARD_LEVEL_NONE)
		scan_candidate(s, zone_rule(s->zone), where, (const char *)p, n, level, struck);
}

bool marking_blank(const unsigned char *p, size_t n)
{
	size_t b = 0, e = n;

	trim(p, &b, &e, false);
	return b == e;
}

bool marking_filler(const unsigned char *p, size_t n)
{
	return normalize_filler(p, n);
}

/* 密等及解密條件或保密期限：<level>（condition） */
#define LETTER_CONTEXT 72
/* The label of a field line around the 密 at p[m]: the letter header's
 * 密等及解密條件(或保密期限), a cover's 機密等級 / 保密等級, or the short
 * 密等 (密　等) at the start of a line or cell.  Returns where the label
 * starts and sets *end past it, or SIZE_MAX. */
static size_t field_label(const unsigned char *p, size_t n, size_t m, size_t *end)
{
	size_t q, k;

	if (has_prefix(p + m, n - m, U8_LETTER_FIELD)) {
		*end = m + strlen(U8_LETTER_FIELD);
		if (has_prefix(p + *end, n - *end, U8_LETTER_FIELD_TAIL))
			*end += strlen(U8_LETTER_FIELD_TAIL);
		return m;
	}
	if (m >= 3 &&
	    (has_prefix(p + m - 3, n - m + 3, "機") || has_prefix(p + m - 3, n - m + 3, "保")) &&
	    has_prefix(p + m, n - m, "密等級")) {
		*end = m + strlen("密等級");
		return m - 3;
	}
	q = m + 3;
	while ((k = space_at(p + q, n - q)))
		q += k;
	if (!has_prefix(p + q, n - q, "等") || has_prefix(p + q + 3, n - q - 3, "級"))
		return SIZE_MAX;
	/* 密等 alone is a label only where a field starts: 機密等 and 保密等
	 * are words of a sentence. */
	if (m > 0 && p[m - 1] != '\n' && p[m - 1] != '\t' && p[m - 1] != ' ' && p[m - 1] != '|' &&
	    !(m >= 3 && has_prefix(p + m - 3, 3, "　")))
		return SIZE_MAX;
	*end = q + 3;
	return m;
}

/* Where the value after a field label starts: past the colon (full-width
 * or ASCII) and white space, on the same line or the next one (a table
 * cell).  SIZE_MAX when no colon follows. */
static size_t field_value(const unsigned char *p, size_t limit, size_t q)
{
	size_t k;

	while ((k = space_at(p + q, limit - q)))
		q += k;
	if (q < limit && p[q] == ':')
		q++;
	else if (has_prefix(p + q, limit - q, "："))
		q += 3;
	else
		return SIZE_MAX;
	while ((k = space_at(p + q, limit - q)))
		q += k;
	if (q < limit && p[q] == '\n') {
		q++;
		while ((k = space_at(p + q, limit - q)))
			q += k;
	}
	return q;
}

/* The level word at p[q] when it is the whole value: it ends the line or
 * is followed by its condition, and is not the first of an enumeration
 * (密等：機密、極機密…). */
static size_t field_level(const struct window *w, size_t limit, size_t q)
{
	const unsigned char *p = w->p;

	for (size_t i = 0; i < ARRAY_SIZE(level_words); i++) {
		size_t r = q + strlen(level_words[i]), after;

		if (!has_prefix(p + q, limit - q, level_words[i]))
			continue;
		if (r == w->n)
			return w->at_end ? i : SIZE_MAX;
		if (p[r] == '\n' || p[r] == '\r' || space_at(p + r, limit - r) || p[r] == '(' ||
		    p[r] == ';' || has_prefix(p + r, limit - r, "（") ||
		    has_prefix(p + r, limit - r, "。") || has_prefix(p + r, limit - r, "；"))
			return i;
		if (p[r] == ',')
			after = r + 1;
		else if (has_prefix(p + r, limit - r, "、") || has_prefix(p + r, limit - r, "，"))
			after = r + 3;
		else
			return SIZE_MAX;
		for (size_t j = 0; j < ARRAY_SIZE(level_words); j++)
			if (has_prefix(p + after, limit - after, level_words[j]))
				return SIZE_MAX;
		return i;
	}
	return SIZE_MAX;
}

/* 密等及解密條件或保密期限：<level>（condition）, and the label variants of
 * field_label. */
#define LETTER_CONTEXT 72
static void find_letter_field(struct scan *s, const struct window *w)
{
	const unsigned char *p = w->p;
	size_t at = 0;

	for (;;) {
		size_t mi = next_char3(p, w->n, at, "密"), label_end, q, level;
		if (mi == SIZE_MAX)
			return;
		at = mi + 3;
		size_t start = field_label(p, w->n, mi, &label_end);
		if (start == SIZE_MAX || !window_owns(w, start + LETTER_CONTEXT))
			continue;
		size_t limit = start + LETTER_CONTEXT < w->n ? start + LETTER_CONTEXT : w->n;
		if (label_end >= limit || (q = field_value(p, limit, label_end)) == SIZE_MAX ||
		    (level = field_level(w, limit, q)) == SIZE_MAX)
			continue;
		/* The line, as far as the window holds it, for the reason;
		 * never cut inside a character. */
		size_t most = start + SCAN_SEAM < w->n ? start + SCAN_SEAM : w->n;
		const unsigned char *nl = memchr(p + start, '\n', most - start);
		size_t text_end = nl ? (size_t)(nl - p) : most;
		while (text_end < w->n && text_end > start && (p[text_end] & 0xc0) == 0x80)
			text_end--;
		while (text_end > start && p[text_end - 1] == '\r')
			text_end--;
		scan_candidate(s, "letter-header-field", s->where, (const char *)p + start,
			       text_end - start, level_words_level[level], window_struck(w, q));
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
				scan_candidate(s, "declassify-condition", s->where,
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
				scan_candidate(s, "copy-number", s->where, (const char *)p + pos,
					       end - pos, WARD_LEVEL_NONE, false);
				break;
			}
		}
	}
}

void marking_find(struct scan *s, const struct window *w)
{
	find_letter_field(s, w);
	find_declassify_condition(s, w);
	find_copy_number(s, w);
}
