#!/usr/bin/env python3
"""Writes the hand-made classifier samples of the XML-family, HTML, e-mail
and archive folders (tests/corpus/{xml,html,eml,archive}/) and their
expected.tsv from the table of intentions below, never from the classifier's
output.  Re-runnable; the files are committed so CI needs no generator.
Archives reuse documents from tests/corpus/office/ (made by make-corpus.sh).
Needs: python3, zip (for the encrypted sample)."""
import base64
import bz2
import gzip
import io
import lzma
import os
import quopri
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/corpus
# The county's security plan: ../shared/context beside the repository, or
# $WARD_CONTEXT.
CONTEXT = os.environ.get("WARD_CONTEXT") or os.path.join(ROOT, "..", "..", "..", "shared",
                                                         "context")
LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # codes 10..35 in this order


def roc_id(letter, gender, body8):
    """A national ID with a valid check digit: letter, 1/2, 7 digits, check."""
    code = 10 + LETTERS.index(letter)
    digits = [code // 10, code % 10, gender] + [int(c) for c in body8[:7]]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    total = sum(d * w for d, w in zip(digits, weights))
    check = (10 - total % 10) % 10
    return "%s%d%s%d" % (letter, gender, body8[:7], check)


IDS = [roc_id("F", 1, "2345670"), roc_id("T", 2, "0493211"), roc_id("K", 1, "8812345"),
       roc_id("B", 2, "7654321")]

DI_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<!DOCTYPE 函 SYSTEM "104_2_utf8.dtd">\n<函>\n'
           '<發文機關><全銜>臺東縣政府</全銜><機關代碼>376570000A</機關代碼></發文機關>\n'
           '<函類別 代碼="函"/>\n<地址>臺東市中山路276號</地址>\n'
           '<聯絡方式>承辦人：王小明</聯絡方式>\n<受文者><交換表 交換表單="表單"/></受文者>\n'
           '<發文日期><年月日>中華民國115年1月5日</年月日></發文日期>\n'
           '<發文字號><字>府行</字><文號><年度>115</年度><流水號>0001234</流水號></文號></發文字號>\n'
           '<速別 代碼="普通件"/>\n')
DI_BODY = ('<附件><文字>如文</文字></附件>\n'
           '<主旨><文字>檢送本府115年春節期間維安工作分工表，請查照。</文字></主旨>\n'
           '<段落 段名="說明："><條列 序號="一、"><文字>依據本府維安會議決議辦理。</文字></條列>\n'
           '<條列 序號="二、"><文字>請各單位落實保密作業，並與警察局密切聯繫。</文字></條列></段落>\n'
           '<正本><全銜>本府各一級單位</全銜></正本>\n</函>\n')


def di(mark_xml, body=DI_BODY):
    return DI_HEAD + mark_xml + "\n" + body


def write(folder, name, data):
    path = os.path.join(ROOT, folder, name)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def office(name):
    with open(os.path.join(ROOT, "office", name), "rb") as f:
        return f.read()


def xml_samples():
    rows = []
    for name, level, code in [("di-mi-attr.xml", "密", "密"), ("di-jimi-attr.xml", "機密", "機密"),
                              ("di-jijimi-attr.xml", "極機密", "極機密"),
                              ("di-juedui-attr.xml", "絕對機密", "絕對機密")]:
        write("xml", name, di('<密等及解密條件或保密期限><密等 代碼="%s"/><解密條件或保密期限>'
                              '本件於公布後解密</解密條件或保密期限></密等及解密條件或保密期限>' % code))
        rows.append((name, level, 0, 0, "-"))
    write("xml", "di-jijimi-text.xml", di("<密等及解密條件或保密期限><密等>極機密</密等>"
                                          "</密等及解密條件或保密期限>"))
    rows.append(("di-jijimi-text.xml", "極機密", 0, 0, "-"))
    write("xml", "di-91-juedui.xml",
          di("<密等及解密條件>絕對機密（本件於中華民國120年12月31日解密）</密等及解密條件>"))
    rows.append(("di-91-juedui.xml", "絕對機密", 0, 0, "-"))
    write("xml", "di-91-jimi-attr.xml",
          di('<密等及解密條件 密等="機密"><解密條件>本件於公布時解密</解密條件></密等及解密條件>'))
    rows.append(("di-91-jimi-attr.xml", "機密", 0, 0, "-"))
    write("xml", "di-putong.xml", di('<密等及解密條件或保密期限><密等 代碼="普通"/>'
                                     '</密等及解密條件或保密期限>'))
    rows.append(("di-putong.xml", "none", 0, 0, "-"))
    write("xml", "di-empty.xml", di("<密等及解密條件或保密期限><密等/><解密條件或保密期限/>"
                                    "</密等及解密條件或保密期限>"))
    rows.append(("di-empty.xml", "none", 0, 0, "-"))
    body_ids = DI_BODY.replace("依據本府維安會議決議辦理。",
                               "聯絡人身分證統一編號 %s、%s。" % (IDS[0], IDS[1]))
    write("xml", "di-mi-with-ids.xml", di('<密等及解密條件或保密期限><密等 代碼="密"/>'
                                          '</密等及解密條件或保密期限>', body_ids))
    rows.append(("di-mi-with-ids.xml", "密", 0, 0, "roc-national-id=2"))
    # Big5: declared, and undeclared (detected).
    big5 = di('<密等及解密條件或保密期限><密等 代碼="機密"/></密等及解密條件或保密期限>')
    write("xml", "di-big5.xml", big5.replace('encoding="utf-8"', 'encoding="big5"')
          .replace('<!DOCTYPE 函 SYSTEM "104_2_utf8.dtd">', '<!DOCTYPE 函 SYSTEM "104_2_big5.dtd">')
          .encode("cp950"))
    rows.append(("di-big5.xml", "機密", 0, 0, "-"))
    write("xml", "di-big5-undeclared.xml",
          big5.replace(' encoding="utf-8"', "").replace("代碼=\"機密\"", "代碼=\"極機密\"")
          .encode("cp950"))
    rows.append(("di-big5-undeclared.xml", "極機密", 0, 0, "-"))
    write("xml", "di-utf8-bom.xml", b"\xef\xbb\xbf" + di('<密等 代碼="密"/>').encode())
    rows.append(("di-utf8-bom.xml", "密", 0, 0, "-"))
    # An external DTD that does not exist and an external entity: neither is
    # fetched; the entity stays unexpanded.
    write("xml", "di-external-dtd-entity.xml",
          '<?xml version="1.0" encoding="utf-8"?>\n'
          '<!DOCTYPE 函 SYSTEM "http://127.0.0.1:9/nonexistent/104_2_utf8.dtd" [\n'
          '<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
          '<!ENTITY remote SYSTEM "http://127.0.0.1:9/level.txt">\n]>\n'
          '<函><密等 代碼="普通"/><主旨><文字>帳號 &xxe; 與 &remote; 不得展開</文字></主旨></函>\n')
    rows.append(("di-external-dtd-entity.xml", "none", 0, 0, "-"))
    lol = ['<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "機密">\n']
    prev = "lol"
    for i in range(1, 10):
        lol.append('<!ENTITY lol%d "%s">\n' % (i, ("&%s;" % prev) * 10))
        prev = "lol%d" % i
    lol.append("]>\n<lolz>&lol9;</lolz>\n")
    write("xml", "billion-laughs.xml", "".join(lol))
    rows.append(("billion-laughs.xml", "none", 0, 1, "-"))
    write("xml", "broken.xml", '<?xml version="1.0" encoding="utf-8"?>\n<函><主旨><文字>'
                               '會議紀錄</文字></主旨><說明>未結束\n')
    rows.append(("broken.xml", "none", 0, 1, "-"))
    write("xml", "config-prose.xml",
          '<?xml version="1.0" encoding="utf-8"?>\n<設定>\n<說明>本系統加密傳輸，密碼請妥善保密，'
          '並注意資料的機密性。</說明>\n<等級清單>「絕對機密」、「極機密」、「機密」、「密」'
          '</等級清單>\n<備註>與各機關密切合作</備註>\n</設定>\n')
    rows.append(("config-prose.xml", "none", 0, 0, "-"))
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"')
    write("xml", "flat-header-jimi.fodt",
          '<?xml version="1.0" encoding="UTF-8"?>\n<office:document %s office:version="1.3" '
          'office:mimetype="application/vnd.oasis.opendocument.text">\n'
          '<office:master-styles><style:master-page style:name="Standard">'
          '<style:header><text:p>機密</text:p></style:header></style:master-page>'
          '</office:master-styles>\n<office:body><office:text>'
          '<text:p>春節期間各單位值班人員名單如附表。</text:p><text:p>請依排定時間到班。</text:p>'
          '<text:p>值班期間請與警察局保持聯繫。</text:p><text:p>各單位主管應督導落實。</text:p>'
          '<text:p>如有異動請先行通報。</text:p><text:p>附表另行分送。</text:p>'
          '<text:p>以上請查照。</text:p>'
          '</office:text></office:body></office:document>\n' % ns)
    rows.append(("flat-header-jimi.fodt", "機密", 0, 0, "-"))
    return rows


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CT_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
           'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
           '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
           'ContentType="application/xml"/>')


def ooxml(kind, parts):
    """A minimal docx/xlsx/pptx: [Content_Types].xml first, as Office writes it."""
    main = {"docx": ("/word/document.xml", "wordprocessingml.document.main+xml"),
            "xlsx": ("/xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
            "pptx": ("/ppt/presentation.xml", "presentationml.presentation.main+xml")}[kind]
    ct = (CT_HEAD + '<Override PartName="%s" ContentType="application/vnd.openxmlformats-'
          'officedocument.%s"/></Types>' % main)
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="%s"/></Relationships>' % main[0][1:])
    return zip_bytes([("[Content_Types].xml", ct), ("_rels/.rels", rels)] + parts)


def wpara(text, strike=False):
    rpr = "<w:rPr><w:strike/></w:rPr>" if strike else ""
    return "<w:p><w:r>%s<w:t>%s</w:t></w:r></w:p>" % (rpr, text)


def wdoc(paras):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document %s><w:body>%s'
            '</w:body></w:document>' % (W_NS, "".join(paras)))


BODY_LINES = ["春節期間各單位值班人員名單如附表。", "請依排定時間到班。", "值班期間請與警察局保持聯繫。",
              "各單位主管應督導落實。", "如有異動請先行通報。", "附表另行分送。", "以上請查照。"]


def odt(styles_xml, content_body, meta_xml=None, auto_styles=""):
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"')
    parts = [("mimetype", "application/vnd.oasis.opendocument.text"),
             ("content.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s '
              'office:version="1.3"><office:automatic-styles>%s</office:automatic-styles>'
              '<office:body><office:text>%s</office:text></office:body></office:document-content>'
              % (ns, auto_styles, content_body)),
             ("styles.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles %s '
              'office:version="1.3">%s</office:document-styles>' % (ns, styles_xml)),
             ("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
              'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
              'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
              'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
              '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
              '</manifest:manifest>')]
    if meta_xml:
        parts.append(("meta.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta %s '
                      'office:version="1.3"><office:meta>%s</office:meta></office:document-meta>'
                      % (ns, meta_xml)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, (name, data) in enumerate(parts):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if i == 0 else zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def office_samples():
    """Hand-written ODF/OOXML for what LibreOffice does not make easily."""
    rows = []
    body = [wpara(t) for t in BODY_LINES]
    hdr = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr %s>%s</w:hdr>'
           % (W_NS, wpara("機密", strike=True)))
    write("xml", "docx-struck-header-jimi.docx",
          ooxml("docx", [("word/document.xml", wdoc(body)), ("word/header1.xml", hdr)]))
    rows.append(("docx-struck-header-jimi.docx", "none", 1, 0, "-"))
    custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
              'schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://'
              'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD'
              '505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="密等"><vt:lpwstr>極機密</vt:lpwstr>'
              '</property></Properties>')
    write("xml", "docx-custom-property-jijimi.docx",
          ooxml("docx", [("word/document.xml", wdoc(body)), ("docProps/custom.xml", custom)]))
    rows.append(("docx-custom-property-jijimi.docx", "極機密", 0, 0, "-"))
    styles = ('<office:automatic-styles><style:style style:name="MP1" style:family="paragraph">'
              '<style:text-properties style:text-line-through-style="solid"/></style:style>'
              '</office:automatic-styles><office:master-styles><style:master-page '
              'style:name="Standard"><style:header><text:p text:style-name="MP1">密</text:p>'
              '</style:header></style:master-page></office:master-styles>')
    paras = "".join("<text:p>%s</text:p>" % t for t in BODY_LINES)
    write("xml", "odt-struck-header-mi.odt", odt(styles, paras))
    rows.append(("odt-struck-header-mi.odt", "none", 1, 0, "-"))
    write("xml", "odt-user-defined-jimi.odt",
          odt("", paras, '<dc:title>值班表</dc:title><meta:user-defined meta:name="密等">機密'
                         '</meta:user-defined>'))
    rows.append(("odt-user-defined-jimi.odt", "機密", 0, 0, "-"))
    auto = ('<style:style style:name="T1" style:family="text"><style:text-properties '
            'style:text-line-through-style="solid"/></style:style>')
    write("xml", "odt-struck-firstline-juedui.odt",
          odt("", '<text:p><text:span text:style-name="T1">絕對機密</text:span></text:p>' + paras,
              None, auto))
    rows.append(("odt-struck-firstline-juedui.odt", "none", 1, 0, "-"))
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
           'openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5"><si><t>身分證'
           '</t></si>%s</sst>' % "".join("<si><t>%s</t></si>" % v for v in IDS))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
             'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
             't="s"><v>0</v></c></row></sheetData><headerFooter><oddHeader>&amp;L&amp;"標楷體,粗體"'
             '&amp;16機密&amp;R第 &amp;P 頁</oddHeader></headerFooter></worksheet>')
    write("xml", "xlsx-header-jimi-ids.xlsx",
          ooxml("xlsx", [("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/'
                          'spreadsheetml/2006/main"/>'), ("xl/sharedStrings.xml", sst),
                         ("xl/worksheets/sheet1.xml", sheet)]))
    rows.append(("xlsx-header-jimi-ids.xlsx", "機密", 0, 0, "roc-national-id=4"))
    slide = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:sld xmlns:p="http://'
             'schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.'
             'openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody>'
             '<a:p><a:r><a:t>【密】</a:t></a:r></a:p><a:p><a:r><a:t>春節維安簡報</a:t></a:r></a:p>'
             '</p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
    write("xml", "pptx-slide2-mi.pptx",
          ooxml("pptx", [("ppt/presentation.xml", '<p:presentation xmlns:p="http://schemas.'
                          'openxmlformats.org/presentationml/2006/main"/>'),
                         ("ppt/slides/slide1.xml", slide.replace("【密】", "封面")),
                         ("ppt/slides/slide2.xml", slide)]))
    rows.append(("pptx-slide2-mi.pptx", "密", 0, 0, "-"))
    return rows


def html_samples():
    rows = []
    write("html", "firstline-jimi.html",
          "<!DOCTYPE html>\n<html lang=\"zh-Hant\"><head><meta charset=\"utf-8\"><title>通知"
          "</title></head><body>\n<div style=\"text-align:right\">機密</div>\n<h1>維安會議通知</h1>"
          "\n<p>請於上午九時出席。</p>\n</body></html>\n")
    rows.append(("firstline-jimi.html", "機密", 0, 0, "-"))
    write("html", "struck-mi.html",
          "<html><head><meta charset=\"utf-8\"></head><body><p><s>密</s></p>"
          "<p>本文件已解除密等。</p><p>請各單位周知。</p></body></html>\n")
    rows.append(("struck-mi.html", "none", 1, 0, "-"))
    write("html", "struck-style-jimi.html",
          "<html><head><meta charset=\"utf-8\"></head><body><p><span style=\"text-decoration:"
          " line-through\">機密</span></p><p>會議資料。</p></body></html>\n")
    rows.append(("struck-style-jimi.html", "none", 1, 0, "-"))
    write("html", "meta-label-jijimi.html",
          "<html><head><meta charset=\"utf-8\"><meta name=\"classification\" content=\"極機密\">"
          "<title>分工表</title></head><body><p>春節維安分工表。</p></body></html>\n")
    rows.append(("meta-label-jijimi.html", "極機密", 0, 0, "-"))
    write("html", "big5-juedui.html",
          ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=big5\">"
           "</head><body><p>【絕對機密】</p><p>本件至中華民國130年12月31日解密。</p>"
           "</body></html>\n").encode("cp950"))
    rows.append(("big5-juedui.html", "絕對機密", 0, 0, "-"))
    write("html", "trap-prose.html",
          "<html><head><meta charset=\"utf-8\"><title>公務機密維護宣導</title></head><body>"
          "<p>公務機密維護是每位同仁的責任，請嚴密保管公文，勿將機密資料存放於私人隨身碟。</p>"
          "<p>機密等級分為「絕對機密」、「極機密」、「機密」及「密」。</p>"
          "<p>Please keep confidential documents locked.</p>"
          "<script>var level = '機密';</script></body></html>\n")
    rows.append(("trap-prose.html", "none", 0, 0, "-"))
    write("html", "ids-table.html",
          "<html><head><meta charset=\"utf-8\"></head><body><table>"
          + "".join("<tr><td>%d</td><td>%s</td></tr>" % (i + 1, v) for i, v in enumerate(IDS))
          + "<tr><td>範例</td><td>A123456789</td></tr></table></body></html>\n")
    rows.append(("ids-table.html", "none", 0, 0, "roc-national-id=4"))
    return rows


def mail(headers, body):
    return "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n" + body


def eml_samples():
    rows = []
    docx = office("footer-jimi.docx")
    b64 = base64.encodebytes(docx).decode().replace("\n", "\r\n")
    write("eml", "docx-attachment.eml", mail(
        [("From", "clerk@example.invalid"), ("To", "chief@example.invalid"),
         ("Subject", "=?UTF-8?B?%s?=" % base64.b64encode("會議資料".encode()).decode()),
         ("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="=_b1"')],
        "--=_b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "附件請參閱。\r\n\r\n--=_b1\r\nContent-Type: application/vnd.openxmlformats-officedocument."
        "wordprocessingml.document; name=\"=?UTF-8?B?%s?=\"\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"=?UTF-8?B?%s?=\"\r\n\r\n%s\r\n--=_b1--\r\n"
        % (base64.b64encode("分工表.docx".encode()).decode(),
           base64.b64encode("分工表.docx".encode()).decode(), b64)))
    rows.append(("docx-attachment.eml", "極機密", 0, 0, "-"))
    body = ("臺東縣政府 函\n密等及解密條件或保密期限：機密（本件於會議結束後解密）\n"
            "主旨：春節維安會議紀錄，請查照。\n").encode("cp950")
    qp = quopri.encodestring(body).decode().replace("\n", "\r\n")
    write("eml", "big5-qp-letter-field.eml", mail(
        [("From", "clerk@example.invalid"), ("Subject", "=?big5?Q?%s?=" % "".join(
            "=%02X" % b for b in "會議紀錄".encode("cp950"))),
         ("MIME-Version", "1.0"), ("Content-Type", 'text/plain; charset="big5"'),
         ("Content-Transfer-Encoding", "quoted-printable")], qp))
    rows.append(("big5-qp-letter-field.eml", "機密", 0, 0, "-"))
    write("eml", "subject-marking.eml", mail(
        [("From", "clerk@example.invalid"),
         ("Subject", "=?UTF-8?B?%s?=" % base64.b64encode("【極機密】".encode()).decode()),
         ("Content-Type", "text/plain; charset=utf-8")],
        "各位好：\r\n附上名單。\r\n"))
    rows.append(("subject-marking.eml", "極機密", 0, 0, "-"))
    write("eml", "english-memo.eml", mail(
        [("From", "it@example.invalid"), ("Subject", "Reminder about confidential documents"),
         ("Content-Type", "text/plain; charset=us-ascii")],
        "Dear all,\r\nPlease do not copy confidential documents to USB sticks.\r\n"
        "Secret passwords must not be shared either.\r\nThanks.\r\n"))
    rows.append(("english-memo.eml", "none", 0, 0, "-"))
    write("eml", "html-struck.eml", mail(
        [("From", "clerk@example.invalid"), ("Subject", "update"), ("MIME-Version", "1.0"),
         ("Content-Type", 'multipart/alternative; boundary="alt"')],
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><body><p><strike>機密</strike></p><p>已解密，可公開。</p></body></html>\r\n"
        "--alt--\r\n"))
    rows.append(("html-struck.eml", "none", 1, 0, "-"))
    write("eml", "ids-body.eml", mail(
        [("From", "hr@example.invalid"), ("Subject", "名單"),
         ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base64")],
        base64.encodebytes(("名單如下：\n" + "\n".join(IDS[:3]) + "\n").encode()).decode()))
    rows.append(("ids-body.eml", "none", 0, 0, "roc-national-id=3"))
    return rows


def zip_bytes(members, compress=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compress
            z.writestr(info, data)
    return buf.getvalue()


def tar_bytes(members, mode):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def archive_samples():
    rows = []
    inner = zip_bytes([("docs/header-mi.odt", office("header-mi.odt")),
                       ("readme.txt", "內部參考資料。\n".encode())])
    write("archive", "nested-2deep.zip", zip_bytes([("inner/package.zip", inner),
                                                    ("cover.txt", "封面\n".encode())]))
    rows.append(("nested-2deep.zip", "密", 0, 0, "-"))
    di_jimi = di('<密等 代碼="機密"/>').encode()
    write("archive", "docs.tar.gz", tar_bytes([("docs/letter.xml", di_jimi),
                                               ("docs/note.txt", "一般備忘。\n".encode())], "w:gz"))
    rows.append(("docs.tar.gz", "機密", 0, 0, "-"))
    write("archive", "docs.tar.xz", tar_bytes(
        [("report/summary.txt", "極機密\n春節維安部署摘要\n如附件。\n".encode())], "w:xz"))
    rows.append(("docs.tar.xz", "極機密", 0, 0, "-"))
    write("archive", "note.txt.bz2", bz2.compress("絕對機密\n作戰計畫摘要。\n".encode()))
    rows.append(("note.txt.bz2", "絕對機密", 0, 0, "-"))
    write("archive", "ids.csv.gz", gzip.compress(
        ("編號,身分證\n" + "".join("%d,%s\n" % (i, v) for i, v in enumerate(IDS))).encode(),
        mtime=0))
    rows.append(("ids.csv.gz", "none", 0, 0, "roc-national-id=4"))
    with open(os.path.join(CONTEXT, "taitung-2022-spring-festival-security-plan.txt"), "rb") as f:
        plan = f.read()
    write("archive", "security-plan.zip", zip_bytes([("plan/security-plan.txt", plan)]))
    rows.append(("security-plan.zip", "none", 0, 0, "-"))
    # Encrypted zip (ZipCrypto) of a marked note.
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "secret.txt"), "wb") as f:
            f.write("機密\n名單。\n".encode())
        out = os.path.join(tmp, "enc.zip")
        subprocess.run(["zip", "-q", "-j", "-P", "ward-test", out, os.path.join(tmp, "secret.txt")],
                       check=True)
        with open(out, "rb") as f:
            write("archive", "encrypted.zip", f.read())
    rows.append(("encrypted.zip", "none", 0, 1, "-"))
    # Truncated: the second member is cut; the first is clean.
    rnd = random.Random(1).randbytes(60000)
    whole = zip_bytes([("a.txt", "第一份文件。\n".encode()), ("b.bin", rnd)])
    write("archive", "truncated.zip", whole[: len(whole) // 2])
    rows.append(("truncated.zip", "none", 0, 1, "-"))
    # 42.zip-like bomb: 16 × 16 × 256 MiB of zeros in a few hundred KiB.
    zeros = zipfile.ZipInfo("zeros.bin", date_time=(2026, 1, 1, 0, 0, 0))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(zeros, "w", force_zip64=True) as w:
            block = bytes(1 << 20)
            for _ in range(256):
                w.write(block)
    leaf = buf.getvalue()
    level1 = zip_bytes([("l1-%02d.zip" % i, leaf) for i in range(16)])
    level2 = zip_bytes([("l2-%02d.zip" % i, level1) for i in range(16)])
    write("archive", "bomb-42.zip", level2)
    rows.append(("bomb-42.zip", "none", 0, 1, "-"))
    return rows


def write_table(folder, rows, what):
    with open(os.path.join(ROOT, folder, "expected.tsv"), "w") as f:
        f.write("# Written by tests/corpus/xml/make-samples.py: %s\n" % what)
        f.write("# file\tlevel\tdeclassified\tuninspectable\tpii\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


def main():
    for folder in ("xml", "html", "eml", "archive"):
        os.makedirs(os.path.join(ROOT, folder), exist_ok=True)
    write_table("xml", xml_samples() + office_samples(),
                "公文 DI XML, other XML, hand-written ODF/OOXML, hostile XML.")
    write_table("html", html_samples(), "HTML markings, struck text, metadata, traps.")
    write_table("eml", eml_samples(), "e-mail subjects, bodies, charsets, attachments.")
    write_table("archive", archive_samples(), "archives, compressed streams, bombs.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
