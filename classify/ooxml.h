/* Office Open XML, inside classify/: what ooxml.c (the XML parts) shares
 * with xlsb.c (the binary parts of an .xlsb workbook). */
#ifndef WARD_CLASSIFY_OOXML_H
#define WARD_CLASSIFY_OOXML_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/scan.h"
#include "classify/zipmem.h"

/* ooxml.c: an Excel header/footer string ("&L...&C...&R...") fed to the
 * current page as lines, its format codes dropped, &S toggling
 * strike-through. */
void ooxml_excel_hf(struct scan *s, const char *text, size_t len);

/* xlsb.c: one binary part (xl/sharedStrings.bin, xl/worksheets/sheetN.bin)
 * as pages.  Returns false when the budget ran out. */
bool xlsb_read_part(struct scan *s, const void *zip, size_t len, const struct zipmem_entry *e,
		    const char *part);

#endif
