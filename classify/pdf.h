/* The PDF reader's internal interfaces: objects and the document
 * (pdflex.c, pdfxref.c), stream filters (pdffilter.c), fonts (pdffont.c,
 * pdfcmap.c, pdfenc.c), the content-stream interpreter (pdfcontent.c) and
 * the line builder (pdflines.c).  pdf.c drives them for extract_pdf.
 *
 * The reader reads only what the marking rules and the personal-data
 * detectors need: the text of each page with its position, never the
 * graphics.  Everything it holds comes from one arena per document, capped
 * in bytes; every loop over untrusted structure is capped, every
 * reference followed is checked for cycles.  What it cannot read (an
 * encryption handler, a filter it lacks, a font it cannot map to Unicode,
 * a broken cross-reference table) it says so with PDF_FALLBACK, and
 * pdf.c gives the document to poppler instead.
 *
 * Internal to classify/. */
#ifndef WARD_CLASSIFY_PDF_H
#define WARD_CLASSIFY_PDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scan;
struct classify_resources;

/* Small arithmetic without libm (classify links no maths library). */
static inline double pdf_min(double a, double b)
{
	return a < b ? a : b;
}

static inline double pdf_max(double a, double b)
{
	return a > b ? a : b;
}

/* |(a, b)| within 4% (the larger plus 0.41 of the smaller): font sizes
 * and gaps need no more. */
static inline double pdf_norm(double a, double b)
{
	a = a < 0 ? -a : a;
	b = b < 0 ? -b : b;
	return a > b ? a + 0.41 * b : b + 0.41 * a;
}

/* ---- Objects ----------------------------------------------------------- */

enum pdf_kind {
	PDF_NULL = 0,
	PDF_BOOL,
	PDF_INT,
	PDF_REAL,
	PDF_STRING,
	PDF_NAME,
	PDF_ARRAY,
	PDF_DICT,
	PDF_REF,
};

struct pdf_obj {
	uint8_t kind;
	uint32_t len; /* bytes of a string or name; items of an array; keys of a dict */
	union {
		bool b;
		int64_t i;
		double r;
		const unsigned char *s; /* string or name, NUL-terminated (in the arena) */
		struct pdf_obj *items;	/* array items; dict: key, value, key, value ... */
		struct {
			uint32_t num;
			uint32_t gen;
		} ref;
	} u;
};

extern const struct pdf_obj pdf_null;

/* Bytes after the object, up to "endstream" (or the declared /Length). */
struct pdf_stream {
	const struct pdf_obj *dict;
	const unsigned char *raw;
	size_t raw_len;
	uint32_t num, gen; /* the object's, for its decryption key */
	bool encrypted;	   /* raw is encrypted (pdfcrypt.c) */
};

/* ---- Lexing (pdflex.c) ------------------------------------------------- */

/* Character classes of PDF syntax (7.2.2), one table lookup each. */
enum {
	PDF_CLASS_SPACE = 1,
	PDF_CLASS_DELIM = 2,
	PDF_CLASS_NUMBER = 4, /* can start a number: digits, sign, point */
	PDF_CLASS_HEX = 8,
};
extern const uint8_t pdf_class[256];
extern const int8_t pdf_hex_value[256]; /* -1 when not a hex digit */

static inline bool pdf_is_space(unsigned char c)
{
	return pdf_class[c] & PDF_CLASS_SPACE;
}

static inline bool pdf_is_delim(unsigned char c)
{
	return pdf_class[c] & PDF_CLASS_DELIM;
}

/* Skips white space and comments. */
const unsigned char *pdf_skip_space(const unsigned char *p, const unsigned char *end);
/* A number at p (sign, digits, one '.'): sets *is_int and the value, and
 * returns the byte after it; returns p when there is no number. */
const unsigned char *pdf_lex_number(const unsigned char *p, const unsigned char *end, bool *is_int,
				    int64_t *i, double *r);
/* The string whose opening '(' or '<' is at p, decoded into out (capacity
 * cap, which the decoded string never exceeds when cap >= end - p).
 * Returns the byte after the closing delimiter; *out_len is what was
 * decoded (truncated at cap). */
const unsigned char *pdf_lex_literal(const unsigned char *p, const unsigned char *end,
				     unsigned char *out, size_t cap, size_t *out_len);
const unsigned char *pdf_lex_hex(const unsigned char *p, const unsigned char *end,
				 unsigned char *out, size_t cap, size_t *out_len);
/* The name whose '/' is at p, #xx escapes decoded into out (at most cap
 * bytes).  Returns the byte after it. */
const unsigned char *pdf_lex_name(const unsigned char *p, const unsigned char *end,
				  unsigned char *out, size_t cap, size_t *out_len);
/* Length of the regular-character token at p (an operator or keyword). */
size_t pdf_token_len(const unsigned char *p, const unsigned char *end);

/* ---- The document (pdfxref.c) ------------------------------------------ */

enum pdf_status {
	PDF_OK = 0,
	PDF_FALLBACK, /* valid perhaps, but not for this reader: poppler reads it */
	PDF_STOP,     /* budget spent or bounded resources exhausted: stop, reason given */
};

struct pdf_doc;

/* Opens data (the caller keeps it alive until pdf_doc_free).  Returns
 * NULL and sets *why (static text) when the reader cannot read it: the
 * caller falls back to poppler. */
struct pdf_doc *pdf_doc_open(struct scan *s, const unsigned char *data, size_t len,
			     const char **why);
void pdf_doc_free(struct pdf_doc *doc);
struct scan *pdf_doc_scan(const struct pdf_doc *doc);
/* The classifier's shared data (scan_resources), or NULL. */
const struct classify_resources *pdf_doc_resources(const struct pdf_doc *doc);

/* The document's failure so far, if any (static text), and what to do. */
enum pdf_status pdf_doc_status(const struct pdf_doc *doc, const char **why);
/* Records a failure: the first one wins.  Returns status. */
enum pdf_status pdf_doc_fail(struct pdf_doc *doc, enum pdf_status status, const char *why);
/* Forgets a PDF_FALLBACK (one page went to poppler; the next may not need
 * to).  A PDF_STOP stays. */
void pdf_doc_clear(struct pdf_doc *doc);

/* Arena memory of the document, zeroed; NULL (and the document failed
 * with PDF_STOP) past the memory cap. */
void *pdf_alloc(struct pdf_doc *doc, size_t size);

/* The object a reference points to (the object itself when obj is not a
 * reference); &pdf_null when missing, broken or part of a cycle. */
const struct pdf_obj *pdf_resolve(struct pdf_doc *doc, const struct pdf_obj *obj);
/* An indirect object's stream, or NULL when it has none. */
const struct pdf_stream *pdf_get_stream(struct pdf_doc *doc, const struct pdf_obj *ref);
/* Where the font read from the indirect object ref is kept; NULL for a
 * direct object (read every time) or a missing one. */
struct pdf_font;
struct pdf_font **pdf_font_slot(struct pdf_doc *doc, const struct pdf_obj *ref);
/* One more than the highest object number the document has. */
uint32_t pdf_doc_n_objects(const struct pdf_doc *doc);
/* The trailer (merged over every cross-reference section). */
const struct pdf_obj *pdf_trailer(const struct pdf_doc *doc);

/* Parses one object at *p (advanced past it) into the arena. */
const struct pdf_obj *pdf_parse_object(struct pdf_doc *doc, const unsigned char **p,
				       const unsigned char *end);

/* Dictionary lookup (key without '/'), resolving references. */
const struct pdf_obj *pdf_dict_get(struct pdf_doc *doc, const struct pdf_obj *dict,
				   const char *key);
/* The same without resolving (to see whether a value is a reference). */
const struct pdf_obj *pdf_dict_get_raw(const struct pdf_obj *dict, const char *key);
bool pdf_name_is(const struct pdf_obj *obj, const char *name);
/* A number as an integer (a real truncated, saturated); def when obj is
 * not a number.  Every integer a file states is read through this. */
int64_t pdf_int(const struct pdf_obj *obj, int64_t def);
/* A number (integer or real) as double; def when obj is not a number. */
double pdf_number(const struct pdf_obj *obj, double def);
/* An array item, resolved; &pdf_null out of range. */
const struct pdf_obj *pdf_array_get(struct pdf_doc *doc, const struct pdf_obj *array, uint32_t i);

/* ---- Encryption (pdfcrypt.c) -------------------------------------------- */

/* The standard security handler of an encrypted file that opens without a
 * password; NULL and *why (static text) when it needs one or uses a
 * handler the reader lacks.  enc is the /Encrypt dictionary, id0 the first
 * /ID string. */
struct pdf_crypt;
struct pdf_crypt *pdf_crypt_open(struct pdf_doc *doc, const struct pdf_obj *enc,
				 const struct pdf_obj *id0, const char **why);
/* /EncryptMetadata: false leaves the XMP stream in clear. */
bool pdf_crypt_metadata(const struct pdf_crypt *c);
/* The plaintext of a string or stream of object num/gen (malloc'ed, the
 * caller frees), or NULL when it does not decrypt (damaged). */
unsigned char *pdf_crypt_data(const struct pdf_crypt *c, uint32_t num, uint32_t gen,
			      const unsigned char *in, size_t n, size_t *out_len);
/* pdfxref.c: an encrypted stream's raw bytes in clear (malloc'ed). */
unsigned char *pdf_doc_decrypt(struct pdf_doc *doc, const struct pdf_stream *st, size_t *len);

/* ---- Streams (pdffilter.c) --------------------------------------------- */

/* The decoded data of a stream (malloc'ed, the caller frees), charged to
 * the scan's expansion budget; NULL and *why on failure (a filter this
 * reader lacks is PDF_FALLBACK, a bomb or a budget PDF_STOP). */
unsigned char *pdf_decode(struct pdf_doc *doc, const struct pdf_stream *st, size_t *out_len,
			  enum pdf_status *status);

/* ---- Fonts (pdffont.c, pdfcmap.c, pdfenc.c) ---------------------------- */

struct pdf_font;

/* The font of a /Font resource entry, cached per document.  NULL when the
 * font is unusable; then the document's status says why. */
struct pdf_font *pdf_font_get(struct pdf_doc *doc, const struct pdf_obj *font_ref);

/* One character of a shown string: its code, Unicode text (up to 4 code
 * points) and advance in text space units of 1/1000 em. */
struct pdf_glyph {
	uint32_t code;
	uint32_t n_bytes; /* bytes of the string the code took */
	uint32_t uni[4];
	uint8_t n_uni;
	double width;
	bool is_space; /* a single-byte code 32: Tw applies */
};

/* Decodes the next character of a shown string. */
void pdf_font_next(const struct pdf_font *font, const unsigned char *p, size_t n,
		   struct pdf_glyph *g);
/* A simple font's tables (one-byte codes), for the interpreter's hot
 * loop; NULL for a composite font. */
struct pdf_simple_tables {
	uint32_t uni[256];	/* Unicode, or 0 */
	uint8_t multi[256 / 8]; /* codes that stand for several code points */
	uint16_t width[256];	/* in glyph units */
	bool strict;		/* a code without Unicode makes the page poppler's */
};
const struct pdf_simple_tables *pdf_font_simple(const struct pdf_font *font);
/* Text in this font has codes whose Unicode this reader cannot know. */
bool pdf_font_unmapped(const struct pdf_font *font);
/* Fonts drawn vertically (WMode 1) advance down. */
bool pdf_font_vertical(const struct pdf_font *font);
/* The Type 3 font matrix's horizontal scale (0.001 for other fonts). */
double pdf_font_scale(const struct pdf_font *font);

/* pdfcmap.c: a CMap (ToUnicode, or an embedded encoding CMap) */
struct pdf_cmap;
struct pdf_cmap *pdf_cmap_parse(struct pdf_doc *doc, const unsigned char *data, size_t len);
/* Bytes of the code starting at p according to the codespace ranges (1
 * when none matches). */
uint32_t pdf_cmap_code_len(const struct pdf_cmap *cmap, const unsigned char *p, size_t n);
bool pdf_cmap_has_codespace(const struct pdf_cmap *cmap);
/* Unicode of a code (ToUnicode): up to 4 code points, count returned. */
uint32_t pdf_cmap_unicode(const struct pdf_cmap *cmap, uint32_t code, uint32_t out[4]);
/* CID of a code (an encoding CMap); returns false when unmapped. */
bool pdf_cmap_cid(const struct pdf_cmap *cmap, uint32_t code, uint32_t *cid);
/* The CMap's /WMode. */
int pdf_cmap_wmode(const struct pdf_cmap *cmap);

/* CID → Unicode for the Adobe character collections, from poppler-data
 * (loaded once per classifier, on demand or by classify_preload). */
struct pdf_cid_tables;
struct pdf_cid_tables *pdf_cid_tables_new(void);
void pdf_cid_tables_free(struct pdf_cid_tables *t);
/* Loads the table of one ordering ("CNS1", "GB1", "Japan1", "Korea1"), or
 * all of them when ordering is NULL.  Returns 0 or -errno. */
int pdf_cid_tables_load(struct pdf_cid_tables *t, const char *ordering);
/* Unicode of a CID in an ordering; 0 when unknown or not loaded. */
uint32_t pdf_cid_to_unicode(const struct pdf_cid_tables *t, const char *ordering, uint32_t cid);

/* pdfenc.c */
enum pdf_base_encoding {
	PDF_ENC_STANDARD,
	PDF_ENC_WINANSI,
	PDF_ENC_MACROMAN,
	PDF_ENC_PDFDOC,
	PDF_ENC_SYMBOL_NONE, /* no table: the font's own encoding */
};
/* Unicode of a byte in a base encoding (0 when undefined). */
uint32_t pdf_encoding_unicode(enum pdf_base_encoding enc, unsigned char code);
/* Unicode of a glyph name: Adobe names of the Latin encodings, uniXXXX,
 * uXXXX[XX]; 0 when unknown. */
uint32_t pdf_glyph_unicode(const char *name, size_t len);
/* A PDF text string (PDFDocEncoding, or UTF-16 with a BOM) as UTF-8 in
 * out (NUL-terminated, truncated to cap); returns the length. */
size_t pdf_text_string(const unsigned char *s, size_t n, char *out, size_t cap);

/* ---- Metadata (pdf.c) -------------------------------------------------- */

/* "name: value" as a line of the current (metadata) page; nothing when
 * value is NULL or empty. */
void pdf_meta_line(struct scan *s, const char *name, const char *value);
/* The XMP packet's text values as "property: value" lines of the current
 * (metadata) page. */
void pdf_read_xmp(struct scan *s, const char *xmp, size_t len);

/* ---- Page text (pdfcontent.c, pdflines.c) ------------------------------ */

/* A piece of text shown on the page at one place: device coordinates with
 * y growing down the page, the baseline from (x0, y) to (x1, y) in the
 * run's own direction dir (0 left to right, 1 top to bottom, 2 right to
 * left, 3 bottom to top), the font size on the page, the text as UTF-8 in
 * the page's text buffer.  x0, x1, y are in the run's own frame, turned so
 * that it reads left to right: for direction 0 they are page coordinates. */
struct pdf_run {
	double x0, x1, y, size; /* along and across the run's direction */
	double page_x, page_y;	/* where it starts on the page */
	uint32_t text_off, text_len;
	uint8_t dir;
	uint32_t seq; /* drawing order, to keep sorting stable */
};

struct pdf_page_text {
	struct pdf_run *runs;
	size_t n_runs, cap_runs;
	char *text;
	size_t text_len, text_cap;
	size_t max_bytes; /* bound on text + runs of one page */
	bool truncated;
	uint32_t images;   /* images drawn (XObject or inline) */
	double image_area; /* fraction of the page the images cover, at most 1 */
};

void pdf_page_text_reset(struct pdf_page_text *pt);
void pdf_page_text_free(struct pdf_page_text *pt);

/* Runs the page's content stream(s) and collects its text.  box is the
 * page's visible box [x0 y0 x1 y1], rotate its /Rotate.  Returns PDF_OK,
 * or the document's failure. */
enum pdf_status pdf_page_collect(struct pdf_doc *doc, const struct pdf_obj *page,
				 const struct pdf_obj *resources, const double box[4], int rotate,
				 struct pdf_page_text *pt);

/* The page's text as lines in reading order (top to bottom, left to
 * right; a wide gap starts a new line), fed to the scan as one body page
 * named where. */
void pdf_lines_feed(struct scan *s, struct pdf_page_text *pt, const char *where);

#endif
