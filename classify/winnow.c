/* Winnowed fingerprints of a document's text (winnow.h). */
#include "classify/winnow.h"

#include <stdlib.h>
#include <string.h>

#define BASE 0x100000001b3ull /* the FNV prime: odd, so the hash rolls */

void winnow_init(struct winnow *w, uint32_t *fp)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->pow = 1;
	for (int i = 1; i < WINNOW_K; i++)
		w->pow *= BASE;
}

/* Letters, digits and ideographs count; ASCII and full-width letters in
 * lower case.  Returns 0 for what is dropped. */
static uint32_t fold(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xff01 - 0x21; /* full-width ASCII */
	if (cp >= 'A' && cp <= 'Z')
		return cp | 0x20;
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
		return cp;
	if ((cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7) || /* Latin letters */
	    (cp >= 0x370 && cp <= 0x4ff) ||			       /* Greek, Cyrillic */
	    (cp >= 0x3040 && cp <= 0x30ff) ||			       /* kana */
	    (cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || cp >= 0x20000)
		return cp;
	return 0;
}

/* Whether h is kept already; if not, it is now (in the set only). */
static bool seen(struct winnow *w, uint32_t h)
{
	size_t i = (h * 2654435761u) % WINNOW_SET;

	while (w->used[i]) {
		if (w->set[i] == h)
			return true;
		i = (i + 1) % WINNOW_SET;
	}
	w->used[i] = 1;
	w->set[i] = h;
	return false;
}

/* The room is full: keep every other sample (one more bit of shift). */
static void thin(struct winnow *w)
{
	uint32_t mask, n = w->n;

	w->shift++;
	mask = (1u << w->shift) - 1;
	memset(w->used, 0, sizeof(w->used));
	w->n = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!(w->fp[i] & mask) && !seen(w, w->fp[i]))
			w->fp[w->n++] = w->fp[i];
}

/* Keeps one fingerprint once; past the room, only every 2^shift-th. */
static void keep(struct winnow *w, uint32_t h)
{
	while (w->n == CLASSIFY_MAX_FINGERPRINTS)
		thin(w);
	if ((w->shift && (h & ((1u << w->shift) - 1))) || seen(w, h))
		return;
	w->fp[w->n++] = h;
}

/* One hash into the window; the window's smallest (the rightmost of
 * equals) is kept once. */
static void slide(struct winnow *w, uint32_t h)
{
	uint64_t pos = w->chars - WINNOW_K; /* of this run */
	size_t slot = pos % WINNOW_W, best = w->best;

	w->window[slot] = h;
	w->window_pos[slot] = pos;
	if (pos == 0 || w->window_pos[best] + WINNOW_W <= pos) {
		/* The smallest left the window: look at all of it again. */
		best = slot;
		for (size_t i = 0; i < WINNOW_W && i <= pos; i++)
			if (w->window[i] < w->window[best] ||
			    (w->window[i] == w->window[best] &&
			     w->window_pos[i] > w->window_pos[best]))
				best = i;
	} else if (h <= w->window[best]) {
		best = slot;
	}
	w->best = best;
	if (pos + 1 < WINNOW_W || w->window_pos[best] + 1 == w->kept_pos)
		return;
	w->kept_pos = w->window_pos[best] + 1;
	keep(w, w->window[best]);
}

static void add_char(struct winnow *w, uint32_t cp)
{
	size_t slot = w->ring_at;

	w->ring_at = slot + 1 == WINNOW_K ? 0 : slot + 1;
	if (w->chars >= WINNOW_K)
		w->hash -= w->ring[slot] * w->pow;
	w->ring[slot] = cp;
	w->hash = w->hash * BASE + cp;
	w->chars++;
	if (w->chars >= WINNOW_K)
		slide(w, (uint32_t)(w->hash >> 32) ^ (uint32_t)w->hash);
}

/* The length of a UTF-8 sequence from its lead byte; 1 for a stray byte. */
static size_t seq_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static uint32_t decode(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t cp = p[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	return cp;
}

void winnow_feed(struct winnow *w, const void *utf8, size_t len)
{
	const unsigned char *p = utf8;
	size_t i = 0;

	/* Past this much text a document is fingerprinted by what came
	 * first: the classifier's time is for its markings. */
	if (w->bytes >= WINNOW_MAX_BYTES)
		return;
	if (len > WINNOW_MAX_BYTES - w->bytes)
		len = (size_t)(WINNOW_MAX_BYTES - w->bytes);
	w->bytes += len;

	while (w->n_pending && i < len) {
		w->pending[w->n_pending++] = p[i++];
		if (w->n_pending == seq_len(w->pending[0])) {
			uint32_t cp = fold(decode(w->pending, w->n_pending));

			if (cp)
				add_char(w, cp);
			w->n_pending = 0;
		}
	}
	while (i < len) {
		size_t n = seq_len(p[i]);
		uint32_t cp;

		if (p[i] < 0x80) {
			cp = fold(p[i++]);
			if (cp)
				add_char(w, cp);
			continue;
		}
		if (i + n > len) {
			memcpy(w->pending, p + i, len - i);
			w->n_pending = len - i;
			return;
		}
		cp = fold(decode(p + i, n));
		if (cp)
			add_char(w, cp);
		i += n;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t winnow_finish(struct winnow *w)
{
	uint32_t n = 0;

	qsort(w->fp, w->n, sizeof(w->fp[0]), cmp_u32);
	for (uint32_t i = 0; i < w->n; i++)
		if (n == 0 || w->fp[n - 1] != w->fp[i])
			w->fp[n++] = w->fp[i];
	w->n = n;
	return n;
}

uint32_t winnow_shared(const uint32_t *a, uint32_t na, uint8_t shift_a, const uint32_t *b,
		       uint32_t nb, uint8_t shift_b, uint32_t *n_a, uint32_t *n_b)
{
	uint8_t shift = shift_a > shift_b ? shift_a : shift_b;
	uint32_t mask = shift >= 32 ? UINT32_MAX : (1u << shift) - 1, shared = 0, i = 0, j = 0;

	*n_a = *n_b = 0;
	for (uint32_t k = 0; k < na; k++)
		*n_a += !(a[k] & mask);
	for (uint32_t k = 0; k < nb; k++)
		*n_b += !(b[k] & mask);
	while (i < na && j < nb) {
		if (a[i] & mask)
			i++;
		else if (b[j] & mask)
			j++;
		else if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else {
			shared++;
			i++;
			j++;
		}
	}
	return shared;
}

bool winnow_derived(const uint32_t *doc, uint32_t n_doc, uint8_t shift_doc, const uint32_t *marked,
		    uint32_t n_marked, uint8_t shift_marked, uint32_t *shared)
{
	uint32_t of_doc, of_marked;

	*shared = winnow_shared(doc, n_doc, shift_doc, marked, n_marked, shift_marked, &of_doc,
				&of_marked);
	return *shared >= WINNOW_MIN_SHARED &&
	       ((uint64_t)*shared * 100 >= (uint64_t)of_marked * WINNOW_SHARE_OF_MARKED ||
		(uint64_t)*shared * 100 >= (uint64_t)of_doc * WINNOW_SHARE_OF_NEW);
}
