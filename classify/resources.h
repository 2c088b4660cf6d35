/* What a classifier loads once and its extractors share: the CP950 table
 * (text.c's), the CID → Unicode tables of CJK PDF fonts (poppler-data)
 * and the OCR engine (Tesseract with its language data).  The large ones
 * are loaded on first use, or all at once by classify_preload before a
 * sandbox that forbids opening files.  One per classify_ctx, so one per
 * thread.
 *
 * Internal to classify/. */
#ifndef WARD_CLASSIFY_RESOURCES_H
#define WARD_CLASSIFY_RESOURCES_H

#include <stdbool.h>

struct big5_table;
struct pdf_cid_tables;
struct ocr;

struct classify_resources {
	const struct big5_table *big5; /* the classifier's, or NULL */
	struct pdf_cid_tables *cid;    /* NULL when out of memory */
	struct ocr *ocr;	       /* NULL until loaded */
	bool ocr_tried;		       /* loading was tried (and failed if ocr is NULL) */
	const char *ocr_error;	       /* why not, static text */
};

struct classify_resources *classify_resources_new(const struct big5_table *big5);
void classify_resources_free(struct classify_resources *res);
/* Loads everything that is loaded on demand.  Returns 0, or -errno with
 * *err (static text) saying what could not be loaded; what could be
 * loaded stays loaded. */
int classify_resources_preload(struct classify_resources *res, const char **err);

#endif
