/* HTML: libxml2's HTML parser (no network, no DTD) in SAX mode, fed in
 * slices so the budget is checked.  What a browser shows as separate
 * blocks becomes separate lines; white space collapses; scripts and styles
 * are not text; struck-through elements and styles are struck.  The page
 * title and <meta name=... content=...> are metadata lines. */
#define _GNU_SOURCE /* strcasestr */
#include "classify/html.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "classify/charset.h"
#include "classify/extract.h"
#include "classify/scan.h"
#include "common/cleanup.h"

#define HTML_CHUNK (256 * 1024)
#define HTML_MAX_DEPTH 256   /* struck state kept per level; deeper inherits */
#define HTML_STOP_DEPTH 4096 /* beyond this the document is not read further */
#define HTML_TITLE_MAX 2048
#define HTML_META_MAX 16384
#define HTML_OUT 512

struct html_state {
	struct scan *s;
	struct xmlutil_lines lines;
	struct xmlutil_buf *meta;
	int depth;
	bool struck[HTML_MAX_DEPTH];
	int skip_depth; /* inside script, style, template: not text */
	int pre;	/* inside pre / textarea: white space kept */
	bool in_title;
	struct xmlutil_buf title;
	bool space_pending; /* white space seen since the last word */
	htmlParserCtxtPtr ctxt;
	bool too_deep;
};

static bool is_block(const char *n)
{
	static const char *const blocks[] = {
	    "address",	  "article", "aside",  "blockquote", "br",     "caption", "center",
	    "dd",	  "details", "dialog", "div",	     "dl",     "dt",	  "fieldset",
	    "figcaption", "figure",  "footer", "form",	     "h1",     "h2",	  "h3",
	    "h4",	  "h5",	     "h6",     "header",     "hr",     "li",	  "main",
	    "nav",	  "ol",	     "option", "p",	     "pre",    "section", "summary",
	    "table",	  "tbody",   "td",     "tfoot",	     "th",     "thead",	  "tr",
	    "ul",	  "body",    "html",   "textarea",   "legend", "menu",	  "title"};

	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		if (strcmp(n, blocks[i]) == 0)
			return true;
	}
	return false;
}

/* text-decoration: line-through, text-decoration-line, the shorthand. */
static bool line_through(const char *style)
{
	return strcasestr(style, "line-through") != NULL;
}

static void meta_add(struct html_state *st, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value);

	if (st->meta == NULL || nlen == 0)
		return;
	xmlutil_buf_add(st->meta, name, nlen);
	xmlutil_buf_add(st->meta, ": ", 2);
	for (size_t i = 0; i < vlen; i++) {
		char c = value[i] == '\n' || value[i] == '\r' ? ' ' : value[i];

		xmlutil_buf_add(st->meta, &c, 1);
	}
	xmlutil_buf_add(st->meta, "\n", 1);
}

static void html_start(void *ctx, const xmlChar *xname, const xmlChar **attrs)
{
	struct html_state *st = ctx;
	const char *name = (const char *)xname;
	bool struck =
	    st->depth > 0
		? st->struck[(st->depth - 1 < HTML_MAX_DEPTH ? st->depth - 1 : HTML_MAX_DEPTH - 1)]
		: false;

	st->depth++;
	if (st->depth > HTML_STOP_DEPTH) {
		/* The push parser keeps every open element: bound it. */
		st->too_deep = true;
		xmlStopParser(st->ctxt);
		return;
	}
	if (st->skip_depth > 0) {
		st->skip_depth++;
		return;
	}
	if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
	    strcmp(name, "template") == 0) {
		st->skip_depth = 1;
		return;
	}
	if (strcmp(name, "s") == 0 || strcmp(name, "strike") == 0 || strcmp(name, "del") == 0)
		struck = true;
	if (strcmp(name, "pre") == 0 || strcmp(name, "textarea") == 0)
		st->pre++;
	if (strcmp(name, "title") == 0) {
		st->in_title = true;
		xmlutil_buf_reset(&st->title);
	}
	for (int i = 0; attrs && i < 2 * 64 && attrs[i]; i += 2) {
		const char *a = (const char *)attrs[i], *v = (const char *)attrs[i + 1];

		if (v && strcasecmp(a, "style") == 0 && line_through(v))
			struck = true;
	}
	if (strcmp(name, "meta") == 0 && attrs) {
		const char *mname = NULL, *content = NULL;

		for (int i = 0; i < 2 * 64 && attrs[i]; i += 2) {
			if (strcasecmp((const char *)attrs[i], "name") == 0)
				mname = (const char *)attrs[i + 1];
			else if (strcasecmp((const char *)attrs[i], "content") == 0)
				content = (const char *)attrs[i + 1];
		}
		if (mname && content)
			meta_add(st, mname, content);
	}
	if (is_block(name)) {
		xmlutil_lines_break(&st->lines);
		st->space_pending = false;
	}
	if (st->depth - 1 < HTML_MAX_DEPTH)
		st->struck[st->depth - 1] = struck;
}

static void html_end(void *ctx, const xmlChar *xname)
{
	struct html_state *st = ctx;
	const char *name = (const char *)xname;

	if (st->depth > 0)
		st->depth--;
	if (st->skip_depth > 0) {
		st->skip_depth--;
		return;
	}
	if ((strcmp(name, "pre") == 0 || strcmp(name, "textarea") == 0) && st->pre > 0)
		st->pre--;
	if (strcmp(name, "title") == 0 && st->in_title) {
		st->in_title = false;
		if (st->title.len > 0)
			meta_add(st, "title", st->title.p);
	}
	if (is_block(name)) {
		xmlutil_lines_break(&st->lines);
		st->space_pending = false;
	}
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void html_chars(void *ctx, const xmlChar *xchars, int len)
{
	struct html_state *st = ctx;
	const char *p = (const char *)xchars;
	bool struck;
	size_t i = 0, n = (size_t)len;

	if (st->skip_depth > 0 || len <= 0)
		return;
	if (st->in_title) {
		xmlutil_buf_add(&st->title, p, n);
		return;
	}
	struck = st->depth > 0 &&
		 st->struck[(st->depth - 1 < HTML_MAX_DEPTH ? st->depth - 1 : HTML_MAX_DEPTH - 1)];
	if (st->pre > 0) {
		xmlutil_lines_text(&st->lines, p, n, struck);
		return;
	}
	/* Collapse runs of white space to one space, none at a line start. */
	while (i < n) {
		size_t j = i;

		if (is_ws(p[i])) {
			while (i < n && is_ws(p[i]))
				i++;
			st->space_pending = true;
			continue;
		}
		while (j < n && !is_ws(p[j]))
			j++;
		if (st->space_pending && st->lines.open)
			xmlutil_lines_text(&st->lines, " ", 1, struck);
		st->space_pending = false;
		xmlutil_lines_text(&st->lines, p + i, j - i, struck);
		i = j;
	}
}

static void quiet_error(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

int html_feed(struct scan *s, const char *utf8, size_t len, struct xmlutil_buf *meta)
{
	struct html_state st = {
	    .s = s, .lines = {.s = s}, .meta = meta, .title = {.max = HTML_TITLE_MAX}};
	htmlSAXHandler sax;
	htmlParserCtxtPtr ctxt;
	size_t off = 0;

	xmlInitParser();
	memset(&sax, 0, sizeof(sax));
	sax.startElement = html_start;
	sax.endElement = html_end;
	sax.characters = html_chars;
	sax.cdataBlock = html_chars;
	sax.serror = quiet_error;
	sax.initialized = XML_SAX2_MAGIC; /* so serror is used; SAX1 element callbacks */
	ctxt = htmlCreatePushParserCtxt(&sax, &st, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
	if (ctxt == NULL)
		return -1;
	st.ctxt = ctxt;
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				     HTML_PARSE_NOBLANKS | HTML_PARSE_IGNORE_ENC);
	do {
		size_t n = len - off < HTML_CHUNK ? len - off : HTML_CHUNK;

		htmlParseChunk(ctxt, utf8 + off, (int)n, off + n == len);
		off += n;
		if (scan_over_budget(s) || st.too_deep)
			break;
	} while (off < len);
	xmlutil_lines_break(&st.lines);
	/* In SAX mode libxml2 still keeps entity declarations in a document
	 * of its own ("SAX compatibility mode"), which is the caller's to free. */
	if (ctxt->myDoc != NULL) {
		xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
	}
	htmlFreeParserCtxt(ctxt);
	xmlutil_buf_free(&st.title);
	if (st.too_deep)
		scan_set_uninspectable(s, "HTML elements nested too deeply");
	return 0;
}

char *html_to_utf8(const void *data, size_t len, size_t *out_len)
{
	const unsigned char *u = data;
	char charset[48];

	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return scan_decode_text(data, len, out_len);
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		return charset_to_utf8("utf-8", 5, u + 3, len - 3, out_len);
	if (charset_from_html(data, len, charset, sizeof(charset)))
		return charset_to_utf8(charset, strlen(charset), data, len, out_len);
	return charset_to_utf8(NULL, 0, data, len, out_len);
}

int extract_html(struct scan *s, const void *data, size_t len)
{
	_cleanup_free_ char *text = NULL;
	struct xmlutil_buf meta = {.max = HTML_META_MAX};
	size_t n;
	int r;

	text = html_to_utf8(data, len, &n);
	if (text == NULL) {
		scan_set_uninspectable(s, "out of memory decoding HTML");
		return 0;
	}
	scan_page_begin(s, SCAN_ZONE_BODY, "html body");
	r = html_feed(s, text, n, &meta);
	scan_page_end(s);
	if (r < 0)
		scan_set_uninspectable(s, "out of memory parsing HTML");
	if (meta.len > 0) {
		scan_page_begin(s, SCAN_ZONE_METADATA, "html head");
		scan_text(s, meta.p, meta.len, false);
		scan_page_end(s);
	}
	xmlutil_buf_free(&meta);
	return 0;
}
