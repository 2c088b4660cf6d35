/* Lines of a PDF page from the runs the interpreter collected: runs of
 * one direction whose baselines lie within half a font size of each
 * other form a row; a row is read left to right and cut where a gap wider
 * than LINE_SPLIT font sizes separates two parts (a header's left and
 * right halves, a stamp beside a title), each part a line of its own.
 * Lines are fed top to bottom.  Between runs a gap becomes one space,
 * except between two CJK characters, where a narrow gap is spacing, not
 * a word break.  A run drawn twice at the same place (bold faked by
 * overprinting) is read once.
 *
 * The marking rules judge a page by its first and last lines, so the
 * order matters more than anything else here: position, never drawing
 * order, decides it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify/pdf.h"
#include "classify/scan.h"

/* Gap (in font sizes) that cuts a row into two lines. */
#define LINE_SPLIT 1.5
/* Gap that is a word break between letters, and between CJK. */
#define SPACE_GAP 0.1
#define CJK_SPACE_GAP 1.0
/* Baselines this close (in font sizes) are one row. */
#define ROW_TOLERANCE 0.5

struct line {
	size_t first, count; /* runs, in order[] */
	double top, left;    /* on the page, for ordering lines */
};

static int by_row(const void *a, const void *b)
{
	const struct pdf_run *x = *(const struct pdf_run *const *)a;
	const struct pdf_run *y = *(const struct pdf_run *const *)b;

	if (x->dir != y->dir)
		return x->dir - y->dir;
	if (x->y != y->y)
		return x->y < y->y ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_x(const void *a, const void *b)
{
	const struct pdf_run *x = *(const struct pdf_run *const *)a;
	const struct pdf_run *y = *(const struct pdf_run *const *)b;

	if (x->x0 != y->x0)
		return x->x0 < y->x0 ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_place(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->top != y->top)
		return x->top < y->top ? -1 : 1;
	if (x->left != y->left)
		return x->left < y->left ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* The code point that ends (or starts) a run's text. */
static uint32_t edge_char(const char *s, size_t n, bool at_end)
{
	size_t i = 0;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (at_end) {
		i = n - 1;
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
	}
	unsigned char c = (unsigned char)s[i];
	if (c < 0x80)
		return c;
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	cp = c & (0x3f >> more);
	for (int k = 1; k <= more && i + (size_t)k < n; k++)
		cp = cp << 6 | ((unsigned char)s[i + (size_t)k] & 0x3f);
	return cp;
}

static bool is_cjk(uint32_t cp)
{
	return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x20000 && cp <= 0x3ffff);
}

static bool is_space_char(uint32_t cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x3000 || cp == '\t';
}

/* Sorts one row (runs[first..first+count)) left to right and cuts it into
 * lines at wide gaps. */
static size_t split_row(struct pdf_run **order, size_t first, size_t count, struct line *lines,
			size_t n_lines)
{
	/* Every part of a row is ordered by the row's place on the page. */
	double top = order[first]->page_y;
	size_t start = first, from = n_lines;
	double end = -INFINITY;

	qsort(order + first, count, sizeof(*order), by_x);
	for (size_t i = first; i < first + count; i++) {
		const struct pdf_run *cur = order[i];

		if (i > start &&
		    cur->x0 - end > LINE_SPLIT * pdf_max(order[i - 1]->size, cur->size)) {
			lines[n_lines++] = (struct line){start, i - start, 0, 0};
			start = i;
		}
		end = i == start ? cur->x1 : pdf_max(end, cur->x1);
	}
	lines[n_lines++] = (struct line){start, first + count - start, 0, 0};
	for (size_t k = from; k < n_lines; k++) {
		lines[k].top = top;
		lines[k].left = order[lines[k].first]->page_x;
	}
	return n_lines;
}

/* Appends one line's text to buf, with spaces for gaps. */
static size_t line_text(const struct pdf_page_text *pt, struct pdf_run **order,
			const struct line *l, char *buf)
{
	size_t o = 0;
	double end = -INFINITY;

	for (size_t i = l->first; i < l->first + l->count; i++) {
		const struct pdf_run *r = order[i];
		const char *t = pt->text + r->text_off;

		if (i > l->first) {
			const struct pdf_run *p = order[i - 1];

			/* The same text again at the same place: overprint. */
			if (r->text_len == p->text_len && fabs(r->x0 - p->x0) < 0.3 * r->size &&
			    memcmp(t, pt->text + p->text_off, r->text_len) == 0)
				continue;
			double gap = r->x0 - end;
			uint32_t before = edge_char(pt->text + p->text_off, p->text_len, true);
			uint32_t after = edge_char(t, r->text_len, false);
			double need = is_cjk(before) && is_cjk(after) ? CJK_SPACE_GAP : SPACE_GAP;

			if (gap > need * pdf_max(r->size, p->size) && !is_space_char(before) &&
			    !is_space_char(after))
				buf[o++] = ' ';
		}
		memcpy(buf + o, t, r->text_len);
		o += r->text_len;
		end = pdf_max(end, r->x1);
	}
	buf[o++] = '\n';
	return o;
}

void pdf_lines_feed(struct scan *s, struct pdf_page_text *pt, const char *where)
{
	struct pdf_run **order = malloc((pt->n_runs + 1) * sizeof(*order));
	struct line *lines = malloc((pt->n_runs + 1) * sizeof(*lines));
	/* The text once more, with a space and a newline per run at most. */
	char *buf = malloc(pt->text_len + 2 * pt->n_runs + 1);
	size_t n_lines = 0, o = 0;

	scan_page_begin(s, SCAN_ZONE_BODY, where);
	if (order == NULL || lines == NULL || buf == NULL) {
		scan_set_uninspectable(s, "out of memory reading the PDF");
		goto out;
	}
	for (size_t i = 0; i < pt->n_runs; i++)
		order[i] = &pt->runs[i];
	qsort(order, pt->n_runs, sizeof(*order), by_row);
	for (size_t i = 0; i < pt->n_runs;) {
		size_t j = i + 1;

		while (j < pt->n_runs && order[j]->dir == order[i]->dir &&
		       order[j]->y - order[i]->y <=
			   ROW_TOLERANCE * pdf_min(order[i]->size, order[j]->size))
			j++;
		n_lines = split_row(order, i, j - i, lines, n_lines);
		i = j;
	}
	qsort(lines, n_lines, sizeof(*lines), by_place);
	for (size_t k = 0; k < n_lines; k++)
		o += line_text(pt, order, &lines[k], buf + o);
	scan_text(s, buf, o, false);
out:
	scan_page_end(s);
	free(order);
	free(lines);
	free(buf);
}
