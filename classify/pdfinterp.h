/* The content-stream interpreter's state, shared by its two halves:
 * pdfcontent.c (tokens, operators, forms, annotations, pages) and
 * pdfshow.c (text shown: runs, glyphs, TJ arrays; the matrices).
 * Internal to the PDF reader. */
#ifndef WARD_CLASSIFY_PDFINTERP_H
#define WARD_CLASSIFY_PDFINTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/pdf.h"

#define MAX_OPERANDS 32
#define MAX_Q 64
/* Fonts remembered per page by resource name. */
#define FONT_CACHE 16

struct gstate {
	double ctm[6];
	double tc, tw, th, tl, tfs, trise;
	struct pdf_font *font;
};

enum op_kind { OP_NUM, OP_STR, OP_NAME, OP_ARRAY, OP_OTHER };

struct operand {
	enum op_kind kind;
	const unsigned char *token; /* a number, parsed when an operator needs it */
	size_t off, len;	    /* a string or name in the scratch buffer */
	uint32_t first, count;	    /* an array's items in tj[] */
};

/* A TJ item: a string in the scratch buffer, or (len NUMBER) a number. */
#define TJ_NUMBER UINT32_MAX
struct tj_item {
	uint32_t off, len;
	double num;
};

struct font_cache_entry {
	const struct pdf_obj *resources;
	char name[32];
	struct pdf_font *font;
};

struct interp {
	struct pdf_doc *doc;
	struct pdf_page_text *pt;
	struct gstate gs[MAX_Q];
	int q;
	double tm[6], tlm[6];
	double base[6]; /* user space to the page as seen: y down, rotated */
	double width, height;
	const struct pdf_obj *resources;
	struct font_cache_entry fonts[FONT_CACHE];
	int n_fonts;
	struct operand ops[MAX_OPERANDS];
	int n_ops;
	int q_lost; /* q operators past MAX_Q, undone by Q first */
	struct tj_item *tj;
	uint32_t n_tj, cap_tj;
	unsigned char *scratch;
	size_t scratch_len, scratch_cap;
	uint64_t n_operators;
	uint32_t seq;
	int form_depth;
};

/* pdfshow.c: matrices [a b c d e f], x' = a x + c y + e, y' = b x + d y + f */
void interp_mat_mul(const double m[6], const double n[6], double out[6]);
void interp_mat_apply(const double m[6], double x, double y, double *ox, double *oy);
void interp_mat_set(double m[6], double a, double b, double c, double d, double e, double f);
bool interp_mat_from_array(struct pdf_doc *doc, const struct pdf_obj *arr, double m[6]);

/* pdfshow.c: Tj (and ' "), TJ from the operand stack, and "[...] TJ" read
 * where it stands (the byte after "TJ", or NULL when the array is not a TJ
 * operand, or end when the document must go to poppler).  false: the
 * document must go to poppler. */
bool interp_show_string(struct interp *in, const struct operand *o);
bool interp_show_array(struct interp *in, const struct operand *arr);
const unsigned char *interp_show_tj(struct interp *in, const unsigned char *p,
				    const unsigned char *end);
/* pdfshow.c: Tf; an image drawn (Do, BI); a resource of the current
 * dictionary (unresolved). */
void interp_set_font(struct interp *in, const char *name, double size);
void interp_note_image(struct interp *in);
const struct pdf_obj *interp_resource(struct interp *in, const char *category, const char *name);

/* pdfcontent.c: a string or name at p decoded into the scratch buffer. */
const unsigned char *interp_lex_bytes(struct interp *in, const unsigned char *p,
				      const unsigned char *end, size_t *off, size_t *len);

#endif
