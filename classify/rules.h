/* The seams inside the scan: scan.c (pages, findings, budget, calls)
 * hands text to the rules in marking.c (what stands as a marking) and
 * pii.c (personal data).  Internal to the scan: extractors use scan.h. */
#ifndef WARD_CLASSIFY_RULES_H
#define WARD_CLASSIFY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/core.h"
#include "common/cleanup.h"

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

static inline bool window_owns(const struct window *w, size_t context_end)
{
	return context_end > w->from && (context_end <= w->n || w->at_end);
}

static inline bool window_struck(const struct window *w, size_t i)
{
	return w->flags ? w->flags[i] : w->struck;
}

static inline bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool has_prefix(const unsigned char *p, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n >= k && memcmp(p, word, k) == 0;
}

/* The next 3-byte UTF-8 character ch at or after p[at], found by its last
 * byte with memchr: a continuation byte is rarer in CJK text than a lead
 * byte, and memchr runs far faster than memmem on a short needle.
 * Returns its offset, or SIZE_MAX. */
static inline size_t next_char3(const unsigned char *p, size_t n, size_t at, const char *ch)
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

/* scan.c: dst = the strings given, up to a NULL, cut at a UTF-8 character
 * boundary when they do not fit. */
void scan_concat(char *dst, size_t size, ...);
/* scan.c: records a reason; level NONE is supporting evidence.  The same
 * rule and text found again (a header repeated on every page) is kept
 * once. */
void scan_candidate(struct scan *s, const char *rule, const char *where, const char *text,
		    size_t text_len, enum ward_level level, bool struck);

/* marking.c: judges one complete non-empty line of the current page
 * (flags: struck per byte, or NULL); where_suffix is added to the page's
 * place in the reason (" first lines"). */
void marking_judge_line(struct scan *s, const unsigned char *p, size_t n, const bool *flags,
			const char *where_suffix);
/* marking.c: nothing but white space. */
bool marking_blank(const unsigned char *p, size_t n);
/* marking.c: no letter, digit or ideograph: a rule (-----), dots, stars,
 * format characters.  Such a line does not count as one of a page's edge
 * lines. */
bool marking_filler(const unsigned char *p, size_t n);

/* normalize.c: loads ICU's data (before a sandbox closes); false when it
 * cannot. */
bool normalize_init(void);
/* The line p[0..n) as a reader sees it: NFKC, without format characters
 * and marks; bytes that are not UTF-8 kept as they are.  Struck flags
 * (flags may be NULL) follow the characters.  Returns the length written
 * to out / out_flags, or SIZE_MAX when it does not fit in cap. */
size_t normalize_line(const unsigned char *p, size_t n, const bool *flags, unsigned char *out,
		      bool *out_flags, size_t cap);
/* No letter, digit or ideograph in p[0..n). */
bool normalize_filler(const unsigned char *p, size_t n);
/* marking.c: the markings that count wherever they stand (the letter
 * field) and the supporting evidence (declassification, copy number). */
void marking_find(struct scan *s, const struct window *w);
/* pii.c: personal data in the window, counted in the call. */
void pii_find(struct scan *s, const struct window *w);

#endif
