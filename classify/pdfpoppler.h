/* poppler-glib behind the PDF extractor (pdfpoppler.c), for the files
 * the content-stream reader leaves to it.  Internal to classify/. */
#ifndef WARD_CLASSIFY_PDFPOPPLER_H
#define WARD_CLASSIFY_PDFPOPPLER_H

#include <stddef.h>

struct scan;
struct pdf_poppler;
struct Pix;

/* Opens data (kept alive by the caller until closed), or says why not
 * with scan_set_uninspectable and returns NULL. */
struct pdf_poppler *pdf_poppler_open(struct scan *s, const void *data, size_t len);
void pdf_poppler_close(struct pdf_poppler *p);
int pdf_poppler_pages(struct pdf_poppler *p);
/* The Info dictionary and the XMP packet as a metadata page. */
void pdf_poppler_metadata(struct scan *s, struct pdf_poppler *p);
/* Page index (from 0) as one body page named where. */
void pdf_poppler_page(struct scan *s, struct pdf_poppler *p, int index, const char *where);
/* Page index drawn at dpi in colour: what OCR reads of a scanned page.
 * NULL when it cannot be. */
struct Pix *pdf_poppler_render(struct pdf_poppler *p, int index, int dpi);

#endif
