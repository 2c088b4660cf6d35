/* 公文 DI/SW XML (the exchange format of Taiwan's official letters) and XML
 * in general.
 *
 * A DI letter states its classification structurally: <密等 代碼="機密"/>
 * (the 104 schema), or the level as the element's text, or in the 91
 * schema <密等及解密條件> with the level first and the declassification
 * condition after it (as its text or its 密等 attribute), or with a 密等
 * element of either kind nested inside it.  Those become scan_add_marking(); 代碼="普通" or an
 * empty element means unclassified.  Every element's text is also fed as a
 * line of one body page, so the letter-header field line, supporting
 * evidence (本件於…解密) and personal data are found by the scan like in any
 * other document.  XML that is not a DI letter gives just its text; flat
 * ODF (office:document) goes to the ODF extractor.
 *
 * DI files carry a DOCTYPE naming a DTD that is never fetched; entities
 * are never expanded (xmlutil_parse). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/extract.h"
#include "classify/scan.h"
#include "classify/xmlutil.h"
#include "common/cleanup.h"
#include "common/level.h"
#include "common/util.h"

#define DI_WHERE "xml body"
/* The text of a 密等 element is a word or two; more is not a level. */
#define DI_MARK_TEXT_MAX 256

/* The 91 schema nests a 密等 inside 密等及解密條件 (and either may carry
 * the level as an attribute or as text): each marking element open is a
 * frame of its own. */
#define DI_MARK_NEST 4

struct di_mark_frame {
	int depth;		 /* element depth of the marking element */
	bool from_attr;		 /* it had a 代碼 / 密等 attribute */
	char elem[64];		 /* its name */
	struct xmlutil_buf text; /* its own text */
};

struct di_state {
	struct scan *s;
	struct xmlutil_lines lines;
	int depth;
	int n_marks; /* open marking elements (frames beyond DI_MARK_NEST not kept) */
	struct di_mark_frame marks[DI_MARK_NEST];
};

static bool is_space_utf8(const char *p, size_t len, size_t *skip)
{
	if (len >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) {
		*skip = 1;
		return true;
	}
	if (len >= 3 && memcmp(p, "\xe3\x80\x80", 3) == 0) { /* U+3000 ideographic space */
		*skip = 3;
		return true;
	}
	return false;
}

/* The level a 密等 value names: the whole value (機密, 普通, CONFIDENTIAL),
 * or a Chinese level followed by its declassification condition
 * ("機密（本件於公布後解密）"). */
static bool di_level(const char *text, size_t len, enum ward_level *level)
{
	static const char *const names[] = {"絕對機密", "極機密", "機密", "密"};
	static const enum ward_level levels[] = {WARD_LEVEL_TOP_SECRET, WARD_LEVEL_SECRET,
						 WARD_LEVEL_CONFIDENTIAL, WARD_LEVEL_RESTRICTED};
	size_t skip;

	while (len > 0 && is_space_utf8(text, len, &skip)) {
		text += skip;
		len -= skip;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n' || text[len - 1] == '\r' ||
			   text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return false;
	if (level_parse(text, len, level))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		const char *rest = text + n;

		if (len <= n || memcmp(text, names[i], n) != 0)
			continue;
		/* A condition follows only after a bracket or a separator: "密切"
		 * or "機密性" is a word, not a level. */
		if (*rest == '(' || *rest == ' ' || *rest == ',' || *rest == ';' ||
		    strncmp(rest, "（", 3) == 0 || strncmp(rest, "，", 3) == 0 ||
		    strncmp(rest, "、", 3) == 0 || strncmp(rest, "；", 3) == 0 ||
		    strncmp(rest, "\xe3\x80\x80", 3) == 0) {
			*level = levels[i];
			return true;
		}
	}
	return false;
}

static bool is_mark_element(const char *local)
{
	return strcmp(local, "密等") == 0 || strcmp(local, "密等及解密條件") == 0;
}

static void di_mark(struct di_state *st, const char *elem, const char *how, const char *value,
		    size_t len)
{
	enum ward_level level;
	char where[96], text[96];

	if (!di_level(value, len, &level) || level == WARD_LEVEL_NONE)
		return;
	snprintf(where, sizeof(where), "%s %s", elem, how);
	str_copy_n(text, sizeof(text), value, len);
	scan_add_marking(st->s, level, false, "di-xml-mideng", where, text);
}

static void di_start(void *ud, const char *local, int n_attrs, const char **attrs)
{
	struct di_state *st = ud;
	struct di_mark_frame *f;

	xmlutil_lines_break(&st->lines);
	st->depth++;
	if (!is_mark_element(local) || st->n_marks >= DI_MARK_NEST)
		return;
	f = &st->marks[st->n_marks++];
	f->depth = st->depth;
	f->from_attr = false;
	str_copy(f->elem, sizeof(f->elem), local);
	xmlutil_buf_reset(&f->text);
	/* 代碼 in the 104 schema; 密等 as an attribute of the 91 schema's
	 * 密等及解密條件. */
	for (int i = 0; i < 2; i++) {
		const char *attr = i == 0 ? "代碼" : "密等";
		size_t len;
		const char *v = xmlutil_attr(n_attrs, attrs, attr, &len);

		if (v == NULL)
			continue;
		f->from_attr = true;
		di_mark(st, local, attr, v, len);
	}
}

static void di_end(void *ud, const char *local)
{
	struct di_state *st = ud;
	struct di_mark_frame *f = st->n_marks > 0 ? &st->marks[st->n_marks - 1] : NULL;

	(void)local;
	xmlutil_lines_break(&st->lines);
	if (f != NULL && f->depth == st->depth) {
		if (!f->from_attr && f->text.len > 0)
			di_mark(st, f->elem, "text", f->text.p, f->text.len);
		st->n_marks--;
	}
	st->depth--;
}

static void di_text(void *ud, const char *chars, size_t len)
{
	struct di_state *st = ud;
	struct di_mark_frame *f = st->n_marks > 0 ? &st->marks[st->n_marks - 1] : NULL;
	size_t skip, i = 0;

	/* Only a marking element's own text: 密等及解密條件's is the level
	 * and condition of the 91 schema, its children's are their own. */
	if (f != NULL && f->depth == st->depth)
		xmlutil_buf_add(&f->text, chars, len);
	/* Indentation between elements is not text. */
	while (i < len && is_space_utf8(chars + i, len - i, &skip))
		i += skip;
	if (i == len)
		return;
	xmlutil_lines_text(&st->lines, chars, len, false);
}

/* The encoding named in the XML declaration, if any, into enc. */
static bool declared_encoding(const char *data, size_t len, char *enc, size_t enclen)
{
	const char *end, *p;
	char q;
	size_t n;

	if (len < 5 || memcmp(data, "<?xml", 5) != 0)
		return false;
	end = memmem(data, len < 512 ? len : 512, "?>", 2);
	if (end == NULL)
		return false;
	p = memmem(data, (size_t)(end - data), "encoding", 8);
	if (p == NULL)
		return false;
	p += 8;
	while (p < end && (*p == ' ' || *p == '='))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return false;
	q = *p++;
	for (n = 0; p + n < end && p[n] != q; n++)
		;
	if (n == 0 || n >= enclen)
		return false;
	memcpy(enc, p, n);
	enc[n] = '\0';
	return true;
}

int extract_di_xml(struct scan *s, const void *data, size_t len)
{
	static const struct xmlutil_sax cb = {di_start, di_end, di_text};
	struct di_state st = {.s = s, .lines = {.s = s}};
	const unsigned char *u = data;
	_cleanup_free_ char *decoded = NULL;
	const void *input = data;
	size_t input_len = len;
	bool force_utf8 = false;
	char enc[32], err[160], reason[200];
	enum xmlutil_status status;

	for (int i = 0; i < DI_MARK_NEST; i++)
		st.marks[i].text.max = DI_MARK_TEXT_MAX;

	/* A BOM or a declared encoding other than UTF-8 is libxml2's to
	 * decode (it knows big5).  Without either, bytes that are
	 * not UTF-8 are a legacy file: Big5 as the scan decodes it. */
	bool bom = len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff) ||
				(len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf));
	bool declared = declared_encoding(data, len, enc, sizeof(enc)) &&
			strcasecmp(enc, "utf-8") != 0 && strcasecmp(enc, "utf8") != 0;

	/* Flat ODF (.fodt) is XML too, with headers and footers of its own. */
	if (memmem(data, len < 4096 ? len : 4096, "<office:document", 16) &&
	    memmem(data, len < 4096 ? len : 4096,
		   "urn:oasis:names:tc:opendocument:xmlns:office:1.0", 48))
		return extract_odf(s, data, len);

	if (!bom && !declared && !xmlutil_valid_utf8(u, len)) {
		decoded = scan_decode_text(data, len, &input_len);
		if (decoded == NULL) {
			scan_set_uninspectable(s, "out of memory decoding legacy-encoded XML");
			return 0;
		}
		input = decoded;
		force_utf8 = true;
	}

	scan_page_begin(s, SCAN_ZONE_BODY, DI_WHERE);
	status = xmlutil_parse(s, &cb, &st, input, input_len, force_utf8, err, sizeof(err));
	xmlutil_lines_break(&st.lines);
	scan_page_end(s);
	for (int i = 0; i < DI_MARK_NEST; i++)
		xmlutil_buf_free(&st.marks[i].text);

	switch (status) {
	case XMLUTIL_OK:
	case XMLUTIL_BUDGET:
		break;
	case XMLUTIL_MALFORMED:
		snprintf(reason, sizeof(reason), "XML not well-formed (%s)", err);
		scan_set_uninspectable(s, reason);
		break;
	case XMLUTIL_NOMEM:
		scan_set_uninspectable(s, "out of memory parsing XML");
		break;
	}
	return 0;
}
