/* Personal data (rules.h): ROC national IDs and resident certificate
 * numbers (checksum, not a sample, not part of a longer code), land and
 * household register numbers after 地號 / 戶號.  ID numbers are found by
 * sampling every 8th byte for a digit: an ID holds a run of 8 digits, so
 * one of its digits sits at a multiple of 8.  Old-format resident numbers
 * (two letters, eight digits) count only in a document that names them
 * (居留證, 統一證號, 外僑 ...) in its first MiB, from the place it does on. */
#define _GNU_SOURCE /* memmem */
#include "classify/rules.h"

#include <string.h>

/* Bytes of a document searched for the words that name residents. */
#define RESIDENT_SEARCH (1u << 20)
#define U8_NUMBER "號"
#define U8_LAND "地"
#define U8_HOUSEHOLD "戶"

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
		bool old_resident = p[start + 1] >= 'A' && p[start + 1] <= 'D';
		/* Two letters and eight digits is also the shape of product
		 * codes and help-topic ids (HA01231765), and one in ten passes
		 * the checksum by chance: an old resident number counts only
		 * in a document that speaks of residents. */
		if (old_resident && !s->resident_context)
			continue;
		s->call->pii[national ? PII_NATIONAL_ID : PII_RESIDENT_ID]++;
	}
}

/* The words that say a document (or a column of it) holds resident
 * certificate numbers, found the way the other patterns are: the CJK ones
 * by a character of theirs (next_char3), the English one by its capital;
 * never a memmem per word over every page. */
static bool find_resident_keyword(const struct window *w)
{
	static const struct {
		const char *key;  /* found with next_char3 */
		size_t back;	  /* bytes of the word before it */
		const char *word; /* the whole word */
	} words[] = {
	    {"居", 0, "居留"},
	    {"統", 0, "統一證號"},
	    {"僑", 3, "外僑"},
	    {"籍", 3, "外籍"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		for (size_t at = 0, pos;
		     (pos = next_char3(w->p, w->n, at, words[i].key)) != SIZE_MAX; at = pos + 3) {
			if (pos >= words[i].back &&
			    has_prefix(w->p + pos - words[i].back, w->n - pos + words[i].back,
				       words[i].word))
				return true;
		}
	}
	for (const unsigned char *r = memchr(w->p, 'R', w->n); r != NULL;
	     r = memchr(r + 1, 'R', w->n - (size_t)(r + 1 - w->p))) {
		size_t left = w->n - (size_t)(r - w->p);

		if (has_prefix(r, left, "Resident") || has_prefix(r, left, "RESIDENT"))
			return true;
		if (left <= 1)
			break;
	}
	return false;
}

void pii_find(struct scan *s, const struct window *w)
{
	find_register(s, w);
	/* A roster names what it lists at its top: the words are looked for
	 * in the first RESIDENT_SEARCH bytes of a document only. */
	if (!s->resident_context && s->resident_searched < RESIDENT_SEARCH) {
		s->resident_context = find_resident_keyword(w);
		s->resident_searched += w->n;
	}
	find_ids(s, w);
}
