/* The contract between format extractors and the analysis.
 *
 * An extractor turns one document format into text and structure, and
 * feeds it here; the scan decides what is a marking (by where the text
 * stands: a page header, the first or last lines of a page, a letter-header
 * field) and counts personal data.  Extractors never decide levels from
 * prose themselves; they report structural facts (a DI XML 密等 element, a
 * metadata property, struck-through text) and the scan weighs them.
 *
 * Internal to classify/: not part of the library's public interface. */
#ifndef WARD_CLASSIFY_SCAN_H
#define WARD_CLASSIFY_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

struct scan;

enum scan_zone {
	SCAN_ZONE_BODY,	    /* running text of one page (or the whole body) */
	SCAN_ZONE_HEADER,   /* a page header */
	SCAN_ZONE_FOOTER,   /* a page footer */
	SCAN_ZONE_METADATA, /* document properties, as "name: value" lines */
};

/* One page, or one header/footer, or the body of a format without pages:
 * the scan keeps the first and the last few non-empty lines of it to judge
 * stand-alone levels.  where names the place for reasons, e.g. "page 3",
 * "styles.xml header", "word/footer1.xml".  Calls nest not. */
void scan_page_begin(struct scan *s, enum scan_zone zone, const char *where);
/* UTF-8 text of the current page; '\n' ends a line (a paragraph).  May be
 * called any number of times per page.  struck: the text is struck through
 * (ODF line-through, OOXML w:strike / w:dstrike, RTF \strike). Invalid UTF-8
 * is tolerated. */
void scan_text(struct scan *s, const char *utf8, size_t len, bool struck);
void scan_page_end(struct scan *s);

/* A marking the format states structurally (DI XML 密等 代碼, a metadata
 * property naming a level, an extended attribute).  struck: declassified. */
void scan_add_marking(struct scan *s, enum ward_level level, bool struck, const char *rule,
		      const char *where, const char *text);

/* A fact worth reporting that decides nothing (a broken archive member
 * beside readable ones): a reason of level none. */
void scan_candidate_evidence(struct scan *s, const char *rule, const char *text);
/* True when the call found a marking so far (struck or not). */
bool scan_marked(const struct scan *s);

/* Some content could not be read (encrypted, corrupt, over a limit).  The
 * first reason is kept. */
void scan_set_uninspectable(struct scan *s, const char *reason);

/* True once the time or byte budget is spent: stop extracting and return.
 * Cheap enough to call per element or per block. */
bool scan_over_budget(struct scan *s);
/* Count bytes produced by decompression against the budget.  Returns false
 * (and marks the result uninspectable) when the budget or the ratio to
 * compressed_size is exceeded. */
bool scan_charge_expanded(struct scan *s, uint64_t expanded, uint64_t compressed_size);

/* Classify a nested document (an archive member, an attachment) by its
 * content, as if it were a file of its own; its findings join this one's,
 * with reasons prefixed by name ("a.zip:b.odt").  Depth and entry limits
 * are enforced here. */
void scan_nested(struct scan *s, const void *data, size_t len, const char *name);

/* Bytes of unknown legacy encoding (plain text, RTF \'hh runs, .doc 8-bit
 * text) as UTF-8: UTF-8 (with or without BOM), UTF-16 with BOM, or
 * Big5/CP950.  Returns a malloc'ed string (caller frees) and its length, or
 * NULL when out of memory. */
char *scan_decode_text(const void *data, size_t len, size_t *out_len);

/* textbuf.c: UTF-8 text being assembled for one zone, with a struck flag
 * per byte; textbuf_emit feeds it to the scan as one page and empties it.
 * The one growable text buffer of the extractors. */
struct textbuf {
	char *buf;
	size_t len, cap;
	bool *struck; /* per byte */
	bool failed;
};
void textbuf_add(struct textbuf *o, const char *p, size_t n, bool struck);
void textbuf_emit(struct scan *s, struct textbuf *o, enum scan_zone zone, const char *where);
/* Feeds it to the current page, in runs of one struck state. */
void textbuf_feed(struct scan *s, const struct textbuf *o, size_t from, size_t len);
void textbuf_free(struct textbuf *o);

/* shapes.c: the shapes of one slide, collected in drawing order and fed
 * to the current page by place (y, then x; any unit, the same for all).
 * shapes_start begins a shape at a guessed place, shapes_place sets the
 * real one when the format says it later; text before any shape goes to
 * one in the middle. */
#define SHAPES_TOP INT64_MIN
#define SHAPES_MIDDLE 0
#define SHAPES_BOTTOM INT64_MAX
struct shape {
	int64_t y, x;
	size_t off, len; /* its text */
	uint32_t seq;	 /* drawing order */
};
struct shapes {
	struct shape *v;
	size_t n, cap;
	struct textbuf text;
	bool failed;
};
void shapes_start(struct shapes *sh, int64_t y, int64_t x);
void shapes_place(struct shapes *sh, int64_t y, int64_t x);
void shapes_text(struct shapes *sh, const char *text, size_t len, bool struck);
void shapes_emit(struct shapes *sh, struct scan *s);
void shapes_free(struct shapes *sh);

/* The budget of the call in progress, for extractors that pass limits to
 * their libraries (libarchive, poppler). */
const struct classify_budget *scan_budget(const struct scan *s);

/* When the call's time budget runs out (monotonic_ms), for extractors
 * that pass a deadline to their libraries (Tesseract). */
uint64_t scan_deadline_ms(const struct scan *s);

/* The classifier's shared data (resources.h: CJK font tables, OCR), or
 * NULL. */
struct classify_resources *scan_resources(struct scan *s);

#endif
