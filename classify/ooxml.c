/* Office Open XML: docx, xlsx, pptx.
 *
 * docx: word/document.xml is the body, split into pages where Word broke
 * them (w:lastRenderedPageBreak) or the author did (w:br w:type="page");
 * word/header*.xml and word/footer*.xml are page headers and footers;
 * foot- and endnotes are body text of their own.  A run is struck through
 * when its w:rPr (or its character style, or its paragraph's style, as
 * word/styles.xml defines them) has w:strike or w:dstrike.
 * xlsx: shared strings, inline and formula strings of every sheet, and each
 * sheet's headerFooter (&L &C &R sections as lines, codes stripped, &S
 * toggling strike-through).  pptx: each slide, slide master, slide layout
 * and notes page is a page (what a master shows is on every slide), its
 * shapes in the order of their place (shapes.c); a:rPr strike.  A VML text path (Word's watermark, WordArt) is a line of its
 * part: in a header, a header line.
 * docProps/core.xml (title, subject, keywords, category, contentStatus,
 * description) and docProps/custom.xml properties are metadata lines.
 * xlsb: its binary parts go to xlsb.c.  A package with none of the main
 * parts read here (XPS, Visio) is uninspectable, never clean.
 *
 * The three vocabularies share their local names (p, r, rPr, t, strike),
 * so one streaming handler reads every part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/extract.h"
#include "classify/ooxml.h"
#include "classify/scan.h"
#include "classify/xmlutil.h"
#include "classify/zipmem.h"
#include "common/cleanup.h"

#define OX_MAX_PARA_NEST 16
#define OX_META_VALUE_MAX 4096
#define OX_HF_MAX 4096
#define OX_MAX_HF 6 /* odd, even, first × header, footer */

enum ox_mode {
	OX_STYLES, /* word/styles.xml: which styles strike through */
	OX_TEXT,   /* document, headers, footers, notes, sheets, strings, slides */
	OX_META_CORE,
	OX_META_CUSTOM,
};

struct ox_hf {
	enum scan_zone zone;
	char *text;
	size_t len;
};

struct ox_state {
	struct scan *s;
	struct xmlutil_lines lines;
	enum ox_mode mode;
	const char *part;
	bool split_pages; /* word/document.xml: page breaks start pages */
	int pages;
	bool page_open;

	struct xmlutil_styles styles;
	struct xmlutil_style *defining;
	int style_rpr; /* depth of w:rPr directly in w:style, 0 if none */

	int depth;
	int skip_depth;
	int para; /* open paragraphs (w:p, a:p, si, c) */
	bool para_struck[OX_MAX_PARA_NEST];
	bool in_ppr;
	int rpr_depth; /* depth of the open rPr, 0 if none */
	enum xmlutil_strike run_direct, run_style;
	bool in_t;
	bool cell_value; /* xlsx: <c t="str"> whose <v> is text */
	bool in_v;

	/* xlsx headerFooter sections, fed after the sheet's body page. */
	struct xmlutil_buf hf_text;
	bool in_hf;
	enum scan_zone hf_zone;
	struct ox_hf hf[OX_MAX_HF];
	int n_hf;

	/* pptx: a slide's shapes, fed by place (shapes.c). */
	struct shapes shapes;
	int sptree_depth; /* depth of p:spTree, 0 if none open */
	int shape_depth;  /* depth of the shape being read, 0 if none */
	bool placed;	  /* its a:off was seen */

	int meta_depth; /* depth of the property being read */
	char meta_name[96];
	struct xmlutil_buf meta_value;
};

static bool is(const char *local, const char *name)
{
	return strcmp(local, name) == 0;
}

static enum xmlutil_strike strike_val(int n_attrs, const char **attrs)
{
	size_t len;
	const char *v = xmlutil_attr(n_attrs, attrs, "val", &len);

	if (v == NULL)
		return STRIKE_ON;
	if ((len == 1 && v[0] == '0') || (len == 5 && memcmp(v, "false", 5) == 0) ||
	    (len == 3 && memcmp(v, "off", 3) == 0))
		return STRIKE_OFF;
	return STRIKE_ON;
}

static void page_begin(struct ox_state *st, enum scan_zone zone)
{
	char where[96];

	if (st->split_pages || st->pages > 0)
		snprintf(where, sizeof(where), "%s page %d", st->part, ++st->pages);
	else
		snprintf(where, sizeof(where), "%s", st->part);
	scan_page_begin(st->s, zone, where);
	st->page_open = true;
	st->lines.open = false;
}

static void page_end(struct ox_state *st)
{
	if (!st->page_open)
		return;
	xmlutil_lines_break(&st->lines);
	if (st->lines.shapes != NULL)
		shapes_emit(st->lines.shapes, st->s);
	scan_page_end(st->s);
	st->page_open = false;
}

static void page_break(struct ox_state *st)
{
	if (!st->split_pages || !st->page_open)
		return;
	page_end(st);
	page_begin(st, SCAN_ZONE_BODY);
}

static bool run_struck(const struct ox_state *st)
{
	int top =
	    st->para > 0 ? (st->para <= OX_MAX_PARA_NEST ? st->para : OX_MAX_PARA_NEST) - 1 : -1;

	if (st->run_direct != STRIKE_UNSET)
		return st->run_direct == STRIKE_ON;
	if (st->run_style != STRIKE_UNSET)
		return st->run_style == STRIKE_ON;
	return top >= 0 && st->para_struck[top];
}

static void styles_start(struct ox_state *st, const char *local, int n_attrs, const char **attrs)
{
	size_t len;
	const char *v;
	char key[256];

	if (is(local, "style")) {
		const char *type = xmlutil_attr(n_attrs, attrs, "type", &len);
		char fam = type && len == 9 && memcmp(type, "character", 9) == 0   ? 'C'
			   : type && len == 9 && memcmp(type, "paragraph", 9) == 0 ? 'P'
										   : 0;

		st->defining = NULL;
		v = xmlutil_attr(n_attrs, attrs, "styleId", &len);
		if (fam == 0 || v == NULL || len > sizeof(key) - 3)
			return;
		key[0] = fam;
		key[1] = ':';
		memcpy(key + 2, v, len);
		st->defining = xmlutil_styles_put(&st->styles, key, len + 2);
	} else if (st->defining && is(local, "basedOn") && st->depth == 3) {
		v = xmlutil_attr(n_attrs, attrs, "val", &len);
		if (v && st->defining->parent == NULL && len < sizeof(key) - 3) {
			key[0] = st->defining->key[0];
			key[1] = ':';
			memcpy(key + 2, v, len);
			key[len + 2] = '\0';
			st->defining->parent = strdup(key);
		}
	} else if (st->defining && is(local, "rPr") && st->depth == 3) {
		st->style_rpr = st->depth;
	} else if (st->defining && st->style_rpr && (is(local, "strike") || is(local, "dstrike"))) {
		enum xmlutil_strike k = strike_val(n_attrs, attrs);

		if (st->defining->strike != STRIKE_ON)
			st->defining->strike = k;
	}
}

static enum xmlutil_strike style_strike(const struct ox_state *st, char fam, const char *id,
					size_t len)
{
	char key[256];

	if (len > sizeof(key) - 3)
		return STRIKE_UNSET;
	key[0] = fam;
	key[1] = ':';
	memcpy(key + 2, id, len);
	return xmlutil_styles_strike(&st->styles, key, len + 2);
}

static void para_begin(struct ox_state *st)
{
	xmlutil_lines_break(&st->lines);
	if (st->para < OX_MAX_PARA_NEST)
		st->para_struck[st->para] = false;
	st->para++;
	st->run_direct = st->run_style = STRIKE_UNSET;
}

static void para_end(struct ox_state *st)
{
	xmlutil_lines_break(&st->lines);
	if (st->para > 0)
		st->para--;
	st->run_direct = st->run_style = STRIKE_UNSET;
}

static bool is_hf(const char *local)
{
	return is(local, "oddHeader") || is(local, "evenHeader") || is(local, "firstHeader") ||
	       is(local, "oddFooter") || is(local, "evenFooter") || is(local, "firstFooter");
}

static void hf_done(struct ox_state *st);

/* A coordinate attribute (EMU) of a:off. */
static int64_t emu(int n_attrs, const char **attrs, const char *name)
{
	size_t len;
	const char *v = xmlutil_attr(n_attrs, attrs, name, &len);
	char buf[24];

	if (v == NULL || len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return strtoll(buf, NULL, 10);
}

/* Where a placeholder stands when its shape does not say (the layout
 * does): titles at the top, footers at the bottom, the rest between. */
static void placeholder_place(struct ox_state *st, int n_attrs, const char **attrs)
{
	size_t len;
	const char *type = xmlutil_attr(n_attrs, attrs, "type", &len);
	int64_t y = SHAPES_MIDDLE;

	if (type != NULL && ((len == 5 && memcmp(type, "title", 5) == 0) ||
			     (len == 8 && memcmp(type, "ctrTitle", 8) == 0) ||
			     (len == 3 && memcmp(type, "hdr", 3) == 0)))
		y = SHAPES_TOP;
	else if (type != NULL && ((len == 3 && memcmp(type, "ftr", 3) == 0) ||
				  (len == 2 && memcmp(type, "dt", 2) == 0) ||
				  (len == 6 && memcmp(type, "sldNum", 6) == 0)))
		y = SHAPES_BOTTOM;
	shapes_place(&st->shapes, y, 0);
}

/* pptx: a child of p:spTree starts a shape; its place is its first a:off
 * (a group's own), or its placeholder's. */
static void shape_start(struct ox_state *st, const char *local, int n_attrs, const char **attrs)
{
	if (is(local, "spTree")) {
		st->sptree_depth = st->depth;
	} else if (st->sptree_depth && st->depth == st->sptree_depth + 1 && !st->shape_depth) {
		st->shape_depth = st->depth;
		st->placed = false;
		st->lines.open = false;
		shapes_start(&st->shapes, SHAPES_MIDDLE, 0);
	} else if (st->shape_depth && !st->placed && is(local, "ph")) {
		placeholder_place(st, n_attrs, attrs);
	} else if (st->shape_depth && !st->placed && is(local, "off")) {
		shapes_place(&st->shapes, emu(n_attrs, attrs, "y"), emu(n_attrs, attrs, "x"));
		st->placed = true;
	}
}

static void text_start(struct ox_state *st, const char *local, int n_attrs, const char **attrs)
{
	size_t len;
	const char *v;

	if (st->lines.shapes != NULL)
		shape_start(st, local, n_attrs, attrs);

	if (is(local, "Fallback") || is(local, "delText") || is(local, "instrText") ||
	    is(local, "f") || is(local, "rPh")) {
		/* Duplicates of mc:Choice, deleted text, field codes, formulas,
		 * phonetic guides. */
		st->skip_depth = 1;
	} else if (is(local, "p") || is(local, "si")) {
		para_begin(st);
	} else if (is(local, "c")) {
		para_begin(st);
		v = xmlutil_attr(n_attrs, attrs, "t", &len);
		st->cell_value = v && len == 3 && memcmp(v, "str", 3) == 0;
	} else if (is(local, "pPr")) {
		st->in_ppr = true;
	} else if (is(local, "pStyle") && st->in_ppr && st->para > 0 &&
		   st->para <= OX_MAX_PARA_NEST) {
		v = xmlutil_attr(n_attrs, attrs, "val", &len);
		if (v)
			st->para_struck[st->para - 1] = style_strike(st, 'P', v, len) == STRIKE_ON;
	} else if (is(local, "r")) {
		st->run_direct = st->run_style = STRIKE_UNSET;
	} else if (is(local, "rPr") && !st->in_ppr) {
		st->rpr_depth = st->depth;
		/* DrawingML (pptx) states strike as an attribute. */
		v = xmlutil_attr(n_attrs, attrs, "strike", &len);
		if (v)
			st->run_direct =
			    len == 8 && memcmp(v, "noStrike", 8) == 0 ? STRIKE_OFF : STRIKE_ON;
	} else if (st->rpr_depth && (is(local, "strike") || is(local, "dstrike"))) {
		enum xmlutil_strike k = strike_val(n_attrs, attrs);

		if (st->run_direct != STRIKE_ON)
			st->run_direct = k;
	} else if (st->rpr_depth && is(local, "rStyle")) {
		v = xmlutil_attr(n_attrs, attrs, "val", &len);
		if (v)
			st->run_style = style_strike(st, 'C', v, len);
	} else if (is(local, "t")) {
		st->in_t = true;
	} else if (is(local, "v") && st->cell_value) {
		st->in_v = true;
	} else if (is(local, "tab") && st->para > 0 && !st->in_ppr) {
		xmlutil_lines_text(&st->lines, "\t", 1, false);
	} else if (is(local, "br") || is(local, "cr")) {
		if (xmlutil_attr_is(n_attrs, attrs, "type", "page"))
			page_break(st);
		else
			xmlutil_lines_break(&st->lines);
	} else if (is(local, "lastRenderedPageBreak")) {
		page_break(st);
	} else if (is(local, "textpath")) {
		/* Word's watermark (Design > Watermark) and WordArt: a VML text
		 * path whose words are an attribute, shown as a line of its own
		 * on every page its header is on. */
		v = xmlutil_attr(n_attrs, attrs, "string", &len);
		if (v != NULL && st->page_open) {
			xmlutil_lines_break(&st->lines);
			xmlutil_lines_text(&st->lines, v, len, false);
			xmlutil_lines_break(&st->lines);
		}
	} else if (is_hf(local)) {
		st->in_hf = true;
		st->hf_zone = strstr(local, "Header") ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER;
		xmlutil_buf_reset(&st->hf_text);
	}
}

static void text_end(struct ox_state *st, const char *local)
{
	if (st->shape_depth == st->depth)
		st->shape_depth = 0;
	else if (st->sptree_depth == st->depth)
		st->sptree_depth = 0;
	if (is(local, "p") || is(local, "si") || is(local, "c")) {
		para_end(st);
		st->cell_value = false;
	} else if (is(local, "pPr")) {
		st->in_ppr = false;
	} else if (is(local, "rPr") && st->rpr_depth == st->depth) {
		st->rpr_depth = 0;
	} else if (is(local, "t")) {
		st->in_t = false;
	} else if (is(local, "v")) {
		st->in_v = false;
	} else if (st->in_hf && is_hf(local)) {
		hf_done(st);
	}
}

static void hf_done(struct ox_state *st)
{
	st->in_hf = false;
	if (st->n_hf < OX_MAX_HF && st->hf_text.len > 0) {
		struct ox_hf *h = &st->hf[st->n_hf];

		h->text = strndup(st->hf_text.p, st->hf_text.len);
		if (h->text) {
			h->len = st->hf_text.len;
			h->zone = st->hf_zone;
			st->n_hf++;
		}
	}
}

static void meta_start(struct ox_state *st, const char *local, int n_attrs, const char **attrs)
{
	static const char *const core[] = {"title",    "subject",	"keywords",
					   "category", "contentStatus", "description"};
	size_t len;
	const char *name;

	if (st->depth != 2)
		return;
	st->meta_depth = 0;
	xmlutil_buf_reset(&st->meta_value);
	if (st->mode == OX_META_CUSTOM) {
		name = xmlutil_attr(n_attrs, attrs, "name", &len);
		if (!is(local, "property") || name == NULL)
			return;
		if (len >= sizeof(st->meta_name))
			len = sizeof(st->meta_name) - 1;
		memcpy(st->meta_name, name, len);
		st->meta_name[len] = '\0';
		st->meta_depth = 2;
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(core); i++) {
		if (is(local, core[i])) {
			snprintf(st->meta_name, sizeof(st->meta_name), "%s", local);
			st->meta_depth = 2;
		}
	}
}

static void ox_start(void *ud, const char *local, int n_attrs, const char **attrs)
{
	struct ox_state *st = ud;

	st->depth++;
	if (st->skip_depth > 0) {
		st->skip_depth++;
		return;
	}
	switch (st->mode) {
	case OX_STYLES:
		styles_start(st, local, n_attrs, attrs);
		break;
	case OX_TEXT:
		text_start(st, local, n_attrs, attrs);
		break;
	case OX_META_CORE:
	case OX_META_CUSTOM:
		meta_start(st, local, n_attrs, attrs);
		break;
	}
}

static void ox_end(void *ud, const char *local)
{
	struct ox_state *st = ud;

	if (st->skip_depth > 0) {
		st->skip_depth--;
		st->depth--;
		return;
	}
	switch (st->mode) {
	case OX_STYLES:
		if (is(local, "style"))
			st->defining = NULL;
		else if (st->style_rpr == st->depth)
			st->style_rpr = 0;
		break;
	case OX_TEXT:
		text_end(st, local);
		break;
	case OX_META_CORE:
	case OX_META_CUSTOM:
		if (st->depth == 2 && st->meta_depth == 2) {
			xmlutil_meta_line(st->s, st->meta_name, strlen(st->meta_name),
					  st->meta_value.p, st->meta_value.len);
			st->meta_depth = 0;
		}
		break;
	}
	st->depth--;
}

static void ox_text(void *ud, const char *chars, size_t len)
{
	struct ox_state *st = ud;

	if (st->skip_depth > 0)
		return;
	if (st->mode == OX_META_CORE || st->mode == OX_META_CUSTOM) {
		if (st->meta_depth)
			xmlutil_buf_add(&st->meta_value, chars, len);
		return;
	}
	if (st->mode != OX_TEXT)
		return;
	if (st->in_hf) {
		xmlutil_buf_add(&st->hf_text, chars, len);
		return;
	}
	if ((st->in_t || st->in_v) && st->page_open)
		xmlutil_lines_text(&st->lines, chars, len, run_struck(st));
}

/* An Excel header/footer string: "&L" "&C" "&R" start sections (each a line
 * of its own), "&&" is "&", "&S" toggles strike-through, "&\"font,style\""
 * and "&12" (font size) and the field codes (&P &N &D &T &F &A &Z &G &B &I
 * &U &E &X &Y &K..) carry no words. */
void ooxml_excel_hf(struct scan *s, const char *t, size_t len)
{
	bool struck = false;
	size_t run = 0;

	for (size_t i = 0; i < len;) {
		if (t[i] != '&' || i + 1 >= len) {
			i++;
			continue;
		}
		if (i > run)
			scan_text(s, t + run, i - run, struck);
		switch (t[i + 1]) {
		case '&':
			scan_text(s, "&", 1, struck);
			i += 2;
			break;
		case 'L':
		case 'C':
		case 'R':
			scan_text(s, "\n", 1, false);
			i += 2;
			break;
		case 'S':
			struck = !struck;
			i += 2;
			break;
		case '"':
			i += 2;
			while (i < len && t[i] != '"')
				i++;
			i += i < len;
			break;
		case 'K':
			i += 2;
			for (int k = 0; k < 6 && i < len; k++)
				i++;
			break;
		default:
			i += 2;
			while (i < len && t[i] >= '0' && t[i] <= '9')
				i++;
			break;
		}
		run = i;
	}
	if (run < len)
		scan_text(s, t + run, len - run, struck);
	scan_text(s, "\n", 1, false);
}

static void report_parse(struct scan *s, const char *part, enum xmlutil_status status,
			 const char *err)
{
	char reason[200];

	if (status == XMLUTIL_MALFORMED) {
		snprintf(reason, sizeof(reason), "%.60s not well-formed (%.120s)", part, err);
		scan_set_uninspectable(s, reason);
	} else if (status == XMLUTIL_NOMEM) {
		scan_set_uninspectable(s, "out of memory parsing Office Open XML");
	}
}

static const struct xmlutil_sax ox_sax = {ox_start, ox_end, ox_text};

/* A part to read: its name (NUL-terminated copy) and directory entry. */
struct ox_part {
	char name[128];
	const struct zipmem_entry *e;
};

static bool feed_push(void *ud, const char *data, size_t len)
{
	return xmlutil_push_feed(ud, data, len) == XMLUTIL_OK;
}

/* Streams one part through the parser.  Text parts get their own page
 * (zone); metadata parts write into the page the caller opened.  Returns
 * false when the budget ran out. */
static bool parse_part(struct ox_state *st, enum ox_mode mode, const void *zip, size_t len,
		       const struct ox_part *part, enum scan_zone zone, bool split_pages)
{
	char err[160], reason[200];
	struct xmlutil_push *p;
	enum zipmem_status zs;
	enum xmlutil_status xs;

	st->mode = mode;
	st->part = part->name;
	st->split_pages = split_pages;
	st->pages = 0;
	st->depth = st->skip_depth = st->para = st->rpr_depth = 0;
	st->in_ppr = st->in_t = st->in_v = st->in_hf = st->cell_value = false;
	st->run_direct = st->run_style = STRIKE_UNSET;
	st->n_hf = 0;
	st->sptree_depth = st->shape_depth = 0;
	st->lines.shapes = strncmp(part->name, "ppt/", 4) == 0 ? &st->shapes : NULL;
	p = xmlutil_push_new(st->s, &ox_sax, st, false, err, sizeof(err));
	if (p == NULL) {
		scan_set_uninspectable(st->s, "out of memory parsing Office Open XML");
		return false;
	}
	if (mode == OX_TEXT)
		page_begin(st, zone);
	zs = zipmem_stream(st->s, zip, len, part->e, feed_push, p);
	xs = xmlutil_push_finish(p);
	page_end(st);
	for (int i = 0; i < st->n_hf; i++) {
		char where[96];

		snprintf(where, sizeof(where), "%.80s %s", part->name,
			 st->hf[i].zone == SCAN_ZONE_HEADER ? "header" : "footer");
		scan_page_begin(st->s, st->hf[i].zone, where);
		ooxml_excel_hf(st->s, st->hf[i].text, st->hf[i].len);
		scan_page_end(st->s);
		free(st->hf[i].text);
	}
	st->n_hf = 0;
	if (zs != ZIPMEM_OK && zs != ZIPMEM_STOPPED && zs != ZIPMEM_BUDGET) {
		snprintf(reason, sizeof(reason), "%.80s: %s", part->name, zipmem_strerror(zs));
		scan_set_uninspectable(st->s, reason);
	} else {
		report_parse(st->s, part->name, xs, err);
	}
	return zs != ZIPMEM_BUDGET && xs != XMLUTIL_BUDGET;
}

static bool has_prefix_suffix(const char *name, const char *prefix, const char *suffix)
{
	size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);

	return n >= p + s && memcmp(name, prefix, p) == 0 && strcmp(name + n - s, suffix) == 0 &&
	       strchr(name + p, '/') == NULL;
}

static bool ox_wanted(const char *name)
{
	/* The main part is word/document.xml as Word writes it; some tools
	 * number it (word/document2.xml). */
	return has_prefix_suffix(name, "word/document", ".xml") ||
	       strcmp(name, "word/footnotes.xml") == 0 || strcmp(name, "word/endnotes.xml") == 0 ||
	       has_prefix_suffix(name, "word/header", ".xml") ||
	       has_prefix_suffix(name, "word/footer", ".xml") ||
	       strcmp(name, "xl/sharedStrings.xml") == 0 ||
	       has_prefix_suffix(name, "xl/worksheets/sheet", ".xml") ||
	       strcmp(name, "xl/sharedStrings.bin") == 0 ||
	       has_prefix_suffix(name, "xl/worksheets/sheet", ".bin") ||
	       has_prefix_suffix(name, "ppt/slides/slide", ".xml") ||
	       has_prefix_suffix(name, "ppt/slideMasters/slideMaster", ".xml") ||
	       has_prefix_suffix(name, "ppt/slideLayouts/slideLayout", ".xml") ||
	       has_prefix_suffix(name, "ppt/notesSlides/notesSlide", ".xml");
}

/* Numbered parts in number order (slide2 before slide10). */
static long part_number(const char *name)
{
	const char *p = name + strlen(name);

	while (p > name && p[-1] != '/')
		p--;
	while (*p && (*p < '0' || *p > '9'))
		p++;
	return strtol(p, NULL, 10);
}

static int cmp_parts(const void *a, const void *b)
{
	const struct ox_part *x = a, *y = b;
	const char *sx = strrchr(x->name, '/'), *sy = strrchr(y->name, '/');
	size_t dx = sx ? (size_t)(sx - x->name) : 0, dy = sy ? (size_t)(sy - y->name) : 0;
	int c;
	long nx, ny;

	c = strncmp(x->name, y->name, dx < dy ? dx : dy);
	if (c != 0 || dx != dy)
		return c != 0 ? c : (dx < dy ? -1 : 1);
	nx = part_number(x->name);
	ny = part_number(y->name);
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* A package Ward reads has one of these main parts (some tools number
 * Word's: word/document2.xml); anything else (XPS, Visio, a format to
 * come) holds text Ward does not see. */
static bool has_main_part(const struct zipmem_index *ix)
{
	static const char *const mains[] = {"word/document", "xl/workbook.", "ppt/presentation."};

	for (size_t i = 0; i < ix->n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(mains); k++)
			if (ix->v[i].name_len > strlen(mains[k]) &&
			    memcmp(ix->v[i].name, mains[k], strlen(mains[k])) == 0)
				return true;
	return false;
}

static bool named_part(const struct zipmem_index *ix, const char *name, struct ox_part *out)
{
	out->e = zipmem_index_find(ix, name);
	snprintf(out->name, sizeof(out->name), "%s", name);
	return out->e != NULL;
}

int extract_ooxml(struct scan *s, const void *data, size_t len)
{
	struct ox_state st = {.s = s,
			      .lines = {.s = s},
			      .hf_text = {.max = OX_HF_MAX},
			      .meta_value = {.max = OX_META_VALUE_MAX}};
	struct zipmem_index ix;
	enum zipmem_status zs;
	_cleanup_free_ struct ox_part *parts = NULL;
	struct ox_part one;
	size_t n = 0;
	bool meta_open = false, go_on = true;

	zs = zipmem_index_build(data, len, &ix);
	if (zs == ZIPMEM_NOMEM) {
		scan_set_uninspectable(s, "out of memory reading an Office Open XML zip");
		return 0;
	}
	if (zs != ZIPMEM_OK) {
		if (len < 4 || memcmp(data, "PK\x03\x04", 4) != 0)
			return -1;
		scan_set_uninspectable(s, "Office Open XML zip is damaged or truncated (no central "
					  "directory)");
		return 0;
	}
	if (zipmem_index_find(&ix, "[Content_Types].xml") == NULL) {
		zipmem_index_free(&ix);
		return -1;
	}
	if (ix.truncated)
		scan_set_uninspectable(s, "Office Open XML zip directory is damaged or truncated");

	parts = calloc(ix.n ? ix.n : 1, sizeof(*parts));
	if (parts == NULL) {
		zipmem_index_free(&ix);
		scan_set_uninspectable(s, "out of memory reading an Office Open XML zip");
		return 0;
	}
	for (size_t i = 0; i < ix.n; i++) {
		const struct zipmem_entry *e = &ix.v[i];

		if (e->name_len >= sizeof(parts[n].name) || memchr(e->name, '\0', e->name_len))
			continue;
		memcpy(parts[n].name, e->name, e->name_len);
		parts[n].name[e->name_len] = '\0';
		parts[n].e = e;
		if (ox_wanted(parts[n].name))
			n++;
	}
	qsort(parts, n, sizeof(*parts), cmp_parts);

	if (named_part(&ix, "word/styles.xml", &one))
		go_on = parse_part(&st, OX_STYLES, data, len, &one, SCAN_ZONE_BODY, false);
	for (size_t i = 0; i < n && go_on && !scan_over_budget(s); i++) {
		const char *name = parts[i].name;
		enum scan_zone zone = SCAN_ZONE_BODY;

		if (strncmp(name, "word/header", 11) == 0)
			zone = SCAN_ZONE_HEADER;
		else if (strncmp(name, "word/footer", 11) == 0)
			zone = SCAN_ZONE_FOOTER;
		if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".bin") == 0)
			go_on = xlsb_read_part(s, data, len, parts[i].e, name);
		else
			go_on = parse_part(&st, OX_TEXT, data, len, &parts[i], zone,
					   strncmp(name, "word/document", 13) == 0);
	}
	if (!has_main_part(&ix))
		scan_set_uninspectable(s, "Office Open XML package of a kind not read (no Word, "
					  "Excel or PowerPoint main part: XPS, Visio, ...)");
	for (int i = 0; i < 2 && go_on && !scan_over_budget(s); i++) {
		if (!named_part(&ix, i == 0 ? "docProps/core.xml" : "docProps/custom.xml", &one))
			continue;
		if (!meta_open) {
			scan_page_begin(s, SCAN_ZONE_METADATA, "docProps");
			meta_open = true;
		}
		go_on = parse_part(&st, i == 0 ? OX_META_CORE : OX_META_CUSTOM, data, len, &one,
				   SCAN_ZONE_METADATA, false);
	}
	if (meta_open)
		scan_page_end(s);

	zipmem_index_free(&ix);
	xmlutil_styles_clear(&st.styles);
	xmlutil_buf_free(&st.hf_text);
	xmlutil_buf_free(&st.meta_value);
	shapes_free(&st.shapes);
	return 0;
}
