/* Scanned paper: the text of a page image where the marking rules look
 * for it, read by Tesseract: the engine and recognition in ocr.c, the
 * page (ink, lines, stamps) in ocrpage.c.  Internal to classify/. */
#ifndef WARD_CLASSIFY_OCR_H
#define WARD_CLASSIFY_OCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct Pix;
struct scan;
struct ocr;

/* Tesseract with the Traditional Chinese model, one thread, loaded now
 * (it reads its language data from disk).  NULL and *err (static text)
 * when it cannot start. */
struct ocr *ocr_new(const char **err);
void ocr_free(struct ocr *o);

/* Whether an image looks like a page of a document (light paper, some
 * dark ink) rather than a photograph or a drawing: a cheap look at a
 * copy of at most 400 pixels a side (the caller judges the size), so that
 * pictures never cost a recognition. */
bool ocr_looks_like_page(struct Pix *page);

/* Reads a page image as the marking rules need it and feeds it to the
 * scan as one body page named where: the top band (where stamps and
 * running headers stand), on a first page the area below it (the 密等
 * field of a 公文), then text the caller already has for the page
 * (extra, may be NULL), then the bottom band.  ppi is the image's
 * resolution (0: unknown, guessed from an A4 page).  Runs within the
 * call's time budget: returns false, with the page reported
 * uninspectable (what names it, e.g. "PDF page 3"), when the budget ran
 * out first or OCR is not available. */
bool ocr_feed_page(struct scan *s, struct Pix *page, int ppi, bool first, const char *where,
		   const char *what, const char *extra, size_t extra_len);

/* Leptonica reports every damaged image on stderr; the classifier runs
 * on untrusted input and says what matters in its result: silenced once
 * for the process. */
void ocr_quiet(void);

/* ---- Between ocr.c and ocrpage.c ---- */

/* The classifier's engine, loaded on first use; NULL and *why. */
struct ocr *ocr_engine(struct scan *s, const char **why);
/* Grey, 8 bits, by the darkest channel of a colour image (coloured ink
 * reads as dark as black ink). */
struct Pix *ocr_grey(struct Pix *pix);
/* The text of a grey image at ppi, as lines (a wide gap between two words
 * starts a new line; stamp borders read as brackets dropped), recognised
 * as a page (sparse: as scattered text, for stamps) by deadline
 * (monotonic ms).  NULL when out of time, or *failed (out of memory). */
char *ocr_recognize(struct ocr *o, struct Pix *grey, int ppi, bool sparse, uint64_t deadline,
		    bool *failed);
/* The text lines of a grey image at ppi found by layout analysis, top to
 * bottom, their top and bottom rows times to_page in rows[2i], rows[2i+1].
 * Returns how many (at most max). */
int ocr_find_lines(struct ocr *o, struct Pix *small, int ppi, double to_page, int *rows, int max);

#endif
