#!/usr/bin/env python3
"""Writes tests/corpus/markings/: markings where offices put them beyond the
body and the page header (Word watermarks, slide masters, layouts and notes,
presentation footers, the 91 DI nesting, field-line label variants), markings
altered so they no longer match byte for byte, text in encodings a one-line
iconv misses, and a decoy for every rule.

Office files are written as Word, PowerPoint and LibreOffice write them (the
package parts as XML text, zipped), then converted by LibreOffice headless
into the other formats it can save (Word 97 .doc, ODF, PowerPoint 97 .ppt),
so the converted files are real LibreOffice output.  expected.tsv comes from
the table of intentions below, never from the classifier.

Usage: tests/corpus/markings/make-markings.py   (needs soffice for the
conversions; without it only the hand-written files are made)."""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECT = []  # (file, level, declassified, uninspectable, pii)


def expect(name, level, decl=0, unin=0, pii="-"):
    EXPECT.append((name, level, decl, unin, pii))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def write_zip(name, parts, stored_first=None):
    path = os.path.join(HERE, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            info = zipfile.ZipInfo(stored_first[0], date_time=(2022, 1, 24, 9, 0, 0))
            z.writestr(info, stored_first[1], compress_type=zipfile.ZIP_STORED)
        for part, text in parts.items():
            info = zipfile.ZipInfo(part, date_time=(2022, 1, 24, 9, 0, 0))
            z.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)


PLAN = [
    "臺東縣政府111年加強重要節日期間專案安全維護實施計畫",
    "一、依據：行政院111年1月函頒春節期間加強安全維護工作指示辦理。",
    "二、目的：加強公務機密維護，落實保密規定，確保民眾過節安全。",
    "三、實施期間：111年1月28日至111年2月6日。",
    "四、執行要領：各單位應嚴密管制機密文書收發，並密切注意資安事件。",
    "五、本計畫奉核定後實施，修正時亦同。",
]

# ---- Word: a watermark is a VML text path in the header part. ----------
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
DOCX_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>"""
PKG_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/></Relationships>"""
DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>"""


def docx_watermark(name, words, level):
    """Word's Design > Watermark > custom text, as Word writes it."""
    header = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr {W} {R} {V}><w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr><w:r><w:rPr><w:noProof/></w:rPr><w:pict><v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/><v:textpath on="t" fitshape="t"/></v:shapetype><v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136" style="position:absolute;margin-left:0;margin-top:0;width:412.4pt;height:247.4pt;rotation:315;z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="silver" stroked="f"><v:fill opacity=".5"/><v:textpath style="font-family:&quot;新細明體&quot;;font-size:1pt" string="{words}"/></v:shape></w:pict></w:r></w:p></w:hdr>"""
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in PLAN)
    document = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W} {R}><w:body>{body}<w:sectPr><w:headerReference w:type="default" r:id="rId1"/><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"""
    write_zip(name, {"[Content_Types].xml": DOCX_TYPES, "_rels/.rels": PKG_RELS % "word/document.xml",
                     "word/_rels/document.xml.rels": DOC_RELS, "word/document.xml": document,
                     "word/header1.xml": header})
    expect(name, level)


docx_watermark("docx-watermark-jimi.docx", "機密", "機密")
docx_watermark("docx-watermark-draft.docx", "草稿", "none")


def docx_cover(name, label_line, level):
    """An IT document's cover: title, then the classification field."""
    lines = ["臺東縣政府資訊系統維運手冊", "版本：1.2", "日期：111年1月24日", "承辦單位：行政處資訊科",
             "文件編號：TTCG-IT-2022-003", "頁數：12", label_line] + PLAN
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    document = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>"""
    types = DOCX_TYPES.replace('<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>', "")
    write_zip(name, {"[Content_Types].xml": types, "_rels/.rels": PKG_RELS % "word/document.xml",
                     "word/document.xml": document})
    expect(name, level)


docx_cover("docx-cover-jimi.docx", "機密等級：機密", "機密")
docx_cover("docx-cover-putong.docx", "機密等級：普通", "none")

# ---- PowerPoint: masters, layouts and notes. ---------------------------
P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def sp(ident, text, x, y, cx=2000000, cy=400000):
    paras = "".join(f"<a:p><a:r><a:rPr lang=\"zh-TW\"/><a:t>{t}</a:t></a:r></a:p>" for t in text)
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{ident}" name="TextBox {ident}"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
            f'<p:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
            f'<p:txBody><a:bodyPr/><a:lstStyle/>{paras}</p:txBody></p:sp>')


def tree(shapes):
    return ('<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
            '<p:grpSpPr/>' + "".join(shapes) + '</p:spTree></p:cSld>')


def pptx(name, slides, master_shapes, notes=None, level="none"):
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>',
             '<Override PartName="/ppt/slideMasters/slideMaster1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml"/>',
             '<Override PartName="/ppt/slideLayouts/slideLayout1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"/>']
    parts = {}
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pres_rels = [f'<Relationship Id="rId1" Type="{rel}/slideMaster" Target="slideMasters/slideMaster1.xml"/>']
    ids = []
    for i, shapes in enumerate(slides, 1):
        types.append(f'<Override PartName="/ppt/slides/slide{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>')
        parts[f"ppt/slides/slide{i}.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:sld {A} {P}>{tree(shapes)}</p:sld>'
        srels = f'<Relationship Id="rId1" Type="{rel}/slideLayout" Target="../slideLayouts/slideLayout1.xml"/>'
        if notes and i == 1:
            srels += f'<Relationship Id="rId2" Type="{rel}/notesSlide" Target="../notesSlides/notesSlide1.xml"/>'
        parts[f"ppt/slides/_rels/slide{i}.xml.rels"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{srels}</Relationships>'
        pres_rels.append(f'<Relationship Id="rId{i + 1}" Type="{rel}/slide" Target="slides/slide{i}.xml"/>')
        ids.append(f'<p:sldId id="{255 + i}" r:id="rId{i + 1}"/>')
    if notes:
        types.append('<Override PartName="/ppt/notesSlides/notesSlide1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.notesSlide+xml"/>')
        parts["ppt/notesSlides/notesSlide1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:notes {A} {P}>{tree([sp(2, notes, 685800, 4400550, 5486400, 4114800)])}</p:notes>'
    parts["[Content_Types].xml"] = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' + "".join(types) + "</Types>"
    parts["_rels/.rels"] = PKG_RELS % "ppt/presentation.xml"
    parts["ppt/_rels/presentation.xml.rels"] = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(pres_rels) + "</Relationships>"
    parts["ppt/presentation.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:presentation {A} {R} {P}><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst><p:sldIdLst>{"".join(ids)}</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>'
    parts["ppt/slideMasters/slideMaster1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:sldMaster {A} {R} {P}>{tree(master_shapes)}<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst></p:sldMaster>'
    parts["ppt/slideMasters/_rels/slideMaster1.xml.rels"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/slideLayout" Target="../slideLayouts/slideLayout1.xml"/></Relationships>'
    parts["ppt/slideLayouts/slideLayout1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:sldLayout {A} {P}>{tree([sp(2, ["按一下以新增標題"], 457200, 274638, 8229600, 1143000)])}</p:sldLayout>'
    parts["ppt/slideLayouts/_rels/slideLayout1.xml.rels"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/slideMaster" Target="../slideMasters/slideMaster1.xml"/></Relationships>'
    write_zip(name, parts)
    expect(name, level)


content = [sp(2, [PLAN[0]], 457200, 274638, 8229600, 1143000), sp(3, PLAN[1:], 457200, 1600200, 8229600, 4525963)]
master_title = sp(2, ["按一下以編輯母片標題樣式"], 457200, 274638, 8229600, 1143000)
master_body = sp(3, ["按一下以編輯母片文字樣式", "第二層", "第三層", "第四層", "第五層"], 457200, 1600200, 8229600, 4525963)
pptx("pptx-master-jimi.pptx", [content, content], [master_title, master_body, sp(4, ["機密"], 7000000, 6300000)], level="機密")
pptx("pptx-master-office.pptx", [content], [master_title, master_body, sp(4, ["臺東縣政府政風處"], 7000000, 6300000)])
pptx("pptx-notes-mi.pptx", [content], [master_title, master_body], notes=["密", "講者備忘：本簡報僅供內部討論。"], level="密")
# The stamp is drawn ninth of sixteen shapes but stands at the top of the slide.
many = [sp(10 + k, [f"第{k + 1}項工作：{PLAN[1 + k % 5][3:20]}"], 457200, 1200000 + 300000 * k, 8229600, 280000) for k in range(15)]
stamp = sp(9, ["極機密"], 7500000, 100000, 1200000, 400000)
pptx("pptx-stamp-ninth-jijimi.pptx", [many[:8] + [stamp] + many[8:]], [master_title, master_body], level="極機密")

# ---- ODF presentation: master-page shapes, footer declarations. --------
ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"')


def frame(text, x, y):
    paras = "".join(f"<text:p>{t}</text:p>" for t in text)
    return f'<draw:frame svg:x="{x}" svg:y="{y}" svg:width="6cm" svg:height="1cm"><draw:text-box>{paras}</draw:text-box></draw:frame>'


def odp(name, master_frames, footer_decl=None, slide_frames=None, level="none"):
    decl = f'<presentation:footer-decl presentation:name="ftr1">{footer_decl}</presentation:footer-decl>' if footer_decl else ""
    use = ' presentation:use-footer-name="ftr1"' if footer_decl else ""
    slides = slide_frames or [frame([PLAN[0]], "2cm", "1cm"), frame(PLAN[1:], "2cm", "4cm")]
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODF_NS} office:version="1.3">'
               f'<office:body><office:presentation>{decl}<draw:page draw:name="page1" draw:master-page-name="Default"{use}>'
               + "".join(slides) + '</draw:page></office:presentation></office:body></office:document-content>')
    styles = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {ODF_NS} office:version="1.3">'
              '<office:master-styles><style:master-page style:name="Default">'
              + "".join(master_frames) + '</style:master-page></office:master-styles></office:document-styles>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.presentation"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    write_zip(name, {"META-INF/manifest.xml": manifest, "content.xml": content, "styles.xml": styles},
              stored_first=("mimetype", "application/vnd.oasis.opendocument.presentation"))
    expect(name, level)


odp("odp-master-jimi.odp", [frame(["按一下以編輯標題"], "2cm", "1cm"), frame(["機密"], "22cm", "18cm")], level="機密")
odp("odp-master-office.odp", [frame(["按一下以編輯標題"], "2cm", "1cm"), frame(["臺東縣政府"], "22cm", "18cm")])
odp("odp-footer-decl-mi.odp", [frame(["按一下以編輯標題"], "2cm", "1cm")], footer_decl="密", level="密")

# ---- 公文 DI, 91 version: 密等 nested inside 密等及解密條件. -------------
DI_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE 函 SYSTEM "91_2_utf8.dtd">\n<函>\n<發文機關><全銜>臺東縣政府</全銜></發文機關>\n'
DI_TAIL = '<主旨><文字>有關111年春節期間加強安全維護一案，請查照。</文字></主旨>\n</函>\n'
write("di-91-nested-attr-jimi.xml", DI_HEAD + '<密等及解密條件><密等 代碼="機密"/><解密條件>本件於公布後解密</解密條件></密等及解密條件>\n' + DI_TAIL)
expect("di-91-nested-attr-jimi.xml", "機密")
write("di-91-nested-text-jijimi.xml", DI_HEAD + '<密等及解密條件><密等>極機密</密等><解密條件>本件至115年12月31日解密</解密條件></密等及解密條件>\n' + DI_TAIL)
expect("di-91-nested-text-jijimi.xml", "極機密")
write("di-91-nested-putong.xml", DI_HEAD + '<密等及解密條件><密等 代碼="普通"/></密等及解密條件>\n' + DI_TAIL)
expect("di-91-nested-putong.xml", "none")

# ---- Text: altered markings and their decoys. ---------------------------
body = "\n".join(PLAN) + "\n"
for name, first, level in [
        ("text-zero-width-jimi.txt", "機\u200b密", "機密"),
        ("text-combining-jimi.txt", "機\u0301密", "機密"),
        ("text-fullwidth-secret.txt", "ＳＥＣＲＥＴ", "極機密"),
        ("text-period-mi.txt", "密。", "密"),
        ("text-mijian-stamp.txt", "密件", "密"),
        ("text-markdown-mi.md", "**密**", "密"),
        ("text-decoy-mijian-title.txt", "密件處理作業要點", "none"),
        ("text-decoy-emphasis.txt", "**加強公務機密維護**", "none")]:
    write(name, first + "\n" + body)
    expect(name, level)
write("text-filler-lines-jijimi.txt", "\n-----\n……\n＊＊＊\n\u200b\n====\n" + "\n".join(PLAN[:4]) + "\n極機密\n" + body)
expect("text-filler-lines-jijimi.txt", "極機密")
write("text-label-mideng-mi.txt", body + "密等：密\n" + body)
expect("text-label-mideng-mi.txt", "密")
write("text-label-cover-jimi.txt", "資訊系統維運手冊\n版本：1.2\n機密等級：機密\n" + body)
expect("text-label-cover-jimi.txt", "機密")
write("text-label-cover-putong.txt", "資訊系統維運手冊\n版本：1.2\n機密等級：普通\n" + body)
expect("text-label-cover-putong.txt", "none")
write("text-label-enumeration.txt", body + "密等：機密、極機密、絕對機密三種。\n" + body)
expect("text-label-enumeration.txt", "none")

# ---- Formats that must never pass as clean. ----------------------------
def xlsb(name, strings, header, level):
    """An Excel binary workbook: BIFF12 records in the package parts."""
    def rec(rtype, body):
        out = bytearray([rtype & 0x7F | (0x80 if rtype > 0x7F else 0)])
        if rtype > 0x7F:
            out += bytes([rtype >> 7])
        n = len(body)
        while True:
            b = n & 0x7F
            n >>= 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                break
        return bytes(out) + body

    def wide(s):
        u = s.encode("utf-16le")
        return (len(u) // 2).to_bytes(4, "little") + u

    sst = rec(159, len(strings).to_bytes(4, "little") * 2)  # BrtBeginSst
    for s in strings:
        sst += rec(19, b"\x00" + wide(s))  # BrtSSTItem
    sst += rec(160, b"")  # BrtEndSst
    null = (0xFFFFFFFF).to_bytes(4, "little")
    sheet = rec(129, b"") + rec(145, b"")  # BrtBeginSheet, BrtBeginSheetData
    sheet += rec(6, (0).to_bytes(4, "little") * 2 + wide(PLAN[0]))  # BrtCellSt
    sheet += rec(146, b"")  # BrtEndSheetData
    sheet += rec(479, b"\x00\x00" + wide(header) + null * 5)  # BrtBeginHeaderFooter
    sheet += rec(480, b"") + rec(130, b"")
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
          '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
          '<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/></Types>')
    write_zip(name, {"[Content_Types].xml": ct, "_rels/.rels": PKG_RELS % "xl/workbook.bin",
                     "xl/workbook.bin": rec(131, b"") + rec(132, b""), "xl/sharedStrings.bin": sst,
                     "xl/worksheets/sheet1.bin": sheet})
    expect(name, level)


xlsb("xlsb-header-confidential.xlsb", PLAN[1:4], "&CCONFIDENTIAL", "機密")
xlsb("xlsb-cells-jimi.xlsb", ["機密"] + PLAN[1:4], "&C臺東縣政府", "機密")
xlsb("xlsb-plain.xlsb", PLAN[1:4], "&P", "none")

# A package with no Word, Excel or PowerPoint part (XPS-like): not clean.
write_zip("ooxml-xps-like.oxps", {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="fpage" ContentType="application/vnd.ms-package.xps-fixedpage+xml"/></Types>',
    "_rels/.rels": PKG_RELS % "FixedDocumentSequence.fdseq",
    "Documents/1/Pages/1.fpage": '<FixedPage xmlns="http://schemas.microsoft.com/xps/2005/06" Width="816" Height="1056"><Glyphs UnicodeString="機密" OriginX="96" OriginY="96" FontRenderingEmSize="16"/></FixedPage>'})
expect("ooxml-xps-like.oxps", "none", unin=1)


def cfb(streams):
    """A compound file of {path: bytes} ("a/b": stream b in storage a), 512-byte
    sectors, streams under 4096 bytes in the mini stream as the format requires,
    each storage's children a chain of right siblings."""
    SECT, MINI, CUT = 512, 64, 4096
    FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    entries = [{"name": "Root Entry", "type": 5, "kids": [], "data": b""}]
    index = {"": 0}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in index:
                continue
            leaf = depth == len(parts)
            entries.append({"name": parts[depth - 1], "type": 2 if leaf else 1, "kids": [],
                            "data": streams[path] if leaf else b""})
            index[key] = len(entries) - 1
            entries[index["/".join(parts[:depth - 1])]]["kids"].append(index[key])
    mini, minifat = bytearray(), []
    for e in entries:
        if e["type"] == 2 and len(e["data"]) < CUT:
            n = (len(e["data"]) + MINI - 1) // MINI
            e["start"] = len(minifat) if n else END
            minifat += [len(minifat) + k + 1 for k in range(n)]
            if n:
                minifat[-1] = END
            mini += e["data"] + b"\0" * (n * MINI - len(e["data"]))
    big = [e for e in entries if e["type"] == 2 and len(e["data"]) >= CUT]
    nsec = lambda n: (n + SECT - 1) // SECT
    dir_secs, mf_secs, ms_secs = nsec(len(entries) * 128), nsec(len(minifat) * 4), nsec(len(mini))
    big_secs = sum(nsec(len(e["data"])) for e in big)
    fat_secs = 1
    while fat_secs * 128 < fat_secs + dir_secs + mf_secs + ms_secs + big_secs:
        fat_secs += 1
    fat = [FATSECT] * fat_secs

    def chain(n):
        start = len(fat)
        fat.extend(start + k + 1 for k in range(n))
        fat[-1] = END
        return start
    dir_start = chain(dir_secs)
    mf_start = chain(mf_secs) if mf_secs else END
    ms_start = chain(ms_secs) if ms_secs else END
    for e in big:
        e["start"] = chain(nsec(len(e["data"])))
    fat += [FREE] * (fat_secs * 128 - len(fat))
    entries[0]["start"], entries[0]["data"] = ms_start, bytes(mini)
    for e in entries:
        e["left"] = e["right"] = FREE
    for e in entries:
        e["child"] = e["kids"][0] if e["kids"] else FREE
        for a_, b_ in zip(e["kids"], e["kids"][1:]):
            entries[a_]["right"] = b_
    le = lambda v, n=4: v.to_bytes(n, "little")
    d = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16le") + b"\0\0"
        d += name + b"\0" * (64 - len(name)) + le(len(name), 2) + bytes([e["type"], 1])
        d += le(e["left"]) + le(e["right"]) + le(e["child"]) + b"\0" * 36
        d += le(e.get("start", 0)) + le(len(e["data"])) + b"\0" * 4
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + le(0x3E, 2) + le(3, 2) + b"\xfe\xff"
    header += le(9, 2) + le(6, 2) + b"\0" * 6 + le(0) + le(fat_secs) + le(dir_start) + le(0)
    header += le(CUT) + le(mf_start) + le(mf_secs) + le(END) + le(0)
    header += b"".join(le(x) for x in list(range(fat_secs)) + [FREE] * (109 - fat_secs))
    pad = lambda b: bytes(b) + b"\0" * (nsec(len(b)) * SECT - len(b))
    out = header + pad(b"".join(le(x) for x in fat)) + pad(d)
    out += pad(b"".join(le(x) for x in minifat)) if mf_secs else b""
    out += pad(mini) if ms_secs else b""
    for e in big:
        out += pad(e["data"])
    return out


def msg(name, subject, text, attachments, level):
    """An Outlook message: MAPI properties as __substg1.0_ streams,
    attachments as __attach_version1.0_ storages, as Outlook lays them out."""
    u = lambda s: s.encode("utf-16le")
    streams = {"__substg1.0_0037001F": u(subject), "__substg1.0_1000001F": u(text),
               "__properties_version1.0": b"\0" * 32}
    for i, (fname, data) in enumerate(attachments):
        base = f"__attach_version1.0_#{i:08X}/"
        streams[base + "__substg1.0_3707001F"] = u(fname)
        streams[base + "__substg1.0_37010102"] = data
        streams[base + "__properties_version1.0"] = b"\0" * 16
    write(name, cfb(streams))
    expect(name, level)


body = "\n".join(PLAN) + "\n"
note = "各位同仁好：\r\n附件為春節期間安全維護計畫，請查照。\r\n政風處 敬上\r\n"
msg("msg-subject-jimi.msg", "機密", note, [], "機密")
msg("msg-attachment-jijimi.msg", "春節安全維護計畫", note, [("計畫.txt", ("極機密\n" + body).encode())], "極機密")
msg("msg-plain.msg", "春節安全維護計畫", note, [("計畫.txt", body.encode())], "none")


def biff5_book(name, cells, header, level):
    """An Excel 5.0/95 workbook: a BIFF5 Book stream (BOF, CODEPAGE 950,
    LABEL cells in Big5, HEADER, EOF) in a compound file, as Excel 95 saved."""
    rec = lambda t, body: t.to_bytes(2, "little") + len(body).to_bytes(2, "little") + body
    book = rec(0x0809, (0x0500).to_bytes(2, "little") + (0x0005).to_bytes(2, "little") + b"\0" * 4)
    book += rec(0x0042, (950).to_bytes(2, "little"))
    h = header.encode("cp950")
    book += rec(0x0014, bytes([len(h)]) + h)
    for row, text in enumerate(cells):
        t = text.encode("cp950")
        book += rec(0x0204, row.to_bytes(2, "little") + b"\0\0" + b"\x0f\0" + len(t).to_bytes(2, "little") + t)
    book += rec(0x000A, b"")
    write(name, cfb({"Book": book}))
    expect(name, level)


biff5_book("xls95-cells-jimi.xls", ["機密"] + PLAN[1:4], "&C臺東縣政府", "機密")
biff5_book("xls95-header-mi.xls", PLAN[1:4], "&C密", "密")
biff5_book("xls95-plain.xls", PLAN[1:4], "&P", "none")


def patch_zip(path, member, method=None, corrupt=False):
    """An old compression method (the method fields), or damaged data."""
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    local = info.header_offset
    if method is not None:
        data[local + 8:local + 10] = method.to_bytes(2, "little")
        cd = data.find(b"PK\x01\x02")
        while cd >= 0:
            if int.from_bytes(data[cd + 42:cd + 46], "little") == local:
                data[cd + 10:cd + 12] = method.to_bytes(2, "little")
            cd = data.find(b"PK\x01\x02", cd + 4)
    if corrupt:
        start = local + 30 + len(info.filename.encode()) + len(info.extra)
        for k in range(start, start + min(16, info.compress_size)):
            data[k] ^= 0x5A
    open(path, "wb").write(bytes(data))


write_zip("zip-broken-member-jimi.zip", {"a-marked.txt": "機密\n" + body, "b-broken.txt": body * 20})
patch_zip(os.path.join(HERE, "zip-broken-member-jimi.zip"), "b-broken.txt", corrupt=True)
expect("zip-broken-member-jimi.zip", "機密")
write_zip("zip-broken-member-only.zip", {"a-plain.txt": body, "b-broken.txt": body * 20})
patch_zip(os.path.join(HERE, "zip-broken-member-only.zip"), "b-broken.txt", corrupt=True)
expect("zip-broken-member-only.zip", "none", unin=1)
write_zip("zip-old-method.zip", {"a-plain.txt": body, "b-imploded.txt": body * 5})
patch_zip(os.path.join(HERE, "zip-old-method.zip"), "b-imploded.txt", method=6)
expect("zip-old-method.zip", "none", unin=1)
# Big5 names as an older Windows zip tool stores them: the bytes of the
# code page, no UTF-8 flag (written under an ASCII stand-in of the same
# length, then replaced in both headers).
big5_name = "機密計畫.txt".encode("cp950")
write_zip("zip-big5-names.zip", {"X" * (len(big5_name) - 4) + ".txt": "極機密\n" + body})
path = os.path.join(HERE, "zip-big5-names.zip")
raw = open(path, "rb").read().replace(b"X" * (len(big5_name) - 4) + b".txt", big5_name)
open(path, "wb").write(raw)
expect("zip-big5-names.zip", "極機密")

marked = "極機密\n" + body
for name, enc in [("text-utf16le-nobom-jijimi.txt", "utf-16-le"), ("text-utf16be-nobom-jijimi.txt", "utf-16-be"),
                  ("text-utf32-bom-jijimi.txt", "utf-32"), ("text-utf32le-nobom-jijimi.txt", "utf-32-le"),
                  ("text-gb18030-jijimi.txt", "gb18030"), ("text-utf7-jijimi.txt", "utf-7")]:
    write(name, marked.encode(enc))
    expect(name, "極機密")
write("text-euctw-jijimi.txt", subprocess.run(["iconv", "-f", "UTF-8", "-t", "EUC-TW"], input=marked.encode(),
                                              stdout=subprocess.PIPE, check=True).stdout)
expect("text-euctw-jijimi.txt", "極機密")
write("text-gb18030-plan.txt", body.encode("gb18030"))
expect("text-gb18030-plan.txt", "none")

# Old-format resident certificate numbers: counted where residents are
# named; the same shape as a help document's topic ids is no personal data.
LETTER_VALUES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36)))


def old_resident(rng):
    first, second = rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZIO"), rng.choice("ABCD")
    digits = [rng.randrange(10) for _ in range(7)]
    n = LETTER_VALUES[first]
    total = n // 10 + (n % 10) * 9 + (LETTER_VALUES[second] % 10) * 8
    total += sum(d * w for d, w in zip(digits, [7, 6, 5, 4, 3, 2, 1]))
    return first + second + "".join(map(str, digits)) + str((10 - total % 10) % 10)


rng = random.Random(20220125)
ids = [old_resident(rng) for _ in range(60)]
write("text-help-topic-ids.txt", "Office 說明文件：主題索引\n" + "\n".join(f"說明主題 {i}（Help topic {i}）" for i in ids) + "\n" + body)
expect("text-help-topic-ids.txt", "none")
rows = "\n".join(f"{n}\t{i}" for n, i in zip(["John Smith", "Maria Santos", "Nguyen Van An"], ids[:3]))
write("text-resident-table.txt", "外僑居留名冊\n姓名\t居留證統一證號\n" + rows + "\n" + body)
expect("text-resident-table.txt", "none", pii="roc-resident-id=3")

# ---- LibreOffice's own saves of the above. ------------------------------
CONVERSIONS = [
    ("docx-watermark-jimi.docx", ["odt", "doc"], "機密"),
    ("docx-watermark-draft.docx", ["odt", "doc"], "none"),
    ("docx-cover-jimi.docx", ["odt", "doc", "rtf"], "機密"),
    ("docx-cover-putong.docx", ["odt", "doc"], "none"),
    ("pptx-master-jimi.pptx", ["odp", "ppt"], "機密"),
    ("pptx-master-office.pptx", ["odp", "ppt"], "none"),
    ("pptx-notes-mi.pptx", ["odp", "ppt"], "密"),
    ("odp-footer-decl-mi.odp", ["pptx", "ppt"], "密"),
    ("pptx-stamp-ninth-jijimi.pptx", ["odp", "ppt"], "極機密"),
    ("docx-cover-jimi.docx", ["pdf"], "機密"),
]


def convert():
    soffice = shutil.which("soffice")
    if not soffice:
        print("make-markings: no soffice: conversions skipped", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for src, formats, level in CONVERSIONS:
            stem, ext = os.path.splitext(src)
            for fmt in formats:
                out = os.path.join(tmp, stem + "." + fmt)
                r = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                                    "--convert-to", fmt, "--outdir", tmp, os.path.join(HERE, src)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
                if r.returncode != 0 or not os.path.exists(out):
                    print(f"make-markings: soffice could not save {src} as {fmt}", file=sys.stderr)
                    continue
                name = f"lo-{ext[1:]}-{stem}.{fmt}"
                shutil.move(out, os.path.join(HERE, name))
                expect(name, level)
                if fmt == "pdf":  # the same PDF from a tool that writes a BOM first
                    bom = f"lo-{ext[1:]}-{stem}-bom.pdf"
                    write(bom, b"\xef\xbb\xbf" + open(os.path.join(HERE, name), "rb").read())
                    expect(bom, level)


convert()
with open(os.path.join(HERE, "expected.tsv"), "w", encoding="utf-8") as f:
    f.write("# Written by tests/corpus/markings/make-markings.py: watermarks, masters, notes, field labels,\n")
    f.write("# altered markings, the 91 DI nesting, and a decoy for each rule.\n")
    f.write("# file\tlevel\tdeclassified\tuninspectable\tpii\n")
    for row in EXPECT:
        f.write("\t".join(str(c) for c in row) + "\n")
