/* Format extractors, each in its own file, chosen by libmagic's MIME type
 * (never by file name) in classify.c.  Each feeds struct scan (scan.h) and
 * returns 0, or -1 when the input is not of its format after all (the
 * dispatcher then treats it as uninspectable with that reason). */
#ifndef WARD_CLASSIFY_EXTRACT_H
#define WARD_CLASSIFY_EXTRACT_H

#include <stddef.h>

struct scan;

int extract_text(struct scan *s, const void *data,
		 size_t len); /* text.c: plain text, any encoding */
int extract_di_xml(struct scan *s, const void *data, size_t len); /* di.c: 公文 DI/SW XML */
int extract_odf(struct scan *s, const void *data, size_t len);	  /* odf.c: odt/ods/odp */
int extract_ooxml(struct scan *s, const void *data, size_t len);  /* ooxml.c: docx/xlsx/pptx */
int extract_html(struct scan *s, const void *data, size_t len);	  /* html.c */
int extract_archive(struct scan *s, const void *data,
		    size_t len);			       /* archive.c: zip tar gz bz2 xz */
int extract_pdf(struct scan *s, const void *data, size_t len); /* pdf.c */
int extract_rtf(struct scan *s, const void *data, size_t len); /* rtf.c */
int extract_ole(struct scan *s, const void *data, size_t len); /* ole.c: .doc .xls */
int extract_eml(struct scan *s, const void *data, size_t len); /* eml.c: message/rfc822 */
int extract_image(struct scan *s, const void *data,
		  size_t len); /* image.c: scans (PNG, JPEG, TIFF) by OCR */

#endif
