/* The content-stream PDF reader (classify/pdf*.c), tested on what it
 * feeds the scan (scan_recorder.h) for PDFs built here object by object:
 * lines by position, gaps, rows cut at wide gaps, overprint, rotation,
 * composite fonts (ToUnicode ranges, Big5 and UCS-2 CMaps), forms and
 * annotation appearances, cross-reference and object streams, a page that
 * goes to poppler, encryption without a user password (the corpus), the
 * budget inside a page, and hostile structure
 * (reference cycles, nesting, ranges, operator floods) ending in bounded
 * time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify/extract.h"
#include "classify/pdf.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/scan_recorder.h"

#define MAX_OBJECTS 16

/* A PDF of the given object bodies (object i+1 is objects[i]; 1 is the
 * catalog, 2 the Info dictionary), with a correct xref table.  A body
 * starting with "STREAM:" is "STREAM:<dict entries>|<data>" and becomes a
 * stream with its /Length. */
static char *build(const char *const *objects, size_t n, size_t *len)
{
	size_t cap = 8192, off[MAX_OBJECTS];
	char *pdf;
	size_t w = 0;

	assert_true(n < MAX_OBJECTS);
	for (size_t i = 0; i < n; i++)
		cap += strlen(objects[i]) + 128;
	pdf = malloc(cap);
	assert_non_null(pdf);
	w += (size_t)snprintf(pdf + w, cap - w, "%%PDF-1.5\n");
	for (size_t i = 0; i < n; i++) {
		const char *o = objects[i];

		off[i] = w;
		if (strncmp(o, "STREAM:", 7) == 0) {
			const char *bar = strchr(o, '|');

			assert_non_null(bar);
			w += (size_t)snprintf(
			    pdf + w, cap - w,
			    "%zu 0 obj\n<< %.*s /Length %zu >>\nstream\n%s\nendstream\n"
			    "endobj\n",
			    i + 1, (int)(bar - o - 7), o + 7, strlen(bar + 1), bar + 1);
		} else {
			w +=
			    (size_t)snprintf(pdf + w, cap - w, "%zu 0 obj\n%s\nendobj\n", i + 1, o);
		}
	}
	size_t xref = w;
	w += (size_t)snprintf(pdf + w, cap - w, "xref\n0 %zu\n0000000000 65535 f \n", n + 1);
	for (size_t i = 0; i < n; i++)
		w += (size_t)snprintf(pdf + w, cap - w, "%010zu 00000 n \n", off[i]);
	w += (size_t)snprintf(pdf + w, cap - w,
			      "trailer\n<< /Size %zu /Root 1 0 R /Info 2 0 R >>\nstartxref\n%zu\n"
			      "%%%%EOF\n",
			      n + 1, xref);
	*len = w;
	return pdf;
}

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void run(struct scan *s, const char *pdf, size_t len)
{
	stub_init(s);
	assert_int_equal(extract_pdf(s, pdf, len), 0);
	assert_false(s->in_page);
}

#define CATALOG "<< /Type /Catalog /Pages 3 0 R >>"
#define INFO "<< /Title <FEFF6A5F5BC6> >>" /* UTF-16: 機密 */
#define PAGES "<< /Type /Pages /Kids [4 0 R] /Count 1 >>"
#define PAGE(extra)                                                                                \
	"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 600 800] /Resources << /Font << /F1 6 0 R "   \
	"/F2 7 0 R >> /XObject << /X1 8 0 R >> >> /Contents 5 0 R " extra " >>"
#define HELVETICA "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

/* A one-page PDF whose page content is content; objects 7 and 8 (font F2
 * and XObject X1) as given. */
static char *one_page(const char *page_extra, const char *content, const char *f2, const char *x1,
		      size_t *len)
{
	char page[512];
	size_t n = strlen(content) + 16;
	_cleanup_free_ char *stream = malloc(n);

	assert_non_null(stream);
	snprintf(page, sizeof(page), PAGE("%s"), page_extra);
	snprintf(stream, n, "STREAM:|%s", content);
	const char *objects[] = {CATALOG, INFO, PAGES, page, stream, HELVETICA, f2, x1};
	return build(objects, ARRAY_SIZE(objects), len);
}

static void lines_by_position_not_drawing_order(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	/* Drawn: body, then the footer, then the header at the top. */
	_cleanup_free_ char *pdf = one_page("",
					    "BT /F1 12 Tf 72 400 Td (middle of the page) Tj ET "
					    "BT /F1 10 Tf 72 40 Td (page 1 of 1) Tj ET "
					    "BT /F1 12 Tf 72 760 Td (CONFIDENTIAL) Tj ET",
					    HELVETICA, "<< >>", &len);
	run(&s, pdf, len);
	assert_has(&s, "[META PDF Info/XMP]\ntitle: 機密\n[END]");
	assert_has(&s, "[BODY page 1]\nCONFIDENTIAL\nmiddle of the page\npage 1 of 1\n[END]");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void gaps_spaces_and_rows_cut(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	/* One row: a title, a word after a kerned gap, and far right (more
	 * than 1.5 em away) a stamp; the TJ gaps of 0.3 em are spaces. */
	_cleanup_free_ char *pdf =
	    one_page("",
		     "BT /F1 12 Tf 72 700 Td [(Roster)-300(of)-300(staff)] TJ ET "
		     "BT /F1 12 Tf 400 700 Td (SECRET) Tj ET "
		     "BT /F1 12 Tf 72 680 Td [(ker)-20(ning)] TJ ET",
		     HELVETICA, "<< >>", &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\nRoster of staff\nSECRET\nkerning\n[END]");
	stub_free(&s);
}

static void overprint_read_once(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	/* Bold faked by drawing the same word twice, 0.3 pt apart. */
	_cleanup_free_ char *pdf = one_page("",
					    "BT /F1 12 Tf 72 700 Td (TOP SECRET) Tj ET "
					    "BT /F1 12 Tf 72.3 700 Td (TOP SECRET) Tj ET",
					    HELVETICA, "<< >>", &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\nTOP SECRET\n[END]");
	stub_free(&s);
}

static void rotated_page_reads_as_shown(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	/* /Rotate 90: what is drawn at the left edge (x small) shows at the
	 * top; text runs up the page in user space, left to right as shown. */
	_cleanup_free_ char *pdf =
	    one_page("/Rotate 90",
		     "BT /F1 12 Tf 0 1 -1 0 500 100 Tm (last shown line) Tj ET "
		     "BT /F1 12 Tf 0 1 -1 0 40 100 Tm (first shown line) Tj ET",
		     HELVETICA, "<< >>", &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\nfirst shown line\nlast shown line\n[END]");
	stub_free(&s);
}

#define TO_UNICODE                                                                                 \
	"STREAM:|/CIDInit /ProcSet findresource begin 12 dict begin begincmap "                    \
	"1 begincodespacerange <0000> <FFFF> endcodespacerange "                                   \
	"2 beginbfchar <0001> <6A5F> <0002> <5BC6> endbfchar "                                     \
	"2 beginbfrange <0010> <0012> <0041> <0020> <0021> [<0066006C> <0020>] endbfrange "        \
	"endcmap CMapName currentdict /CMap defineresource pop end end"

static void composite_font_through_to_unicode(void **state)
{
	const char *objects[] = {
	    CATALOG,
	    INFO,
	    PAGES,
	    "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 600 800] /Resources << /Font << /F1 6 0 "
	    "R >> >> /Contents 5 0 R >>",
	    "STREAM:|BT /F1 20 Tf 72 700 Td <00010002> Tj 0 -30 Td <001000110012> Tj "
	    "0 -30 Td <00200021> Tj ET",
	    "<< /Type /Font /Subtype /Type0 /BaseFont /Noto /Encoding /Identity-H "
	    "/DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
	    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Noto /CIDSystemInfo << /Registry "
	    "(Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /W [16 [500 500 500]] >>",
	    TO_UNICODE,
	};
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = build(objects, ARRAY_SIZE(objects), &len);
	run(&s, pdf, len);
	/* A range counts up; an array range gives a ligature its letters. */
	assert_has(&s, "[BODY page 1]\n機密\nABC\nfl \n[END]");
	stub_free(&s);
}

static void predefined_cjk_cmaps(void **state)
{
	const char *objects[] = {
	    CATALOG,
	    INFO,
	    PAGES,
	    "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 600 800] /Resources << /Font << /F1 6 0 "
	    "R /F2 7 0 R >> >> /Contents 5 0 R >>",
	    /* 機密 in Big5 (BE F7 B1 4B), then 極機密 in UCS-2. */
	    "STREAM:|BT /F1 20 Tf 72 700 Td <BEF7B14B> Tj ET "
	    "BT /F2 20 Tf 72 600 Td <6975 6A5F 5BC6> Tj ET",
	    "<< /Type /Font /Subtype /Type0 /BaseFont /MingLiU /Encoding /ETen-B5-H "
	    "/DescendantFonts [8 0 R] >>",
	    "<< /Type /Font /Subtype /Type0 /BaseFont /MingLiU /Encoding /UniCNS-UCS2-H "
	    "/DescendantFonts [8 0 R] >>",
	    "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MingLiU /CIDSystemInfo << /Registry "
	    "(Adobe) /Ordering (CNS1) /Supplement 0 >> >>",
	};
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = build(objects, ARRAY_SIZE(objects), &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\n機密\n極機密\n[END]");
	stub_free(&s);
}

static void forms_and_annotation_appearances(void **state)
{
	const char *objects[] = {
	    CATALOG,
	    INFO,
	    PAGES,
	    "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 600 800] /Resources << /Font << /F1 6 0 "
	    "R >> /XObject << /X1 7 0 R >> >> /Contents 5 0 R /Annots [8 0 R 9 0 R] >>",
	    "STREAM:|q 1 0 0 1 0 700 cm /X1 Do Q BT /F1 12 Tf 72 400 Td (body) Tj ET",
	    HELVETICA,
	    "STREAM:/Type /XObject /Subtype /Form /BBox [0 0 600 100] /Resources << /Font << /F1 6 "
	    "0 R >> >>|BT /F1 12 Tf 72 50 Td (RESTRICTED) Tj ET",
	    /* A filled-in field, and a hidden one. */
	    "<< /Type /Annot /Subtype /Widget /Rect [72 100 300 120] /AP << /N 10 0 R >> >>",
	    "<< /Type /Annot /Subtype /Widget /F 2 /Rect [72 200 300 220] /AP << /N 10 0 R >> >>",
	    "STREAM:/Type /XObject /Subtype /Form /BBox [0 0 228 20] /Resources << /Font << /F1 6 "
	    "0 R >> >>|BT /F1 10 Tf 2 5 Td (field value) Tj ET",
	};
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = build(objects, ARRAY_SIZE(objects), &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\nRESTRICTED\nbody\nfield value\n[END]");
	assert_int_equal(occurrences(s.log, "field value"), 1);
	stub_free(&s);
}

/* A PDF 1.5 file: objects in an object stream, the table as a
 * cross-reference stream (no filter, 1-2-1 byte rows). */
static char *xref_stream_pdf(size_t *len)
{
	static const char catalog[] = "<< /Type /Catalog /Pages 3 0 R >> ";
	static const char pages[] = "<< /Type /Pages /Kids [4 0 R] /Count 1 >>";
	static const char content[] = "BT /F1 12 Tf 72 700 Td (TOP SECRET) Tj ET";
	char head[32], *pdf = malloc(4096);
	size_t w = 0, off[9] = {0};

	assert_non_null(pdf);
	snprintf(head, sizeof(head), "1 0 3 %zu ", strlen(catalog));
	w += (size_t)sprintf(pdf + w, "%%PDF-1.5\n");
	off[4] = w;
	w += (size_t)sprintf(pdf + w,
			     "4 0 obj\n<< /Type /Page /Parent 3 0 R /MediaBox [0 0 600 800] "
			     "/Resources << /Font << /F1 6 0 R >> >> /Contents 5 0 R >>\nendobj\n");
	off[5] = w;
	w += (size_t)sprintf(pdf + w, "5 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
			     strlen(content), content);
	off[6] = w;
	w += (size_t)sprintf(pdf + w, "6 0 obj\n%s\nendobj\n", HELVETICA);
	off[7] = w;
	w += (size_t)sprintf(pdf + w,
			     "7 0 obj\n<< /Type /ObjStm /N 2 /First %zu /Length %zu >>\nstream\n"
			     "%s%s%s\nendstream\nendobj\n",
			     strlen(head), strlen(head) + strlen(catalog) + strlen(pages), head,
			     catalog, pages);
	off[8] = w;
	w += (size_t)sprintf(pdf + w, "8 0 obj\n<< /Type /XRef /Size 9 /W [1 2 1] /Root 1 0 R "
				      "/Length 36 >>\nstream\n");
	for (int i = 0; i < 9; i++) {
		/* Objects 1 and 3 in object stream 7 (indexes 0 and 1). */
		unsigned char row[4] = {i >= 4 ? 1 : 0, (unsigned char)(off[i] >> 8),
					(unsigned char)off[i], 0};

		if (i == 1 || i == 3) {
			row[0] = 2;
			row[1] = 0;
			row[2] = 7;
			row[3] = i == 1 ? 0 : 1;
		}
		memcpy(pdf + w, row, 4);
		w += 4;
	}
	w += (size_t)sprintf(pdf + w, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", off[8]);
	*len = w;
	return pdf;
}

static void xref_and_object_streams(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = xref_stream_pdf(&len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\nTOP SECRET\n[END]");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void leading_bytes_before_the_header(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf =
	    one_page("", "BT /F1 12 Tf 72 700 Td (SECRET) Tj ET", HELVETICA, "<< >>", &len);
	_cleanup_free_ char *bom = malloc(len + 3);
	assert_non_null(bom);
	memcpy(bom, "\xef\xbb\xbf", 3);
	memcpy(bom + 3, pdf, len);
	run(&s, bom, len + 3);
	assert_has(&s, "[BODY page 1]\nSECRET\n[END]");
	stub_free(&s);
}

static void unmapped_font_page_goes_to_poppler(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	/* A symbolic font without encoding or ToUnicode: only its program
	 * knows its codes; poppler reads the page (once). */
	_cleanup_free_ char *pdf = one_page(
	    "", "BT /F2 12 Tf 72 700 Td (abc) Tj ET BT /F1 12 Tf 72 600 Td (plain) Tj ET",
	    "<< /Type /Font /Subtype /TrueType /BaseFont /Wingdings /FontDescriptor << /Flags 4 "
	    ">> >>",
	    "<< >>", &len);
	run(&s, pdf, len);
	assert_has(&s, "plain");
	assert_int_equal(occurrences(s.log, "[BODY page 1]"), 1);
	stub_free(&s);
}

/* Encrypted without a user password (tests/corpus/pdf, made by qpdf):
 * every handler revision opens in the reader itself; a user password
 * leaves the file to poppler, which reports it. */
static void encryption_without_a_password(void **state)
{
	static const char *const opened[] = {
	    "pdf/letter-field-rc4-40.pdf",  "pdf/letter-field-rc4-128.pdf",
	    "pdf/letter-field-aes-128.pdf", "pdf/letter-field-aes-256-r5.pdf",
	    "pdf/letter-field-aes-256.pdf", "pdf/metadata-label-aes-128-clear-metadata.pdf",
	};
	const char *why = NULL;
	size_t len;
	struct scan s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(opened); i++) {
		_cleanup_free_ char *pdf = corpus_file(opened[i], &len);

		run(&s, pdf, len);
		if (strstr(opened[i], "metadata") != NULL)
			assert_has(&s, "keywords: 極機密\n");
		else
			assert_has(&s, "密等及解密條件或保密期限：機密");
		struct pdf_doc *doc = pdf_doc_open(&s, (const unsigned char *)pdf, len, &why);
		if (doc == NULL)
			fail_msg("%s: %s", opened[i], why);
		pdf_doc_free(doc);
		stub_free(&s);
	}

	_cleanup_free_ char *locked = corpus_file("hostile/pdf-encrypted.pdf", &len);
	stub_init(&s);
	assert_null(pdf_doc_open(&s, (const unsigned char *)locked, len, &why));
	assert_string_equal(why, "PDF is encrypted with a password");
	stub_free(&s);
}

static void budget_interrupts_within_a_page(void **state)
{
	char *content = malloc(200000);
	size_t len, w = 0;
	struct scan s;

	(void)state;
	assert_non_null(content);
	w += (size_t)sprintf(content, "BT /F1 12 Tf 72 700 Td (SECRET) Tj ET ");
	while (w < 190000)
		w += (size_t)sprintf(content + w, "q Q ");
	_cleanup_free_ char *pdf = one_page("", content, HELVETICA, "<< >>", &len);
	free(content);
	stub_init(&s);
	s.over_budget_after = 2; /* before the page, then within it */
	assert_int_equal(extract_pdf(&s, pdf, len), 0);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE PDF: budget spent in page 1 of 1: rest not read}");
	/* What was read before the cut still counts. */
	assert_has(&s, "[BODY page 1]\nSECRET\n[END]");
	stub_free(&s);
}

static void hostile_structure_ends(void **state)
{
	static const char *const cycle[] = {
	    CATALOG,
	    INFO,
	    PAGES,
	    "<< /Type /Page /Parent 3 0 R /Resources << /Font << /F1 6 0 R >> >> /Contents 5 0 R "
	    ">>",
	    /* A stream whose /Length is itself. */
	    "<< /Length 5 0 R >>\nstream\nBT /F1 12 Tf 72 700 Td (TOP SECRET) Tj ET\nendstream",
	    HELVETICA,
	};
	char deep[4096];
	size_t len, w = 0;
	struct scan s;
	uint64_t t0 = monotonic_ms();

	(void)state;
	_cleanup_free_ char *pdf = build(cycle, ARRAY_SIZE(cycle), &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\nTOP SECRET\n[END]");
	stub_free(&s);

	/* A composite font that is its own descendant, with ToUnicode
	 * ranges over every code, three times. */
	_cleanup_free_ char *font =
	    one_page("", "BT /F2 12 Tf 72 700 Td <00410042> Tj ET",
		     "<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /ToUnicode 8 0 R "
		     "/DescendantFonts [7 0 R] >>",
		     "STREAM:|1 begincodespacerange <0000> <FFFF> endcodespacerange 3 beginbfrange "
		     "<0000> <FFFF> <0041> <0000> <FFFF> <0042> <0000> <FFFF> [<0043>] endbfrange "
		     /* A decimal beyond any integer (found by fuzz_pdfstream). */
		     "/WMode 74666666666666666666666666666666666666666666666666666666.5 def",
		     &len);
	run(&s, font, len);
	stub_free(&s);

	/* Arrays nested thousands deep, an unterminated string, stray ops. */
	for (int i = 0; i < 1500; i++)
		deep[w++] = '[';
	snprintf(deep + w, sizeof(deep) - w, " (unterminated TJ Q Q Q ET BT Tf cm");
	_cleanup_free_ char *nest = one_page("", deep, HELVETICA, "<< >>", &len);
	run(&s, nest, len);
	stub_free(&s);
	assert_true(monotonic_ms() - t0 < 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lines_by_position_not_drawing_order),
	    cmocka_unit_test(gaps_spaces_and_rows_cut),
	    cmocka_unit_test(overprint_read_once),
	    cmocka_unit_test(rotated_page_reads_as_shown),
	    cmocka_unit_test(composite_font_through_to_unicode),
	    cmocka_unit_test(predefined_cjk_cmaps),
	    cmocka_unit_test(forms_and_annotation_appearances),
	    cmocka_unit_test(xref_and_object_streams),
	    cmocka_unit_test(leading_bytes_before_the_header),
	    cmocka_unit_test(unmapped_font_page_goes_to_poppler),
	    cmocka_unit_test(encryption_without_a_password),
	    cmocka_unit_test(budget_interrupts_within_a_page),
	    cmocka_unit_test(hostile_structure_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
