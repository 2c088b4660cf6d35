/* WordArt and watermarks of a Word 97 document (ole.h): Word's watermark
 * (Design > Watermark) is a text-effect shape in the header's drawing, its
 * words a shape property (gtextUNICODE), not text of any story.  The
 * drawings (OfficeArtContent, at fcDggInfo in the table stream) are walked
 * record by record; each text effect's words are a line of a page of their
 * own: a header's in a header zone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/ole.h"

#define ART_DGG_CONTAINER 0xF000
#define ART_DG_CONTAINER 0xF002
#define ART_FOPT 0xF00B
#define ART_TERTIARY_FOPT 0xF122
#define PROP_GTEXT_UNICODE 0x00C0
/* Records walked at most: a drawing of this many records is no watermark
 * worth its time. */
#define ART_MAX_RECORDS 100000

/* The text-effect words in a property table (FOPT): n fixed entries of 6
 * bytes, then the complex values in the same order. */
static void fopt_text(struct scan *s, struct span b, size_t at, uint32_t n, uint32_t size,
		      bool header)
{
	size_t complex = at + (size_t)n * 6, end = at + size;

	for (uint32_t i = 0; i < n && complex <= end; i++) {
		uint32_t id = 0, op = 0;

		rd16(b, at + 6 * (size_t)i, &id);
		rd32(b, at + 6 * (size_t)i + 2, &op);
		if (!(id & 0x8000))
			continue;
		if ((id & 0x3FFF) == PROP_GTEXT_UNICODE && op <= end - complex) {
			size_t ulen;
			char *t = charset_utf16le_to_utf8(b.p + complex, op / 2, &ulen);

			if (t != NULL) {
				ulen = strlen(t); /* up to its terminator */
				scan_page_begin(s, header ? SCAN_ZONE_HEADER : SCAN_ZONE_BODY,
						header ? "WordDocument header watermark"
						       : "WordDocument WordArt");
				scan_text(s, t, ulen, false);
				scan_page_end(s);
				free(t);
			}
		}
		complex += op;
	}
}

void ole_doc_drawings(struct scan *s, struct span table, uint32_t fc, uint32_t lcb)
{
	struct span b;
	size_t pos = 0;
	bool header = false;

	if (lcb < 8 || fc > table.len || lcb > table.len - fc)
		return;
	b = (struct span){table.p + fc, lcb};
	for (unsigned records = 0; pos + 8 <= b.len && records < ART_MAX_RECORDS; records++) {
		uint32_t ver = 0, type = 0, size = 0;

		rd16(b, pos, &ver);
		rd16(b, pos + 2, &type);
		rd32(b, pos + 4, &size);
		if (type < 0xF000 || type > 0xF1FF) {
			/* The byte that says whose drawing follows (dgglbl: 0
			 * the main document, 1 the headers). */
			header = b.p[pos] == 1;
			pos++;
			continue;
		}
		if (size > b.len - pos - 8)
			return;
		if ((ver & 0x0F) == 0x0F) {
			pos += 8;
			continue;
		}
		if (type == ART_FOPT || type == ART_TERTIARY_FOPT)
			fopt_text(s, b, pos + 8, ver >> 4, size, header);
		pos += 8 + size;
	}
}
