/* Images (PNG, JPEG, TIFF, and what else leptonica reads): a picture that
 * looks like a scanned page is read by OCR (ocr.c) as a page, "image"
 * (a TIFF's pages "page 1", "page 2"...); any other picture holds no
 * text and is left alone, at the cost of one look at a small copy.
 *
 * A picture that cannot be decoded is, like any binary, nothing to read.
 * Bounds: the header is read first and an image of more than
 * IMAGE_MAX_PIXELS is not decoded (uninspectable); a TIFF is read page by
 * page, at most IMAGE_MAX_PAGES. */
#include <stdio.h>

#include <leptonica/allheaders.h>

#include "classify/extract.h"
#include "classify/ocr.h"
#include "classify/scan.h"

/* A page scanned at 600 dpi on A3 has 70 million pixels. */
#define IMAGE_MAX_PIXELS (80u * 1000 * 1000)
#define IMAGE_MAX_PAGES 200
/* Fewer pixels than this on a side is an icon or a stamp, not a page. */
#define IMAGE_MIN_SIDE 300

/* Most pictures are photographs, most photographs JPEG: a quarter of its
 * size decodes in a few milliseconds (libjpeg scales while it decodes)
 * and tells a photograph from a page before the whole is decoded. */
static bool jpeg_may_be_page(const void *data, size_t len)
{
	PIX *small = pixReadMemJpeg(data, len, 0, 4, NULL, 0);
	bool page = small == NULL || ocr_looks_like_page(small);

	pixDestroy(&small);
	return page;
}

/* The resolution the file states, when it is plausible for a scan. */
static int stated_ppi(PIX *pix)
{
	int x = pixGetXRes(pix);

	return x >= 72 && x <= 2400 ? x : 0;
}

/* One decoded page; false when reading must stop. */
static bool read_page(struct scan *s, PIX *pix, int index, bool multipage)
{
	char where[32], what[48];

	int w = pixGetWidth(pix), h = pixGetHeight(pix);

	if (w < IMAGE_MIN_SIDE || h < IMAGE_MIN_SIDE || !ocr_looks_like_page(pix))
		return true;
	if (multipage) {
		snprintf(where, sizeof(where), "page %d", index + 1);
		snprintf(what, sizeof(what), "image page %d", index + 1);
	} else {
		snprintf(where, sizeof(where), "image");
		snprintf(what, sizeof(what), "the image");
	}
	return ocr_feed_page(s, pix, stated_ppi(pix), index == 0, where, what, NULL, 0);
}

static void read_tiff(struct scan *s, const unsigned char *data, size_t len)
{
	size_t offset = 0;
	int index = 0;

	do {
		PIX *pix;

		if (index >= IMAGE_MAX_PAGES) {
			scan_set_uninspectable(s, "TIFF with more pages than are read");
			return;
		}
		if (scan_over_budget(s))
			return;
		pix = pixReadMemFromMultipageTiff(data, len, &offset);
		if (pix == NULL) {
			return;
		}
		bool go_on = read_page(s, pix, index, index > 0 || offset != 0);
		pixDestroy(&pix);
		if (!go_on)
			return;
		index++;
	} while (offset != 0);
}

int extract_image(struct scan *s, const void *data, size_t len)
{
	l_int32 format, w, h, bps, spp, cmap;
	PIX *pix;

	ocr_quiet();
	/* A picture that cannot be decoded shows no page either: nothing to
	 * read, as for any other binary. */
	if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap) != 0)
		return 0;
	if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > IMAGE_MAX_PIXELS) {
		scan_set_uninspectable(s, "image too large to decode");
		return 0;
	}
	if (format == IFF_TIFF || format == IFF_TIFF_G4 || format == IFF_TIFF_G3 ||
	    format == IFF_TIFF_LZW || format == IFF_TIFF_ZIP || format == IFF_TIFF_PACKBITS ||
	    format == IFF_TIFF_RLE || format == IFF_TIFF_JPEG) {
		read_tiff(s, data, len);
		return 0;
	}
	/* A page is taller or wider than a stamp, and no thin strip. */
	if (w < IMAGE_MIN_SIDE || h < IMAGE_MIN_SIDE || w > 8 * h || h > 8 * w)
		return 0;
	if (format == IFF_JFIF_JPEG && !jpeg_may_be_page(data, len))
		return 0;
	pix = pixReadMem(data, len);
	if (pix == NULL)
		return 0;
	read_page(s, pix, 0, false);
	pixDestroy(&pix);
	return 0;
}
