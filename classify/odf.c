/* OpenDocument (odt, ods, odp; zipped or flat XML).
 *
 * Where things live: content.xml holds the body (paragraphs, headings,
 * tables, frames and text boxes, one table per sheet, one draw:page per
 * slide); styles.xml holds the master pages whose style:header and
 * style:footer are the page headers and footers, and whose drawing shapes
 * (a presentation master's text boxes) are pages of their own; a
 * presentation's header-decl / footer-decl are a header and a footer;
 * meta.xml the document
 * properties.  Text struck through is text whose automatic or named style
 * (or a parent of it) sets style:text-line-through-style to anything but
 * "none".  LibreOffice records where pages broke (text:soft-page-break), so
 * body text is fed page by page and the scan sees every page's edges.
 *
 * The parse is one streaming pass per part driven by element names, so the
 * same handler reads a flat ODF file (office:document, all parts in one). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/extract.h"
#include "classify/scan.h"
#include "classify/xmlutil.h"
#include "classify/zipmem.h"
#include "common/cleanup.h"

/* libxml2 stops at depth 256; deeper elements inherit from the last slot. */
#define ODF_MAX_DEPTH 300
#define ODF_META_VALUE_MAX 4096

enum odf_styles_in { STYLES_NONE, STYLES_NAMED, STYLES_AUTO };

struct odf_state {
	struct scan *s;
	struct xmlutil_lines lines;
	const char *part; /* "styles.xml", "content.xml", "meta.xml" or "" (flat) */

	struct xmlutil_styles named; /* office:styles, shared by every part */
	struct xmlutil_styles autos; /* office:automatic-styles of this part */
	enum odf_styles_in styles_in;
	struct xmlutil_style *defining; /* style:style being read */
	char defining_family;

	int depth;
	bool struck[ODF_MAX_DEPTH];
	int skip_depth; /* >0: inside a subtree whose text is not shown */
	int text_depth; /* open text:p / text:h */
	bool page_open;
	enum scan_zone zone;
	int pages; /* body pages, slides or sheets so far in this part */
	enum { BODY_NONE, BODY_TEXT, BODY_SHEETS, BODY_SLIDES } body;

	/* Slides: their shapes, fed by place (shapes.c). */
	struct shapes shapes;
	int slide_depth; /* depth of the draw:page being read, 0 if none */

	int master_depth; /* depth of the style:master-page being read, 0 if none */
	int shape_depth;  /* depth of a master page's shape being read, 0 if none */
	int decl_depth;	  /* depth of a presentation header/footer declaration */

	bool in_meta;
	int meta_child_depth; /* depth of the office:meta child being read */
	bool meta_user;	      /* a meta:user-defined property */
	char meta_name[96];
	struct xmlutil_buf meta_value;
};

static bool is(const char *local, const char *name)
{
	return strcmp(local, name) == 0;
}

/* An ODF length ("2.5cm", "10mm", "1in", "72pt") in micrometres. */
static int64_t length_um(int n_attrs, const char **attrs, const char *name)
{
	static const struct {
		const char *unit;
		double um;
	} units[] = {{"cm", 10000},  {"mm", 1000},   {"in", 25400},
		     {"pt", 352.78}, {"pc", 4233.3}, {"px", 264.58}};
	size_t len;
	const char *v = xmlutil_attr(n_attrs, attrs, name, &len);
	char buf[32], *end;
	double n;

	if (v == NULL || len == 0 || len >= sizeof(buf))
		return SHAPES_MIDDLE;
	memcpy(buf, v, len);
	buf[len] = '\0';
	n = strtod(buf, &end);
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].unit) == 0 && n > -1e9 && n < 1e9)
			return (int64_t)(n * units[i].um);
	return SHAPES_MIDDLE;
}

/* The drawing shapes that carry text. */
static bool is_shape(const char *local)
{
	static const char *const shapes[] = {
	    "frame", "custom-shape", "rect",	 "ellipse", "polygon", "path",
	    "line",  "circle",	     "text-box", "g",	    "caption"};

	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
		if (is(local, shapes[i]))
			return true;
	return false;
}

static void page_begin(struct odf_state *st, enum scan_zone zone, const char *what)
{
	char where[96];

	snprintf(where, sizeof(where), "%s%s%s", st->part, st->part[0] && what[0] ? " " : "", what);
	scan_page_begin(st->s, zone, where);
	st->page_open = true;
	st->zone = zone;
	st->lines.open = false;
}

static void page_end(struct odf_state *st)
{
	if (!st->page_open)
		return;
	xmlutil_lines_break(&st->lines);
	if (st->lines.shapes != NULL) {
		shapes_emit(st->lines.shapes, st->s);
		st->lines.shapes = NULL;
		st->slide_depth = 0;
	}
	scan_page_end(st->s);
	st->page_open = false;
}

static void body_page_begin(struct odf_state *st)
{
	char what[48];
	const char *kind = st->body == BODY_SHEETS   ? "sheet"
			   : st->body == BODY_SLIDES ? "slide"
						     : "page";

	st->pages++;
	snprintf(what, sizeof(what), "%s %d", kind, st->pages);
	page_begin(st, SCAN_ZONE_BODY, what);
}

/* Style keys carry the family: paragraph and text styles may share names. */
static size_t style_key(char *key, size_t keysize, char family, const char *name, size_t len)
{
	if (len + 3 > keysize)
		len = keysize - 3;
	key[0] = family;
	key[1] = ':';
	memcpy(key + 2, name, len);
	key[len + 2] = '\0';
	return len + 2;
}

static enum xmlutil_strike style_strike(const struct odf_state *st, char family, const char *name,
					size_t len)
{
	char key[256];
	size_t klen = style_key(key, sizeof(key), family, name, len);
	const struct xmlutil_style *auto_style = xmlutil_styles_get(&st->autos, key, klen);

	if (auto_style != NULL) {
		if (auto_style->strike != STRIKE_UNSET)
			return auto_style->strike;
		/* An automatic style's parent is a named style. */
		if (auto_style->parent == NULL)
			return STRIKE_UNSET;
		return xmlutil_styles_strike(&st->named, auto_style->parent,
					     strlen(auto_style->parent));
	}
	return xmlutil_styles_strike(&st->named, key, klen);
}

static void define_style(struct odf_state *st, int n_attrs, const char **attrs)
{
	struct xmlutil_styles *t = st->styles_in == STYLES_NAMED ? &st->named : &st->autos;
	size_t nlen, flen, plen;
	const char *name = xmlutil_attr(n_attrs, attrs, "name", &nlen);
	const char *family = xmlutil_attr(n_attrs, attrs, "family", &flen);
	const char *parent = xmlutil_attr(n_attrs, attrs, "parent-style-name", &plen);
	char key[256], fam;
	size_t klen;

	st->defining = NULL;
	if (name == NULL || family == NULL)
		return;
	if (flen == 9 && memcmp(family, "paragraph", 9) == 0)
		fam = 'P';
	else if (flen == 4 && memcmp(family, "text", 4) == 0)
		fam = 'T';
	else
		return;
	klen = style_key(key, sizeof(key), fam, name, nlen);
	st->defining = xmlutil_styles_put(t, key, klen);
	st->defining_family = fam;
	if (st->defining && parent && st->defining->parent == NULL) {
		char pkey[256];

		style_key(pkey, sizeof(pkey), fam, parent, plen);
		st->defining->parent = strdup(pkey);
	}
}

static void text_properties(struct odf_state *st, int n_attrs, const char **attrs)
{
	size_t len;
	const char *v = xmlutil_attr(n_attrs, attrs, "text-line-through-style", &len);

	if (st->defining == NULL || v == NULL)
		return;
	st->defining->strike = len == 4 && memcmp(v, "none", 4) == 0 ? STRIKE_OFF : STRIKE_ON;
}

static void meta_start(struct odf_state *st, const char *local, int n_attrs, const char **attrs)
{
	size_t len;
	const char *name;

	if (st->meta_child_depth != 0)
		return;
	st->meta_child_depth = st->depth;
	xmlutil_buf_reset(&st->meta_value);
	st->meta_user = is(local, "user-defined") &&
			(name = xmlutil_attr(n_attrs, attrs, "name", &len)) != NULL;
	if (st->meta_user) {
		if (len >= sizeof(st->meta_name))
			len = sizeof(st->meta_name) - 1;
		memcpy(st->meta_name, name, len);
		st->meta_name[len] = '\0';
	} else {
		snprintf(st->meta_name, sizeof(st->meta_name), "%s", local);
	}
}

static void meta_end(struct odf_state *st)
{
	static const char *const wanted[] = {"title", "subject", "description", "keyword"};
	bool keep = false;

	if (st->meta_child_depth != st->depth)
		return;
	st->meta_child_depth = 0;
	/* User-defined properties keep their own names; of the standard ones,
	 * only those a person writes a classification into. */
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
		keep |= strcmp(st->meta_name, wanted[i]) == 0;
	if (!keep && !st->meta_user)
		return;
	xmlutil_meta_line(st->s, st->meta_name, strlen(st->meta_name), st->meta_value.p,
			  st->meta_value.len);
}

static void odf_start(void *ud, const char *local, int n_attrs, const char **attrs)
{
	struct odf_state *st = ud;
	bool parent_struck =
	    st->depth > 0
		? st->struck[st->depth - 1 < ODF_MAX_DEPTH ? st->depth - 1 : ODF_MAX_DEPTH - 1]
		: false;
	bool struck = parent_struck;

	st->depth++;
	if (st->skip_depth > 0) {
		st->skip_depth++;
		goto push;
	}

	if (st->in_meta && st->depth > 1) {
		meta_start(st, local, n_attrs, attrs);
		goto push;
	}

	if (st->slide_depth && st->depth == st->slide_depth + 1) {
		/* A slide's shape (or its notes, read after it). */
		st->lines.open = false;
		if (is(local, "notes"))
			shapes_start(&st->shapes, SHAPES_BOTTOM, 0);
		else
			shapes_start(&st->shapes, length_um(n_attrs, attrs, "y"),
				     length_um(n_attrs, attrs, "x"));
	}
	if (is(local, "p") || is(local, "h") || is(local, "span") || is(local, "a")) {
		size_t len;
		const char *name = xmlutil_attr(n_attrs, attrs, "style-name", &len);
		char family = local[1] == '\0' && local[0] != 'a' ? 'P' : 'T';

		if (name != NULL) {
			enum xmlutil_strike k = style_strike(st, family, name, len);

			if (k != STRIKE_UNSET)
				struck = k == STRIKE_ON;
		}
		if (family == 'P') {
			xmlutil_lines_break(&st->lines);
			st->text_depth++;
		}
	} else if (st->text_depth > 0) {
		if (is(local, "s"))
			xmlutil_lines_text(&st->lines, " ", 1, struck);
		else if (is(local, "tab"))
			xmlutil_lines_text(&st->lines, "\t", 1, struck);
		else if (is(local, "line-break"))
			xmlutil_lines_break(&st->lines);
		else if (is(local, "soft-page-break") && st->body == BODY_TEXT && st->page_open &&
			 st->zone == SCAN_ZONE_BODY) {
			page_end(st);
			body_page_begin(st);
		} else if (is(local, "note-citation") || is(local, "title") || is(local, "desc") ||
			   is(local, "tracked-changes"))
			st->skip_depth = 1;
	} else if (is(local, "soft-page-break") && st->body == BODY_TEXT && st->page_open &&
		   st->zone == SCAN_ZONE_BODY) {
		page_end(st);
		body_page_begin(st);
	} else if (is(local, "tracked-changes")) {
		st->skip_depth = 1;
	} else if (is(local, "styles")) {
		st->styles_in = STYLES_NAMED;
	} else if (is(local, "automatic-styles")) {
		st->styles_in = STYLES_AUTO;
	} else if (is(local, "style") && st->styles_in != STYLES_NONE) {
		define_style(st, n_attrs, attrs);
	} else if (is(local, "text-properties")) {
		text_properties(st, n_attrs, attrs);
	} else if (is(local, "master-page")) {
		st->master_depth = st->depth;
	} else if (st->master_depth && st->master_depth == st->depth - 1 && !st->page_open &&
		   is_shape(local)) {
		/* A shape on a master page (a presentation's text box, a
		 * drawing's stamp) shows on every page that uses it. */
		st->shape_depth = st->depth;
		page_begin(st, SCAN_ZONE_BODY, "master page");
	} else if ((is(local, "header-decl") || is(local, "footer-decl")) && !st->page_open) {
		/* A presentation's header and footer text (View > Header and
		 * Footer), shown on the slides that name it. */
		st->decl_depth = st->depth;
		st->text_depth++;
		page_begin(st, local[0] == 'h' ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
			   local[0] == 'h' ? "header declaration" : "footer declaration");
	} else if ((is(local, "header") || is(local, "header-left") || is(local, "header-first")) &&
		   !st->page_open) {
		page_begin(st, SCAN_ZONE_HEADER, "header");
	} else if ((is(local, "footer") || is(local, "footer-left") || is(local, "footer-first")) &&
		   !st->page_open) {
		page_begin(st, SCAN_ZONE_FOOTER, "footer");
	} else if (is(local, "text") && st->body == BODY_NONE && st->depth <= 3) {
		/* office:text under office:body */
		st->body = BODY_TEXT;
		body_page_begin(st);
	} else if (is(local, "spreadsheet") && st->depth <= 3) {
		st->body = BODY_SHEETS;
	} else if ((is(local, "presentation") || is(local, "drawing")) && st->depth <= 3) {
		st->body = BODY_SLIDES;
	} else if ((st->body == BODY_SHEETS && is(local, "table") && !st->page_open) ||
		   (st->body == BODY_SLIDES && is(local, "page") && !st->page_open)) {
		body_page_begin(st);
		if (st->body == BODY_SLIDES) {
			st->slide_depth = st->depth;
			st->lines.shapes = &st->shapes;
		}
	} else if (is(local, "meta") && st->depth <= 2) {
		st->in_meta = true;
		page_begin(st, SCAN_ZONE_METADATA, st->part[0] ? "" : "metadata");
	}
push:
	if (st->depth - 1 < ODF_MAX_DEPTH)
		st->struck[st->depth - 1] = struck;
}

static void odf_end(void *ud, const char *local)
{
	struct odf_state *st = ud;

	if (st->skip_depth > 0) {
		st->skip_depth--;
		st->depth--;
		return;
	}
	if (st->in_meta) {
		if (is(local, "meta") && st->meta_child_depth == 0) {
			st->in_meta = false;
			page_end(st);
		} else {
			meta_end(st);
		}
		st->depth--;
		return;
	}
	if (st->shape_depth == st->depth) {
		st->shape_depth = 0;
		page_end(st);
	} else if (st->decl_depth == st->depth) {
		st->decl_depth = 0;
		if (st->text_depth > 0)
			st->text_depth--;
		page_end(st);
	} else if (st->master_depth == st->depth) {
		st->master_depth = 0;
	} else if (is(local, "p") || is(local, "h")) {
		xmlutil_lines_break(&st->lines);
		if (st->text_depth > 0)
			st->text_depth--;
	} else if (is(local, "styles") || is(local, "automatic-styles")) {
		st->styles_in = STYLES_NONE;
	} else if (is(local, "style")) {
		st->defining = NULL;
	} else if ((is(local, "header") || is(local, "header-left") || is(local, "header-first") ||
		    is(local, "footer") || is(local, "footer-left") || is(local, "footer-first")) &&
		   st->page_open && st->zone != SCAN_ZONE_BODY) {
		page_end(st);
	} else if ((is(local, "text") && st->body == BODY_TEXT && st->text_depth == 0) ||
		   (st->body == BODY_SHEETS && is(local, "table")) ||
		   (st->body == BODY_SLIDES && is(local, "page"))) {
		if (st->zone == SCAN_ZONE_BODY)
			page_end(st);
	}
	st->depth--;
}

static void odf_text(void *ud, const char *chars, size_t len)
{
	struct odf_state *st = ud;
	int top = st->depth - 1 < ODF_MAX_DEPTH ? st->depth - 1 : ODF_MAX_DEPTH - 1;

	if (st->skip_depth > 0)
		return;
	if (st->in_meta) {
		if (st->meta_child_depth != 0)
			xmlutil_buf_add(&st->meta_value, chars, len);
		return;
	}
	if (st->text_depth == 0 || !st->page_open || top < 0)
		return;
	xmlutil_lines_text(&st->lines, chars, len, st->struck[top]);
}

static const struct xmlutil_sax odf_sax = {odf_start, odf_end, odf_text};

static void report_parse(struct scan *s, const char *part, enum xmlutil_status status,
			 const char *err)
{
	char reason[200];

	if (status == XMLUTIL_MALFORMED) {
		snprintf(reason, sizeof(reason), "ODF %s not well-formed (%s)",
			 part[0] ? part : "document", err);
		scan_set_uninspectable(s, reason);
	} else if (status == XMLUTIL_NOMEM) {
		scan_set_uninspectable(s, "out of memory parsing ODF");
	}
}

static void part_reset(struct odf_state *st, const char *part)
{
	st->part = part;
	st->depth = 0;
	st->skip_depth = 0;
	st->text_depth = 0;
	st->pages = 0;
	st->body = BODY_NONE;
	st->styles_in = STYLES_NONE;
	st->defining = NULL;
	st->in_meta = false;
	st->meta_child_depth = 0;
	st->master_depth = st->shape_depth = st->decl_depth = st->slide_depth = 0;
	st->lines.shapes = NULL;
	xmlutil_styles_clear(&st->autos);
}

static bool feed_push(void *ud, const char *data, size_t len)
{
	return xmlutil_push_feed(ud, data, len) == XMLUTIL_OK;
}

/* Streams one part of the zip through the parser.  Returns false when the
 * budget ran out (stop reading further parts). */
static bool parse_member(struct odf_state *st, const void *zip, size_t len,
			 const struct zipmem_entry *e, const char *part)
{
	char err[160], reason[200];
	struct xmlutil_push *p;
	enum zipmem_status zs;
	enum xmlutil_status xs;

	part_reset(st, part);
	p = xmlutil_push_new(st->s, &odf_sax, st, false, err, sizeof(err));
	if (p == NULL) {
		scan_set_uninspectable(st->s, "out of memory parsing ODF");
		return false;
	}
	zs = zipmem_stream(st->s, zip, len, e, feed_push, p);
	xs = xmlutil_push_finish(p);
	page_end(st);
	if (zs != ZIPMEM_OK && zs != ZIPMEM_STOPPED && zs != ZIPMEM_BUDGET) {
		snprintf(reason, sizeof(reason), "ODF %s: %s", part, zipmem_strerror(zs));
		scan_set_uninspectable(st->s, reason);
	} else {
		report_parse(st->s, part, xs, err);
	}
	return zs != ZIPMEM_BUDGET && xs != XMLUTIL_BUDGET;
}

static bool looks_like_xml(const char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < len && p[i] == '<';
}

/* A package whose manifest names encryption data holds ciphertext parts. */
static bool encrypted_package(struct scan *s, const void *zip, size_t len,
			      const struct zipmem_index *ix)
{
	const struct zipmem_entry *e = zipmem_index_find(ix, "META-INF/manifest.xml");
	_cleanup_free_ char *manifest = NULL;
	size_t n;

	if (e == NULL)
		return false;
	if (zipmem_load(s, zip, len, e, 1u << 20, &manifest, &n) != ZIPMEM_OK)
		return false;
	return memmem(manifest, n, "encryption-data", strlen("encryption-data")) != NULL;
}

int extract_odf(struct scan *s, const void *data, size_t len)
{
	struct odf_state st = {
	    .s = s, .lines = {.s = s}, .meta_value = {.max = ODF_META_VALUE_MAX}};
	static const char *const parts[] = {"styles.xml", "content.xml", "meta.xml"};
	struct zipmem_index ix;
	enum zipmem_status zs;
	const struct zipmem_entry *content;

	if (looks_like_xml(data, len)) {
		/* Flat ODF (.fodt, .fods, .fodp): every part in one file. */
		char err[160];
		enum xmlutil_status xs;

		part_reset(&st, "");
		xs = xmlutil_parse(s, &odf_sax, &st, data, len, false, err, sizeof(err));
		page_end(&st);
		report_parse(s, "", xs, err);
		goto out;
	}
	zs = zipmem_index_build(data, len, &ix);
	if (zs == ZIPMEM_NOMEM) {
		scan_set_uninspectable(s, "out of memory reading an ODF zip");
		goto out;
	}
	if (zs != ZIPMEM_OK) {
		if (len < 4 || memcmp(data, "PK\x03\x04", 4) != 0)
			return -1;
		scan_set_uninspectable(s, "ODF zip is damaged or truncated (no central directory)");
		goto out;
	}
	content = zipmem_index_find(&ix, "content.xml");
	if (content == NULL && zipmem_index_find(&ix, "mimetype") == NULL) {
		zipmem_index_free(&ix);
		return -1;
	}
	if (encrypted_package(s, data, len, &ix) || (content && (content->flags & 1)))
		scan_set_uninspectable(s, "ODF document is encrypted (password-protected)");
	else if (content == NULL)
		scan_set_uninspectable(s, "ODF document has no content.xml");
	else {
		if (ix.truncated)
			scan_set_uninspectable(s, "ODF zip directory is damaged or truncated");
		for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
			const struct zipmem_entry *e = zipmem_index_find(&ix, parts[i]);

			if (scan_over_budget(s))
				break;
			if (e != NULL && !parse_member(&st, data, len, e, parts[i]))
				break;
		}
	}
	zipmem_index_free(&ix);
out:
	xmlutil_styles_clear(&st.named);
	xmlutil_styles_clear(&st.autos);
	xmlutil_buf_free(&st.meta_value);
	shapes_free(&st.shapes);
	return 0;
}
