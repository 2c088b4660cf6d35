/* Fonts for the PDF reader (ISO 32000-1, 9.5 to 9.10): how the bytes of a
 * shown string split into character codes, what each code means in
 * Unicode, and how far it advances.  Read once per font object and cached
 * (pdf_font_slot).
 *
 * Unicode comes from the font's ToUnicode map when it has one; otherwise
 * from its encoding: a simple font's base encoding and /Differences glyph
 * names; a composite font's predefined CMap when that is Unicode (Uni*-UCS2,
 * Uni*-UTF16) or Big5 (ETen-B5, B5pc, HKscs-B5...), or its CIDs through
 * poppler-data's table of the font's Adobe character collection.  A font
 * with none of these (a symbolic font, an Identity-H font of no known
 * collection, GBK or Shift-JIS CMaps) is marked unmapped: showing text in
 * it makes the document poppler's, which reads the embedded font program.
 * Widths come from /Widths or /W; the standard 14 fonts without widths get
 * an average, which is enough to tell one word or column from the next. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/pdf.h"
#include "classify/resources.h"
#include "classify/scan.h"

/* Widths of CIDs kept: the CIDs of the Adobe collections fit. */
#define CID_MAX 65536

enum coding {
	CODING_SIMPLE,	 /* one byte per code */
	CODING_CMAP,	 /* an embedded CMap (or Identity): code → CID */
	CODING_IDENTITY, /* two bytes, the code is the CID */
	CODING_UCS2,	 /* two bytes of UCS-2 */
	CODING_UTF16,	 /* UTF-16BE, two or four bytes */
	CODING_BIG5,	 /* Big5 / CP950, one or two bytes */
};

struct pdf_font {
	enum coding coding;
	bool unmapped; /* some codes have no Unicode this reader can find */
	bool vertical;
	double scale; /* glyph units to text space: 0.001, or a Type 3 matrix */
	struct pdf_cmap *to_unicode;
	struct pdf_cmap *encoding; /* CODING_CMAP */
	char ordering[16];	   /* CNS1, GB1, Japan1, Korea1, or "" */
	const struct pdf_cid_tables *cid_tables;
	const struct big5_table *big5;
	struct pdf_simple_tables simple;
	uint16_t default_width;
	uint16_t *cid_widths[CID_MAX / 256];
};

/* ---- Simple fonts ----------------------------------------------------- */

static enum pdf_base_encoding base_encoding(const struct pdf_obj *name, bool *known)
{
	*known = true;
	if (pdf_name_is(name, "WinAnsiEncoding"))
		return PDF_ENC_WINANSI;
	if (pdf_name_is(name, "MacRomanEncoding"))
		return PDF_ENC_MACROMAN;
	if (pdf_name_is(name, "StandardEncoding"))
		return PDF_ENC_STANDARD;
	if (pdf_name_is(name, "PDFDocEncoding"))
		return PDF_ENC_PDFDOC;
	*known = false;
	return PDF_ENC_STANDARD;
}

static bool base_font_is(const struct pdf_obj *base, const char *family)
{
	const char *name = (const char *)base->u.s;

	if (base->kind != PDF_NAME)
		return false;
	/* A subset tag "ABCDEF+" comes first. */
	if (base->len > 7 && name[6] == '+')
		name += 7;
	return strncmp(name, family, strlen(family)) == 0;
}

/* The cleartext part of an embedded Type 1 program (FontFile) names its
 * built-in encoding: "/Encoding StandardEncoding def", or an array filled
 * by "dup CODE /NAME put".  Returns true when it was read. */
static bool type1_builtin_encoding(struct pdf_doc *doc, struct pdf_font *f,
				   const struct pdf_obj *desc)
{
	const struct pdf_stream *st = pdf_get_stream(doc, pdf_dict_get_raw(desc, "FontFile"));
	enum pdf_status status;
	size_t len, clear;
	bool read = false;

	if (st == NULL)
		return false;
	unsigned char *data = pdf_decode(doc, st, &len, &status);
	if (data == NULL) {
		pdf_doc_clear(doc);
		return false;
	}
	int64_t length1 = pdf_int(pdf_dict_get(doc, st->dict, "Length1"), (int64_t)len);
	clear = length1 >= 0 && (uint64_t)length1 < len ? (size_t)length1 : len;
	if (clear > len)
		clear = len;
	const unsigned char *p = memmem(data, clear, "/Encoding", 9), *end = data + clear;
	if (p != NULL && memmem(p, (size_t)(end - p) < 64 ? (size_t)(end - p) : 64,
				"StandardEncoding", 16) != NULL) {
		for (int c = 0; c < 256; c++)
			f->simple.uni[c] = pdf_encoding_unicode(PDF_ENC_STANDARD, (unsigned char)c);
		read = true;
	} else if (p != NULL) {
		const unsigned char *stop = memmem(p, (size_t)(end - p), "readonly def", 12);

		if (stop == NULL)
			stop = end;
		memset(f->simple.uni, 0, sizeof(f->simple.uni));
		while ((p = memmem(p, (size_t)(stop - p), "dup ", 4)) != NULL) {
			bool is_int;
			int64_t code;
			double r;
			const unsigned char *q = pdf_lex_number(p + 4, stop, &is_int, &code, &r);

			p += 4;
			q = pdf_skip_space(q, stop);
			if (q >= stop || *q != '/' || !is_int || code < 0 || code > 255)
				continue;
			size_t n = pdf_token_len(q + 1, stop);
			f->simple.uni[code] = pdf_glyph_unicode((const char *)q + 1, n);
		}
		read = true;
	}
	free(data);
	return read;
}

/* The encoding of a simple font: base encoding, then /Differences. */
static void simple_encoding(struct pdf_doc *doc, struct pdf_font *f, const struct pdf_obj *font,
			    const struct pdf_obj *subtype)
{
	const struct pdf_obj *enc = pdf_dict_get(doc, font, "Encoding");
	const struct pdf_obj *desc = pdf_dict_get(doc, font, "FontDescriptor");
	const struct pdf_obj *base_font = pdf_dict_get(doc, font, "BaseFont");
	int64_t flags = pdf_int(pdf_dict_get(doc, desc, "Flags"), 0);
	bool symbolic = (flags & 4) != 0, known = false;
	enum pdf_base_encoding base;

	if (enc->kind == PDF_DICT)
		base = base_encoding(pdf_dict_get(doc, enc, "BaseEncoding"), &known);
	else
		base = base_encoding(enc, &known);
	if (base_font_is(base_font, "Symbol") || base_font_is(base_font, "ZapfDingbats"))
		symbolic = true;
	/* Without an encoding the font program's own applies: a Type 1
	 * program states it in clear text; otherwise Standard for a
	 * non-symbolic font, unknowable here for a symbolic or Type 3 one. */
	if (!known && (symbolic || pdf_name_is(subtype, "Type3")))
		base = PDF_ENC_SYMBOL_NONE;
	for (int c = 0; c < 256; c++)
		f->simple.uni[c] = pdf_encoding_unicode(base, (unsigned char)c);
	if (!known && type1_builtin_encoding(doc, f, desc))
		base = PDF_ENC_STANDARD;

	const struct pdf_obj *diff = pdf_dict_get(doc, enc, "Differences");
	int64_t code = 0;
	for (uint32_t i = 0; diff->kind == PDF_ARRAY && i < diff->len; i++) {
		const struct pdf_obj *item = pdf_array_get(doc, diff, i);

		if (item->kind == PDF_INT) {
			code = item->u.i;
		} else if (item->kind == PDF_NAME) {
			if (code >= 0 && code < 256)
				f->simple.uni[code] =
				    pdf_glyph_unicode((const char *)item->u.s, item->len);
			code++;
		}
	}
	/* A code of this font that names no character this reader knows
	 * may be text that poppler can read from the font program. */
	f->simple.strict = base == PDF_ENC_SYMBOL_NONE;
}

static void simple_widths(struct pdf_doc *doc, struct pdf_font *f, const struct pdf_obj *font)
{
	const struct pdf_obj *widths = pdf_dict_get(doc, font, "Widths");
	const struct pdf_obj *desc = pdf_dict_get(doc, font, "FontDescriptor");
	double first = pdf_number(pdf_dict_get(doc, font, "FirstChar"), 0);
	double missing = pdf_number(pdf_dict_get(doc, desc, "MissingWidth"), 0);
	const struct pdf_obj *base = pdf_dict_get(doc, font, "BaseFont");

	if (missing <= 0 || missing > 65535)
		missing = base_font_is(base, "Courier") ? 600 : 500;
	for (int c = 0; c < 256; c++)
		f->simple.width[c] = (uint16_t)missing;
	for (uint32_t i = 0; widths->kind == PDF_ARRAY && i < widths->len; i++) {
		double code = first + i, w = pdf_number(pdf_array_get(doc, widths, i), -1);

		if (code < 0 || code > 255)
			break;
		if (w >= 0)
			f->simple.width[(int)code] = (uint16_t)(w > 65535 ? 65535 : w);
	}
}

/* ToUnicode looked up once per code, so a glyph costs one load; codes
 * it leaves out keep their encoding's meaning. */
static void simple_from_to_unicode(struct pdf_doc *doc, struct pdf_font *f,
				   const struct pdf_obj *font, const struct pdf_obj *subtype)
{
	simple_encoding(doc, f, font, subtype);
	f->simple.strict = false;
	for (int c = 0; c < 256; c++) {
		uint32_t cps[4], k = pdf_cmap_unicode(f->to_unicode, (uint32_t)c, cps);

		if (k == 1)
			f->simple.uni[c] = cps[0];
		else if (k > 1)
			f->simple.multi[c / 8] |= (uint8_t)(1u << (c % 8));
	}
}

/* ---- Composite fonts -------------------------------------------------- */

static bool set_cid_width(struct pdf_doc *doc, struct pdf_font *f, int64_t cid, double w)
{
	uint16_t **page;

	if (cid < 0 || cid >= CID_MAX)
		return false;
	page = &f->cid_widths[cid >> 8];
	if (*page == NULL) {
		*page = pdf_alloc(doc, 256 * sizeof(uint16_t));
		if (*page == NULL)
			return false;
		for (int i = 0; i < 256; i++)
			(*page)[i] = f->default_width;
	}
	(*page)[cid & 0xff] = (uint16_t)(w < 0 ? 0 : w > 65535 ? 65535 : w);
	return true;
}

/* /W: "c [w1 w2 ...]" or "c_first c_last w". */
static void cid_widths(struct pdf_doc *doc, struct pdf_font *f, const struct pdf_obj *cidfont)
{
	const struct pdf_obj *w = pdf_dict_get(doc, cidfont, "W");
	uint32_t i = 0, writes = 0;

	int64_t dw = pdf_int(pdf_dict_get(doc, cidfont, "DW"), 1000);

	f->default_width = (uint16_t)(dw < 0 ? 0 : dw > 65535 ? 65535 : dw);
	while (w->kind == PDF_ARRAY && i < w->len && writes < CID_MAX * 4) {
		const struct pdf_obj *a = pdf_array_get(doc, w, i);
		const struct pdf_obj *b = pdf_array_get(doc, w, i + 1);

		if (a->kind != PDF_INT)
			break;
		if (b->kind == PDF_ARRAY) {
			for (uint32_t k = 0; k < b->len; k++, writes++)
				if (!set_cid_width(doc, f, a->u.i + k,
						   pdf_number(pdf_array_get(doc, b, k), 0)))
					break;
			i += 2;
		} else if (b->kind == PDF_INT) {
			double width = pdf_number(pdf_array_get(doc, w, i + 2), 0);

			for (int64_t c = a->u.i; c <= b->u.i && c < CID_MAX; c++, writes++)
				if (!set_cid_width(doc, f, c, width))
					break;
			i += 3;
		} else {
			break;
		}
	}
}

static bool name_starts(const struct pdf_obj *name, const char *prefix)
{
	return name->kind == PDF_NAME &&
	       strncmp((const char *)name->u.s, prefix, strlen(prefix)) == 0;
}

static bool name_has(const struct pdf_obj *name, const char *part)
{
	return name->kind == PDF_NAME && strstr((const char *)name->u.s, part) != NULL;
}

/* The predefined CMap a composite font names, as far as this reader
 * understands it. */
static bool predefined_coding(struct pdf_font *f, const struct pdf_obj *enc)
{
	if (pdf_name_is(enc, "Identity-H") || pdf_name_is(enc, "Identity-V")) {
		f->coding = CODING_IDENTITY;
	} else if (name_starts(enc, "Uni") && name_has(enc, "-UCS2-")) {
		f->coding = CODING_UCS2;
	} else if (name_starts(enc, "Uni") && name_has(enc, "-UTF16-")) {
		f->coding = CODING_UTF16;
	} else if (name_has(enc, "B5")) {
		f->coding = CODING_BIG5;
	} else {
		return false;
	}
	f->vertical = enc->len > 2 && memcmp(enc->u.s + enc->len - 2, "-V", 2) == 0;
	return true;
}

static void composite(struct pdf_doc *doc, struct pdf_font *f, const struct pdf_obj *font)
{
	const struct pdf_obj *enc_raw = pdf_dict_get_raw(font, "Encoding");
	const struct pdf_obj *enc = pdf_resolve(doc, enc_raw);
	const struct pdf_obj *cidfont =
	    pdf_array_get(doc, pdf_dict_get(doc, font, "DescendantFonts"), 0);
	const struct pdf_obj *info = pdf_dict_get(doc, cidfont, "CIDSystemInfo");
	const struct pdf_obj *ordering = pdf_dict_get(doc, info, "Ordering");
	const struct pdf_stream *st = pdf_get_stream(doc, enc_raw);

	if (ordering->kind == PDF_STRING || ordering->kind == PDF_NAME)
		snprintf(f->ordering, sizeof(f->ordering), "%s", (const char *)ordering->u.s);
	cid_widths(doc, f, cidfont);
	if (enc->kind == PDF_NAME) {
		if (!predefined_coding(f, enc))
			f->unmapped = true;
	} else if (st != NULL) {
		enum pdf_status status;
		size_t len;
		unsigned char *data = pdf_decode(doc, st, &len, &status);

		f->coding = CODING_CMAP;
		if (data != NULL) {
			f->encoding = pdf_cmap_parse(doc, data, len);
			free(data);
		}
		if (f->encoding == NULL)
			f->unmapped = true;
		else
			f->vertical = pdf_cmap_wmode(f->encoding) == 1;
	} else {
		f->unmapped = true;
	}
	if (f->to_unicode != NULL || f->unmapped)
		return;
	/* Without ToUnicode, CIDs mean something only in a known
	 * collection, whose table poppler-data has. */
	if (f->coding == CODING_IDENTITY || f->coding == CODING_CMAP) {
		const struct classify_resources *res = pdf_doc_resources(doc);
		struct pdf_cid_tables *t = res != NULL ? res->cid : NULL;

		if (t == NULL || f->ordering[0] == '\0' ||
		    (pdf_cid_tables_load(t, f->ordering) < 0 &&
		     pdf_cid_to_unicode(t, f->ordering, 0x22) == 0))
			f->unmapped = true;
		f->cid_tables = t;
	}
}

/* ---- Reading a font --------------------------------------------------- */

static struct pdf_font *font_read(struct pdf_doc *doc, const struct pdf_obj *font)
{
	struct pdf_font *f = pdf_alloc(doc, sizeof(*f));
	const struct pdf_obj *subtype = pdf_dict_get(doc, font, "Subtype");
	const struct pdf_obj *tu_raw = pdf_dict_get_raw(font, "ToUnicode");
	const struct pdf_stream *tu = pdf_get_stream(doc, tu_raw);

	if (f == NULL)
		return NULL;
	f->scale = 0.001;
	f->big5 = pdf_doc_resources(doc) != NULL ? pdf_doc_resources(doc)->big5 : NULL;
	if (tu != NULL) {
		enum pdf_status status;
		size_t len;
		unsigned char *data = pdf_decode(doc, tu, &len, &status);

		if (data != NULL) {
			f->to_unicode = pdf_cmap_parse(doc, data, len);
			free(data);
		}
		if (pdf_doc_status(doc, NULL) == PDF_STOP)
			return NULL;
	}
	if (pdf_name_is(subtype, "Type0")) {
		composite(doc, f, font);
	} else {
		f->coding = CODING_SIMPLE;
		simple_widths(doc, f, font);
		if (f->to_unicode == NULL)
			simple_encoding(doc, f, font, subtype);
		else
			simple_from_to_unicode(doc, f, font, subtype);
		if (pdf_name_is(subtype, "Type3")) {
			const struct pdf_obj *m = pdf_dict_get(doc, font, "FontMatrix");
			double a = pdf_number(pdf_array_get(doc, m, 0), 0.001);

			f->scale = a > 0 && a < 10 ? a : 0.001;
		}
	}
	return f;
}

struct pdf_font *pdf_font_get(struct pdf_doc *doc, const struct pdf_obj *font_ref)
{
	struct pdf_font **slot = pdf_font_slot(doc, font_ref);
	const struct pdf_obj *font = pdf_resolve(doc, font_ref);

	if (font->kind != PDF_DICT)
		return NULL;
	if (slot != NULL && *slot != NULL)
		return *slot;
	struct pdf_font *f = font_read(doc, font);
	if (slot != NULL)
		*slot = f;
	return f;
}

const struct pdf_simple_tables *pdf_font_simple(const struct pdf_font *font)
{
	return font->coding == CODING_SIMPLE ? &font->simple : NULL;
}

bool pdf_font_vertical(const struct pdf_font *font)
{
	return font->vertical;
}

double pdf_font_scale(const struct pdf_font *font)
{
	return font->scale;
}

bool pdf_font_unmapped(const struct pdf_font *font)
{
	return font->unmapped && font->to_unicode == NULL;
}

/* ---- Decoding ----------------------------------------------------------- */

static uint16_t cid_width(const struct pdf_font *f, uint32_t cid)
{
	const uint16_t *page = cid < CID_MAX ? f->cid_widths[cid >> 8] : NULL;

	return page != NULL ? page[cid & 0xff] : f->default_width;
}

static void put_unicode(struct pdf_glyph *g, const uint32_t *cps, uint32_t n)
{
	g->n_uni = (uint8_t)(n > 4 ? 4 : n);
	memcpy(g->uni, cps, g->n_uni * sizeof(uint32_t));
}

static void next_big5(const struct pdf_font *f, const unsigned char *p, size_t n,
		      struct pdf_glyph *g)
{
	size_t len = 0;
	char *utf8;

	g->n_bytes = p[0] >= 0x81 && p[0] <= 0xfe && n >= 2 ? 2 : 1;
	g->code = g->n_bytes == 2 ? (uint32_t)p[0] << 8 | p[1] : p[0];
	g->width = g->n_bytes == 2 ? 1000 : 500;
	if (g->n_bytes == 1) {
		g->uni[0] = p[0];
		g->n_uni = 1;
		return;
	}
	utf8 = f->big5 != NULL ? big5_table_decode(f->big5, p, 2, &len)
			       : charset_big5_to_utf8(p, 2, &len);
	if (utf8 != NULL && len == 3 && ((unsigned char)utf8[0] & 0xf0) == 0xe0) {
		g->uni[0] = ((uint32_t)utf8[0] & 0x0f) << 12 | ((uint32_t)utf8[1] & 0x3f) << 6 |
			    ((uint32_t)utf8[2] & 0x3f);
		g->n_uni = 1;
	}
	free(utf8);
}

void pdf_font_next(const struct pdf_font *f, const unsigned char *p, size_t n, struct pdf_glyph *g)
{
	uint32_t cps[4], cid = 0, k;

	if (f->coding == CODING_SIMPLE) {
		/* The hot path: one byte, two table loads. */
		unsigned char c = p[0];

		g->code = c;
		g->n_bytes = 1;
		g->width = f->simple.width[c];
		g->is_space = c == 32;
		g->uni[0] = f->simple.uni[c];
		g->n_uni = g->uni[0] != 0;
		if (f->simple.multi[c / 8] & (1u << (c % 8))) {
			k = pdf_cmap_unicode(f->to_unicode, c, cps);
			put_unicode(g, cps, k);
		}
		return;
	}
	memset(g, 0, sizeof(*g));
	switch (f->coding) {
	case CODING_SIMPLE:
		return;
	case CODING_BIG5:
		next_big5(f, p, n, g);
		break;
	case CODING_UCS2:
	case CODING_UTF16:
		g->n_bytes = n >= 2 ? 2 : 1;
		g->code = n >= 2 ? (uint32_t)p[0] << 8 | p[1] : p[0];
		cps[0] = g->code;
		if (f->coding == CODING_UTF16 && n >= 4 && g->code >= 0xd800 && g->code < 0xdc00) {
			uint32_t lo = (uint32_t)p[2] << 8 | p[3];

			g->n_bytes = 4;
			g->code = g->code << 16 | lo;
			cps[0] = 0x10000 + ((cps[0] - 0xd800) << 10) + (lo - 0xdc00);
		}
		put_unicode(g, cps, 1);
		g->width = cps[0] >= 0x2e80 ? 1000 : 500;
		break;
	case CODING_IDENTITY:
	case CODING_CMAP:
		if (f->coding == CODING_CMAP && pdf_cmap_has_codespace(f->encoding))
			g->n_bytes = pdf_cmap_code_len(f->encoding, p, n);
		else
			g->n_bytes = n >= 2 ? 2 : 1;
		if (g->n_bytes > n)
			g->n_bytes = (uint32_t)n;
		for (uint32_t i = 0; i < g->n_bytes; i++)
			g->code = g->code << 8 | p[i];
		cid = g->code;
		if (f->coding == CODING_CMAP)
			pdf_cmap_cid(f->encoding, g->code, &cid);
		g->width = cid_width(f, cid);
		if (f->to_unicode == NULL && f->cid_tables != NULL &&
		    (cps[0] = pdf_cid_to_unicode(f->cid_tables, f->ordering, cid)) != 0)
			put_unicode(g, cps, 1);
		break;
	}
	/* ToUnicode, when the font has one, says what the code means. */
	if (f->to_unicode != NULL && (k = pdf_cmap_unicode(f->to_unicode, g->code, cps)))
		put_unicode(g, cps, k);
	/* A single-byte code 32 is a word space (9.3.3) in any font. */
	g->is_space = g->n_bytes == 1 && g->code == 32;
}
