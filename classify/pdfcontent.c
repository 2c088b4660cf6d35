/* The content-stream interpreter of the PDF reader (ISO 32000-1, 8 and
 * 9.4): it follows only what places text (q/Q/cm, the text state and
 * text objects, form XObjects and annotation appearances) and notes the
 * images a page draws; every other operator only clears the operand
 * stack.  Text shown is pdfshow.c's.
 *
 * Bounds: the operand stack, q nesting and form nesting are capped; the
 * budget is checked every PDF_CHECK_EVERY operators, so a page of any
 * size is interrupted within it; a page's text is capped in bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify/pdf.h"
#include "classify/pdfinterp.h"
#include "classify/scan.h"

#define MAX_FORM_DEPTH 8
#define MAX_TJ_ITEMS 4096
/* Operators between two looks at the clock. */
#define PDF_CHECK_EVERY 4096
/* Operators one page may run, forms included (a form drawn by a form
 * drawn by a form... multiplies). */
#define MAX_PAGE_OPS (64u << 20)

/* ---- Operands ---------------------------------------------------------- */

static bool scratch_reserve(struct interp *in, size_t more)
{
	if (in->scratch_len + more <= in->scratch_cap)
		return true;
	size_t cap = in->scratch_cap ? in->scratch_cap : 4096;
	while (cap < in->scratch_len + more)
		cap *= 2;
	unsigned char *grown = realloc(in->scratch, cap);
	if (grown == NULL)
		return false;
	in->scratch = grown;
	in->scratch_cap = cap;
	return true;
}

/* A string or name at p, decoded into the scratch buffer. */
const unsigned char *interp_lex_bytes(struct interp *in, const unsigned char *p,
				      const unsigned char *end, size_t *off, size_t *len)
{
	size_t room = (size_t)(end - p);

	*off = in->scratch_len;
	*len = 0;
	/* A string's decoded length never exceeds its source; cap what one
	 * operand may take so the scratch stays small. */
	if (room > (1u << 20))
		room = 1u << 20;
	if (!scratch_reserve(in, room + 1))
		return end;
	unsigned char *out = in->scratch + in->scratch_len;
	if (*p == '(')
		p = pdf_lex_literal(p, end, out, room, len);
	else if (*p == '<')
		p = pdf_lex_hex(p, end, out, room, len);
	else
		p = pdf_lex_name(p, end, out, room < 127 ? room : 127, len);
	out[*len] = '\0';
	in->scratch_len += *len + 1;
	return p;
}

static struct operand *push(struct interp *in, enum op_kind kind)
{
	if (in->n_ops == MAX_OPERANDS)
		return NULL;
	struct operand *o = &in->ops[in->n_ops++];
	o->kind = kind;
	return o;
}

static bool tj_push(struct interp *in, const struct tj_item *it)
{
	if (in->n_tj == in->cap_tj) {
		uint32_t cap = in->cap_tj ? in->cap_tj * 2 : 256;
		struct tj_item *grown;

		if (cap > MAX_TJ_ITEMS * 256u)
			return false;
		grown = realloc(in->tj, cap * sizeof(*grown));
		if (grown == NULL)
			return false;
		in->tj = grown;
		in->cap_tj = cap;
	}
	in->tj[in->n_tj++] = *it;
	return true;
}

/* A hex string straight into the scratch buffer: TJ arrays are mostly
 * short ones, one per glyph or word. */
static const unsigned char *lex_hex_item(struct interp *in, const unsigned char *p,
					 const unsigned char *end, struct tj_item *it)
{
	const unsigned char *q = p + 1;
	size_t off, len;

	it->off = (uint32_t)in->scratch_len;
	while (end - q >= 3) {
		int a = pdf_hex_value[q[0]], b = pdf_hex_value[q[1]];

		if ((a | b) < 0)
			break;
		if (in->scratch_len + 2 > in->scratch_cap && !scratch_reserve(in, 2))
			break;
		in->scratch[in->scratch_len++] = (unsigned char)(a << 4 | b);
		q += 2;
	}
	if (q < end && *q == '>') {
		it->len = (uint32_t)(in->scratch_len - it->off);
		return q + 1;
	}
	/* Spaces or an odd digit inside: the general path. */
	in->scratch_len = it->off;
	p = interp_lex_bytes(in, p, end, &off, &len);
	it->off = (uint32_t)off;
	it->len = (uint32_t)len;
	return p;
}

/* An array operand: strings and numbers go to tj[] (for TJ); anything
 * else in it is skipped. */
static const unsigned char *lex_array(struct interp *in, const unsigned char *p,
				      const unsigned char *end)
{
	struct operand *o = push(in, OP_ARRAY);
	uint32_t first = in->n_tj;

	p++;
	while (p < end) {
		unsigned char c = *p;
		struct tj_item it = {0};
		const unsigned char *q;
		bool is_int;
		int64_t i;

		if (pdf_is_space(c)) {
			p++;
			continue;
		}
		if (c == ']')
			break;
		if (c == '<' && !(p + 1 < end && p[1] == '<')) {
			p = lex_hex_item(in, p, end, &it);
		} else if (c == '(') {
			size_t off, len;

			p = interp_lex_bytes(in, p, end, &off, &len);
			it.off = (uint32_t)off;
			it.len = (uint32_t)len;
		} else if ((pdf_class[c] & PDF_CLASS_NUMBER) &&
			   (q = pdf_lex_number(p, end, &is_int, &i, &it.num)) != p) {
			it.len = TJ_NUMBER;
			p = q;
		} else {
			size_t n = pdf_token_len(p, end);

			p += n ? n : 1;
			continue;
		}
		if (!tj_push(in, &it))
			continue;
	}
	if (o != NULL) {
		o->first = first;
		o->count = in->n_tj - first;
	}
	return p < end ? p + 1 : p;
}

/* << ... >> in a content stream (marked-content properties): skipped. */
static const unsigned char *skip_dict(const unsigned char *p, const unsigned char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '<' && p + 1 < end && p[1] == '<') {
			depth++;
			p += 2;
		} else if (*p == '>' && p + 1 < end && p[1] == '>') {
			p += 2;
			if (--depth == 0)
				break;
		} else if (*p == '(') {
			size_t n;

			p = pdf_lex_literal(p, end, NULL, 0, &n);
		} else {
			p++;
		}
	}
	return p;
}

/* BI ... ID <data> EI: the data ends before white space, "EI", white
 * space (8.9.7). */
static const unsigned char *skip_inline_image(const unsigned char *p, const unsigned char *end)
{
	while (p + 2 <= end &&
	       !(p[0] == 'I' && p[1] == 'D' && (p + 2 == end || pdf_is_space(p[2]))))
		p++;
	for (p += 2; p + 2 < end; p++)
		if (pdf_is_space(p[0]) && p[1] == 'E' && p[2] == 'I' &&
		    (p + 3 == end || pdf_is_space(p[3]) || pdf_is_delim(p[3])))
			return p + 3;
	return end;
}

/* ---- Operators --------------------------------------------------------- */

static double num(const struct interp *in, int from_end)
{
	const struct operand *o = in->n_ops - from_end >= 0 ? &in->ops[in->n_ops - from_end] : NULL;
	bool is_int;
	int64_t i;
	double r = 0;

	if (o == NULL || o->kind != OP_NUM)
		return 0;
	pdf_lex_number(o->token, o->token + o->len, &is_int, &i, &r);
	return r;
}

static const struct operand *last(const struct interp *in, enum op_kind kind)
{
	if (in->n_ops == 0 || in->ops[in->n_ops - 1].kind != kind)
		return NULL;
	return &in->ops[in->n_ops - 1];
}

static void text_move(struct interp *in, double tx, double ty)
{
	double *l = in->tlm;

	l[4] += tx * l[0] + ty * l[2];
	l[5] += tx * l[1] + ty * l[3];
	memcpy(in->tm, in->tlm, sizeof(in->tm));
}

static void op_q(struct interp *in, bool save)
{
	if (save) {
		if (in->q + 1 < MAX_Q) {
			in->gs[in->q + 1] = in->gs[in->q];
			in->q++;
		} else {
			in->q_lost++;
		}
	} else if (in->q_lost > 0) {
		in->q_lost--;
	} else if (in->q > 0) {
		in->q--;
	}
}

static bool run_stream(struct interp *in, const unsigned char *p, size_t len);
static void run_form(struct interp *in, const struct pdf_stream *st, const double *extra);

static void op_do(struct interp *in)
{
	const struct operand *o = last(in, OP_NAME);
	const struct pdf_stream *st;
	const struct pdf_obj *subtype;

	if (o == NULL)
		return;
	st = pdf_get_stream(in->doc,
			    interp_resource(in, "XObject", (const char *)in->scratch + o->off));
	if (st == NULL)
		return;
	subtype = pdf_dict_get(in->doc, st->dict, "Subtype");
	if (pdf_name_is(subtype, "Image"))
		interp_note_image(in);
	else if (pdf_name_is(subtype, "Form"))
		run_form(in, st, NULL);
}

/* Text operators; returns false when the document goes to poppler. */
static bool op_text(struct interp *in, const unsigned char *op, size_t n)
{
	struct gstate *g = &in->gs[in->q];
	const struct operand *o;

	if (n == 2 && op[0] == 'T') {
		switch (op[1]) {
		case 'c':
			g->tc = num(in, 1);
			return true;
		case 'w':
			g->tw = num(in, 1);
			return true;
		case 'z':
			g->th = num(in, 1) / 100;
			return true;
		case 'L':
			g->tl = num(in, 1);
			return true;
		case 's':
			g->trise = num(in, 1);
			return true;
		case 'f':
			if (in->n_ops >= 2 && in->ops[in->n_ops - 2].kind == OP_NAME)
				interp_set_font(
				    in, (const char *)in->scratch + in->ops[in->n_ops - 2].off,
				    num(in, 1));
			return pdf_doc_status(in->doc, NULL) != PDF_STOP;
		case 'd':
			text_move(in, num(in, 2), num(in, 1));
			return true;
		case 'D':
			g->tl = -num(in, 1);
			text_move(in, num(in, 2), num(in, 1));
			return true;
		case 'm':
			interp_mat_set(in->tlm, num(in, 6), num(in, 5), num(in, 4), num(in, 3),
				       num(in, 2), num(in, 1));
			memcpy(in->tm, in->tlm, sizeof(in->tm));
			return true;
		case '*':
			text_move(in, 0, -g->tl);
			return true;
		case 'j':
			o = last(in, OP_STR);
			return o == NULL || interp_show_string(in, o);
		case 'J':
			o = last(in, OP_ARRAY);
			return o == NULL || interp_show_array(in, o);
		default:
			return true;
		}
	}
	if (n == 1 && (op[0] == '\'' || op[0] == '"')) {
		if (op[0] == '"' && in->n_ops >= 3) {
			g->tw = num(in, 3);
			g->tc = num(in, 2);
		}
		text_move(in, 0, -g->tl);
		o = last(in, OP_STR);
		return o == NULL || interp_show_string(in, o);
	}
	return true;
}

static bool op_run(struct interp *in, const unsigned char *op, size_t n)
{
	if (n == 1 && op[0] == 'q') {
		op_q(in, true);
	} else if (n == 1 && op[0] == 'Q') {
		op_q(in, false);
	} else if (n == 2 && op[0] == 'c' && op[1] == 'm') {
		double m[6];

		interp_mat_set(m, num(in, 6), num(in, 5), num(in, 4), num(in, 3), num(in, 2),
			       num(in, 1));
		interp_mat_mul(m, in->gs[in->q].ctm, in->gs[in->q].ctm);
	} else if (n == 2 && op[0] == 'B' && op[1] == 'T') {
		interp_mat_set(in->tm, 1, 0, 0, 1, 0, 0);
		memcpy(in->tlm, in->tm, sizeof(in->tm));
	} else if (n == 2 && op[0] == 'D' && op[1] == 'o') {
		op_do(in);
	} else if ((op[0] == 'T' && n == 2) || (n == 1 && (op[0] == '\'' || op[0] == '"'))) {
		return op_text(in, op, n);
	}
	return pdf_doc_status(in->doc, NULL) != PDF_STOP;
}

/* Tokens and operators of one content stream. */
static bool run_stream(struct interp *in, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	struct scan *s = pdf_doc_scan(in->doc);

	while (p < end) {
		unsigned char c = *p;
		struct operand *o;
		const unsigned char *q;

		if (pdf_is_space(c)) {
			p++;
			continue;
		}
		switch (c) {
		case '%':
			p = pdf_skip_space(p, end);
			continue;
		case '(':
		case '/':
			o = push(in, c == '/' ? OP_NAME : OP_STR);
			if (o != NULL)
				p = interp_lex_bytes(in, p, end, &o->off, &o->len);
			else
				p = interp_lex_bytes(in, p, end, &(size_t){0}, &(size_t){0});
			continue;
		case '<':
			if (p + 1 < end && p[1] == '<') {
				p = skip_dict(p, end);
				push(in, OP_OTHER);
			} else {
				o = push(in, OP_STR);
				p = interp_lex_bytes(in, p, end, o ? &o->off : &(size_t){0},
						     o ? &o->len : &(size_t){0});
			}
			continue;
		case '[':
			q = interp_show_tj(in, p, end);
			if (q == NULL) {
				p = lex_array(in, p, end);
				continue;
			}
			if (q == end && pdf_doc_status(in->doc, NULL) != PDF_OK)
				return false;
			p = q;
			break; /* TJ ran: the operator's bookkeeping follows */
		case ']':
		case '>':
		case ')':
		case '{':
		case '}':
			p++;
			continue;
		default:
			break;
		}
		if (pdf_class[c] & PDF_CLASS_NUMBER) {
			/* Most numbers draw paths: parsed only when needed. */
			q = p + 1;
			while (q < end && (pdf_class[*q] & PDF_CLASS_NUMBER))
				q++;
			o = push(in, OP_NUM);
			if (o != NULL) {
				o->token = p;
				o->len = (size_t)(q - p);
			}
			p = q;
			continue;
		}
		size_t n = c == '[' ? 0 : pdf_token_len(p, end);
		if (n == 0 && c != '[') {
			p++;
			continue;
		}
		if (c == '[') {
			/* TJ ran in place. */
		} else if (n == 2 && p[0] == 'B' && p[1] == 'I') {
			p = skip_inline_image(p + 2, end);
			interp_note_image(in);
		} else if (!op_run(in, p, n)) {
			return false;
		} else {
			p += n;
		}
		in->n_ops = 0;
		in->n_tj = 0;
		in->scratch_len = 0;
		if (++in->n_operators % PDF_CHECK_EVERY == 0) {
			if (scan_over_budget(s)) {
				pdf_doc_fail(in->doc, PDF_STOP, "budget spent");
				return false;
			}
			if (in->n_operators > MAX_PAGE_OPS) {
				in->pt->truncated = true;
				return false;
			}
		}
	}
	return true;
}

/* ---- Forms, annotations, pages ----------------------------------------- */

/* A form XObject (8.10): its matrix on the CTM, its resources (or the
 * caller's), run in a saved state.  extra: a further matrix (an
 * annotation's placement) applied after the form's own. */
static void run_form(struct interp *in, const struct pdf_stream *st, const double *extra)
{
	const struct pdf_obj *saved_resources = in->resources;
	const struct pdf_obj *res = pdf_dict_get(in->doc, st->dict, "Resources");
	double m[6], saved_tm[6], saved_tlm[6];
	int saved_q = in->q;
	enum pdf_status status;
	size_t len;
	unsigned char *data;

	if (in->form_depth >= MAX_FORM_DEPTH || in->q + 1 >= MAX_Q)
		return;
	data = pdf_decode(in->doc, st, &len, &status);
	if (data == NULL)
		return;
	memcpy(saved_tm, in->tm, sizeof(saved_tm));
	memcpy(saved_tlm, in->tlm, sizeof(saved_tlm));
	op_q(in, true);
	if (!interp_mat_from_array(in->doc, pdf_dict_get(in->doc, st->dict, "Matrix"), m))
		interp_mat_set(m, 1, 0, 0, 1, 0, 0);
	if (extra != NULL)
		interp_mat_mul(m, extra, m);
	interp_mat_mul(m, in->gs[in->q].ctm, in->gs[in->q].ctm);
	if (res->kind == PDF_DICT)
		in->resources = res;
	in->form_depth++;
	/* Operands of the caller are not the form's. */
	int saved_ops = in->n_ops;
	in->n_ops = 0;
	run_stream(in, data, len);
	in->n_ops = saved_ops;
	in->form_depth--;
	in->resources = saved_resources;
	in->q = saved_q;
	in->q_lost = 0;
	memcpy(in->tm, saved_tm, sizeof(saved_tm));
	memcpy(in->tlm, saved_tlm, sizeof(saved_tlm));
	free(data);
}

/* The matrix that puts an appearance stream's box on the annotation's
 * rectangle (12.5.5). */
static bool appearance_matrix(struct pdf_doc *doc, const struct pdf_obj *annot,
			      const struct pdf_stream *ap, double out[6])
{
	const struct pdf_obj *rect = pdf_dict_get(doc, annot, "Rect");
	const struct pdf_obj *bbox = pdf_dict_get(doc, ap->dict, "BBox");
	double r[4], b[4], m[6], lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};

	for (uint32_t i = 0; i < 4; i++) {
		r[i] = pdf_number(pdf_array_get(doc, rect, i), NAN);
		b[i] = pdf_number(pdf_array_get(doc, bbox, i), NAN);
	}
	if (!interp_mat_from_array(doc, pdf_dict_get(doc, ap->dict, "Matrix"), m))
		interp_mat_set(m, 1, 0, 0, 1, 0, 0);
	for (int k = 0; k < 4; k++) {
		double x, y;

		interp_mat_apply(m, b[k & 1 ? 2 : 0], b[k & 2 ? 3 : 1], &x, &y);
		lo[0] = pdf_min(lo[0], x), hi[0] = pdf_max(hi[0], x);
		lo[1] = pdf_min(lo[1], y), hi[1] = pdf_max(hi[1], y);
	}
	double w = hi[0] - lo[0], h = hi[1] - lo[1];
	if (!isfinite(w) || !isfinite(h) || !isfinite(r[0] + r[1] + r[2] + r[3]) || w <= 0 ||
	    h <= 0)
		return false;
	double sx = fabs(r[2] - r[0]) / w, sy = fabs(r[3] - r[1]) / h;
	interp_mat_set(out, sx, 0, 0, sy, pdf_min(r[0], r[2]) - lo[0] * sx,
		       pdf_min(r[1], r[3]) - lo[1] * sy);
	return true;
}

/* Annotations' normal appearances: filled-in form fields, free text. */
static void run_annotations(struct interp *in, const struct pdf_obj *page)
{
	const struct pdf_obj *annots = pdf_dict_get(in->doc, page, "Annots");

	for (uint32_t i = 0; annots->kind == PDF_ARRAY && i < annots->len && i < 4096; i++) {
		const struct pdf_obj *a = pdf_array_get(in->doc, annots, i);
		const struct pdf_obj *n_raw, *n;
		const struct pdf_stream *ap;
		double m[6];

		if (a->kind != PDF_DICT || (pdf_int(pdf_dict_get(in->doc, a, "F"), 0) & 2) != 0)
			continue; /* hidden */
		n_raw = pdf_dict_get_raw(pdf_dict_get(in->doc, a, "AP"), "N");
		n = pdf_resolve(in->doc, n_raw);
		if (n->kind == PDF_DICT && pdf_get_stream(in->doc, n_raw) == NULL) {
			/* Appearance states: the one /AS names. */
			const struct pdf_obj *as = pdf_dict_get(in->doc, a, "AS");

			if (as->kind != PDF_NAME)
				continue;
			n_raw = pdf_dict_get_raw(n, (const char *)as->u.s);
		}
		ap = pdf_get_stream(in->doc, n_raw);
		if (ap == NULL || !appearance_matrix(in->doc, a, ap, m))
			continue;
		in->gs[0].font = NULL;
		run_form(in, ap, m);
		if (pdf_doc_status(in->doc, NULL) != PDF_OK)
			return;
	}
}

/* User space to the page as a reader sees it: origin top left, y down,
 * /Rotate applied (clockwise). */
static void page_transform(struct interp *in, const double box[4], int rotate)
{
	double x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];

	switch (((rotate % 360) + 360) % 360) {
	case 90:
		interp_mat_set(in->base, 0, 1, 1, 0, -y0, -x0);
		in->width = y1 - y0, in->height = x1 - x0;
		break;
	case 180:
		interp_mat_set(in->base, -1, 0, 0, 1, x1, -y0);
		in->width = x1 - x0, in->height = y1 - y0;
		break;
	case 270:
		interp_mat_set(in->base, 0, -1, -1, 0, y1, x1);
		in->width = y1 - y0, in->height = x1 - x0;
		break;
	default:
		interp_mat_set(in->base, 1, 0, 0, -1, -x0, y1);
		in->width = x1 - x0, in->height = y1 - y0;
		break;
	}
}

/* The page's content: one stream, or an array of them read as one. */
static unsigned char *page_content(struct pdf_doc *doc, const struct pdf_obj *page, size_t *len)
{
	const struct pdf_obj *raw = pdf_dict_get_raw(page, "Contents");
	const struct pdf_obj *arr = pdf_resolve(doc, raw);
	enum pdf_status status;
	unsigned char *all = NULL;

	*len = 0;
	if (arr->kind != PDF_ARRAY) {
		const struct pdf_stream *st = pdf_get_stream(doc, raw);

		return st != NULL ? pdf_decode(doc, st, len, &status) : NULL;
	}
	for (uint32_t i = 0; i < arr->len && i < 4096; i++) {
		const struct pdf_stream *st = pdf_get_stream(doc, &arr->u.items[i]);
		size_t n;
		unsigned char *part, *grown;

		if (st == NULL || (part = pdf_decode(doc, st, &n, &status)) == NULL)
			continue;
		grown = realloc(all, *len + n + 2);
		if (grown == NULL) {
			free(part);
			break;
		}
		all = grown;
		memcpy(all + *len, part, n);
		/* Streams split only between tokens. */
		all[*len + n] = '\n';
		*len += n + 1;
		all[*len] = '\0';
		free(part);
	}
	return all;
}

enum pdf_status pdf_page_collect(struct pdf_doc *doc, const struct pdf_obj *page,
				 const struct pdf_obj *resources, const double box[4], int rotate,
				 struct pdf_page_text *pt)
{
	struct interp *in = calloc(1, sizeof(*in));
	size_t len;
	unsigned char *content;

	if (in == NULL)
		return pdf_doc_fail(doc, PDF_STOP, "out of memory reading the PDF");
	in->doc = doc;
	in->pt = pt;
	in->resources = resources;
	page_transform(in, box, rotate);
	interp_mat_set(in->gs[0].ctm, 1, 0, 0, 1, 0, 0);
	in->gs[0].th = 1;
	content = page_content(doc, page, &len);
	if (content != NULL)
		run_stream(in, content, len);
	free(content);
	if (pdf_doc_status(doc, NULL) == PDF_OK) {
		in->q = 0;
		in->q_lost = 0;
		in->resources = resources;
		run_annotations(in, page);
	}
	free(in->scratch);
	free(in->tj);
	free(in);
	return pdf_doc_status(doc, NULL);
}

void pdf_page_text_reset(struct pdf_page_text *pt)
{
	pt->n_runs = 0;
	pt->text_len = 0;
	pt->truncated = false;
	pt->images = 0;
	pt->image_area = 0;
}

void pdf_page_text_free(struct pdf_page_text *pt)
{
	free(pt->runs);
	free(pt->text);
	memset(pt, 0, sizeof(*pt));
}
