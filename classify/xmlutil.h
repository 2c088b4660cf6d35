/* Helpers the XML-family extractors (di.c, odf.c, ooxml.c, html.c) share:
 * a safe streaming SAX parse, a line writer that keeps paragraphs apart
 * when they nest (a text box inside a paragraph), a style table for
 * struck-through styles, and a bounded growable string.
 *
 * Safety: every parse goes through xmlutil_parse(), which never loads a DTD,
 * never resolves an entity other than the five predefined ones, never
 * touches the network, keeps libxml2's depth and text-size limits and stops
 * when the scan's budget is spent.  Internal to classify/. */
#ifndef WARD_CLASSIFY_XMLUTIL_H
#define WARD_CLASSIFY_XMLUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "classify/scan.h"

/* What an extractor wants from the parse.  Element names come without
 * prefix; attributes are libxml2's SAX2 quintuples (localname, prefix, URI,
 * value start, value end). */
struct xmlutil_sax {
	void (*start)(void *ud, const char *local, int n_attrs, const char **attrs);
	void (*end)(void *ud, const char *local);
	void (*text)(void *ud, const char *chars, size_t len);
};

enum xmlutil_status {
	XMLUTIL_OK = 0,
	XMLUTIL_MALFORMED = -1, /* not well-formed: err says where */
	XMLUTIL_BUDGET = -2,	/* the scan's budget ran out (scan knows) */
	XMLUTIL_NOMEM = -3,
};

/* Parses data as XML, streaming, calling cb.  force_utf8: ignore the
 * document's encoding declaration (the bytes were converted already).  On
 * XMLUTIL_MALFORMED, err holds "line N: message". */
enum xmlutil_status xmlutil_parse(struct scan *s, const struct xmlutil_sax *cb, void *ud,
				  const void *data, size_t len, bool force_utf8, char *err,
				  size_t errlen);

/* The same in pieces, for input that arrives in slices (an inflating zip
 * member): new, feed any number of times, finish (which also frees). */
struct xmlutil_push;
struct xmlutil_push *xmlutil_push_new(struct scan *s, const struct xmlutil_sax *cb, void *ud,
				      bool force_utf8, char *err, size_t errlen);
/* XMLUTIL_OK to go on; otherwise stop feeding and call finish. */
enum xmlutil_status xmlutil_push_feed(struct xmlutil_push *p, const char *data, size_t len);
enum xmlutil_status xmlutil_push_finish(struct xmlutil_push *p);

/* The value of attribute local from a SAX2 attribute array, as a pointer
 * into it and a length; NULL when absent. */
const char *xmlutil_attr(int n_attrs, const char **attrs, const char *local, size_t *len);
/* The same, compared with a literal. */
bool xmlutil_attr_is(int n_attrs, const char **attrs, const char *local, const char *value);

/* Writes paragraphs to the current scan page as lines: a paragraph that
 * opens inside another (a frame, a text box, a table cell) first ends the
 * line in progress, so texts never run together. */
struct xmlutil_lines {
	struct scan *s;
	bool open;	       /* text written since the last '\n' */
	struct shapes *shapes; /* when set, text goes to the current shape */
};

static inline void xmlutil_lines_text(struct xmlutil_lines *l, const char *text, size_t len,
				      bool struck)
{
	if (len == 0)
		return;
	if (l->shapes != NULL)
		shapes_text(l->shapes, text, len, struck);
	else
		scan_text(l->s, text, len, struck);
	l->open = true;
}

static inline void xmlutil_lines_break(struct xmlutil_lines *l)
{
	if (!l->open)
		return;
	if (l->shapes != NULL)
		shapes_text(l->shapes, "\n", 1, false);
	else
		scan_text(l->s, "\n", 1, false);
	l->open = false;
}

/* Struck-through state of named styles.  Each style says strike yes, no or
 * nothing, and may name a parent it inherits from. */
enum xmlutil_strike { STRIKE_UNSET = -1, STRIKE_OFF = 0, STRIKE_ON = 1 };

struct xmlutil_style {
	char *key; /* family-qualified name, e.g. "T:T1" */
	char *parent;
	enum xmlutil_strike strike;
};

struct xmlutil_styles {
	struct xmlutil_style *slots; /* open addressing, power-of-two size */
	size_t n, cap;
};

/* Adds or updates a style; returns it (NULL when out of memory or the
 * table holds too many styles to be a real document). */
struct xmlutil_style *xmlutil_styles_put(struct xmlutil_styles *t, const char *key, size_t keylen);
struct xmlutil_style *xmlutil_styles_get(const struct xmlutil_styles *t, const char *key,
					 size_t keylen);
/* Follows parents (bounded) to the first style that says yes or no. */
enum xmlutil_strike xmlutil_styles_strike(const struct xmlutil_styles *t, const char *key,
					  size_t keylen);
void xmlutil_styles_clear(struct xmlutil_styles *t);

/* A growable string with a hard cap (longer input is cut, never grown). */
struct xmlutil_buf {
	char *p;
	size_t len, cap, max;
};

bool xmlutil_buf_add(struct xmlutil_buf *b, const char *text, size_t len);
static inline void xmlutil_buf_reset(struct xmlutil_buf *b)
{
	b->len = 0;
}
static inline void xmlutil_buf_free(struct xmlutil_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Feeds "name: value" as one metadata line (value's line breaks become
 * spaces so the property stays one line). */
void xmlutil_meta_line(struct scan *s, const char *name, size_t namelen, const char *value,
		       size_t valuelen);

/* True when the bytes are valid UTF-8 (overlongs and surrogates rejected). */
bool xmlutil_valid_utf8(const unsigned char *p, size_t len);

#endif
