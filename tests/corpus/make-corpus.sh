#!/usr/bin/env bash
# Regenerates the office corpus (tests/corpus/office/) and the hostile
# samples (tests/corpus/hostile/) with real tools, so the classifier is
# tested on files as LibreOffice writes them: page headers and footers in
# styles.xml / header*.xml / {\header} / the .doc header story / the top and
# bottom lines of PDF pages.
#
# Each document is authored here as flat ODF (.fodt / .fods) from a table of
# intentions (what the document is meant to be: its level, whether its only
# marking is struck through, its personal data), converted by LibreOffice
# headless into every format that can carry what it tests, and expected.tsv
# is written from that same table, never from the classifier's output.
#
# Needs: soffice (libreoffice-writer-nogui, -calc-nogui, -impress-nogui), python3, qpdf, a
# CJK font (fonts-noto-cjk).  CI does not run this: the outputs are
# committed.  Usage: tests/corpus/make-corpus.sh
set -euo pipefail
cd "$(dirname "$0")"
corpus=$PWD

for tool in soffice python3 qpdf; do
	command -v "$tool" >/dev/null || {
		echo "make-corpus: $tool is missing; install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui qpdf fonts-noto-cjk" >&2
		exit 1
	}
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Author the flat ODF sources and the expectations.
context=${WARD_CONTEXT:-$corpus/../../../shared/context}
python3 - "$work/src" "$corpus/office" "$context/taitung-2022-spring-festival-security-plan.txt" <<'PY'
import os, random, sys
from xml.sax.saxutils import escape

src, out, plan_path = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(src, exist_ok=True)
os.makedirs(out, exist_ok=True)
plan = open(plan_path, encoding="utf-8").read().splitlines()

# ROC national ID numbers with a valid checksum (deterministic, so reruns
# write the same text).  A123456789, the well-known sample, is never used.
LETTERS = {"A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17,
           "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "P": 23, "Q": 24, "R": 25,
           "S": 26, "T": 27, "U": 28, "V": 29, "X": 30, "Y": 31, "W": 32, "Z": 33,
           "I": 34, "O": 35}

def roc_id(rng):
    while True:
        letter = rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZIO")
        digits = [rng.choice("12")] + [str(rng.randrange(10)) for _ in range(7)]
        n = LETTERS[letter]
        weights = [8, 7, 6, 5, 4, 3, 2, 1]
        total = n // 10 + (n % 10) * 9 + sum(int(d) * w for d, w in zip(digits, weights))
        check = (10 - total % 10) % 10
        value = letter + "".join(digits) + str(check)
        if value != "A123456789":
            return value

rng = random.Random(20220124)
ids = []
while len(ids) < 16:
    v = roc_id(rng)
    if v not in ids:
        ids.append(v)
NAMES = ["王小明", "陳美玲", "林志豪", "張淑芬", "李建國", "黃雅婷", "吳俊傑", "劉佳蓉",
         "蔡文雄", "楊淑惠", "許家豪", "鄭怡君", "謝宗翰", "郭曉琪", "洪明德", "曾麗華"]

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'office:version="1.3"')

FONTS = '''<office:font-face-decls>
 <style:font-face style:name="Noto Serif CJK TC" svg:font-family="'Noto Serif CJK TC'"/>
 <style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"/>
</office:font-face-decls>'''

STYLES = '''<office:styles>
 <style:default-style style:family="paragraph">
  <style:text-properties style:font-name="Liberation Serif" fo:font-size="12pt"
   style:font-name-asian="Noto Serif CJK TC" style:font-size-asian="12pt" fo:language="en" fo:country="US"
   style:language-asian="zh" style:country-asian="TW"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="16pt" style:font-size-asian="16pt" fo:font-weight="bold" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Marking" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/>
 </style:style>
</office:styles>'''

AUTO = '''<office:automatic-styles>
 <style:page-layout style:name="pm1">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm"
   fo:margin-bottom="2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>
  <style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.4cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style>
 </style:page-layout>
 <style:style style:name="Tstrike" style:family="text">
  <style:text-properties style:text-line-through-style="solid" style:text-line-through-type="single"/>
 </style:style>
 <style:style style:name="ta1" style:family="table" style:master-page-name="Default"/>
</office:automatic-styles>'''

def para(line, style="Standard"):
    """One paragraph; a line given as ("strike", text) is struck through."""
    if isinstance(line, tuple) and line[0] == "strike":
        return ('<text:p text:style-name="%s"><text:span text:style-name="Tstrike">%s'
                '</text:span></text:p>' % (style, escape(line[1])))
    if isinstance(line, tuple) and line[0] == "title":
        return '<text:p text:style-name="Title">%s</text:p>' % escape(line[1])
    if isinstance(line, tuple) and line[0] == "textbox":
        # A text box (a frame) anchored at the top of the first paragraph.
        return ('<text:p text:style-name="%s"><draw:frame text:anchor-type="paragraph" '
                'svg:x="12cm" svg:y="0cm" svg:width="3cm" svg:height="1.2cm" draw:z-index="0">'
                '<draw:text-box><text:p>%s</text:p></draw:text-box></draw:frame>%s</text:p>'
                % (style, escape(line[1]), escape(line[2])))
    if isinstance(line, tuple) and line[0] == "mark":
        return '<text:p text:style-name="Marking">%s</text:p>' % escape(line[1])
    return '<text:p text:style-name="%s">%s</text:p>' % (style, escape(line))

def id_table(n):
    rows = ['<table:table table:name="名冊"><table:table-column table:number-columns-repeated="3"/>']
    def row(cells):
        return ("<table:table-row>" + "".join(
            '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>'
            % escape(c) for c in cells) + "</table:table-row>")
    rows.append(row(["編號", "姓名", "身分證統一編號"]))
    for i in range(n):
        rows.append(row([str(i + 1), NAMES[i], ids[i]]))
    rows.append("</table:table>")
    return "".join(rows)

def fodt(header=None, footer=None, body=(), meta=None, table=None):
    meta_xml = "<office:meta><dc:title>Ward corpus</dc:title>"
    for name, value in (meta or {}).items():
        if name == "keywords":
            meta_xml += "<meta:keyword>%s</meta:keyword>" % escape(value)
            continue
        meta_xml += ('<meta:user-defined meta:name="%s" meta:value-type="string">%s'
                     '</meta:user-defined>' % (escape(name), escape(value)))
    meta_xml += "</office:meta>"
    master = '<style:master-page style:name="Standard" style:page-layout-name="pm1">'
    if header is not None:
        master += "<style:header>" + "".join(para(l) for l in header) + "</style:header>"
    if footer is not None:
        master += "<style:footer>" + "".join(para(l) for l in footer) + "</style:footer>"
    master += "</style:master-page>"
    body_xml = "".join(para(l) for l in body)
    if table:
        body_xml += id_table(table)
        body_xml += para("以上名冊僅供本案承辦人員使用。")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document %s '
            'office:mimetype="application/vnd.oasis.opendocument.text">%s%s%s%s'
            '<office:master-styles>%s</office:master-styles>'
            '<office:body><office:text>%s</office:text></office:body></office:document>\n'
            % (NS, meta_xml, FONTS, STYLES, AUTO, master, body_xml))

def fods(header=None, rows=()):
    master = '<style:master-page style:name="Default" style:page-layout-name="pm1">'
    if header is not None:
        master += "<style:header>" + "".join(para(l) for l in header) + "</style:header>"
    master += "</style:master-page>"
    cells = ""
    for r in rows:
        cells += ("<table:table-row>" + "".join(
            '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>'
            % escape(c) for c in r) + "</table:table-row>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document %s '
            'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
            '<office:meta/>%s%s%s<office:master-styles>%s</office:master-styles>'
            '<office:body><office:spreadsheet><table:table table:name="名冊" table:style-name="ta1">'
            '<table:table-column table:number-columns-repeated="3"/>%s</table:table>'
            '</office:spreadsheet></office:body></office:document>\n'
            % (NS, FONTS, STYLES, AUTO, master, cells))

def fodp(slides):
    """A presentation; each slide a list of text frames, each a list of lines."""
    pages = ""
    for n, frames in enumerate(slides, 1):
        pages += '<draw:page draw:name="p%d" draw:master-page-name="Default">' % n
        for k, lines in enumerate(frames):
            pages += ('<draw:frame svg:x="2cm" svg:y="%dcm" svg:width="24cm" svg:height="3cm">'
                      '<draw:text-box>%s</draw:text-box></draw:frame>'
                      % (1 + 4 * k, "".join(para(l) for l in lines)))
        pages += "</draw:page>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document %s '
            'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
            'office:mimetype="application/vnd.oasis.opendocument.presentation">%s'
            '<office:automatic-styles><style:page-layout style:name="PM1">'
            '<style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm"/>'
            '</style:page-layout></office:automatic-styles><office:master-styles>'
            '<style:master-page style:name="Default" style:page-layout-name="PM1"/>'
            '</office:master-styles><office:body><office:presentation>%s'
            '</office:presentation></office:body></office:document>\n' % (NS, FONTS, pages))

MEMO = ["主旨：函送本府 111 年度加強重要節日期間安全維護工作之辦理情形，請查照。",
        "說明：",
        "一、依本府 111 年 1 月 20 日府政字第 1110012345 號函辦理。",
        "二、各單位應指定專人負責，於 2 月 10 日前將辦理情形送政風處彙辦。",
        "三、檢附辦理情形一覽表一份。"]

LETTER = [("title", "臺東縣政府　函"),
          "地址：95001 臺東市中山路 276 號",
          "受文者：臺東縣警察局",
          "發文日期：中華民國 111 年 1 月 21 日",
          "發文字號：府政字第 1110012399 號",
          "速別：最速件"]

WRITER = ["odt", "docx", "doc", "rtf", "pdf"]
WRITER_NO_PDF = ["odt", "docx", "doc", "rtf"]

# name, kind, formats, level, declassified, uninspectable, pii, source args
docs = [
    ("header-mi", "text", WRITER, "密", 0, 0, "-",
     dict(header=["密"], body=MEMO)),
    ("footer-jimi", "text", WRITER, "極機密", 0, 0, "-",
     dict(footer=["極機密"], body=MEMO)),
    ("firstline-juedui", "text", WRITER, "絕對機密", 0, 0, "-",
     dict(body=[("mark", "「絕對機密」")] + MEMO)),
    ("lastline-jimi-bracket", "text", WRITER, "機密", 0, 0, "-",
     dict(body=MEMO + [("mark", "【機密】")])),
    ("textbox-jimi", "text", WRITER, "機密", 0, 0, "-",
     dict(body=[("textbox", "機密", MEMO[0])] + MEMO[1:])),
    ("letter-field", "text", WRITER, "機密", 0, 0, "-",
     dict(body=LETTER + ["密等及解密條件或保密期限：機密（本件於公布時解密）", "附件：如說明三"] + MEMO)),
    ("letter-field-putong", "text", WRITER, "none", 0, 0, "-",
     dict(body=LETTER + ["密等及解密條件或保密期限：普通", "附件：如說明三"] + MEMO)),
    ("letter-field-empty", "text", WRITER, "none", 0, 0, "-",
     dict(body=LETTER + ["密等及解密條件或保密期限：", "附件：如說明三"] + MEMO)),
    # PDF is left out: a struck line is only a drawn line in a PDF, its
    # text reads as a plain marking there.
    ("struck-header-jimi", "text", WRITER_NO_PDF, "none", 1, 0, "-",
     dict(header=[("strike", "機密")], body=["本件業經核定解密，依規定於原密等標示處加劃刪除線。"] + MEMO)),
    ("metadata-label", "text", WRITER, "極機密", 0, 0, "-",
     dict(meta={"密等": "極機密", "keywords": "極機密"}, body=MEMO)),
    ("english-confidential-header", "text", WRITER, "機密", 0, 0, "-",
     dict(header=["CONFIDENTIAL"],
          body=["MEMORANDUM", "To: Director, Department of Civil Service Ethics",
                "Subject: Holiday duty roster", "Please review the attached roster before Friday."])),
    ("english-top-secret-footer", "text", WRITER, "絕對機密", 0, 0, "-",
     dict(footer=["TOP SECRET"],
          body=["MEMORANDUM", "Subject: Continuity of operations plan",
                "Distribution is limited to the named recipients."])),
    ("trap-security-plan", "text", WRITER, "none", 0, 0, "-",
     dict(body=plan)),
    ("trap-level-enumeration", "text", WRITER, "none", 0, 0, "-",
     dict(body=["國家機密等級區分為「絕對機密」、「極機密」、「機密」三級，一般公務機密則標示為「密」。",
                "機密等級應於文書首頁及各頁之上下方標示，其區分依國家機密保護法施行細則辦理。",
                "「絕對機密」、「極機密」、「機密」、「密」"])),
    ("trap-prose-mi-words", "text", WRITER, "none", 0, 0, "-",
     dict(body=["各單位應與政風處保持密切聯繫，嚴密注意門禁管制，並落實保密教育。",
                "資訊系統之機密性、完整性及可用性應定期檢視；密碼應每 90 日更換並以加密方式儲存。",
                "節日期間人潮密集，請加強巡查；解密作業依規定辦理。"])),
    ("trap-english-memo", "text", WRITER, "none", 0, 0, "-",
     dict(body=["MEMORANDUM",
                "Staff are reminded that confidential documents must not be copied to USB sticks.",
                "Secret ballots for the staff committee close on Friday; top secret recipes are welcome at the party."])),
    ("pii-ids-12", "text", WRITER, "none", 0, 0, "roc-national-id=12",
     dict(body=["春節值勤人員名冊"], table=12)),
    ("pii-ids-4", "text", WRITER, "none", 0, 0, "roc-national-id=4",
     dict(body=["志工名冊"], table=4)),
    ("sheet-ids-12", "sheet", ["ods", "xlsx", "xls"], "none", 0, 0, "roc-national-id=12",
     dict(rows=[["編號", "姓名", "身分證統一編號"]] +
          [[str(i + 1), NAMES[i], ids[i]] for i in range(12)])),
    ("deck-firstline-jimi", "deck", ["odp", "pptx", "ppt", "pdf"], "機密", 0, 0, "-",
     dict(slides=[[["機密"], ["春節期間維安工作簡報", "臺東縣政府政風處"]],
                  [["重點措施", "加強門禁管制與巡查"]]])),
    ("deck-trap-awareness", "deck", ["odp", "pptx", "ppt"], "none", 0, 0, "-",
     dict(slides=[[["公務機密維護宣導"], ["機密文書應密封傳遞，嚴禁以隨身碟攜出。",
                                          "密碼應定期更換並妥善保密。"]]])),
    ("sheet-header-mi", "sheet", ["ods", "xlsx", "xls"], "密", 0, 0, "-",
     dict(header=["密"], rows=[["項目", "說明"], ["巡查", "春節期間每日兩次"], ["門禁", "加班人員登記"]])),
]

with open(os.path.join(src, "list.tsv"), "w", encoding="utf-8") as lst, \
     open(os.path.join(out, "expected.tsv"), "w", encoding="utf-8") as exp:
    exp.write("# Written by tests/corpus/make-corpus.sh from its table of intentions.\n")
    exp.write("# file\tlevel\tdeclassified\tuninspectable\tpii\n")
    for name, kind, formats, level, decl, uninsp, pii, args in docs:
        ext = {"text": "fodt", "sheet": "fods", "deck": "fodp"}[kind]
        body = {"text": fodt, "sheet": fods, "deck": fodp}[kind](**args)
        with open(os.path.join(src, name + "." + ext), "w", encoding="utf-8") as f:
            f.write(body)
        lst.write("%s\t%s\t%s\n" % (name, ext, " ".join(formats)))
        for fmt in formats:
            exp.write("%s.%s\t%s\t%d\t%d\t%s\n" % (name, fmt, level, decl, uninsp, pii))
PY

# 2. Convert with LibreOffice headless (a private profile, so a desktop
#    session's settings never leak in).
profile="file://$work/profile"
declare -A filter=(
	[odt]="odt" [docx]="docx:MS Word 2007 XML" [doc]="doc:MS Word 97"
	[rtf]="rtf:Rich Text Format" [pdf]="pdf"
	[ods]="ods" [xlsx]="xlsx:Calc MS Excel 2007 XML" [xls]="xls:MS Excel 97"
	[odp]="odp" [pptx]="pptx:Impress MS PowerPoint 2007 XML" [ppt]="ppt:MS PowerPoint 97"
)
rm -f office/*.odt office/*.docx office/*.doc office/*.rtf office/*.pdf \
	office/*.ods office/*.xlsx office/*.xls office/*.odp office/*.pptx office/*.ppt
# One LibreOffice run per output format (starting it costs seconds).
for fmt in "${!filter[@]}"; do
	sources=()
	while IFS=$'\t' read -r name ext formats; do
		[[ " $formats " == *" $fmt "* ]] && sources+=("$work/src/$name.$ext")
	done <"$work/src/list.tsv"
	[ ${#sources[@]} -gt 0 ] || continue
	soffice -env:UserInstallation="$profile" --headless --convert-to "${filter[$fmt]}" \
		--outdir office "${sources[@]}" >/dev/null 2>&1
done
while IFS=$'\t' read -r name ext formats; do
	for fmt in $formats; do
		[ -s "office/$name.$fmt" ] || {
			echo "make-corpus: LibreOffice did not write office/$name.$fmt" >&2
			exit 1
		}
	done
done <"$work/src/list.tsv"

# 3. Hostile samples: inputs that must end fast and say why.
python3 - "$corpus/hostile" "$corpus/office/header-mi.pdf" <<'PY'
import os, struct, sys
out, pdf_path = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
exp = []

def pdf(objects, trailer_extra=b"", prev=None):
    """A PDF with a correct xref table for the given object bodies."""
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        data += b"%010d 00000 n \n" % off
    data += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer_extra, xref)
    return data

# The page tree's Kids point back at the tree itself: a loop of objects.
with open(os.path.join(out, "pdf-page-tree-loop.pdf"), "wb") as f:
    f.write(pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                 b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 2 >>"]))
exp.append(("pdf-page-tree-loop.pdf", "none", 0, 1, "-"))

# A content stream whose /Length is an indirect object that refers to
# itself: poppler must not chase it forever; it recovers the stream by
# looking for "endstream", so the page is read (and holds no marking).
with open(os.path.join(out, "pdf-length-loop.pdf"), "wb") as f:
    f.write(pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                 b"<< /Length 5 0 R >>\nstream\nBT /F1 12 Tf (x) Tj ET\nendstream",
                 b"5 0 R"]))
exp.append(("pdf-length-loop.pdf", "none", 0, 0, "-"))

# A real marked PDF cut off inside its first objects: nothing to recover.
data = open(pdf_path, "rb").read()
with open(os.path.join(out, "pdf-truncated.pdf"), "wb") as f:
    f.write(data[:300])
exp.append(("pdf-truncated.pdf", "none", 0, 1, "-"))

# RTF nested 10,000 groups deep around a marking.
with open(os.path.join(out, "rtf-deep-nesting.rtf"), "wb") as f:
    f.write(b"{\\rtf1\\ansi " + b"{" * 10000 + b"\\par \\'be\\'f7\\'b1\\'4b\\par " + b"}" * 10000 + b"}")
exp.append(("rtf-deep-nesting.rtf", "none", 0, 1, "-"))

# An OLE2 compound file whose FAT chain loops (sector 0 -> 1 -> 0).
SECT = 512
hdr = bytearray(SECT)
hdr[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
struct.pack_into("<HHHHH", hdr, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
struct.pack_into("<I", hdr, 0x2C, 1)          # one FAT sector
struct.pack_into("<I", hdr, 0x30, 2)          # directory starts at sector 2
struct.pack_into("<I", hdr, 0x38, 4096)       # mini stream cutoff
struct.pack_into("<I", hdr, 0x3C, 0xFFFFFFFE) # no mini FAT
struct.pack_into("<I", hdr, 0x44, 0xFFFFFFFE) # no DIFAT sectors
difat = [3] + [0xFFFFFFFF] * 108
struct.pack_into("<109I", hdr, 0x4C, *difat)
# Sectors: 0 and 1 are a "WordDocument" stream looping on itself, 2 the
# directory (whose chain also loops back on itself), 3 the FAT.
fat = [1, 0, 2, 0xFFFFFFFD] + [0xFFFFFFFF] * 124
fat_sect = struct.pack("<128I", *fat)
def dirent(name, typ, start, size, child=0xFFFFFFFF):
    e = bytearray(128)
    n = name.encode("utf-16-le") + b"\0\0"
    e[0:len(n)] = n
    struct.pack_into("<HBB", e, 0x40, len(n), typ, 1)
    struct.pack_into("<III", e, 0x44, 0xFFFFFFFF, 0xFFFFFFFF, child)
    struct.pack_into("<IQ", e, 0x74, start, size)
    return bytes(e)
directory = (dirent("Root Entry", 5, 0xFFFFFFFE, 0, child=1) +
             dirent("WordDocument", 2, 0, 4096) + bytes(256))
with open(os.path.join(out, "ole-fat-cycle.doc"), "wb") as f:
    f.write(bytes(hdr) + b"\xec\xa5" + bytes(SECT - 2) + bytes(SECT) + directory + fat_sect)
exp.append(("ole-fat-cycle.doc", "none", 0, 1, "-"))

open(os.path.join(out, "empty"), "wb").close()
exp.append(("empty", "none", 0, 0, "-"))

with open(os.path.join(out, "expected.tsv"), "w", encoding="utf-8") as f:
    f.write("# Written by tests/corpus/make-corpus.sh: hostile inputs end fast, uninspectable.\n")
    f.write("# file\tlevel\tdeclassified\tuninspectable\tpii\n")
    for row in exp:
        f.write("%s\t%s\t%d\t%d\t%s\n" % row)
PY

# An encrypted PDF (AES-256, user password set): the text cannot be read.
qpdf --encrypt ward-user ward-owner 256 -- office/header-mi.pdf hostile/pdf-encrypted.pdf
printf 'pdf-encrypted.pdf\tnone\t0\t1\t-\n' >>hostile/expected.tsv

du -sh office hostile
