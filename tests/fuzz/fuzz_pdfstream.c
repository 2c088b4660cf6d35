/* libFuzzer target: the PDF reader's inner parsers, which mutations of a
 * whole (compressed) file hardly reach: the input, after a first byte
 * that chooses, becomes one stream of a fixed, valid PDF:
 *   0  the page's content stream (operators, strings, arrays, inline
 *      images, forms, text state) with simple, composite and Big5 fonts;
 *   1  the ToUnicode CMap of a composite font the page shows text in;
 *   2  the encoding CMap of that font;
 *   3  the content of a form the page draws and of an annotation's
 *      appearance. */
#include <stdio.h>
#include <string.h>

#include "tests/fuzz/fuzz_extract.h"

#define CMAP_FIXED                                                                                 \
	"1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0000> <00FF> "      \
	"<4E00> endbfrange"
#define CONTENT_FIXED                                                                              \
	"BT /F1 12 Tf 72 700 Td (SECRET) Tj /F2 12 Tf 0 -20 Td <0001000200410042> Tj "             \
	"[<0003> -300 <0004>] TJ /F3 12 Tf 0 -20 Td <BEF7B14B41> Tj ET q 1 0 0 1 0 100 cm /X1 Do Q"

/* The objects, with the input in place of the stream chosen. */
static size_t build(char *out, size_t cap, int mode, const uint8_t *in, size_t n)
{
	const char *text[4] = {CONTENT_FIXED, CMAP_FIXED, CMAP_FIXED,
			       "BT /F1 10 Tf 2 5 Td (field) Tj ET"};
	const char *heads[] = {
	    "<< /Type /Catalog /Pages 2 0 R >>",
	    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Resources << /Font << /F1 5 0 "
	    "R /F2 6 0 R /F3 9 0 R >> /XObject << /X1 10 0 R >> >> /Contents 4 0 R /Annots [<< "
	    "/Subtype /Widget /Rect [72 100 300 120] /AP << /N 10 0 R >> >>] >>",
	    NULL, /* 4: content */
	    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	    "<< /Type /Font /Subtype /Type0 /BaseFont /Noto /Encoding 11 0 R /DescendantFonts [8 "
	    "0 R] /ToUnicode 7 0 R >>",
	    NULL, /* 7: ToUnicode */
	    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Noto /CIDSystemInfo << /Registry "
	    "(Adobe) /Ordering (CNS1) /Supplement 0 >> /W [1 [500 600] 10 20 700] >>",
	    "<< /Type /Font /Subtype /Type0 /BaseFont /MingLiU /Encoding /ETen-B5-H "
	    "/DescendantFonts [8 0 R] >>",
	    NULL, /* 10: form */
	    NULL, /* 11: encoding CMap */
	};
	size_t off[12] = {0}, w = 0;
	const int stream_of[4] = {4, 7, 11, 10};

	w += (size_t)snprintf(out + w, cap - w, "%%PDF-1.7\n");
	for (int i = 1; i <= 11 && w < cap; i++) {
		int which = -1;

		off[i] = w;
		for (int k = 0; k < 4; k++)
			if (stream_of[k] == i)
				which = k;
		if (which < 0) {
			w += (size_t)snprintf(out + w, cap - w, "%d 0 obj\n%s\nendobj\n", i,
					      heads[i - 1]);
			continue;
		}
		const void *data = which == mode ? (const void *)in : text[which];
		size_t len = which == mode ? n : strlen(text[which]);
		w += (size_t)snprintf(
		    out + w, cap - w,
		    "%d 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 228 20] "
		    "/Resources << /Font << /F1 5 0 R >> >> /Length %zu >>\nstream\n",
		    i, len);
		if (w + len + 64 > cap)
			return 0;
		memcpy(out + w, data, len);
		w += len;
		w += (size_t)snprintf(out + w, cap - w, "\nendstream\nendobj\n");
	}
	size_t xref = w;
	w += (size_t)snprintf(out + w, cap - w, "xref\n0 12\n0000000000 65535 f \n");
	for (int i = 1; i <= 11; i++)
		w += (size_t)snprintf(out + w, cap - w, "%010zu 00000 n \n", off[i]);
	w += (size_t)snprintf(out + w, cap - w,
			      "trailer\n<< /Size 12 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
			      xref);
	return w < cap ? w : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = size + 8192, len;
	char *pdf;

	if (size < 1)
		return 0;
	pdf = malloc(cap);
	if (pdf == NULL)
		return 0;
	len = build(pdf, cap, data[0] % 4, data + 1, size - 1);
	if (len > 0)
		fuzz_extract(extract_pdf, (const uint8_t *)pdf, len);
	free(pdf);
	return 0;
}
