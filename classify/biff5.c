/* Excel 5.0/95 workbooks (BIFF5, the "Book" stream; ole.h): no shared
 * string table, so cell text is in LABEL and RSTRING records and formula
 * results in STRING records, all 8-bit in the workbook's code page
 * (CODEPAGE; Big5 in a Chinese Excel 95); HEADER and FOOTER records hold
 * the page header and footer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

#define BIFF_HEADER 0x0014
#define BIFF_FOOTER 0x0015
#define BIFF_FILEPASS 0x002F
#define BIFF_CODEPAGE 0x0042
#define BIFF_LABEL 0x0204
#define BIFF_STRING 0x0207
#define BIFF_RSTRING 0x00D6

/* n bytes at off of the record, in the workbook's code page, as a line. */
static void add_text(struct textbuf *o, struct span b, size_t off, size_t n, unsigned codepage)
{
	size_t ulen;
	char *t;

	if (off > b.len || n > b.len - off)
		return;
	t = charset_codepage_to_utf8(b.p + off, n, codepage, &ulen);
	if (t == NULL)
		return;
	for (size_t i = 0; i < ulen; i++)
		if (t[i] == '\r' || t[i] == '\n')
			t[i] = ' ';
	textbuf_add(o, t, ulen, false);
	textbuf_add(o, "\n", 1, false);
	free(t);
}

/* A header or footer: an 8-bit length, the text with Excel's codes. */
static void header_footer(struct cfb *c, struct span b, size_t at, uint32_t size, bool header,
			  unsigned codepage)
{
	size_t ulen;

	if (size < 1 || b.p[at] > size - 1)
		return;
	char *t = charset_codepage_to_utf8(b.p + at + 1, b.p[at], codepage, &ulen);
	if (t == NULL)
		return;
	scan_page_begin(c->s, header ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
			header ? "Book sheet header" : "Book sheet footer");
	ooxml_excel_hf(c->s, t, ulen);
	scan_page_end(c->s);
	free(t);
}

void ole_extract_biff5(struct cfb *c, const struct cfb_entry *book)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, pos = 0;
	unsigned codepage = 1252;
	struct textbuf body = {0};
	struct span b;

	data = cfb_read(c, book, &len);
	if (data == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	b = (struct span){data, len};
	while (pos + 4 <= len) {
		uint32_t type = 0, size = 0, n = 0, cp = 0;
		size_t at = pos + 4;

		rd16(b, pos, &type);
		rd16(b, pos + 2, &size);
		if (size > len - at)
			break;
		if (type == BIFF_FILEPASS) {
			scan_set_uninspectable(c->s, "Excel 5/95 workbook is encrypted with a "
						     "password: cells not readable");
			break;
		}
		if (type == BIFF_CODEPAGE && rd16(b, at, &cp))
			codepage = cp == 1200 ? 1252 : cp;
		else if ((type == BIFF_LABEL || type == BIFF_RSTRING) && rd16(b, at + 6, &n))
			add_text(&body, b, at + 8, n, codepage);
		else if (type == BIFF_STRING && rd16(b, at, &n))
			add_text(&body, b, at + 2, n, codepage);
		else if (type == BIFF_HEADER || type == BIFF_FOOTER)
			header_footer(c, b, at, size, type == BIFF_HEADER, codepage);
		if ((pos & 0xFFFF) == 0 && scan_over_budget(c->s))
			break;
		pos = at + size;
	}
	if (body.len > 0)
		textbuf_emit(c->s, &body, SCAN_ZONE_BODY, "Book cells (Excel 5/95)");
	textbuf_free(&body);
}
