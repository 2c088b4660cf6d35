/* PowerPoint (.ppt) out of its compound file (ole.h): the text atoms of
 * the PowerPoint Document stream, per slide, notes page and master. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

/* ---- PowerPoint (.ppt) ---- */

#define PPT_SLIDE 0x03EE
#define PPT_NOTES 0x03F0
#define PPT_MAIN_MASTER 0x03F8
#define PPT_TEXT_CHARS 0x0FA0
#define PPT_TEXT_BYTES 0x0FA8

/* The text atoms of the PowerPoint Document stream, walked record by
 * record (containers are entered, atoms skipped by their length).  Each
 * slide, notes page and master is its own page, so a slide's first line
 * is judged as a first line; text outside them (the document's slide
 * lists) is one more page. */
void ole_extract_ppt(struct cfb *c, const struct cfb_entry *pd)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, pos = 0, page_end = 0;
	struct span b;
	struct out page = {0}, rest = {0};
	char where[48] = "";
	unsigned slides = 0, notes = 0;

	data = cfb_read(c, pd, &len);
	if (data == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	b = (struct span){data, len};
	while (pos + 8 <= len) {
		uint32_t ver = 0, type = 0, size = 0;

		if (page_end != 0 && pos >= page_end) {
			out_emit(c->s, &page, SCAN_ZONE_BODY, where);
			page_end = 0;
		}
		rd16(b, pos, &ver);
		rd16(b, pos + 2, &type);
		rd32(b, pos + 4, &size);
		if (size > len - pos - 8)
			break;
		if ((ver & 0x0F) == 0x0F) { /* a container: its records follow */
			if (page_end == 0 &&
			    (type == PPT_SLIDE || type == PPT_NOTES || type == PPT_MAIN_MASTER)) {
				page_end = pos + 8 + size;
				if (type == PPT_SLIDE)
					snprintf(where, sizeof(where), "PowerPoint slide %u",
						 ++slides);
				else if (type == PPT_NOTES)
					snprintf(where, sizeof(where), "PowerPoint notes %u",
						 ++notes);
				else
					snprintf(where, sizeof(where), "PowerPoint master");
			}
			pos += 8;
			continue;
		}
		if (type == PPT_TEXT_CHARS || type == PPT_TEXT_BYTES) {
			size_t ulen;
			char *t = type == PPT_TEXT_CHARS
				      ? charset_utf16le_to_utf8(data + pos + 8, size / 2, &ulen)
				      : charset_codepage_to_utf8(data + pos + 8, size, 1252, &ulen);

			if (t != NULL) {
				for (size_t k = 0; k < ulen; k++)
					if (t[k] == '\r' || t[k] == 0x0B)
						t[k] = '\n';
				out_add(page_end ? &page : &rest, t, ulen, false);
				out_add(page_end ? &page : &rest, "\n", 1, false);
				free(t);
			}
		}
		pos += 8 + size;
	}
	if (page_end != 0)
		out_emit(c->s, &page, SCAN_ZONE_BODY, where);
	if (rest.len > 0)
		out_emit(c->s, &rest, SCAN_ZONE_BODY, "PowerPoint Document text");
	out_free(&page);
	out_free(&rest);
}
