/* The XML-family extractors (DI XML, ODF, OOXML, HTML), archives and
 * e-mail, tested on what they feed the scan (a recording stand-in, see
 * scan_recorder.h): zones, places, lines, struck runs, structural
 * markings, nesting and uninspectable reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify/extract.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/scan_recorder.h"

static void run(struct scan *s, int (*extract)(struct scan *, const void *, size_t),
		const char *data, size_t len)
{
	stub_init(s);
	assert_int_equal(extract(s, data, len ? len : strlen(data)), 0);
	assert_false(s->in_page);
}

/* ---- 公文 DI XML ---- */

#define DI_HEAD                                                                                    \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"                                             \
	"<!DOCTYPE 函 SYSTEM \"104_2_utf8.dtd\">\n<函>\n<發文機關><全銜>臺東縣政府</全銜></發文機關>\n"
#define DI_TAIL                                                                                    \
	"<主旨><文字>檢送本府春節維安計畫，請查照。</文字></主旨>\n"        \
	"<段落 段名=\"說明：\"><條列 序號=\"一、\"><文字>聯絡人身分證 A123456789。</文字></條列></段落>\n</函>\n"

static void di_attribute_levels(void **state)
{
	static const char *const levels[] = {"密", "機密", "極機密", "絕對機密"};
	struct scan s;
	char doc[2048], want[128];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		snprintf(doc, sizeof(doc),
			 DI_HEAD "<密等及解密條件或保密期限><密等 代碼=\"%s\"/>"
				 "<解密條件或保密期限>本件於公布時解密</解密條件或保密期限>"
				 "</密等及解密條件或保密期限>\n" DI_TAIL,
			 levels[i]);
		run(&s, extract_di_xml, doc, 0);
		snprintf(want, sizeof(want), "{MARK %s di-xml-mideng 密等 代碼 %s}", levels[i],
			 levels[i]);
		assert_has(&s, want);
		assert_has(&s, "[BODY xml body]");
		assert_has(&s, "\n檢送本府春節維安計畫，請查照。\n");
		assert_has(&s, "\n本件於公布時解密\n");
		assert_false(s.uninspectable);
		stub_free(&s);
	}
}

static void di_element_text_and_91_version(void **state)
{
	struct scan s;

	(void)state;
	run(&s, extract_di_xml, DI_HEAD "<密等>極機密</密等>" DI_TAIL, 0);
	assert_has(&s, "{MARK 極機密 di-xml-mideng 密等 text 極機密}");
	stub_free(&s);

	run(&s, extract_di_xml,
	    DI_HEAD
	    "<密等及解密條件>機密（本件於中華民國115年1月1日解密）</密等及解密條件>" DI_TAIL,
	    0);
	assert_has(&s, "{MARK 機密 di-xml-mideng 密等及解密條件 text");
	stub_free(&s);

	run(&s, extract_di_xml,
	    DI_HEAD
	    "<密等及解密條件 密等=\"密\"><解密條件>公布後解密</解密條件></密等及解密條件>" DI_TAIL,
	    0);
	assert_has(&s, "{MARK 密 di-xml-mideng 密等及解密條件 密等 密}");
	stub_free(&s);
}

static void di_unclassified_forms(void **state)
{
	static const char *const forms[] = {"<密等 代碼=\"普通\"/>", "<密等/>",
					    "<密等></密等>",	     "<密等>普通</密等>",
					    "<密等> </密等>",	     "<密等>密切聯繫</密等>",
					    "<密等及解密條件/>"};
	struct scan s;
	char doc[2048];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		snprintf(doc, sizeof(doc), DI_HEAD "%s" DI_TAIL, forms[i]);
		run(&s, extract_di_xml, doc, 0);
		assert_lacks(&s, "{MARK");
		assert_false(s.uninspectable);
		stub_free(&s);
	}
}

static void di_big5_declared_and_undeclared(void **state)
{
	/* 機密 in Big5 is BE F7 B1 4B; 密等 is B1 4B B5 A5. */
	static const char declared[] =
	    "<?xml version=\"1.0\" encoding=\"big5\"?>\n"
	    "<doc><\xb1\x4b\xb5\xa5 \xa5\x4e\xbd\x58=\"\xbe\xf7\xb1\x4b\"/>"
	    "</doc>";
	static const char undeclared[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<doc><\xb1\x4b\xb5\xa5>\xbe\xf7\xb1\x4b</\xb1\x4b\xb5\xa5>"
	    "</doc>";
	struct scan s;

	(void)state;
	/* The element and attribute names are Big5 too. */
	stub_init(&s);
	extract_di_xml(&s, declared, sizeof(declared) - 1);
	assert_has(&s, "{MARK 機密 di-xml-mideng 密等 代碼 機密}");
	stub_free(&s);

	stub_init(&s);
	extract_di_xml(&s, undeclared, sizeof(undeclared) - 1);
	assert_has(&s, "{MARK 機密 di-xml-mideng 密等 text 機密}");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void di_bom_utf8(void **state)
{
	struct scan s;

	(void)state;
	run(&s, extract_di_xml, "\xef\xbb\xbf<?xml version=\"1.0\"?><函><密等 代碼=\"密\"/></函>",
	    0);
	assert_has(&s, "{MARK 密 di-xml-mideng");
	stub_free(&s);
}

static void xml_external_entity_not_resolved(void **state)
{
	struct scan s;
	char path[] = "/tmp/ward-xxe-XXXXXX";
	int fd = mkstemp(path);
	char doc[1024];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "SECRET-FILE-CONTENT 絕對機密\n", 31), 0);
	close(fd);
	snprintf(doc, sizeof(doc),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE 函 SYSTEM \"http://127.0.0.1:9/none.dtd\" [\n"
		 "<!ENTITY xxe SYSTEM \"file://%s\">\n<!ENTITY %% pe SYSTEM \"file://%s\">\n]>\n"
		 "<函><主旨>before &xxe; after</主旨><密等 代碼=\"&xxe;\"/></函>",
		 path, path);
	run(&s, extract_di_xml, doc, 0);
	unlink(path);
	assert_lacks(&s, "SECRET-FILE-CONTENT");
	assert_lacks(&s, "{MARK");
	assert_has(&s, "before ");
	stub_free(&s);
}

static void xml_billion_laughs_ends_fast(void **state)
{
	char doc[4096];
	size_t n = 0;
	struct scan s;
	uint64_t t0;

	(void)state;
	n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
	for (int i = 1; i < 10; i++) {
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "<!ENTITY lol%d \"", i);
		for (int j = 0; j < 10; j++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n, "&lol%s;",
					      i == 1 ? "" : (char[]){(char)('0' + i - 1), 0});
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "\">\n");
	}
	snprintf(doc + n, sizeof(doc) - n, "]>\n<lolz>&lol9;</lolz>\n");
	t0 = monotonic_ms();
	run(&s, extract_di_xml, doc, 0);
	assert_true(monotonic_ms() - t0 < 1000);
	assert_lacks(&s, "lollollol");
	stub_free(&s);
}

static void xml_broken_is_uninspectable(void **state)
{
	struct scan s;

	(void)state;
	run(&s, extract_di_xml, "<?xml version=\"1.0\"?><函><密等 代碼=\"機密\"/><主旨>abc</函>",
	    0);
	/* What was read before the damage still counts. */
	assert_has(&s, "{MARK 機密");
	assert_has(&s, "{UNINSPECTABLE XML not well-formed (line 1:");
	stub_free(&s);
}

static void xml_plain_text_of_other_xml(void **state)
{
	struct scan s;

	(void)state;
	run(&s, extract_di_xml,
	    "<?xml version=\"1.0\"?>\n<config>\n  <name>alpha</name>\n  <note>beta &amp; gamma</note>\n"
	    "<![CDATA[delta]]></config>",
	    0);
	assert_has(&s, "\nalpha\nbeta & gamma\ndelta\n");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void xml_budget_stops_parse(void **state)
{
	struct scan s;
	size_t len = 4u << 20;
	char *doc = malloc(len + 64);

	(void)state;
	assert_non_null(doc);
	strcpy(doc, "<a>");
	memset(doc + 3, 'x', len);
	strcpy(doc + 3 + len, "</a>");
	stub_init(&s);
	s.over_budget_after = 2;
	extract_di_xml(&s, doc, strlen(doc));
	/* Stopped after a few slices: far less than the whole text fed. */
	assert_true(s.len < len / 2);
	assert_false(s.in_page);
	stub_free(&s);
	free(doc);
}

/* ---- ODF ---- */

#define ODF_NS                                                                                     \
	" xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""                       \
	" xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\""                         \
	" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""                           \
	" xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\""                        \
	" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\""                         \
	" xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\""                           \
	" xmlns:dc=\"http://purl.org/dc/elements/1.1/\""                                           \
	" xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\""

static const char odf_styles[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles" ODF_NS ">"
    "<office:styles><style:style style:name=\"Struck\" style:family=\"text\">"
    "<style:text-properties style:text-line-through-style=\"solid\"/></style:style>"
    "<style:style style:name=\"StruckChild\" style:family=\"text\" "
    "style:parent-style-name=\"Struck\"/></office:styles>"
    "<office:automatic-styles><style:style style:name=\"MP1\" style:family=\"paragraph\">"
    "<style:text-properties style:text-line-through-style=\"solid\"/></style:style>"
    "</office:automatic-styles>"
    "<office:master-styles><style:master-page style:name=\"Standard\">"
    "<style:header><text:p>機密</text:p></style:header>"
    "<style:footer><text:p text:style-name=\"MP1\">密</text:p><text:p>第 1 頁</text:p></style:footer>"
    "</style:master-page></office:master-styles></office:document-styles>";

static const char odf_content[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content" ODF_NS ">"
    "<office:automatic-styles><style:style style:name=\"T1\" style:family=\"text\">"
    "<style:text-properties style:text-line-through-style=\"solid\"/></style:style>"
    "<style:style style:name=\"T2\" style:family=\"text\" style:parent-style-name=\"Struck\">"
    "<style:text-properties style:text-line-through-style=\"none\"/></style:style>"
    "<style:style style:name=\"T3\" style:family=\"text\" style:parent-style-name=\"StruckChild\"/>"
    "<style:style style:name=\"P1\" style:family=\"paragraph\"><style:text-properties "
    "fo:font-size=\"12pt\"/></style:style></office:automatic-styles>"
    "<office:body><office:text>"
    "<text:p text:style-name=\"P1\">第一行<text:s/>內容<text:tab/>欄</text:p>"
    "<text:p>前文<draw:frame><draw:text-box><text:p>極機密</text:p></draw:text-box></draw:frame>後文</text:p>"
    "<text:p><text:span text:style-name=\"T1\">機密</text:span></text:p>"
    "<text:p><text:span text:style-name=\"T2\">不刪</text:span><text:span "
    "text:style-name=\"T3\">繼承刪</text:span></text:p>"
    "<table:table><table:table-row><table:table-cell><text:p>A223456781</text:p></table:table-cell>"
    "<table:table-cell><text:p>格二</text:p></table:table-cell></table:table-row></table:table>"
    "<text:soft-page-break/><text:h>第二頁標題<text:line-break/>次行</text:h>"
    "<text:p>註<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>腳註"
    "</text:p></text:note-body></text:note></text:p>"
    "</office:text></office:body></office:document-content>";

static const char odf_meta[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta" ODF_NS "><office:meta>"
    "<dc:title>春節維安</dc:title><dc:subject>計畫</dc:subject><meta:keyword>維安</meta:keyword>"
    "<meta:generator>LibreOffice</meta:generator>"
    "<meta:user-defined meta:name=\"密等\">機密</meta:user-defined>"
    "</office:meta></office:document-meta>";

static void odt_zones_pages_struck_and_meta(void **state)
{
	struct scan s;
	size_t len;
	char *zip = make_archive("zip", NULL, NULL, &len, "mimetype",
				 "application/vnd.oasis.opendocument.text", (size_t)0,
				 "content.xml", odf_content, (size_t)0, "styles.xml", odf_styles,
				 (size_t)0, "meta.xml", odf_meta, (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_odf, zip, len);
	assert_has(&s, "[HEADER styles.xml header]\n機密\n[END]\n");
	assert_has(&s, "[FOOTER styles.xml footer]\n~~密~~\n第 1 頁\n[END]\n");
	assert_has(&s, "[BODY content.xml page 1]\n第一行 內容\t欄\n前文\n極機密\n後文\n~~機密~~\n"
		       "不刪~~繼承刪~~\nA223456781\n格二\n[END]\n");
	assert_has(&s, "[BODY content.xml page 2]\n第二頁標題\n次行\n註\n腳註\n[END]\n");
	assert_has(&s,
		   "[META meta.xml]\ntitle: 春節維安\nsubject: 計畫\nkeyword: 維安\n密等: 機密\n"
		   "[END]\n");
	assert_lacks(&s, "LibreOffice");
	assert_false(s.uninspectable);
	stub_free(&s);
	free(zip);
}

static void fodt_flat_document(void **state)
{
	struct scan s;
	char doc[8192];

	(void)state;
	snprintf(doc, sizeof(doc),
		 "<?xml version=\"1.0\"?>\n<office:document" ODF_NS ">"
		 "<office:meta><dc:title>t</dc:title></office:meta>"
		 "<office:master-styles><style:master-page><style:header><text:p>【密】</text:p>"
		 "</style:header></style:master-page></office:master-styles>"
		 "<office:body><office:text><text:p>本文</text:p></office:text></office:body>"
		 "</office:document>");
	run(&s, extract_di_xml, doc, 0); /* XML by type: passed on to ODF */
	assert_has(&s, "[META metadata]\ntitle: t\n[END]\n");
	assert_has(&s, "[HEADER header]\n【密】\n[END]\n");
	assert_has(&s, "[BODY page 1]\n本文\n[END]\n");
	stub_free(&s);
}

static void ods_and_odp_pages(void **state)
{
	struct scan s;
	size_t len;
	char *zip = make_archive(
	    "zip", NULL, NULL, &len, "mimetype", "application/vnd.oasis.opendocument.spreadsheet",
	    (size_t)0, "content.xml",
	    "<office:document-content" ODF_NS "><office:body><office:spreadsheet>"
	    "<table:table table:name=\"A\"><table:table-row><table:table-cell><text:p>一</text:p>"
	    "</table:table-cell></table:table-row></table:table>"
	    "<table:table table:name=\"B\"><table:table-row><table:table-cell><text:p>二</text:p>"
	    "</table:table-cell></table:table-row></table:table>"
	    "</office:spreadsheet></office:body></office:document-content>",
	    (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_odf, zip, len);
	assert_has(
	    &s, "[BODY content.xml sheet 1]\n一\n[END]\n[BODY content.xml sheet 2]\n二\n[END]\n");
	stub_free(&s);
	free(zip);

	zip = make_archive("zip", NULL, NULL, &len, "content.xml",
			   "<office:document-content" ODF_NS "><office:body><office:presentation>"
			   "<draw:page><draw:frame><draw:text-box><text:p>投影一</text:p>"
			   "</draw:text-box></draw:frame></draw:page>"
			   "<draw:page><draw:frame><draw:text-box><text:p>投影二</text:p>"
			   "</draw:text-box></draw:frame></draw:page>"
			   "</office:presentation></office:body></office:document-content>",
			   (size_t)0, (char *)NULL);
	run(&s, extract_odf, zip, len);
	assert_has(&s,
		   "[BODY content.xml slide 1]\n投影一\n[END]\n[BODY content.xml slide 2]\n投影二");
	stub_free(&s);
	free(zip);
}

static void odf_encrypted_and_not_odf(void **state)
{
	struct scan s;
	size_t len;
	char *zip = make_archive(
	    "zip", NULL, NULL, &len, "mimetype", "application/vnd.oasis.opendocument.text",
	    (size_t)0, "META-INF/manifest.xml",
	    "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
	    "<manifest:file-entry manifest:full-path=\"content.xml\"><manifest:encryption-data/>"
	    "</manifest:file-entry></manifest:manifest>",
	    (size_t)0, "content.xml", "\x01\x02 garbage", (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_odf, zip, len);
	assert_has(&s, "{UNINSPECTABLE ODF document is encrypted");
	stub_free(&s);
	free(zip);

	stub_init(&s);
	assert_int_equal(extract_odf(&s, "\x00\x01\x02\x03not a zip", 13), -1);
	stub_free(&s);
}

static void deep_nesting_is_bounded(void **state)
{
	struct scan s;
	size_t n = 0, cap = 1 << 20;
	char *doc = malloc(cap);

	(void)state;
	assert_non_null(doc);
	/* 500 levels: read; 600: stopped (libxml2's push parser would not). */
	for (int depth = 500; depth <= 600; depth += 100) {
		n = 0;
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(doc + n, cap - n, "<a>");
		n += (size_t)snprintf(doc + n, cap - n, "深處");
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(doc + n, cap - n, "</a>");
		run(&s, extract_di_xml, doc, n);
		if (depth == 500) {
			assert_has(&s, "\n深處\n");
			assert_false(s.uninspectable);
		} else {
			assert_lacks(&s, "深處");
			assert_has(&s, "nested deeper than 512)}");
		}
		stub_free(&s);
	}

	n = 0;
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(doc + n, cap - n, "<div>");
	n += (size_t)snprintf(doc + n, cap - n, "深處");
	run(&s, extract_html, doc, n);
	assert_has(&s, "{UNINSPECTABLE HTML elements nested too deeply}");
	stub_free(&s);
	free(doc);
}

/* ---- OOXML ---- */

#define W_NS " xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define CT "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"

static const char docx_document[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document" W_NS
    " xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>"
    "<w:p><w:pPr><w:rPr><w:strike/></w:rPr></w:pPr><w:r><w:t>首行</w:t></w:r></w:p>"
    "<w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>機密</w:t></w:r></w:p>"
    "<w:p><w:r><w:rPr><w:dstrike w:val=\"true\"/></w:rPr><w:t>密</w:t></w:r>"
    "<w:r><w:rPr><w:strike w:val=\"0\"/></w:rPr><w:t>不刪</w:t></w:r></w:p>"
    "<w:p><w:r><w:rPr><w:rStyle w:val=\"Gone\"/></w:rPr><w:t>樣式刪</w:t></w:r></w:p>"
    "<w:p><w:pPr><w:pStyle w:val=\"GonePara\"/></w:pPr><w:r><w:t>段落刪</w:t></w:r></w:p>"
    "<w:p><w:r><w:t xml:space=\"preserve\">前 </w:t></w:r><w:r><mc:AlternateContent><mc:Choice>"
    "<w:txbxContent><w:p><w:r><w:t>文字方塊</w:t></w:r></w:p></w:txbxContent></mc:Choice>"
    "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>重複</w:t></w:r></w:p></w:txbxContent>"
    "</mc:Fallback></mc:AlternateContent></w:r><w:r><w:tab/><w:t>後</w:t></w:r></w:p>"
    "<w:p><w:del><w:r><w:delText>已刪除</w:delText></w:r></w:del><w:r><w:instrText>PAGE"
    "</w:instrText></w:r></w:p>"
    "<w:p><w:r><w:br w:type=\"page\"/><w:t>次頁</w:t></w:r></w:p>"
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A223456781</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    "</w:body></w:document>";

static const char docx_styles[] =
    "<w:styles" W_NS "><w:style w:type=\"character\" w:styleId=\"Base\"><w:rPr><w:strike/>"
    "</w:rPr></w:style><w:style w:type=\"character\" w:styleId=\"Gone\"><w:basedOn "
    "w:val=\"Base\"/></w:style><w:style w:type=\"paragraph\" w:styleId=\"GonePara\"><w:rPr>"
    "<w:dstrike/></w:rPr></w:style></w:styles>";

static void docx_parts_struck_pages_and_props(void **state)
{
	struct scan s;
	size_t len;
	char *zip = make_archive(
	    "zip", NULL, NULL, &len, "[Content_Types].xml", CT, (size_t)0, "word/document.xml",
	    docx_document, (size_t)0, "word/styles.xml", docx_styles, (size_t)0, "word/header1.xml",
	    "<w:hdr" W_NS "><w:p><w:r><w:t>極機密</w:t></w:r></w:p></w:hdr>", (size_t)0,
	    "word/footer2.xml",
	    "<w:ftr" W_NS
	    "><w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>機密</w:t></w:r></w:p></w:ftr>",
	    (size_t)0, "docProps/core.xml",
	    "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
	    "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
	    "<dc:title>標題</dc:title><dc:creator>someone</dc:creator><cp:keywords>密"
	    "</cp:keywords></cp:coreProperties>",
	    (size_t)0, "docProps/custom.xml",
	    "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	    "custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	    "docPropsVTypes\"><property fmtid=\"x\" pid=\"2\" name=\"Classification\">"
	    "<vt:lpwstr>CONFIDENTIAL</vt:lpwstr></property></Properties>",
	    (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "[BODY word/document.xml page 1]\n首行\n~~機密~~\n~~密~~不刪\n~~樣式刪~~\n"
		       "~~段落刪~~\n前 \n文字方塊\n\t後\n[END]\n"
		       "[BODY word/document.xml page 2]\n次頁\nA223456781\n[END]\n");
	assert_has(&s, "[HEADER word/header1.xml]\n極機密\n[END]\n");
	assert_has(&s, "[FOOTER word/footer2.xml]\n~~機密~~\n[END]\n");
	assert_has(&s, "[META docProps]\ntitle: 標題\nkeywords: 密\nClassification: CONFIDENTIAL\n"
		       "[END]\n");
	assert_lacks(&s, "重複");
	assert_lacks(&s, "已刪除");
	assert_lacks(&s, "PAGE");
	assert_lacks(&s, "someone");
	assert_false(s.uninspectable);
	stub_free(&s);
	free(zip);
}

static void xlsx_strings_cells_and_header_codes(void **state)
{
	struct scan s;
	size_t len;
	char *zip = make_archive(
	    "zip", NULL, NULL, &len, "[Content_Types].xml", CT, (size_t)0, "xl/sharedStrings.xml",
	    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	    "<si><t>姓名</t></si><si><r><rPr><strike/></rPr><t>機密</t></r><r><t>尾</t></r></si>"
	    "<si><t>甲</t><rPh><t>ㄐㄧㄚˇ</t></rPh></si></sst>",
	    (size_t)0, "xl/worksheets/sheet10.xml",
	    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	    "<sheetData/><headerFooter/></worksheet>",
	    (size_t)0, "xl/worksheets/sheet2.xml",
	    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	    "<sheetData><row><c t=\"inlineStr\"><is><t>內嵌</t></is></c><c><v>42</v></c>"
	    "<c t=\"str\"><f>A1</f><v>公式值</v></c></row></sheetData>"
	    "<headerFooter><oddHeader>&amp;L&amp;\"標楷體,粗體\"&amp;14機密&amp;C&amp;P / &amp;N"
	    "&amp;R</oddHeader><oddFooter>&amp;C&amp;S密&amp;S &amp;&amp; 頁</oddFooter>"
	    "</headerFooter></worksheet>",
	    (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "[BODY xl/sharedStrings.xml]\n姓名\n~~機密~~尾\n甲\n[END]\n");
	assert_has(&s, "[BODY xl/worksheets/sheet2.xml]\n內嵌\n公式值\n[END]\n"
		       "[HEADER xl/worksheets/sheet2.xml header]\n\n機密\n / \n\n[END]\n"
		       "[FOOTER xl/worksheets/sheet2.xml footer]\n\n~~密~~ & 頁\n[END]\n");
	/* sheet2 before sheet10 */
	assert_true(strstr(s.log, "sheet2.xml]") < strstr(s.log, "sheet10.xml]"));
	assert_lacks(&s, "42");
	assert_lacks(&s, "ㄐ");
	stub_free(&s);
	free(zip);
}

static void pptx_slides_in_order_with_strike(void **state)
{
	struct scan s;
	size_t len;
#define SLIDE(t)                                                                                   \
	"<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "           \
	"xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree>"     \
	"<p:sp><p:txBody><a:p>" t "</a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
	char *zip = make_archive(
	    "zip", NULL, NULL, &len, "[Content_Types].xml", CT, (size_t)0, "ppt/slides/slide11.xml",
	    SLIDE("<a:r><a:t>十一</a:t></a:r>"), (size_t)0, "ppt/slides/slide2.xml",
	    SLIDE("<a:r><a:rPr strike=\"sngStrike\"/><a:t>機密</a:t></a:r><a:br/><a:r><a:rPr "
		  "strike=\"noStrike\"/><a:t>二</a:t></a:r>"),
	    (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "[BODY ppt/slides/slide2.xml]\n~~機密~~\n二\n[END]\n"
		       "[BODY ppt/slides/slide11.xml]\n十一\n[END]\n");
	stub_free(&s);
	free(zip);
}

static void ooxml_damaged_and_not_ooxml(void **state)
{
	struct scan s;
	size_t len;
	char *zip = make_archive("zip", NULL, NULL, &len, "[Content_Types].xml", CT, (size_t)0,
				 "word/document.xml",
				 "<w:document" W_NS "><w:body><w:p><w:r><w:t>機密</w:t></w:r>"
				 "</w:body>",
				 (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "機密");
	assert_has(&s, "{UNINSPECTABLE word/document.xml not well-formed");
	stub_free(&s);
	free(zip);

	zip = make_archive("zip", NULL, NULL, &len, "readme.txt", "hello", (size_t)0, (char *)NULL);
	stub_init(&s);
	assert_int_equal(extract_ooxml(&s, zip, len), -1);
	stub_free(&s);
	free(zip);
}

/* ---- zip parts of office documents, hostile ---- */

/* The central directory entry of member name in a zip (its "PK\1\2"). */
static unsigned char *cd_entry(char *zip, size_t len, const char *name)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i + 46 + nlen <= len; i++) {
		unsigned char *h = (unsigned char *)zip + i;

		if (memcmp(h, "PK\x01\x02", 4) == 0 && h[28] == nlen && h[29] == 0 &&
		    memcmp(h + 46, name, nlen) == 0)
			return h;
	}
	fail_msg("no directory entry for %s", name);
	return NULL;
}

static char *small_docx(size_t *len, const char *body, size_t body_len)
{
	return make_archive("zip", NULL, NULL, len, "[Content_Types].xml", CT, (size_t)0,
			    "word/document.xml", body, body_len, (char *)NULL);
}

static void ooxml_hostile_zip_parts(void **state)
{
	static const char doc[] = "<w:document" W_NS "><w:body><w:p><w:r><w:t>機密</w:t></w:r>"
				  "</w:p></w:body></w:document>";
	struct scan s;
	size_t len;
	char *zip;
	unsigned char *h;

	(void)state;
	/* A directory that claims more compressed bytes than the file has. */
	zip = small_docx(&len, doc, 0);
	h = cd_entry(zip, len, "word/document.xml");
	h[20] = h[21] = h[22] = 0xff;
	h[23] = 0x7f;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "{UNINSPECTABLE word/document.xml: zip member damaged or truncated}");
	stub_free(&s);
	free(zip);

	/* A compression method this reader does not know. */
	zip = small_docx(&len, doc, 0);
	h = cd_entry(zip, len, "word/document.xml");
	h[10] = 12;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "unsupported compression method}");
	stub_free(&s);
	free(zip);

	/* The encryption flag. */
	zip = small_docx(&len, doc, 0);
	h = cd_entry(zip, len, "word/document.xml");
	h[8] |= 1;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "{UNINSPECTABLE word/document.xml: zip member is encrypted}");
	assert_lacks(&s, "機密");
	stub_free(&s);
	free(zip);

	/* A local header offset pointing past the end. */
	zip = small_docx(&len, doc, 0);
	h = cd_entry(zip, len, "word/document.xml");
	h[42] = h[43] = h[44] = 0xff;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "{UNINSPECTABLE word/document.xml: zip member damaged or truncated}");
	stub_free(&s);
	free(zip);

	/* Cut before the central directory: damaged, not "not a zip". */
	zip = small_docx(&len, doc, 0);
	run(&s, extract_ooxml, zip, len / 2);
	assert_has(&s, "(no central directory)}");
	stub_free(&s);
	free(zip);
}

static void ooxml_part_bomb_stops_early(void **state)
{
	size_t big = 64u << 20, len;
	char *body = malloc(big), *zip;
	unsigned char *h;
	struct scan s;

	(void)state;
	assert_non_null(body);
	memset(body, ' ', big);
	memcpy(body, "<w:document" W_NS ">", strlen("<w:document" W_NS ">"));
	zip = small_docx(&len, body, big);
	free(body);
	/* Refused by its declared size, unread. */
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "{UNINSPECTABLE zip member expands beyond the allowed ratio");
	assert_true(s.expanded == 0);
	stub_free(&s);

	/* A directory that understates the size: stopped while inflating. */
	h = cd_entry(zip, len, "word/document.xml");
	h[24] = 0xe8;
	h[25] = 0x03;
	h[26] = h[27] = 0;
	run(&s, extract_ooxml, zip, len);
	assert_has(&s, "{UNINSPECTABLE zip member expands beyond the allowed ratio");
	assert_true(s.expanded > (1u << 20));
	assert_true(s.expanded < 300u * len + (2u << 20));
	stub_free(&s);
	free(zip);
}

/* ---- archives ---- */

static void zip_members_nested_by_name(void **state)
{
	struct scan s;
	size_t len, inner_len;
	char *inner = make_archive("zip", NULL, NULL, &inner_len, "deep/b.txt", "機密\n內文",
				   (size_t)0, (char *)NULL);
	char *zip = make_archive("zip", NULL, NULL, &len, "a.txt", "hello", (size_t)0, "inner.zip",
				 inner, inner_len, (char *)NULL);

	(void)state;
	run(&s, extract_archive, zip, len);
	assert_has(&s, "{NESTED a.txt 5}");
	assert_int_equal(s.n_nested, 2);
	assert_int_equal(s.nested_len, inner_len);
	assert_memory_equal(s.nested_data, inner, inner_len);
	assert_false(s.uninspectable);
	stub_free(&s);
	free(zip);
	free(inner);
}

static void tar_with_each_compression(void **state)
{
	static const char *const filters[] = {"gzip", "bzip2", "xz", NULL};
	struct scan s;
	size_t len;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		char *tar = make_archive("ustar", filters[i], NULL, &len, "empty", "", (size_t)0,
					 "dir/doc.txt", "【極機密】\n", (size_t)0, (char *)NULL);

		run(&s, extract_archive, tar, len);
		assert_has(&s, "{NESTED dir/doc.txt 16}");
		assert_string_equal(s.nested_data, "【極機密】\n");
		assert_false(s.uninspectable);
		stub_free(&s);
		free(tar);
	}
}

static void lone_compressed_stream(void **state)
{
	struct scan s;
	size_t len;
	char *gz =
	    make_archive("raw", "gzip", NULL, &len, "data", "機密 line\n", (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_archive, gz, len);
	assert_has(&s, "{NESTED (decompressed) 12}");
	assert_string_equal(s.nested_data, "機密 line\n");
	stub_free(&s);
	free(gz);

	/* Plain bytes are not an archive: the dispatcher hears so. */
	stub_init(&s);
	assert_int_equal(extract_archive(&s, "just some text\n", 15), -1);
	stub_free(&s);
}

static void encrypted_zip_member_is_uninspectable(void **state)
{
	struct scan s;
	size_t len;
	char *zip =
	    make_archive("zip", NULL, "pw", &len, "secret.txt", "機密\n", (size_t)0, (char *)NULL);

	(void)state;
	run(&s, extract_archive, zip, len);
	assert_has(&s, "{UNINSPECTABLE encrypted archive member: secret.txt}");
	assert_int_equal(s.n_nested, 0);
	stub_free(&s);
	free(zip);
}

static void truncated_archives_are_uninspectable(void **state)
{
	static const char *const filters[] = {NULL, "gzip"};
	struct scan s;
	size_t len;
	char big[20000];

	(void)state;
	uint32_t x = 12345;

	/* Letters that do not compress, so the cut falls inside two.txt. */
	for (size_t i = 0; i < sizeof(big); i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)('a' + (x >> 16) % 26);
	}
	for (size_t f = 0; f < ARRAY_SIZE(filters); f++) {
		char *arc =
		    make_archive(f == 0 ? "zip" : "ustar", filters[f], NULL, &len, "one.txt",
				 "first", (size_t)0, "two.txt", big, sizeof(big), (char *)NULL);

		run(&s, extract_archive, arc, len / 2);
		if (!s.uninspectable)
			fail_msg("filter %zu:\n%s", f, s.log);
		assert_has(&s, "{UNINSPECTABLE archive");
		stub_free(&s);
		free(arc);
	}
}

static void zip_bomb_stops_early(void **state)
{
	struct scan s;
	size_t cap = 1 << 20, used = 0, chunk = 1 << 20;
	char *buf = malloc(cap), *zeros = calloc(1, chunk);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	uint64_t t0;

	(void)state;
	assert_non_null(buf);
	assert_non_null(zeros);
	/* 512 MiB of zeros deflate to about half a MiB. */
	archive_write_set_format_zip(a);
	archive_write_open_memory(a, buf, cap, &used);
	archive_entry_set_pathname(e, "zeros.bin");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, 512 * (la_int64_t)chunk);
	archive_write_header(a, e);
	for (int i = 0; i < 512; i++)
		archive_write_data(a, zeros, chunk);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);

	/* Over the input budget by its declared size: not even inflated. */
	run(&s, extract_archive, buf, used);
	assert_has(&s, "{UNINSPECTABLE archive member larger than the input budget: zeros.bin}");
	assert_true(s.expanded == 0);
	stub_free(&s);

	/* Within the input budget: stopped by the ratio to its compressed size. */
	t0 = monotonic_ms();
	stub_init(&s);
	s.budget.max_input_bytes = 1u << 30;
	assert_int_equal(extract_archive(&s, buf, used), 0);
	assert_has(&s, "{UNINSPECTABLE archive member expands beyond the allowed ratio");
	assert_int_equal(s.n_nested, 0);
	/* Stopped near ratio × size, not at 512 MiB. */
	assert_true(s.expanded < (uint64_t)used * 200 + (2u << 20));
	assert_true(monotonic_ms() - t0 < 5000);
	stub_free(&s);
	free(buf);
	free(zeros);
}

/* ---- HTML ---- */

static void html_blocks_whitespace_struck_and_meta(void **state)
{
	struct scan s;

	(void)state;
	run(&s, extract_html,
	    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" \"http://127.0.0.1:9/x.dtd\">"
	    "<html><head><title>公告\n標題</title><meta name=\"classification\" content=\"機密\">"
	    "<meta charset=\"utf-8\"><style>p { color: red }</style>"
	    "<script>var x = '極機密';</script></head><body>"
	    "<div>【密】</div><p>第一段\n   仍是 第一段<br>換行&amp;續</p>"
	    "<p><s>機密</s></p><p><del>密</del><span style=\"text-decoration: line-through\">刪"
	    "</span>留</p><table><tr><td>A223456781</td><td>格</td></tr></table>"
	    "<pre>  原樣\n保留</pre><p>尾&nbsp;行</p></body></html>",
	    0);
	assert_has(&s, "[BODY html body]\n【密】\n第一段 仍是 第一段\n換行&續\n~~機密~~\n"
		       "~~密~~~~刪~~留\nA223456781\n格\n  原樣\n保留\n尾\xc2\xa0行\n[END]\n");
	assert_has(&s, "[META html head]\ntitle: 公告 標題\nclassification: 機密\n[END]\n");
	assert_lacks(&s, "極機密");
	assert_lacks(&s, "color");
	stub_free(&s);
}

static void html_big5_by_meta_charset(void **state)
{
	struct scan s;
	static const char page[] = "<html><head><meta http-equiv=\"Content-Type\" "
				   "content=\"text/html; charset=big5\"></head><body>"
				   "<p>\xbe\xf7\xb1\x4b</p></body></html>";

	(void)state;
	run(&s, extract_html, page, sizeof(page) - 1);
	assert_has(&s, "\n機密\n");
	stub_free(&s);
}

/* ---- e-mail ---- */

static void eml_subject_first_line_and_attachment(void **state)
{
	struct scan s;
	/* Subject "機密 會議" as an encoded-word; body plain; attachment
	 * base64 of "PK-data" named by RFC 2231. */
	static const char mail[] =
	    "From: a@example.invalid\r\nTo: b@example.invalid\r\n"
	    "Subject: =?UTF-8?B?5qmf5a+G?= =?UTF-8?Q?_=E6=9C=83=E8=AD=B0?=\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary=\"XYZ\"\r\n\r\n"
	    "preamble\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "說明如下\r\n第二行\r\n--XYZ\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A.docx\r\n\r\n"
	    "UEstZGF0\r\nYQ==\r\n--XYZ--\r\nepilogue\r\n";

	(void)state;
	run(&s, extract_eml, mail, sizeof(mail) - 1);
	assert_has(&s, "[BODY message body]\n機密 會議\n說明如下\n第二行\n[END]\n");
	assert_has(&s, "{NESTED 報告.docx 7}");
	assert_string_equal(s.nested_data, "PK-data");
	assert_lacks(&s, "preamble");
	assert_lacks(&s, "epilogue");
	assert_false(s.uninspectable);
	stub_free(&s);
}

static void eml_big5_quoted_printable(void **state)
{
	struct scan s;
	/* 機密 = BE F7 B1 4B in Big5; 主旨 = A5 44 A6 AE */
	static const char mail[] = "Subject: =?big5?B?pUSmrg==?=\n"
				   "Content-Type: text/plain; charset=\"big5\"\n"
				   "Content-Transfer-Encoding: quoted-printable\n\n"
				   "=BE=F7=B1K\n=A5D=A6=AE=\n=BD=D0=AC=DD\n";

	(void)state;
	run(&s, extract_eml, mail, sizeof(mail) - 1);
	assert_has(&s, "[BODY message body]\n主旨\n機密\n主旨請看\n");
	stub_free(&s);
}

static void eml_alternative_picks_plain_and_html_alone(void **state)
{
	struct scan s;
	static const char alt[] =
	    "Subject: hi\nContent-Type: multipart/alternative; boundary=b1\n\n"
	    "--b1\nContent-Type: text/html\n\n<p>HTML 版</p>\n"
	    "--b1\nContent-Type: text/plain\n\n純文字版\n--b1--\n";
	static const char html[] = "Subject: hi\nContent-Type: text/html; charset=utf-8\n\n"
				   "<div>【機密】</div><p><s>密</s></p>";

	(void)state;
	run(&s, extract_eml, alt, sizeof(alt) - 1);
	assert_has(&s, "[BODY message body]\nhi\n純文字版\n");
	assert_lacks(&s, "HTML 版");
	stub_free(&s);

	run(&s, extract_eml, html, sizeof(html) - 1);
	assert_has(&s, "[BODY message body]\nhi\n【機密】\n~~密~~\n[END]\n");
	stub_free(&s);
}

static void eml_forwarded_message_and_truncation(void **state)
{
	struct scan s;
	static const char fwd[] =
	    "Subject: fwd\nContent-Type: multipart/mixed; boundary=\"=_x\"\n\n"
	    "--=_x\nContent-Type: message/rfc822\n\nSubject: inner\n\n內文\n"
	    "--=_x\nContent-Type: text/plain\n\n第二段文字\n";

	(void)state;
	run(&s, extract_eml, fwd, sizeof(fwd) - 1);
	assert_has(&s, "{NESTED part 2.eml 22}");
	assert_string_equal(s.nested_data, "Subject: inner\n\n內文");
	assert_has(&s, "[BODY message part 2]\n第二段文字\n");
	assert_has(&s, "{UNINSPECTABLE e-mail multipart is truncated");
	stub_free(&s);

	stub_init(&s);
	assert_int_equal(extract_eml(&s, "no headers here\njust text\n", 26), -1);
	stub_free(&s);
}

static void eml_deep_nesting_is_bounded(void **state)
{
	struct scan s;
	size_t cap = 1 << 16, n = 0;
	char *mail = malloc(cap);

	(void)state;
	assert_non_null(mail);
	n += (size_t)snprintf(mail + n, cap - n, "Subject: deep\n");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(mail + n, cap - n,
				      "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i,
				      i);
	n += (size_t)snprintf(mail + n, cap - n, "Content-Type: text/plain\n\nbottom\n");
	run(&s, extract_eml, mail, n);
	assert_has(&s, "{UNINSPECTABLE e-mail MIME parts nested too deeply}");
	stub_free(&s);
	free(mail);
}

/* ---- main ---- */

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(di_attribute_levels),
	    cmocka_unit_test(di_element_text_and_91_version),
	    cmocka_unit_test(di_unclassified_forms),
	    cmocka_unit_test(di_big5_declared_and_undeclared),
	    cmocka_unit_test(di_bom_utf8),
	    cmocka_unit_test(xml_external_entity_not_resolved),
	    cmocka_unit_test(xml_billion_laughs_ends_fast),
	    cmocka_unit_test(xml_broken_is_uninspectable),
	    cmocka_unit_test(xml_plain_text_of_other_xml),
	    cmocka_unit_test(xml_budget_stops_parse),
	    cmocka_unit_test(deep_nesting_is_bounded),
	    cmocka_unit_test(odt_zones_pages_struck_and_meta),
	    cmocka_unit_test(fodt_flat_document),
	    cmocka_unit_test(ods_and_odp_pages),
	    cmocka_unit_test(odf_encrypted_and_not_odf),
	    cmocka_unit_test(docx_parts_struck_pages_and_props),
	    cmocka_unit_test(xlsx_strings_cells_and_header_codes),
	    cmocka_unit_test(pptx_slides_in_order_with_strike),
	    cmocka_unit_test(ooxml_damaged_and_not_ooxml),
	    cmocka_unit_test(ooxml_hostile_zip_parts),
	    cmocka_unit_test(ooxml_part_bomb_stops_early),
	    cmocka_unit_test(zip_members_nested_by_name),
	    cmocka_unit_test(tar_with_each_compression),
	    cmocka_unit_test(lone_compressed_stream),
	    cmocka_unit_test(encrypted_zip_member_is_uninspectable),
	    cmocka_unit_test(truncated_archives_are_uninspectable),
	    cmocka_unit_test(zip_bomb_stops_early),
	    cmocka_unit_test(html_blocks_whitespace_struck_and_meta),
	    cmocka_unit_test(html_big5_by_meta_charset),
	    cmocka_unit_test(eml_subject_first_line_and_attachment),
	    cmocka_unit_test(eml_big5_quoted_printable),
	    cmocka_unit_test(eml_alternative_picks_plain_and_html_alone),
	    cmocka_unit_test(eml_forwarded_message_and_truncation),
	    cmocka_unit_test(eml_deep_nesting_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
