/* The OLE2 reader and the .doc/.xls/.ppt extractors, tested on what they
 * feed the scan (the recording stand-in of scan_recorder.h): on the
 * LibreOffice-written corpus (header and footer stories, strike, document
 * properties, shared strings) and on compound files built here (encryption
 * flags, strings across CONTINUE records, PowerPoint text atoms, broken
 * chains). */
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

static void run(struct scan *s, const void *data, size_t len)
{
	stub_init(s);
	assert_int_equal(extract_ole(s, data, len), 0);
	assert_false(s->in_page);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

struct stream {
	const char *name; /* ASCII */
	const uint8_t *data;
	size_t len;
};

/* A version 3 compound file (512-byte sectors): sector 0 the FAT, sector
 * 1 the directory, then each stream padded to at least 4096 bytes so it
 * lives in regular sectors. */
static uint8_t *build_cfb(const struct stream *st, size_t n, size_t *out_len)
{
	size_t sizes[3], sectors = 2, total;
	uint8_t *f;
	uint32_t next = 2;

	assert_true(n <= 3);
	for (size_t i = 0; i < n; i++) {
		sizes[i] = st[i].len < 4096 ? 4096 : (st[i].len + 511) / 512 * 512;
		sectors += sizes[i] / 512;
	}
	assert_true(sectors <= 128);
	total = 512 * (sectors + 1);
	f = calloc(1, total);
	assert_non_null(f);
	memcpy(f, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	put16(f + 0x18, 0x3E);
	put16(f + 0x1A, 3);
	put16(f + 0x1C, 0xFFFE);
	put16(f + 0x1E, 9);
	put16(f + 0x20, 6);
	put32(f + 0x2C, 1);	     /* FAT sectors */
	put32(f + 0x30, 1);	     /* directory */
	put32(f + 0x38, 4096);	     /* mini stream cutoff */
	put32(f + 0x3C, 0xFFFFFFFE); /* no mini FAT */
	put32(f + 0x44, 0xFFFFFFFE); /* no DIFAT sectors */
	for (int i = 0; i < 109; i++)
		put32(f + 0x4C + 4 * i, i == 0 ? 0 : 0xFFFFFFFF);

	uint8_t *fat = f + 512, *dir = f + 1024;
	for (int i = 0; i < 128; i++)
		put32(fat + 4 * i, 0xFFFFFFFF);
	put32(fat, 0xFFFFFFFD);
	put32(fat + 4, 0xFFFFFFFE);

	/* Root entry, then one entry per stream chained as right siblings. */
	const char *root = "Root Entry";
	for (size_t k = 0; k < strlen(root); k++)
		dir[2 * k] = (uint8_t)root[k];
	put16(dir + 0x40, (uint32_t)(2 * strlen(root) + 2));
	dir[0x42] = 5;
	put32(dir + 0x44, 0xFFFFFFFF);
	put32(dir + 0x48, 0xFFFFFFFF);
	put32(dir + 0x4C, n > 0 ? 1 : 0xFFFFFFFF);
	put32(dir + 0x74, 0xFFFFFFFE);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = dir + 128 * (i + 1);
		uint32_t count = (uint32_t)(sizes[i] / 512);

		for (size_t k = 0; k < strlen(st[i].name); k++)
			e[2 * k] = (uint8_t)st[i].name[k];
		put16(e + 0x40, (uint32_t)(2 * strlen(st[i].name) + 2));
		e[0x42] = 2;
		put32(e + 0x44, 0xFFFFFFFF);
		put32(e + 0x48, i + 1 < n ? (uint32_t)(i + 2) : 0xFFFFFFFF);
		put32(e + 0x4C, 0xFFFFFFFF);
		put32(e + 0x74, next);
		put32(e + 0x78, (uint32_t)sizes[i]);
		memcpy(f + 512 * (next + 1), st[i].data, st[i].len);
		for (uint32_t k = 0; k < count; k++)
			put32(fat + 4 * (next + k), k + 1 < count ? next + k + 1 : 0xFFFFFFFE);
		next += count;
	}
	*out_len = total;
	return f;
}

static void corpus_doc_zones(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *hdr = corpus_file("office/header-mi.doc", &len);
	run(&s, hdr, len);
	assert_has(&s, "[HEADER WordDocument header]\n密\n");
	assert_has(&s, "[BODY WordDocument text]\n主旨：函送本府");
	assert_false(s.uninspectable);
	stub_free(&s);

	_cleanup_free_ char *ftr = corpus_file("office/footer-jimi.doc", &len);
	run(&s, ftr, len);
	assert_has(&s, "[FOOTER WordDocument footer]\n極機密\n");
	assert_lacks(&s, "[HEADER");
	stub_free(&s);

	_cleanup_free_ char *struck = corpus_file("office/struck-header-jimi.doc", &len);
	run(&s, struck, len);
	assert_has(&s, "[HEADER WordDocument header]\n~~機密~~\n");
	assert_has(&s, "本件業經核定解密");
	assert_lacks(&s, "~~本件");
	stub_free(&s);

	_cleanup_free_ char *meta = corpus_file("office/metadata-label.doc", &len);
	run(&s, meta, len);
	assert_has(&s, "[META OLE document properties]\n");
	assert_has(&s, "keywords: 極機密\n");
	assert_has(&s, "密等: 極機密\n");
	stub_free(&s);

	_cleanup_free_ char *ids = corpus_file("office/pii-ids-12.doc", &len);
	run(&s, ids, len);
	assert_has(&s, "1\t王小明\t");
	stub_free(&s);
}

static void corpus_xls_strings_and_header(void **state)
{
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *ids = corpus_file("office/sheet-ids-12.xls", &len);
	run(&s, ids, len);
	assert_has(&s, "[BODY Workbook shared strings]\n");
	assert_has(&s, "\n身分證統一編號\n");
	assert_has(&s, "\n王小明\n");
	stub_free(&s);

	_cleanup_free_ char *hdr = corpus_file("office/sheet-header-mi.xls", &len);
	run(&s, hdr, len);
	assert_has(&s, "[HEADER Workbook sheet header]\n");
	assert_has(&s, "\n密\n");
	stub_free(&s);
}

/* A minimal Word 97 FIB: wIdent, flags, csw=14, cslw=22, cbRgFcLcb=93. */
static void word_fib(uint8_t *w, uint32_t flags)
{
	put16(w, 0xA5EC);
	put16(w + 2, 0x00C1);
	put16(w + 0x0A, flags);
	put16(w + 0x20, 14);
	put16(w + 0x22 + 28, 22);
	put16(w + 0x22 + 30 + 88, 93);
}

static void encrypted_documents(void **state)
{
	uint8_t word[4096] = {0}, book[64] = {0};
	size_t len;
	struct scan s;

	(void)state;
	word_fib(word, 0x0100 | 0x0200); /* fEncrypted, 1Table */
	struct stream doc[] = {{"WordDocument", word, sizeof(word)}};
	_cleanup_free_ uint8_t *f1 = build_cfb(doc, 1, &len);
	run(&s, f1, len);
	assert_has(&s, "{UNINSPECTABLE Word document is encrypted");
	stub_free(&s);

	/* BOF, then FILEPASS. */
	put16(book, 0x0809);
	put16(book + 2, 16);
	put16(book + 20, 0x002F);
	put16(book + 22, 4);
	struct stream xls[] = {{"Workbook", book, sizeof(book)}};
	_cleanup_free_ uint8_t *f2 = build_cfb(xls, 1, &len);
	run(&s, f2, len);
	assert_has(&s, "{UNINSPECTABLE Excel workbook is encrypted");
	stub_free(&s);

	struct stream agile[] = {{"EncryptionInfo", book, 8}, {"EncryptedPackage", book, 8}};
	_cleanup_free_ uint8_t *f3 = build_cfb(agile, 2, &len);
	run(&s, f3, len);
	assert_has(&s, "{UNINSPECTABLE encrypted Office document");
	stub_free(&s);
}

static void sst_string_across_continue(void **state)
{
	uint8_t book[128] = {0};
	size_t len, p = 0;
	struct scan s;

	(void)state;
	/* SST with two strings: "AB" 8-bit, then 機密 (U+6A5F U+5BC6) as
	 * 16-bit characters, its second character in a CONTINUE record that
	 * restarts with its own high-byte flag. */
	put16(book + p, 0x00FC);
	put16(book + p + 2, 8 + 5 + 3 + 2);
	p += 4;
	put32(book + p, 2);
	put32(book + p + 4, 2);
	p += 8;
	put16(book + p, 2);
	book[p + 2] = 0;
	book[p + 3] = 'A';
	book[p + 4] = 'B';
	p += 5;
	put16(book + p, 2);
	book[p + 2] = 1;
	put16(book + p + 3, 0x6A5F);
	p += 5;
	put16(book + p, 0x003C);
	put16(book + p + 2, 3);
	book[p + 4] = 1;
	put16(book + p + 5, 0x5BC6);
	p += 7;
	/* A footer record: &L and &C start sections, a lone & at the end is dropped. */
	put16(book + p, 0x0015);
	put16(book + p + 2, 3 + 9);
	put16(book + p + 4, 9);
	book[p + 6] = 0;
	memcpy(book + p + 7, "&LX&CTOP&", 9);
	p += 4 + 12;
	struct stream xls[] = {{"Workbook", book, p}};
	_cleanup_free_ uint8_t *f = build_cfb(xls, 1, &len);
	run(&s, f, len);
	assert_has(&s, "[BODY Workbook shared strings]\nAB\n機密\n[END]");
	assert_has(&s, "[FOOTER Workbook sheet footer]\n\nX\nTOP\n[END]");
	stub_free(&s);
}

static void ppt_text_atoms(void **state)
{
	uint8_t ppt[128] = {0};
	size_t len, p = 0;
	struct scan s;

	(void)state;
	/* A document container holding a TextBytesAtom, then a slide
	 * container holding a TextCharsAtom: the slide is a page of its own. */
	put16(ppt + p, 0x000F);
	put16(ppt + p + 2, 0x03E8);
	put32(ppt + p + 4, 8 + 6);
	p += 8;
	put16(ppt + p + 2, 0x0FA8); /* TextBytesAtom: "memo\rx" */
	put32(ppt + p + 4, 6);
	memcpy(ppt + p + 8, "memo\rx", 6);
	p += 14;
	put16(ppt + p, 0x000F);
	put16(ppt + p + 2, 0x03EE);
	put32(ppt + p + 4, 8 + 4);
	p += 8;
	put16(ppt + p + 2, 0x0FA0); /* TextCharsAtom: 機密 */
	put32(ppt + p + 4, 4);
	put16(ppt + p + 8, 0x6A5F);
	put16(ppt + p + 10, 0x5BC6);
	p += 12;
	put16(ppt + p + 2, 0x0FA8); /* after the slide */
	put32(ppt + p + 4, 3);
	memcpy(ppt + p + 8, "end", 3);
	p += 11;
	struct stream st[] = {{"PowerPoint Document", ppt, p}};
	_cleanup_free_ uint8_t *f = build_cfb(st, 1, &len);
	run(&s, f, len);
	assert_has(&s, "[BODY PowerPoint slide 1]\n機密\n[END]");
	assert_has(&s, "[BODY PowerPoint Document text]\nmemo\nx\nend\n[END]");
	stub_free(&s);

	_cleanup_free_ char *deck = corpus_file("office/deck-firstline-jimi.ppt", &len);
	run(&s, deck, len);
	assert_has(&s, "[BODY PowerPoint slide 1]\n機密\n春節期間維安工作簡報\n");
	assert_has(&s, "[BODY PowerPoint slide 2]\n重點措施\n");
	stub_free(&s);
}

static void broken_files_are_uninspectable(void **state)
{
	uint8_t word[4096] = {0};
	size_t len;
	struct scan s;

	(void)state;
	_cleanup_free_ char *cycle = corpus_file("hostile/ole-fat-cycle.doc", &len);
	run(&s, cycle, len);
	assert_has(&s, "{UNINSPECTABLE OLE2 file unreadable: a sector chain loops (FAT cycle)}");
	stub_free(&s);

	/* A real document cut anywhere: never a crash, and cut inside its
	 * sectors it is uninspectable. */
	_cleanup_free_ char *doc = corpus_file("office/header-mi.doc", &len);
	for (size_t cut = 0; cut < len; cut += 97) {
		stub_init(&s);
		(void)extract_ole(&s, doc, cut);
		assert_false(s.in_page);
		stub_free(&s);
	}
	run(&s, doc, len / 2);
	assert_true(s.uninspectable);
	stub_free(&s);

	/* A stream's chain that runs into a free sector. */
	word_fib(word, 0);
	struct stream st[] = {{"WordDocument", word, sizeof(word)}};
	_cleanup_free_ uint8_t *f = build_cfb(st, 1, &len);
	put32(f + 512 + 4 * 3, 0xFFFFFFFF);
	run(&s, f, len);
	assert_has(&s, "{UNINSPECTABLE");
	stub_free(&s);

	/* No stream of a known kind. */
	struct stream other[] = {{"Contents", word, 16}};
	_cleanup_free_ uint8_t *g = build_cfb(other, 1, &len);
	run(&s, g, len);
	assert_has(&s, "{UNINSPECTABLE OLE2 file of a kind not read");
	stub_free(&s);

	stub_init(&s);
	assert_int_equal(extract_ole(&s, "\xd0\xcf\x11", 3), -1);
	assert_int_equal(extract_ole(&s, "PK\3\4 not ole", 12), -1);
	stub_free(&s);
}

static void doc_without_piece_table_falls_back(void **state)
{
	uint8_t word[4096] = {0};
	const char *text = "Fallback text 機密";
	size_t len;
	struct scan s;

	(void)state;
	/* The FIB names a 0Table that does not exist: the UTF-16 runs of the
	 * stream are read instead. */
	word_fib(word, 0);
	size_t ulen;
	_cleanup_free_ char *u16 = NULL;
	{
		iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
		char *in = (char *)text, *o;
		size_t inleft = strlen(text), outleft = 256;

		u16 = calloc(1, 256);
		o = u16;
		assert_true(cd != (iconv_t)-1);
		assert_true(iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1);
		iconv_close(cd);
		ulen = 256 - outleft;
	}
	memcpy(word + 0x800, u16, ulen);
	struct stream st[] = {{"WordDocument", word, sizeof(word)}};
	_cleanup_free_ uint8_t *f = build_cfb(st, 1, &len);
	run(&s, f, len);
	assert_has(&s, "[BODY WordDocument text runs]\n");
	assert_has(&s, "Fallback text 機密\n");
	stub_free(&s);
}

static void word95_big5_text(void **state)
{
	static const char text[] = "\xbe\xf7\xb1\x4b\rbody\x07"
				   "cell\x01\r";
	uint8_t word[4096] = {0};
	size_t len;
	struct scan s;

	(void)state;
	/* Word 95 (nFib 104): the text is fcMin..fcMac, here Big5. */
	put16(word, 0xA5EC);
	put16(word + 2, 104);
	put32(word + 0x18, 0x300);
	put32(word + 0x1C, 0x300 + sizeof(text) - 1);
	memcpy(word + 0x300, text, sizeof(text) - 1);
	struct stream st[] = {{"WordDocument", word, sizeof(word)}};
	_cleanup_free_ uint8_t *f = build_cfb(st, 1, &len);
	run(&s, f, len);
	assert_has(&s, "[BODY WordDocument text (Word 6/95)]\n機密\nbody\tcell\n[END]");
	stub_free(&s);

	/* fcMac past the end of the stream. */
	put32(word + 0x1C, 0x10000);
	struct stream bad[] = {{"WordDocument", word, sizeof(word)}};
	_cleanup_free_ uint8_t *g = build_cfb(bad, 1, &len);
	run(&s, g, len);
	assert_has(&s, "{UNINSPECTABLE Word 6/95 document's text range is outside its stream}");
	stub_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(corpus_doc_zones),
	    cmocka_unit_test(corpus_xls_strings_and_header),
	    cmocka_unit_test(encrypted_documents),
	    cmocka_unit_test(sst_string_across_continue),
	    cmocka_unit_test(ppt_text_atoms),
	    cmocka_unit_test(broken_files_are_uninspectable),
	    cmocka_unit_test(doc_without_piece_table_falls_back),
	    cmocka_unit_test(word95_big5_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
