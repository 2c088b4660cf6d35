/* PowerPoint (.ppt) out of its compound file (ole.h): the text atoms of
 * the PowerPoint Document stream, per slide, notes page and master, in the
 * order of their shapes' places; the header and footer atoms as header and
 * footer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

#define PPT_SLIDE 0x03EE
#define PPT_NOTES 0x03F0
#define PPT_MAIN_MASTER 0x03F8
#define PPT_TEXT_CHARS 0x0FA0
#define PPT_TEXT_BYTES 0x0FA8
#define PPT_CSTRING 0x0FBA
#define PPT_HEADERS_FOOTERS 0x0FD9
#define ART_SP_CONTAINER 0xF004
#define ART_CLIENT_ANCHOR 0xF010

/* A text atom as UTF-8 with Word-style line marks turned into '\n';
 * NULL when out of memory. */
static char *atom_text(const uint8_t *p, uint32_t type, uint32_t size, size_t *ulen)
{
	char *t = type == PPT_TEXT_BYTES ? charset_codepage_to_utf8(p, size, 1252, ulen)
					 : charset_utf16le_to_utf8(p, size / 2, ulen);

	for (size_t k = 0; t != NULL && k < *ulen; k++)
		if (t[k] == '\r' || t[k] == 0x0B)
			t[k] = '\n';
	return t;
}

/* The slide, notes page or master being read: its shapes by place. */
struct ppt_page {
	struct shapes shapes;
	size_t end; /* offset past its container, 0 when none is open */
	char where[48];
	unsigned slides, notes;
};

static void page_flush(struct scan *s, struct ppt_page *pg)
{
	scan_page_begin(s, SCAN_ZONE_BODY, pg->where);
	shapes_emit(&pg->shapes, s);
	scan_page_end(s);
	pg->end = 0;
}

static void page_open(struct ppt_page *pg, uint32_t type, size_t end)
{
	pg->end = end;
	if (type == PPT_SLIDE)
		snprintf(pg->where, sizeof(pg->where), "PowerPoint slide %u", ++pg->slides);
	else if (type == PPT_NOTES)
		snprintf(pg->where, sizeof(pg->where), "PowerPoint notes %u", ++pg->notes);
	else
		snprintf(pg->where, sizeof(pg->where), "PowerPoint master");
}

/* A shape's anchor on its slide: top, left (SmallRectStruct or
 * RectStruct). */
static void anchor(struct ppt_page *pg, struct span b, size_t at, uint32_t size)
{
	uint32_t top = 0, left = 0;

	if (size == 8 && rd16(b, at, &top) && rd16(b, at + 2, &left))
		shapes_place(&pg->shapes, (int16_t)top, (int16_t)left);
	else if (size == 16 && rd32(b, at, &top) && rd32(b, at + 4, &left))
		shapes_place(&pg->shapes, (int32_t)top, (int32_t)left);
}

/* The header and footer text (View > Header and Footer): CString atoms
 * of a HeadersFooters container, instance 1 the header, 2 the footer. */
static void header_footer(struct scan *s, const uint8_t *p, uint32_t inst, uint32_t size)
{
	size_t ulen;
	char *t;

	if (inst != 1 && inst != 2)
		return;
	t = atom_text(p, PPT_TEXT_CHARS, size, &ulen);
	if (t == NULL)
		return;
	scan_page_begin(s, inst == 1 ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
			inst == 1 ? "PowerPoint header" : "PowerPoint footer");
	scan_text(s, t, ulen, false);
	scan_page_end(s);
	free(t);
}

/* The text atoms of the PowerPoint Document stream, walked record by
 * record (containers are entered, atoms skipped by their length).  Each
 * slide, notes page and master is its own page, its shapes (OfficeArt
 * SpContainers) in the order of their anchors; text outside them (the
 * document's slide lists) is one more page. */
void ole_extract_ppt(struct cfb *c, const struct cfb_entry *pd)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, pos = 0, hf_end = 0;
	struct span b;
	struct textbuf rest = {0};
	struct ppt_page pg = {0};

	data = cfb_read(c, pd, &len);
	if (data == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	b = (struct span){data, len};
	while (pos + 8 <= len) {
		uint32_t ver = 0, type = 0, size = 0;

		if (pg.end != 0 && pos >= pg.end)
			page_flush(c->s, &pg);
		rd16(b, pos, &ver);
		rd16(b, pos + 2, &type);
		rd32(b, pos + 4, &size);
		if (size > len - pos - 8)
			break;
		if ((ver & 0x0F) == 0x0F) { /* a container: its records follow */
			if (pg.end == 0 &&
			    (type == PPT_SLIDE || type == PPT_NOTES || type == PPT_MAIN_MASTER))
				page_open(&pg, type, pos + 8 + size);
			else if (pg.end != 0 && type == ART_SP_CONTAINER)
				shapes_start(&pg.shapes, SHAPES_MIDDLE, 0);
			else if (type == PPT_HEADERS_FOOTERS)
				hf_end = pos + 8 + size;
			pos += 8;
			continue;
		}
		if (type == ART_CLIENT_ANCHOR && pg.end != 0) {
			anchor(&pg, b, pos + 8, size);
		} else if (type == PPT_CSTRING && pos < hf_end) {
			header_footer(c->s, data + pos + 8, ver >> 4, size);
		} else if (type == PPT_TEXT_CHARS || type == PPT_TEXT_BYTES) {
			size_t ulen;
			char *t = atom_text(data + pos + 8, type, size, &ulen);

			if (t != NULL && pg.end != 0) {
				shapes_text(&pg.shapes, t, ulen, false);
				shapes_text(&pg.shapes, "\n", 1, false);
			} else if (t != NULL) {
				textbuf_add(&rest, t, ulen, false);
				textbuf_add(&rest, "\n", 1, false);
			}
			free(t);
		}
		pos += 8 + size;
	}
	if (pg.end != 0)
		page_flush(c->s, &pg);
	if (rest.len > 0)
		textbuf_emit(c->s, &rest, SCAN_ZONE_BODY, "PowerPoint Document text");
	textbuf_free(&rest);
	shapes_free(&pg.shapes);
}
