/* Text shown by a PDF page's content (ISO 32000-1, 9.4.3 and 9.4.4), for
 * the interpreter of pdfcontent.c: each shown string becomes a run, its
 * place on the page, its direction and size, and its text as UTF-8; the
 * text matrix moves past it.  The hot path of the reader: a simple font's
 * glyph costs two table loads, a "[...] TJ" array is shown where it stands
 * without the operand stack. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/pdf.h"
#include "classify/pdfinterp.h"

/* A TJ adjustment wider than this (in 1/1000 em) starts a new run, so
 * that the line builder sees the gap (poppler breaks words at 0.1 em). */
#define TJ_GAP 100

/* ---- Matrices: [a b c d e f], x' = a x + c y + e, y' = b x + d y + f -- */

void interp_mat_mul(const double m[6], const double n[6], double out[6])
{
	double r[6] = {
	    m[0] * n[0] + m[1] * n[2],	      m[0] * n[1] + m[1] * n[3],
	    m[2] * n[0] + m[3] * n[2],	      m[2] * n[1] + m[3] * n[3],
	    m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
	};
	memcpy(out, r, sizeof(r));
}

void interp_mat_apply(const double m[6], double x, double y, double *ox, double *oy)
{
	*ox = m[0] * x + m[2] * y + m[4];
	*oy = m[1] * x + m[3] * y + m[5];
}

void interp_mat_set(double m[6], double a, double b, double c, double d, double e, double f)
{
	m[0] = a;
	m[1] = b;
	m[2] = c;
	m[3] = d;
	m[4] = e;
	m[5] = f;
}

bool interp_mat_from_array(struct pdf_doc *doc, const struct pdf_obj *arr, double m[6])
{
	if (arr->kind != PDF_ARRAY || arr->len != 6)
		return false;
	for (uint32_t i = 0; i < 6; i++) {
		const struct pdf_obj *v = pdf_array_get(doc, arr, i);

		if (v->kind != PDF_INT && v->kind != PDF_REAL)
			return false;
		m[i] = pdf_number(v, 0);
	}
	return true;
}

/* ---- Runs ----------------------------------------------------------- */

static bool text_reserve(struct pdf_page_text *pt, size_t more)
{
	if (pt->text_len + more <= pt->text_cap)
		return true;
	if (pt->text_len + more + pt->n_runs * sizeof(struct pdf_run) > pt->max_bytes) {
		pt->truncated = true;
		return false;
	}
	size_t cap = pt->text_cap ? pt->text_cap * 2 : 4096;
	while (cap < pt->text_len + more)
		cap *= 2;
	char *grown = realloc(pt->text, cap);
	if (grown == NULL) {
		pt->truncated = true;
		return false;
	}
	pt->text = grown;
	pt->text_cap = cap;
	return true;
}

static struct pdf_run *run_new(struct pdf_page_text *pt)
{
	if (pt->n_runs == pt->cap_runs) {
		size_t cap = pt->cap_runs ? pt->cap_runs * 2 : 256;
		struct pdf_run *grown;

		if (pt->text_len + cap * sizeof(*grown) > pt->max_bytes) {
			pt->truncated = true;
			return NULL;
		}
		grown = realloc(pt->runs, cap * sizeof(*grown));
		if (grown == NULL) {
			pt->truncated = true;
			return NULL;
		}
		pt->runs = grown;
		pt->cap_runs = cap;
	}
	return &pt->runs[pt->n_runs];
}

/* The text matrix times the CTM times the page's own transform. */
static void text_to_page(const struct interp *in, double m[6])
{
	double t[6];

	interp_mat_mul(in->tm, in->gs[in->q].ctm, t);
	interp_mat_mul(t, in->base, m);
}

/* Records the text from text_off on as one run that started at text
 * space (0,0) under m and advanced adv (text space units along the
 * writing direction). */
static void run_close(struct interp *in, const double m[6], size_t text_off, double adv,
		      bool vertical)
{
	struct pdf_page_text *pt = in->pt;
	struct pdf_run *r;
	double x0, y0, x1, y1, dx, dy, size;

	if (pt->text_len == text_off)
		return;
	interp_mat_apply(m, 0, 0, &x0, &y0);
	if (vertical)
		interp_mat_apply(m, 0, -adv, &x1, &y1);
	else
		interp_mat_apply(m, adv, 0, &x1, &y1);
	dx = vertical ? -m[2] : m[0];
	dy = vertical ? -m[3] : m[1];
	size = fabs(in->gs[in->q].tfs) * pdf_norm(m[2], m[3]);
	/* Text outside the page is not shown (poppler drops it too). */
	if (!(x0 > -size && x0 < in->width + size && y0 > -size && y0 < in->height + size) ||
	    !isfinite(size)) {
		pt->text_len = text_off;
		return;
	}
	r = run_new(pt);
	if (r == NULL) {
		pt->text_len = text_off;
		return;
	}
	r->dir = fabs(dx) >= fabs(dy) ? (dx >= 0 ? 0 : 2) : (dy > 0 ? 1 : 3);
	switch (r->dir) {
	case 0:
		r->x0 = x0, r->x1 = x1, r->y = y0;
		break;
	case 1:
		r->x0 = y0, r->x1 = y1, r->y = -x0;
		break;
	case 2:
		r->x0 = -x0, r->x1 = -x1, r->y = -y0;
		break;
	default:
		r->x0 = -y0, r->x1 = -y1, r->y = x0;
		break;
	}
	r->size = size > 0.1 ? size : 0.1;
	r->text_off = (uint32_t)text_off;
	r->text_len = (uint32_t)(pt->text_len - text_off);
	r->seq = in->seq++;
	r->page_x = x0;
	r->page_y = y0;
	pt->n_runs++;
}

/* A run in the making: where it started (text space to page) and how far
 * the glyphs and adjustments shown since have advanced. */
struct run_state {
	double m[6];
	size_t start;
	double adv;
	bool vertical;
	const struct pdf_simple_tables *simple; /* the font's, when it is simple */
	double scale;				/* glyph units to text space */
	/* Simple-font glyphs shown and not yet added to adv. */
	uint64_t units, glyphs, spaces;
};

static void run_begin(struct interp *in, struct run_state *rs)
{
	const struct pdf_font *f = in->gs[in->q].font;

	text_to_page(in, rs->m);
	rs->start = in->pt->text_len;
	rs->adv = 0;
	rs->vertical = f != NULL && pdf_font_vertical(f);
	/* An unmapped font goes the slow way, which says so. */
	rs->simple =
	    f != NULL && !rs->vertical && !pdf_font_unmapped(f) ? pdf_font_simple(f) : NULL;
	rs->scale = f != NULL ? pdf_font_scale(f) : 0.001;
	rs->units = rs->glyphs = rs->spaces = 0;
}

static void run_flush(struct interp *in, struct run_state *rs)
{
	const struct gstate *g = &in->gs[in->q];

	rs->adv += ((double)rs->units * rs->scale * g->tfs + g->tc * (double)rs->glyphs +
		    g->tw * (double)rs->spaces) *
		   g->th;
	rs->units = rs->glyphs = rs->spaces = 0;
}

/* Closes the run and moves the text matrix past it (9.4.4). */
static void run_end(struct interp *in, struct run_state *rs)
{
	run_flush(in, rs);
	run_close(in, rs->m, rs->start, rs->adv, rs->vertical);
	if (rs->vertical) {
		in->tm[4] -= rs->adv * in->tm[2];
		in->tm[5] -= rs->adv * in->tm[3];
	} else {
		in->tm[4] += rs->adv * in->tm[0];
		in->tm[5] += rs->adv * in->tm[1];
	}
	rs->adv = 0;
}

static inline void put_char(struct pdf_page_text *pt, uint32_t u)
{
	char *o = pt->text + pt->text_len;

	if (u < 0x20 || u == 0xfffe || u == 0xffff)
		return;
	if (u < 0x80) {
		*o = (char)u;
		pt->text_len++;
	} else if (u < 0x800) {
		o[0] = (char)(0xc0 | u >> 6);
		o[1] = (char)(0x80 | (u & 0x3f));
		pt->text_len += 2;
	} else if (u < 0xd800 || (u > 0xdfff && u < 0x10000)) {
		o[0] = (char)(0xe0 | u >> 12);
		o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (char)(0x80 | (u & 0x3f));
		pt->text_len += 3;
	} else {
		pt->text_len += charset_put_utf8(o, u);
	}
}

/* One glyph of a simple font: two table loads.  Returns false for a code
 * whose meaning only the font program knows. */
static inline bool simple_glyph(struct interp *in, struct run_state *rs, unsigned char c)
{
	const struct pdf_simple_tables *t = rs->simple;

	if (t->uni[c] == 0 && t->strict && c != 0) {
		pdf_doc_fail(in->doc, PDF_FALLBACK, "PDF font code without a Unicode map");
		return false;
	}
	rs->units += t->width[c];
	rs->spaces += c == 32;
	rs->glyphs++;
	if (!(t->multi[c / 8] & (1u << (c % 8)))) {
		put_char(in->pt, t->uni[c]);
	} else {
		struct pdf_glyph gl;

		pdf_font_next(in->gs[in->q].font, &c, 1, &gl);
		for (int k = 0; k < gl.n_uni; k++)
			put_char(in->pt, gl.uni[k]);
	}
	return true;
}

static bool show_simple(struct interp *in, struct run_state *rs, const unsigned char *s, size_t n)
{
	struct pdf_page_text *pt = in->pt;

	if (pt->text_len + 16 * n > pt->text_cap && !text_reserve(pt, 16 * n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!simple_glyph(in, rs, s[i]))
			return false;
	return true;
}

/* A hex string of a simple font shown as it is decoded; returns the byte
 * after it, or NULL when it is not plain pairs of digits. */
static const unsigned char *show_simple_hex(struct interp *in, struct run_state *rs,
					    const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p + 1, *close = memchr(q, '>', (size_t)(end - q));
	struct pdf_page_text *pt = in->pt;

	if (close == NULL || (close - q) % 2 != 0)
		return NULL;
	if (pt->text_len + 8 * (size_t)(close - q) > pt->text_cap &&
	    !text_reserve(pt, 8 * (size_t)(close - q)))
		return close + 1;
	for (; q < close; q += 2) {
		int a = pdf_hex_value[q[0]], b = pdf_hex_value[q[1]];

		if ((a | b) < 0)
			return NULL; /* the text so far stays: it was there */
		if (!simple_glyph(in, rs, (unsigned char)(a << 4 | b)))
			return end;
	}
	return close + 1;
}

/* The glyphs of one string: their text goes to the page's buffer, their
 * advance to the run.  Returns false when the document must go to
 * poppler (a font this reader cannot map). */
static bool show(struct interp *in, struct run_state *rs, const unsigned char *s, size_t n)
{
	const struct gstate *g = &in->gs[in->q];
	struct pdf_page_text *pt = in->pt;
	const struct pdf_font *f = g->font;
	double th = rs->vertical ? 1 : g->th;

	if (rs->simple != NULL)
		return show_simple(in, rs, s, n);
	if (f == NULL || n == 0)
		return true;
	if (pdf_font_unmapped(f)) {
		pdf_doc_fail(in->doc, PDF_FALLBACK, "PDF font without a Unicode map");
		return false;
	}
	while (n > 0) {
		struct pdf_glyph gl;

		pdf_font_next(f, s, n, &gl);
		if (gl.n_bytes == 0 || gl.n_bytes > n)
			break;
		s += gl.n_bytes;
		n -= gl.n_bytes;
		if (pt->text_len + 16 <= pt->text_cap || text_reserve(pt, 16))
			for (int k = 0; k < gl.n_uni; k++)
				put_char(pt, gl.uni[k]);
		double w = rs->vertical ? 1 : gl.width * rs->scale;
		rs->adv += (w * g->tfs + g->tc + (gl.is_space ? g->tw : 0)) * th;
	}
	return true;
}

bool interp_show_string(struct interp *in, const struct operand *o)
{
	struct run_state rs;
	bool ok;

	run_begin(in, &rs);
	ok = show(in, &rs, in->scratch + o->off, o->len);
	run_end(in, &rs);
	return ok;
}

/* A TJ adjustment of v thousandths of an em: a narrow one is part of the
 * run (kerning), a wide one moves on to a new run. */
static void tj_adjust(struct interp *in, struct run_state *rs, double v)
{
	const struct gstate *g = &in->gs[in->q];
	double shift = -v / 1000 * g->tfs * (rs->vertical ? 1 : g->th);

	if (fabs(v) <= TJ_GAP) {
		rs->adv += shift;
		return;
	}
	run_end(in, rs);
	rs->adv = shift;
	run_end(in, rs); /* an empty run: only moves the text matrix */
	run_begin(in, rs);
}

/* TJ: strings and adjustments; a wide adjustment separates runs. */
bool interp_show_array(struct interp *in, const struct operand *arr)
{
	struct run_state rs;

	run_begin(in, &rs);
	for (uint32_t i = 0; i < arr->count; i++) {
		const struct tj_item *it = &in->tj[arr->first + i];

		if (it->len != TJ_NUMBER) {
			if (!show(in, &rs, in->scratch + it->off, it->len)) {
				run_end(in, &rs);
				return false;
			}
			continue;
		}
		tj_adjust(in, &rs, it->num);
	}
	run_end(in, &rs);
	return true;
}

/* Where the array at p ends (its ']'), strings inside it skipped; NULL
 * when it does not end. */
static const unsigned char *array_end(const unsigned char *p, const unsigned char *end)
{
	for (p++; p < end; p++) {
		if (*p == ']')
			return p;
		if (*p == '(') {
			size_t n;

			p = pdf_lex_literal(p, end, NULL, 0, &n) - 1;
		} else if (*p == '<') {
			p = memchr(p, '>', (size_t)(end - p));
			if (p == NULL)
				return NULL;
		} else if (*p == '[') {
			return NULL; /* nested: not a TJ operand */
		}
	}
	return NULL;
}

/* A number of a TJ array: an integer or a decimal, the common forms
 * parsed here, anything else by pdf_lex_number. */
static const unsigned char *tj_number(const unsigned char *p, const unsigned char *end, double *v)
{
	const unsigned char *q = p;
	bool neg = q < end && *q == '-';
	int64_t whole = 0;

	q += neg;
	while (q < end && (unsigned)(*q - '0') <= 9 && whole < 100000000)
		whole = whole * 10 + (*q++ - '0');
	if (q > p + neg && (q == end || !(pdf_class[*q] & PDF_CLASS_NUMBER))) {
		*v = neg ? -(double)whole : (double)whole;
		return q;
	}
	bool is_int;
	int64_t i;
	q = pdf_lex_number(p, end, &is_int, &i, v);
	return q != p ? q : p + 1;
}

/* "[...] TJ" read where it stands: strings shown as they are decoded,
 * without the operand stack.  Returns the byte after "TJ", or NULL when
 * the array is not a TJ operand (then it is lexed as an operand). */
const unsigned char *interp_show_tj(struct interp *in, const unsigned char *p,
				    const unsigned char *end)
{
	const unsigned char *close = array_end(p, end), *after;
	unsigned char buf[512];
	struct run_state rs;

	if (close == NULL)
		return NULL;
	after = pdf_skip_space(close + 1, end);
	if (end - after < 2 || after[0] != 'T' || after[1] != 'J' ||
	    (end - after > 2 && !pdf_is_space(after[2]) && !pdf_is_delim(after[2])))
		return NULL;
	run_begin(in, &rs);
	for (p++; p < close;) {
		size_t n = 0;
		double v;

		if (pdf_is_space(*p)) {
			p++;
			continue;
		}
		if (*p == '<' && rs.simple != NULL) {
			const unsigned char *q = show_simple_hex(in, &rs, p, close);

			if (q == end)
				return end;
			if (q != NULL) {
				p = q;
				continue;
			}
		}
		if (*p == '<' || *p == '(') {
			const unsigned char *q =
			    *p == '<' ? pdf_lex_hex(p, close, buf, sizeof(buf), &n)
				      : pdf_lex_literal(p, close, buf, sizeof(buf), &n);
			if (n == sizeof(buf)) {
				/* Too long for the buffer: decoded whole. */
				size_t off;

				in->scratch_len = 0;
				q = interp_lex_bytes(in, p, close + 1, &off, &n);
				if (!show(in, &rs, in->scratch + off, n))
					return end;
			} else if (!show(in, &rs, buf, n)) {
				return end;
			}
			p = q;
			continue;
		}
		if (!(pdf_class[*p] & PDF_CLASS_NUMBER)) {
			p++;
			continue;
		}
		p = tj_number(p, close, &v);
		tj_adjust(in, &rs, v);
	}
	run_end(in, &rs);
	return after + 2;
}

/* ---- Resources --------------------------------------------------------- */

const struct pdf_obj *interp_resource(struct interp *in, const char *category, const char *name)
{
	const struct pdf_obj *dict = pdf_dict_get(in->doc, in->resources, category);

	return pdf_dict_get_raw(dict, name);
}

void interp_set_font(struct interp *in, const char *name, double size)
{
	struct gstate *g = &in->gs[in->q];
	const struct pdf_obj *ref;

	g->tfs = size;
	for (int i = 0; i < in->n_fonts; i++) {
		if (in->fonts[i].resources == in->resources &&
		    strcmp(in->fonts[i].name, name) == 0) {
			g->font = in->fonts[i].font;
			return;
		}
	}
	ref = interp_resource(in, "Font", name);
	g->font = pdf_font_get(in->doc, ref);
	if (strlen(name) < sizeof(in->fonts[0].name)) {
		struct font_cache_entry *e = &in->fonts[in->n_fonts % FONT_CACHE];

		e->resources = in->resources;
		strcpy(e->name, name);
		e->font = g->font;
		if (in->n_fonts < FONT_CACHE)
			in->n_fonts++;
	}
}

void interp_note_image(struct interp *in)
{
	const double *m = in->gs[in->q].ctm;
	double t[6], area;

	interp_mat_mul(m, in->base, t);
	area = fabs(t[0] * t[3] - t[1] * t[2]);
	in->pt->images++;
	if (in->width > 0 && in->height > 0 && isfinite(area)) {
		in->pt->image_area += area / (in->width * in->height);
		if (in->pt->image_area > 1)
			in->pt->image_area = 1;
	}
}
