/* A scanned page read as the marking rules need it (ocr_feed_page in
 * ocr.h), on the recognition of ocr.c.
 *
 * 1. Ink: on a colour scan, coloured ink (a red or blue rubber stamp) is
 *    parted from black ink in one pass: stamps are read on their own,
 *    each at its place, and the text is read without them (a stamp beside
 *    a title otherwise spoils both).
 * 2. Lines: Tesseract's layout analysis of a 100 dpi copy finds the text
 *    lines; only the first TOP_LINES (FIELD_LINES on the first page of a
 *    公文, whose 密等 field follows its header) and the last BOTTOM_LINES
 *    are recognised, each group cropped between two lines.
 * 3. The page is fed top to bottom: stamps in the upper half, the first
 *    lines, the text the caller has for the page, the last lines, stamps
 *    in the lower half. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "classify/ocr.h"
#include "classify/scan.h"
#include "common/util.h"

#define TOP_LINES 6
#define FIELD_LINES 16
#define BOTTOM_LINES 5
/* Text lines of a page looked at, at most. */
#define MAX_LINES 512
/* Resolution of the layout analysis and of stamp recognition (a stamp's
 * characters are large). */
#define SMALL_PPI 100
/* Coloured ink: channels further apart than this (of 255). */
#define INK_SATURATION 64
/* Stamps read per page at most, and their least size (inches). */
#define MAX_STAMPS 4
#define STAMP_MIN_INCHES 0.25
#define STAMP_MARGIN 12 /* pixels of paper added around a stamp */
/* An A4 page's width in inches, to guess an image's resolution. */
#define A4_SHORT_INCHES 8.27

struct page {
	PIX *text;  /* grey, coloured ink whitened */
	PIX *small; /* the same at SMALL_PPI, for the layout */
	PIX *stamp; /* 1 bit: coloured ink, or NULL */
	int ppi;
	double small_scale; /* page pixels per small pixel */
};

/* Grey by the darkest channel, and the coloured ink apart, in one pass. */
static bool split_ink(PIX *page, struct page *pg)
{
	l_uint32 coloured = 0;

	PIX *colour = NULL;

	/* A palette image (a "document" scan mode) in colour is read as
	 * colour, so that its stamps part from its text. */
	if (pixGetColormap(page) != NULL) {
		l_int32 has = 0;

		pixcmapHasColor(pixGetColormap(page), &has);
		if (has)
			page = colour = pixRemoveColormap(page, REMOVE_CMAP_TO_FULL_COLOR);
	}
	if (page == NULL || pixGetDepth(page) != 32) {
		pg->text = page != NULL ? ocr_grey(page) : NULL;
		return pg->text != NULL;
	}
	int w = pixGetWidth(page), h = pixGetHeight(page);
	pg->text = pixCreate(w, h, 8);
	pg->stamp = pixCreate(w, h, 1);
	if (pg->text == NULL || pg->stamp == NULL) {
		pixDestroy(&colour);
		return false;
	}
	for (int y = 0; y < h; y++) {
		const l_uint32 *src = pixGetData(page) + (size_t)y * pixGetWpl(page);
		l_uint32 *grey = pixGetData(pg->text) + (size_t)y * pixGetWpl(pg->text);
		l_uint32 *ink = pixGetData(pg->stamp) + (size_t)y * pixGetWpl(pg->stamp);

		for (int x = 0; x < w; x++) {
			int r, g, b;

			extractRGBValues(src[x], &r, &g, &b);
			int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
			int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
			if (hi - lo > INK_SATURATION) {
				SET_DATA_BYTE(grey, x, 255);
				SET_DATA_BIT(ink, x);
				coloured++;
			} else {
				SET_DATA_BYTE(grey, x, lo);
			}
		}
	}
	pixDestroy(&colour);
	/* A few coloured pixels are a logo's edge or noise, not a stamp. */
	if (coloured < 500)
		pixDestroy(&pg->stamp);
	return true;
}

/* Stamps: the coloured ink's clusters of a stamp's size, each read as
 * sparse text at SMALL_PPI.  Lines go to upper or lower by where the
 * stamp stands; false when out of time. */
static bool read_stamps(struct ocr *o, const struct page *pg, uint64_t deadline, char **upper,
			char **lower, bool *failed)
{
	int h = pixGetHeight(pg->stamp), min = (int)(STAMP_MIN_INCHES * pg->ppi), read = 0;
	PIX *closed = pixCloseBrick(NULL, pg->stamp, min / 2 | 1, min / 2 | 1);
	BOXA *boxes = closed != NULL ? pixConnCompBB(closed, 8) : NULL;

	pixDestroy(&closed);
	for (int i = 0; boxes != NULL && i < boxaGetCount(boxes) && read < MAX_STAMPS; i++) {
		l_int32 x, y, w, bh;

		if (boxaGetBoxGeometry(boxes, i, &x, &y, &w, &bh) != 0 || w < min || bh < min / 2)
			continue;
		BOX *box = boxCreate(x, y, w, bh);
		PIX *ink = box != NULL ? pixClipRectangle(pg->stamp, box, NULL) : NULL;
		PIX *grey = ink != NULL ? pixConvert1To8(NULL, ink, 255, 0) : NULL;
		float scale = (float)SMALL_PPI / (float)pg->ppi;
		PIX *scaled =
		    grey != NULL && scale < 1 ? pixScale(grey, scale, scale) : pixClone(grey);
		/* Recognition wants paper around the ink. */
		PIX *small = scaled != NULL ? pixAddBorder(scaled, STAMP_MARGIN, 255) : NULL;
		char *text = small != NULL
				 ? ocr_recognize(o, small, SMALL_PPI, true, deadline, failed)
				 : NULL;

		boxDestroy(&box);
		pixDestroy(&ink);
		pixDestroy(&grey);
		pixDestroy(&scaled);
		pixDestroy(&small);
		if (text == NULL) {
			boxaDestroy(&boxes);
			return false;
		}
		char **to = y + bh / 2 < h / 2 ? upper : lower;
		size_t have = *to != NULL ? strlen(*to) : 0;
		char *joined = realloc(*to, have + strlen(text) + 1);
		if (joined != NULL) {
			strcpy(joined + have, text);
			*to = joined;
		}
		free(text);
		read++;
	}
	boxaDestroy(&boxes);
	return true;
}

/* The row between line k - 1 and line k (the page's end after the last). */
static int cut_before(const int *rows, int n, int k, int height)
{
	int above = 0;

	if (k >= n)
		return height;
	for (int i = 0; i < k; i++)
		above = rows[2 * i + 1] > above ? rows[2 * i + 1] : above;
	return rows[2 * k] > above ? (rows[2 * k] + above) / 2 : rows[2 * k];
}

/* Rows [y0, y1) of the text image, recognised. */
static char *read_rows(struct ocr *o, const struct page *pg, int y0, int y1, uint64_t deadline,
		       bool *failed)
{
	BOX *box;
	PIX *crop;
	char *text;

	if (y1 <= y0)
		return strdup("");
	box = boxCreate(0, y0, pixGetWidth(pg->text), y1 - y0);
	crop = box != NULL ? pixClipRectangle(pg->text, box, NULL) : NULL;
	boxDestroy(&box);
	if (crop == NULL) {
		*failed = true;
		return NULL;
	}
	text = ocr_recognize(o, crop, pg->ppi, false, deadline, failed);
	pixDestroy(&crop);
	return text;
}

/* The top of a 公文 (函, 書函, 開會通知單, 公告 ...): its title or the
 * header fields above its 密等 line. */
static bool letter_header(const char *top)
{
	static const char *const words[] = {"函",   "受文者", "檔號",	"保存年限", "發文",
					    "速別", "密等",   "通知單", "公告",	    "地址"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(top, words[i]) != NULL)
			return true;
	return false;
}

/* The first and the last lines of the page; false when out of time. */
static bool read_edges(struct ocr *o, const struct page *pg, bool first, uint64_t deadline,
		       char **top, char **bottom, bool *failed)
{
	int rows[2 * MAX_LINES], h = pixGetHeight(pg->text), n, k;

	if (monotonic_ms() >= deadline)
		return false;
	n = ocr_find_lines(o, pg->small, SMALL_PPI, pg->small_scale, rows, MAX_LINES);
	k = n < TOP_LINES ? n : TOP_LINES;
	*top = read_rows(o, pg, 0, cut_before(rows, n, k, h), deadline, failed);
	if (*top != NULL && first && n > k && letter_header(*top)) {
		free(*top);
		k = n < FIELD_LINES ? n : FIELD_LINES;
		*top = read_rows(o, pg, 0, cut_before(rows, n, k, h), deadline, failed);
	}
	if (*top == NULL)
		return false;
	int j = n - BOTTOM_LINES > k ? n - BOTTOM_LINES : k;
	*bottom = read_rows(o, pg, j < n ? cut_before(rows, n, j, h) : 0, j < n ? h : 0, deadline,
			    failed);
	return *bottom != NULL;
}

static void feed(struct scan *s, const char *text, size_t n)
{
	if (text == NULL || n == 0)
		return;
	scan_text(s, text, n, false);
	if (text[n - 1] != '\n')
		scan_text(s, "\n", 1, false);
}

static bool prepare(PIX *page, int ppi, struct page *pg)
{
	int w = pixGetWidth(page), h = pixGetHeight(page);

	memset(pg, 0, sizeof(*pg));
	if (ppi <= 0) /* an A4 page, upright or lying */
		ppi = (int)((w < h ? w : h) / A4_SHORT_INCHES + 0.5);
	pg->ppi = ppi < 50 ? 50 : ppi;
	if (!split_ink(page, pg))
		return false;
	float scale = (float)SMALL_PPI / (float)pg->ppi;
	pg->small = scale < 1 ? pixScale(pg->text, scale, scale) : pixClone(pg->text);
	pg->small_scale = scale < 1 ? 1 / scale : 1;
	return pg->small != NULL;
}

static void release(struct page *pg)
{
	pixDestroy(&pg->text);
	pixDestroy(&pg->small);
	pixDestroy(&pg->stamp);
}

bool ocr_feed_page(struct scan *s, PIX *page, int ppi, bool first, const char *where,
		   const char *what, const char *extra, size_t extra_len)
{
	char *parts[4] = {NULL, NULL, NULL, NULL}; /* upper stamps, top, bottom, lower stamps */
	uint64_t deadline = scan_deadline_ms(s);
	char reason[160];
	const char *why;
	bool failed = false, done = false;
	struct ocr *o = ocr_engine(s, &why);
	struct page pg;

	if (o != NULL && !prepare(page, ppi, &pg))
		failed = true;
	else if (o != NULL)
		done = (pg.stamp == NULL ||
			read_stamps(o, &pg, deadline, &parts[0], &parts[3], &failed)) &&
		       read_edges(o, &pg, first, deadline, &parts[1], &parts[2], &failed);
	if (o != NULL)
		release(&pg);
	scan_page_begin(s, SCAN_ZONE_BODY, where);
	feed(s, parts[0], parts[0] != NULL ? strlen(parts[0]) : 0);
	feed(s, parts[1], parts[1] != NULL ? strlen(parts[1]) : 0);
	feed(s, extra, extra != NULL ? extra_len : 0);
	feed(s, parts[2], parts[2] != NULL ? strlen(parts[2]) : 0);
	feed(s, parts[3], parts[3] != NULL ? strlen(parts[3]) : 0);
	scan_page_end(s);
	for (int i = 0; i < 4; i++)
		free(parts[i]);
	if (done)
		return true;
	if (o == NULL)
		snprintf(reason, sizeof(reason), "%s is a scan and OCR is not available: %s", what,
			 why);
	else if (failed)
		snprintf(reason, sizeof(reason),
			 "%s is a scan that OCR could not read (out of memory)", what);
	else
		snprintf(reason, sizeof(reason), "%s is a scan not read within the time budget",
			 what);
	scan_set_uninspectable(s, reason);
	return false;
}
