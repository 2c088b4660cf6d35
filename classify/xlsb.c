/* Excel binary workbooks (.xlsb, BIFF12) inside their Office Open XML
 * package (ooxml.h): the shared strings of xl/sharedStrings.bin as a body
 * page, each sheet's inline and formula strings as a page of its own, and
 * its header and footer (BrtBeginHeaderFooter) as header and footer zones.
 *
 * A part is a run of records: a type of one or two bytes and a size of up
 * to four, 7 bits each with a continuation bit.  Every read is checked
 * against the record it belongs to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/ooxml.h"
#include "classify/scan.h"

/* Parts larger than this are read as far as this. */
#define XLSB_PART_MAX (64u << 20)

enum {
	BRT_CELL_ST = 6,	 /* a cell holding an inline string */
	BRT_FMLA_STRING = 8,	 /* a formula cell whose value is a string */
	BRT_SST_ITEM = 19,	 /* a shared string */
	BRT_HEADER_FOOTER = 479, /* BrtBeginHeaderFooter */
};

struct rec {
	const unsigned char *p;
	size_t len;
};

/* The next record of data[*pos..len): its type and body. */
static bool next_record(const unsigned char *data, size_t len, size_t *pos, unsigned *type,
			struct rec *body)
{
	size_t at = *pos, size = 0;

	if (at >= len)
		return false;
	*type = data[at] & 0x7F;
	if (data[at++] & 0x80) {
		if (at >= len)
			return false;
		*type |= (unsigned)(data[at++] & 0x7F) << 7;
	}
	for (int i = 0; i < 4; i++) {
		if (at >= len)
			return false;
		size |= (size_t)(data[at] & 0x7F) << (7 * i);
		if (!(data[at++] & 0x80))
			break;
	}
	if (size > len - at)
		return false;
	body->p = data + at;
	body->len = size;
	*pos = at + size;
	return true;
}

/* An XLWideString (or XLNullableWideString) at off: 32-bit character
 * count, then UTF-16LE.  Returns its UTF-8 (malloc'ed) and moves *off past
 * it; NULL when absent, null or out of the record. */
static char *wide_string(const struct rec *r, size_t *off, size_t *out_len)
{
	uint32_t cch;

	if (*off > r->len || r->len - *off < 4)
		return NULL;
	cch = (uint32_t)r->p[*off] | (uint32_t)r->p[*off + 1] << 8 |
	      (uint32_t)r->p[*off + 2] << 16 | (uint32_t)r->p[*off + 3] << 24;
	*off += 4;
	if (cch == 0xFFFFFFFFu || cch > (r->len - *off) / 2)
		return NULL;
	*off += (size_t)cch * 2;
	return charset_utf16le_to_utf8(r->p + *off - (size_t)cch * 2, cch, out_len);
}

static void text_line(struct scan *s, char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == '\r' || t[i] == '\n')
			t[i] = ' ';
	scan_text(s, t, n, false);
	scan_text(s, "\n", 1, false);
}

/* BrtBeginHeaderFooter: flags, then odd header and footer, even header and
 * footer, first-page header and footer. */
static void header_footer(struct scan *s, const struct rec *r, const char *part)
{
	size_t off = 2;

	for (int i = 0; i < 6; i++) {
		size_t n;
		char *t = wide_string(r, &off, &n), where[96];
		bool header = i % 2 == 0;

		if (t == NULL)
			continue;
		snprintf(where, sizeof(where), "%.80s %s", part, header ? "header" : "footer");
		scan_page_begin(s, header ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER, where);
		ooxml_excel_hf(s, t, n);
		scan_page_end(s);
		free(t);
	}
}

static void read_records(struct scan *s, const unsigned char *data, size_t len, const char *part)
{
	size_t pos = 0;
	unsigned type, count = 0;
	struct rec r;

	scan_page_begin(s, SCAN_ZONE_BODY, part);
	while (next_record(data, len, &pos, &type, &r)) {
		size_t off = 0, n;
		char *t = NULL;

		if ((++count & 1023) == 0 && scan_over_budget(s))
			break;
		if (type == BRT_SST_ITEM) {
			off = 1; /* flags: rich text, phonetic */
			t = wide_string(&r, &off, &n);
		} else if (type == BRT_CELL_ST || type == BRT_FMLA_STRING) {
			off = 8; /* column, style */
			t = wide_string(&r, &off, &n);
		} else if (type == BRT_HEADER_FOOTER) {
			scan_page_end(s);
			header_footer(s, &r, part);
			scan_page_begin(s, SCAN_ZONE_BODY, part);
		}
		if (t != NULL) {
			text_line(s, t, n);
			free(t);
		}
	}
	scan_page_end(s);
}

bool xlsb_read_part(struct scan *s, const void *zip, size_t len, const struct zipmem_entry *e,
		    const char *part)
{
	char *data = NULL, reason[160];
	size_t n = 0;
	enum zipmem_status st = zipmem_load(s, zip, len, e, XLSB_PART_MAX, &data, &n);

	if (st != ZIPMEM_OK) {
		free(data);
		if (st != ZIPMEM_BUDGET) {
			snprintf(reason, sizeof(reason), "%.80s: %s", part, zipmem_strerror(st));
			scan_set_uninspectable(s, reason);
		}
		return st != ZIPMEM_BUDGET;
	}
	read_records(s, (const unsigned char *)data, n, part);
	free(data);
	return !scan_over_budget(s);
}
