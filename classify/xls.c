/* Excel (.xls, BIFF8) out of its compound file (ole.h): the Workbook
 * stream's shared strings (SST, across CONTINUE records) as the body,
 * HEADER/FOOTER records as header and footer; FILEPASS means encrypted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

/* ---- Excel (.xls, BIFF8) ---- */

/* A reader over a BIFF record and the CONTINUE records after it. */
struct biff {
	struct span b;
	size_t pos;	/* next byte */
	size_t rec_end; /* end of the current record's data */
	bool continued; /* just moved into a CONTINUE record */
};

static bool biff_next_continue(struct biff *r)
{
	uint32_t type, size;

	if (!rd16(r->b, r->rec_end, &type) || type != 0x003C ||
	    !rd16(r->b, r->rec_end + 2, &size) || size > r->b.len - r->rec_end - 4)
		return false;
	r->pos = r->rec_end + 4;
	r->rec_end = r->pos + size;
	r->continued = true;
	return true;
}

static bool biff_skip(struct biff *r, size_t n)
{
	while (n > 0) {
		size_t here = r->rec_end - r->pos;

		if (here == 0 && !biff_next_continue(r))
			return false;
		here = r->rec_end - r->pos;
		if (here > n)
			here = n;
		r->pos += here;
		n -= here;
	}
	return true;
}

static bool biff_u8(struct biff *r, uint32_t *v)
{
	if (r->pos == r->rec_end && !biff_next_continue(r))
		return false;
	*v = r->b.p[r->pos++];
	return true;
}

static bool biff_u16(struct biff *r, uint32_t *v)
{
	uint32_t lo, hi;

	if (!biff_u8(r, &lo) || !biff_u8(r, &hi))
		return false;
	*v = lo | hi << 8;
	return true;
}

static bool biff_u32(struct biff *r, uint32_t *v)
{
	uint32_t lo, hi;

	if (!biff_u16(r, &lo) || !biff_u16(r, &hi))
		return false;
	*v = lo | hi << 16;
	return true;
}

/* An XLUnicodeRichExtendedString (SST entry) or, with rich false, an
 * XLUnicodeString; characters crossing into a CONTINUE record restart with
 * a new high-byte flag, as the format says. */
static bool biff_string(struct biff *r, bool rich, struct textbuf *o)
{
	uint32_t cch, flags, runs = 0, ext = 0, high_surrogate = 0;

	if (!biff_u16(r, &cch) || !biff_u8(r, &flags))
		return false;
	if (rich && (flags & 0x08) && !biff_u16(r, &runs))
		return false;
	if (rich && (flags & 0x04) && !biff_u32(r, &ext))
		return false;
	for (uint32_t i = 0; i < cch; i++) {
		uint32_t u, hi = 0;
		char buf[4];

		if (r->pos == r->rec_end) {
			if (!biff_next_continue(r) || r->pos == r->rec_end)
				return false;
			flags = r->b.p[r->pos++];
		}
		if (!biff_u8(r, &u))
			return false;
		if ((flags & 0x01) && !biff_u8(r, &hi))
			return false;
		u |= hi << 8;
		if (u == '\r' || u == '\n')
			u = ' ';
		if (charset_utf16_join(&high_surrogate, &u))
			textbuf_add(o, buf, charset_put_utf8(buf, u), false);
	}
	return biff_skip(r, (size_t)runs * 4) && biff_skip(r, ext);
}

/* An Excel header/footer text without its format codes (&L &C &R start a
 * section: a new line; &P &D &"font" &12 and the like are dropped). */
static void header_codes(struct textbuf *from, struct textbuf *to)
{
	for (size_t i = 0; i < from->len; i++) {
		char c = from->buf[i];

		if (c != '&') {
			textbuf_add(to, &c, 1, false);
			continue;
		}
		if (++i >= from->len)
			break;
		c = from->buf[i];
		if (c == '&') {
			textbuf_add(to, "&", 1, false);
		} else if (c == 'L' || c == 'C' || c == 'R') {
			textbuf_add(to, "\n", 1, false);
		} else if (c == '"') {
			while (i + 1 < from->len && from->buf[i + 1] != '"')
				i++;
			i++;
		} else if (c >= '0' && c <= '9') {
			while (i + 1 < from->len && from->buf[i + 1] >= '0' &&
			       from->buf[i + 1] <= '9')
				i++;
		}
	}
	textbuf_add(to, "\n", 1, false);
}

void ole_extract_xls(struct cfb *c, const struct cfb_entry *wb)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, pos = 0;
	struct span b;
	struct textbuf body = {0}, tmp = {0}, hf = {0};

	data = cfb_read(c, wb, &len);
	if (data == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	b = (struct span){data, len};
	while (pos + 4 <= len) {
		uint32_t type = 0, size = 0;

		rd16(b, pos, &type);
		rd16(b, pos + 2, &size);
		if (size > len - pos - 4)
			break;
		if (type == 0x002F) { /* FILEPASS */
			scan_set_uninspectable(
			    c->s,
			    "Excel workbook is encrypted with a password: cells not readable");
			break;
		}
		if (type == 0x00FC) { /* SST */
			struct biff r = {b, pos + 4, pos + 4 + size, false};
			uint32_t total, unique;

			if (biff_u32(&r, &total) && biff_u32(&r, &unique)) {
				for (uint32_t i = 0; i < unique; i++) {
					if (!biff_string(&r, true, &body))
						break;
					textbuf_add(&body, "\n", 1, false);
					if ((i & 1023) == 0 && scan_over_budget(c->s))
						break;
				}
			}
		} else if ((type == 0x0014 || type == 0x0015) && size > 3) { /* HEADER, FOOTER */
			struct biff r = {b, pos + 4, pos + 4 + size, false};

			tmp.len = 0;
			if (biff_string(&r, false, &tmp)) {
				header_codes(&tmp, &hf);
				textbuf_emit(c->s, &hf,
					     type == 0x0014 ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
					     type == 0x0014 ? "Workbook sheet header"
							    : "Workbook sheet footer");
			}
		}
		pos += 4 + size;
	}
	if (body.len > 0)
		textbuf_emit(c->s, &body, SCAN_ZONE_BODY, "Workbook shared strings");
	textbuf_free(&body);
	textbuf_free(&tmp);
	textbuf_free(&hf);
}
