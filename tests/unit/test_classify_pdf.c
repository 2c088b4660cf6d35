/* The PDF extractor, tested on what it feeds the scan (the recording
 * stand-in of scan_recorder.h): one body page per PDF page, Info and
 * XMP metadata, and uninspectable for encrypted, broken and looping files,
 * on PDFs built here and on the generated corpus (tests/corpus). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "classify/extract.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/scan_recorder.h"

/* A corpus file, whole (tests/run.sh sets WARD_CORPUS). */
/* A PDF of the given object bodies (object i+1 is objects[i]; object 1 is
 * the catalog), with a correct xref table. */
static char *build_pdf(const char *const *objects, size_t n, size_t *len)
{
	size_t cap = 4096, off[32];
	char *pdf;
	int w = 0;

	assert_true(n < 32);
	for (size_t i = 0; i < n; i++)
		cap += strlen(objects[i]) + 64;
	pdf = malloc(cap);
	assert_non_null(pdf);
	w += snprintf(pdf + w, cap - (size_t)w, "%%PDF-1.4\n");
	for (size_t i = 0; i < n; i++) {
		off[i] = (size_t)w;
		w += snprintf(pdf + w, cap - (size_t)w, "%zu 0 obj\n%s\nendobj\n", i + 1,
			      objects[i]);
	}
	size_t xref = (size_t)w;
	w += snprintf(pdf + w, cap - (size_t)w, "xref\n0 %zu\n0000000000 65535 f \n", n + 1);
	for (size_t i = 0; i < n; i++)
		w += snprintf(pdf + w, cap - (size_t)w, "%010zu 00000 n \n", off[i]);
	w += snprintf(pdf + w, cap - (size_t)w,
		      "trailer\n<< /Size %zu /Root 1 0 R /Info 2 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
		      n + 1, xref);
	*len = (size_t)w;
	return pdf;
}

static void run(struct scan *s, const char *pdf, size_t len)
{
	stub_init(s);
	assert_int_equal(extract_pdf(s, pdf, len), 0);
	assert_false(s->in_page);
}

#define PAGE(contents_obj)                                                                         \
	"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 8 0 R "   \
	">> >> /Contents " contents_obj " >>"

static void pages_in_order_with_info_and_xmp(void **state)
{
	static const char xmp[] =
	    "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
	    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
	    "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
	    "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' "
	    "xmlns:ward='http://example.org/ward/' ward:密等='極機密'>"
	    "<dc:subject><rdf:Bag><rdf:li>機密</rdf:li></rdf:Bag></dc:subject>"
	    "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";
	char metadata[1024];
	const char *objects[] = {
	    "<< /Type /Catalog /Pages 3 0 R /Metadata 9 0 R >>",
	    "<< /Title (Holiday plan) /Subject (duty) /Keywords (CONFIDENTIAL) >>",
	    "<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 >>",
	    PAGE("6 0 R"),
	    PAGE("7 0 R"),
	    "<< >>\nstream\nBT /F1 12 Tf 72 720 Td (Roster) Tj 0 -20 Td (second line) Tj ET\n"
	    "endstream",
	    "<< >>\nstream\nBT /F1 12 Tf 72 720 Td (SECRET) Tj ET\nendstream",
	    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	    metadata,
	};
	size_t len;
	struct scan s;

	(void)state;
	snprintf(metadata, sizeof(metadata),
		 "<< /Type /Metadata /Subtype /XML /Length %zu >>\nstream\n%s\nendstream",
		 strlen(xmp) + 0, xmp);
	_cleanup_free_ char *pdf = build_pdf(objects, ARRAY_SIZE(objects), &len);
	run(&s, pdf, len);
	assert_has(&s, "[META PDF Info/XMP]\ntitle: Holiday plan\nsubject: duty\n"
		       "keywords: CONFIDENTIAL\n");
	assert_has(&s, "密等: 極機密\n");
	assert_has(&s, "subject: 機密\n");
	assert_has(&s, "[BODY page 1]\nRoster");
	assert_has(&s, "second line");
	assert_has(&s, "[BODY page 2]\nSECRET");
	assert_true(strstr(s.log, "page 1") < strstr(s.log, "page 2"));
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void corpus_header_is_first_line(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = corpus_file("office/header-mi.pdf", &len);
	run(&s, pdf, len);
	assert_has(&s, "[BODY page 1]\n密\n");
	stub_free(&s);

	_cleanup_free_ char *footer = corpus_file("office/footer-jimi.pdf", &len);
	run(&s, footer, len);
	assert_has(&s, "極機密\n[END]");
	stub_free(&s);

	_cleanup_free_ char *meta = corpus_file("office/metadata-label.pdf", &len);
	run(&s, meta, len);
	assert_has(&s, "keywords: 極機密\n");
	stub_free(&s);
}

static void encrypted_is_uninspectable(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = corpus_file("hostile/pdf-encrypted.pdf", &len);
	run(&s, pdf, len);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE PDF is encrypted");
	assert_lacks(&s, "[BODY");
	stub_free(&s);
}

static void loops_and_damage_end(void **state)
{
	static const char *const page_loop[] = {
	    "<< /Type /Catalog /Pages 3 0 R >>",
	    "<< >>",
	    "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
	    "<< /Type /Pages /Parent 3 0 R /Kids [4 0 R 3 0 R] /Count 2 >>",
	};
	static const char *const files[] = {"hostile/pdf-page-tree-loop.pdf",
					    "hostile/pdf-length-loop.pdf",
					    "hostile/pdf-truncated.pdf"};
	size_t len;
	uint64_t t0 = monotonic_ms();
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = build_pdf(page_loop, ARRAY_SIZE(page_loop), &len);
	run(&s, pdf, len);
	assert_true(s.uninspectable);
	stub_free(&s);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *f = corpus_file(files[i], &len);
		run(&s, f, len);
		stub_free(&s);
	}
	_cleanup_free_ char *cut = corpus_file("hostile/pdf-truncated.pdf", &len);
	run(&s, cut, len);
	assert_has(&s, "{UNINSPECTABLE PDF could not be opened");
	stub_free(&s);
	assert_true(monotonic_ms() - t0 < 5000);
}

static void budget_stops_between_pages(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *pdf = corpus_file("office/trap-security-plan.pdf", &len);
	stub_init(&s);
	s.over_budget_after = 0;
	assert_int_equal(extract_pdf(&s, pdf, len), 0);
	assert_true(s.uninspectable);
	assert_has(&s, "{UNINSPECTABLE PDF: budget spent after 0 of");
	assert_lacks(&s, "[BODY");
	stub_free(&s);
}

static void not_a_pdf(void **state)
{
	struct scan s;

	(void)state;
	stub_init(&s);
	assert_int_equal(extract_pdf(&s, "%PD", 3), -1);
	assert_int_equal(extract_pdf(&s, "hello, world", 12), -1);
	stub_free(&s);
	run(&s, "%PDF-1.7\n", 9);
	assert_true(s.uninspectable);
	stub_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pages_in_order_with_info_and_xmp),
	    cmocka_unit_test(corpus_header_is_first_line),
	    cmocka_unit_test(encrypted_is_uninspectable),
	    cmocka_unit_test(loops_and_damage_end),
	    cmocka_unit_test(budget_stops_between_pages),
	    cmocka_unit_test(not_a_pdf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
