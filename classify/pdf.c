/* PDF: each page's text, read by the content-stream reader of pdf.h (the
 * text with its place on the page, in lines ordered by position) and
 * fed as one body page ("page N"), so the scan sees its first and last
 * lines (a PDF has no header or footer structure: the running header is
 * simply the top line of the page).  The Info dictionary (title, subject,
 * keywords) and the XMP packet go to the metadata zone as "name: value"
 * lines.
 *
 * What the reader leaves to poppler (pdfpoppler.c) goes there: the whole
 * file when its cross-reference data is broken or it is encrypted, one
 * page when that page uses a font without a Unicode map or a filter the
 * reader lacks.  Encrypted PDFs that need a password, PDFs neither can
 * open and PDFs without a readable page are uninspectable.
 *
 * Bounds: the budget is checked between pages and within them (every few
 * thousand operators), pages are capped, the XMP packet is read with a
 * non-validating, non-networked, entity-free reader. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <libxml/xmlreader.h>

#include "classify/extract.h"
#include "classify/ocr.h"
#include "classify/pdf.h"
#include "classify/pdfpoppler.h"
#include "classify/scan.h"
#include "common/cleanup.h"

/* More pages than any office document has; a PDF claiming more is read up
 * to here and marked uninspectable. */
#define PDF_MAX_PAGES 20000
/* Nesting of the page tree followed. */
#define PDF_MAX_TREE_DEPTH 64
/* Nesting of XMP elements followed; deeper ones are skipped. */
#define XMP_MAX_DEPTH 32
/* Bytes of XMP metadata read at most. */
#define XMP_MAX_BYTES (1u << 20)
/* Bytes before "%PDF-" that readers tolerate (a byte-order mark, a mail
 * header). */
#define PDF_HEADER_SEARCH 1024
/* Text of one page at most. */
#define PDF_PAGE_TEXT_MAX (64u << 20)
/* A page is a scan when images cover this much of it and it has less
 * text than this (bytes); it is drawn at PDF_SCAN_DPI for OCR. */
#define PDF_SCAN_AREA 0.5
#define PDF_SCAN_TEXT 32
#define PDF_SCAN_DPI 200

/* ---- Metadata ---------------------------------------------------------- */

void pdf_meta_line(struct scan *s, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	scan_text(s, name, strlen(name), false);
	scan_text(s, ": ", 2, false);
	scan_text(s, value, strlen(value), false);
	scan_text(s, "\n", 1, false);
}

static bool ns_is(const xmlChar *uri, const char *want)
{
	return uri != NULL && strcmp((const char *)uri, want) == 0;
}

#define RDF_NS "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/* Each text value of the XMP packet as "property: value", the property
 * being the nearest element that is not RDF syntax (so dc:subject's
 * rdf:Bag/rdf:li items come out as "subject: ..."), and each simple
 * property written as an attribute of rdf:Description (custom properties
 * often are) as "name: value". */
void pdf_read_xmp(struct scan *s, const char *xmp, size_t len)
{
	char names[XMP_MAX_DEPTH][64];
	xmlTextReaderPtr reader;
	int ret;

	if (len > XMP_MAX_BYTES)
		len = XMP_MAX_BYTES;
	reader = xmlReaderForMemory(xmp, (int)len, NULL, "UTF-8",
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (reader == NULL)
		return;
	memset(names, 0, sizeof(names));
	while ((ret = xmlTextReaderRead(reader)) == 1) {
		int type = xmlTextReaderNodeType(reader);
		int depth = xmlTextReaderDepth(reader);

		if (depth < 0 || depth >= XMP_MAX_DEPTH)
			continue;
		if (type == XML_READER_TYPE_ELEMENT) {
			const xmlChar *local = xmlTextReaderConstLocalName(reader);
			const xmlChar *uri = xmlTextReaderConstNamespaceUri(reader);

			names[depth][0] = '\0';
			if (local != NULL && !ns_is(uri, RDF_NS))
				snprintf(names[depth], sizeof(names[depth]), "%s",
					 (const char *)local);
			if (local != NULL && ns_is(uri, RDF_NS) &&
			    strcmp((const char *)local, "Description") == 0) {
				while (xmlTextReaderMoveToNextAttribute(reader) == 1) {
					const xmlChar *auri =
					    xmlTextReaderConstNamespaceUri(reader);

					if (ns_is(auri, RDF_NS) ||
					    ns_is(auri, "http://www.w3.org/2000/xmlns/"))
						continue;
					pdf_meta_line(
					    s, (const char *)xmlTextReaderConstLocalName(reader),
					    (const char *)xmlTextReaderConstValue(reader));
				}
				xmlTextReaderMoveToElement(reader);
			}
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
			const char *name = NULL;

			for (int d = depth - 1; d >= 0 && name == NULL; d--)
				if (names[d][0] != '\0')
					name = names[d];
			pdf_meta_line(s, name != NULL ? name : "xmp",
				      (const char *)xmlTextReaderConstValue(reader));
		}
		if (scan_over_budget(s))
			break;
	}
	xmlFreeTextReader(reader);
}

/* A text string of the Info dictionary as a metadata line. */
static void info_line(struct pdf_doc *doc, const struct pdf_obj *info, const char *key,
		      const char *name)
{
	const struct pdf_obj *v = pdf_dict_get(doc, info, key);
	char buf[4096];

	if (v->kind != PDF_STRING)
		return;
	pdf_text_string(v->u.s, v->len, buf, sizeof(buf));
	pdf_meta_line(pdf_doc_scan(doc), name, buf);
}

static void read_metadata(struct pdf_doc *doc)
{
	struct scan *s = pdf_doc_scan(doc);
	const struct pdf_obj *info = pdf_dict_get(doc, pdf_trailer(doc), "Info");
	const struct pdf_obj *root = pdf_dict_get(doc, pdf_trailer(doc), "Root");
	const struct pdf_stream *xmp = pdf_get_stream(doc, pdf_dict_get_raw(root, "Metadata"));

	scan_page_begin(s, SCAN_ZONE_METADATA, "PDF Info/XMP");
	info_line(doc, info, "Title", "title");
	info_line(doc, info, "Subject", "subject");
	info_line(doc, info, "Keywords", "keywords");
	if (xmp != NULL) {
		enum pdf_status status;
		size_t len;
		_cleanup_free_ unsigned char *data = pdf_decode(doc, xmp, &len, &status);

		/* A metadata stream in a filter the reader lacks is skipped,
		 * not a reason to read the whole file with poppler. */
		if (data != NULL)
			pdf_read_xmp(s, (const char *)data, len);
		else if (status == PDF_FALLBACK)
			pdf_doc_clear(doc);
	}
	scan_page_end(s);
}

/* ---- The page tree ------------------------------------------------------ */

struct page {
	const struct pdf_obj *dict, *resources;
	double box[4];
	int rotate;
};

struct pages {
	struct page *list;
	size_t n, cap;
	bool too_many;
};

struct tree_node {
	const struct pdf_obj *node, *resources, *media, *crop, *rotate;
	uint32_t next_kid;
};

static bool box_of(struct pdf_doc *doc, const struct pdf_obj *arr, double box[4])
{
	double v[4];

	if (arr->kind != PDF_ARRAY || arr->len < 4)
		return false;
	for (uint32_t i = 0; i < 4; i++) {
		const struct pdf_obj *x = pdf_array_get(doc, arr, i);

		if (x->kind != PDF_INT && x->kind != PDF_REAL)
			return false;
		v[i] = pdf_number(x, 0);
	}
	box[0] = v[0] < v[2] ? v[0] : v[2];
	box[2] = v[0] < v[2] ? v[2] : v[0];
	box[1] = v[1] < v[3] ? v[1] : v[3];
	box[3] = v[1] < v[3] ? v[3] : v[1];
	return box[2] - box[0] > 1 && box[3] - box[1] > 1;
}

static void add_page(struct pdf_doc *doc, struct pages *pages, const struct tree_node *at)
{
	struct page *p;
	double crop[4];

	if (pages->n >= PDF_MAX_PAGES) {
		pages->too_many = true;
		return;
	}
	if (pages->n == pages->cap) {
		size_t cap = pages->cap ? pages->cap * 2 : 64;
		struct page *grown = realloc(pages->list, cap * sizeof(*grown));

		if (grown == NULL) {
			pages->too_many = true;
			return;
		}
		pages->list = grown;
		pages->cap = cap;
	}
	p = &pages->list[pages->n++];
	p->dict = at->node;
	p->resources = at->resources;
	p->rotate = (int)(pdf_int(at->rotate, 0) % 360);
	if (!box_of(doc, at->media, p->box)) {
		p->box[0] = p->box[1] = 0;
		p->box[2] = 612;
		p->box[3] = 792;
	}
	/* The crop box, within the media box, is what is shown. */
	if (box_of(doc, at->crop, crop)) {
		for (int i = 0; i < 2; i++)
			p->box[i] = crop[i] > p->box[i] ? crop[i] : p->box[i];
		for (int i = 2; i < 4; i++)
			p->box[i] = crop[i] < p->box[i] ? crop[i] : p->box[i];
		if (p->box[2] - p->box[0] <= 1 || p->box[3] - p->box[1] <= 1)
			box_of(doc, at->media, p->box);
	}
}

/* A node's inheritable attributes over its parent's. */
static void inherit(struct pdf_doc *doc, struct tree_node *n, const struct tree_node *parent)
{
	const struct pdf_obj *v;

	n->resources = parent != NULL ? parent->resources : &pdf_null;
	n->media = parent != NULL ? parent->media : &pdf_null;
	n->crop = parent != NULL ? parent->crop : &pdf_null;
	n->rotate = parent != NULL ? parent->rotate : &pdf_null;
	if ((v = pdf_dict_get(doc, n->node, "Resources"))->kind == PDF_DICT)
		n->resources = v;
	if ((v = pdf_dict_get(doc, n->node, "MediaBox"))->kind == PDF_ARRAY)
		n->media = v;
	if ((v = pdf_dict_get(doc, n->node, "CropBox"))->kind == PDF_ARRAY)
		n->crop = v;
	if ((v = pdf_dict_get(doc, n->node, "Rotate"))->kind == PDF_INT)
		n->rotate = v;
}

/* Depth first, each indirect node at most once (a loop or a page listed
 * twice is read once). */
static bool walk_pages(struct pdf_doc *doc, struct pages *pages)
{
	struct tree_node stack[PDF_MAX_TREE_DEPTH];
	uint32_t n_obj = pdf_doc_n_objects(doc);
	_cleanup_free_ unsigned char *seen = calloc(n_obj / 8 + 1, 1);
	const struct pdf_obj *root = pdf_dict_get(doc, pdf_trailer(doc), "Root");
	const struct pdf_obj *top = pdf_dict_get_raw(root, "Pages");
	int depth = 0;

	if (seen == NULL || top->kind != PDF_REF)
		return false;
	seen[top->u.ref.num / 8] |= (unsigned char)(1u << (top->u.ref.num % 8));
	stack[0].node = pdf_resolve(doc, top);
	stack[0].next_kid = 0;
	inherit(doc, &stack[0], NULL);
	while (depth >= 0 && !pages->too_many && pdf_doc_status(doc, NULL) == PDF_OK) {
		struct tree_node *at = &stack[depth];
		const struct pdf_obj *kids = pdf_dict_get(doc, at->node, "Kids");

		if (kids->kind != PDF_ARRAY) {
			if (at->node->kind == PDF_DICT)
				add_page(doc, pages, at);
			depth--;
			continue;
		}
		if (at->next_kid >= kids->len || depth + 1 >= PDF_MAX_TREE_DEPTH) {
			depth--;
			continue;
		}
		const struct pdf_obj *kid = &kids->u.items[at->next_kid++];
		if (kid->kind == PDF_REF) {
			uint32_t num = kid->u.ref.num;

			if (num >= n_obj || (seen[num / 8] & (1u << (num % 8))))
				continue;
			seen[num / 8] |= (unsigned char)(1u << (num % 8));
		}
		stack[depth + 1].node = pdf_resolve(doc, kid);
		stack[depth + 1].next_kid = 0;
		inherit(doc, &stack[depth + 1], at);
		depth++;
	}
	return pdf_doc_status(doc, NULL) == PDF_OK;
}

/* ---- Reading ------------------------------------------------------------ */

struct reader {
	struct scan *s;
	const unsigned char *data;
	size_t len;
	struct pdf_doc *doc;
	struct pdf_poppler *poppler; /* opened for the first page it must read */
	bool poppler_failed;
};

static void page_by_poppler(struct reader *r, int index, const char *where)
{
	if (r->poppler == NULL && !r->poppler_failed) {
		r->poppler = pdf_poppler_open(r->s, r->data, r->len);
		r->poppler_failed = r->poppler == NULL;
	}
	if (r->poppler != NULL)
		pdf_poppler_page(r->s, r->poppler, index, where);
}

/* The whole file by poppler, as when it is encrypted or damaged. */
static void whole_by_poppler(struct reader *r)
{
	char where[32], reason[128];
	int n_pages;

	r->poppler = pdf_poppler_open(r->s, r->data, r->len);
	if (r->poppler == NULL)
		return;
	pdf_poppler_metadata(r->s, r->poppler);
	n_pages = pdf_poppler_pages(r->poppler);
	if (n_pages <= 0)
		scan_set_uninspectable(r->s,
				       "PDF has no readable page (broken or looping page tree)");
	for (int i = 0; i < n_pages; i++) {
		if (i >= PDF_MAX_PAGES) {
			snprintf(reason, sizeof(reason),
				 "PDF has %d pages: only the first %d were read", n_pages,
				 PDF_MAX_PAGES);
			scan_set_uninspectable(r->s, reason);
			break;
		}
		if (scan_over_budget(r->s)) {
			snprintf(reason, sizeof(reason),
				 "PDF: budget spent after %d of %d pages: rest not read", i,
				 n_pages);
			scan_set_uninspectable(r->s, reason);
			break;
		}
		snprintf(where, sizeof(where), "page %d", i + 1);
		pdf_poppler_page(r->s, r->poppler, i, where);
	}
}

/* A page that is a picture of paper: an image over most of it and next to
 * no text (a scanner's own page number, say). */
static bool scanned(const struct pdf_page_text *pt)
{
	return pt->images > 0 && pt->image_area >= PDF_SCAN_AREA && pt->text_len < PDF_SCAN_TEXT;
}

/* A scanned page, drawn by poppler and read by OCR; false when reading
 * must stop (the time budget is spent). */
static bool read_scan(struct reader *r, int index, const struct pdf_page_text *pt,
		      const char *where)
{
	char what[32];
	struct Pix *pix = NULL;
	bool go_on;

	snprintf(what, sizeof(what), "PDF page %d", index + 1);
	if (r->poppler == NULL && !r->poppler_failed) {
		r->poppler = pdf_poppler_open(r->s, r->data, r->len);
		r->poppler_failed = r->poppler == NULL;
	}
	if (r->poppler != NULL)
		pix = pdf_poppler_render(r->poppler, index, PDF_SCAN_DPI);
	if (pix == NULL) {
		char reason[96];

		snprintf(reason, sizeof(reason), "%s is a scan that could not be drawn", what);
		scan_set_uninspectable(r->s, reason);
		return true;
	}
	go_on =
	    ocr_feed_page(r->s, pix, PDF_SCAN_DPI, index == 0, where, what, pt->text, pt->text_len);
	pixDestroy(&pix);
	return go_on;
}

/* One page by the reader; false when reading must stop. */
static bool read_page(struct reader *r, const struct page *p, int index, int n_pages,
		      struct pdf_page_text *pt)
{
	char where[32], reason[128];
	enum pdf_status status;
	const char *why;

	snprintf(where, sizeof(where), "page %d", index + 1);
	pdf_page_text_reset(pt);
	status = pdf_page_collect(r->doc, p->dict, p->resources, p->box, p->rotate, pt);
	if (status == PDF_FALLBACK) {
		pdf_doc_clear(r->doc);
		page_by_poppler(r, index, where);
		return true;
	}
	if (status == PDF_OK && scanned(pt))
		return read_scan(r, index, pt, where);
	/* What was read of a page cut short still counts. */
	pdf_lines_feed(r->s, pt, where);
	if (pt->truncated) {
		snprintf(reason, sizeof(reason), "PDF page %d holds more text than is read",
			 index + 1);
		scan_set_uninspectable(r->s, reason);
	}
	if (status == PDF_STOP) {
		pdf_doc_status(r->doc, &why);
		snprintf(reason, sizeof(reason), "PDF: %s in page %d of %d: rest not read",
			 why != NULL ? why : "reading stopped", index + 1, n_pages);
		scan_set_uninspectable(r->s, reason);
		return false;
	}
	return true;
}

static void read_pages(struct reader *r, const struct pages *pages)
{
	struct pdf_page_text pt = {.max_bytes = PDF_PAGE_TEXT_MAX};
	char reason[128];
	int n = (int)pages->n;

	for (int i = 0; i < n; i++) {
		if (scan_over_budget(r->s)) {
			snprintf(reason, sizeof(reason),
				 "PDF: budget spent after %d of %d pages: rest not read", i, n);
			scan_set_uninspectable(r->s, reason);
			break;
		}
		if (!read_page(r, &pages->list[i], i, n, &pt))
			break;
	}
	pdf_page_text_free(&pt);
	if (pages->too_many) {
		snprintf(reason, sizeof(reason),
			 "PDF has more than %d pages: only the first %d were read", PDF_MAX_PAGES,
			 PDF_MAX_PAGES);
		scan_set_uninspectable(r->s, reason);
	}
}

/* Where "%PDF-" starts: at 0, or after a few bytes readers tolerate. */
static const unsigned char *pdf_header(const unsigned char *data, size_t len)
{
	size_t n = len < PDF_HEADER_SEARCH ? len : PDF_HEADER_SEARCH;

	if (len >= 5 && memcmp(data, "%PDF", 4) == 0)
		return data;
	return memmem(data, n, "%PDF-", 5);
}

int extract_pdf(struct scan *s, const void *data, size_t len)
{
	const unsigned char *start = pdf_header(data, len);
	struct reader r = {.s = s};
	struct pages pages = {0};
	const char *why;

	if (start == NULL)
		return -1;
	/* Offsets in the file count from its header (as poppler reads them). */
	r.data = start;
	r.len = len - (size_t)(start - (const unsigned char *)data);
	if (r.len > (size_t)INT32_MAX) {
		scan_set_uninspectable(s, "PDF larger than 2 GiB: not read");
		return 0;
	}
	r.doc = pdf_doc_open(s, r.data, r.len, &why);
	if (r.doc != NULL && !walk_pages(r.doc, &pages)) {
		pdf_doc_free(r.doc);
		r.doc = NULL;
	}
	if (r.doc == NULL) {
		whole_by_poppler(&r);
	} else if (pages.n == 0) {
		scan_set_uninspectable(s, "PDF has no readable page (broken or looping page tree)");
	} else {
		read_metadata(r.doc);
		read_pages(&r, &pages);
	}
	free(pages.list);
	pdf_doc_free(r.doc);
	pdf_poppler_close(r.poppler);
	return 0;
}
