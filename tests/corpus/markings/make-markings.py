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


convert()
with open(os.path.join(HERE, "expected.tsv"), "w", encoding="utf-8") as f:
    f.write("# Written by tests/corpus/markings/make-markings.py: watermarks, masters, notes, field labels,\n")
    f.write("# altered markings, the 91 DI nesting, and a decoy for each rule.\n")
    f.write("# file\tlevel\tdeclassified\tuninspectable\tpii\n")
    for row in EXPECT:
        f.write("\t".join(str(c) for c in row) + "\n")
