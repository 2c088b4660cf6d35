#!/usr/bin/env bash
# Regenerates the scanned-paper corpus (tests/corpus/scans/): pages that
# LibreOffice printed (the office corpus's PDFs), "scanned" as an office
# scanner would deliver them: drawn at 200 dpi by pdftoppm, a red rubber
# stamp pressed on with ImageMagick where a clerk would put it (slightly
# askew), the sheet fed a little crooked, sensor noise, then saved as PNG,
# JPEG, a fax-style Group 4 TIFF, or wrapped into an image-only PDF by
# LibreOffice as scanning software does.  expected.tsv is written from the
# table below, never from the classifier's output.
#
# Needs: pdftoppm (poppler-utils), ImageMagick (convert), soffice, the Noto
# CJK fonts.  CI does not run this: the outputs are committed.
# Usage: tests/corpus/make-scans.sh
set -euo pipefail
cd "$(dirname "$0")"
office=$PWD/office
out=$PWD/scans
stamp_font=/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc

for tool in pdftoppm convert soffice; do
	command -v "$tool" >/dev/null || {
		echo "make-scans: $tool is missing (poppler-utils, imagemagick, libreoffice)" >&2
		exit 1
	}
done
[ -f "$stamp_font" ] || { echo "make-scans: $stamp_font is missing (fonts-noto-cjk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.jpg "$out"/*.tif "$out"/*.pdf

# page SOURCE.pdf NAME: the first page of SOURCE at 200 dpi, grey.
page() {
	pdftoppm -r 200 -gray -png -f 1 -l 1 "$office/$1" "$work/$2"
	mv "$work/$2-1.png" "$work/$2.png"
}

# stamp IN OUT WORD ANGLE: a red rubber stamp (WORD in a rounded frame)
# pressed on at the top right, turned ANGLE degrees.
stamp() {
	convert "$1" \( -size 360x170 xc:none -stroke '#cf1c1c' -strokewidth 7 -fill none \
		-draw 'roundrectangle 6,6 354,164 18,18' -font "$stamp_font" -pointsize 100 \
		-fill '#cf1c1c' -stroke none -gravity center -annotate +0+0 "$3" \
		-background none -rotate "$4" \) -gravity northeast -geometry +180+90 \
		-compose multiply -composite "$2"
}

# scan IN OUT: fed 0.7 degrees askew, with sensor noise.
scan() {
	convert "$1" -background white -rotate 0.7 +repage -attenuate 0.25 +noise Gaussian "$2"
}

page letter-field-empty.pdf letter
page letter-field.pdf field
page letter-field-putong.pdf putong
page trap-security-plan.pdf plan

stamp "$work/letter.png" "$work/stamp-jimi.png" 機密 -3
stamp "$work/letter.png" "$work/stamp-draft.png" 草稿 2
for name in stamp-jimi stamp-draft field putong plan; do
	src=$work/$name.png
	scan "$src" "$work/scan-$name.png"
done

# Colour scans as a palette PNG (as "document" modes save them), grey as
# JPEG, faxes as Group 4.
convert "$work/scan-stamp-jimi.png" -colors 16 "$out/scan-stamp-jimi.png"
convert "$work/scan-stamp-draft.png" -colors 16 "$out/scan-stamp-draft.png"
convert "$work/scan-field.png" -colorspace gray -quality 75 "$out/scan-field-jimi.jpg"
convert "$work/scan-field.png" -colorspace gray -threshold 60% -type bilevel \
	-compress Group4 "$out/scan-field-jimi-fax.tif"
convert "$work/scan-putong.png" -colorspace gray -quality 75 "$out/scan-field-putong.jpg"
convert "$work/scan-plan.png" -colorspace gray -quality 75 "$out/scan-security-plan.jpg"
convert "$work/scan-stamp-jimi.png" -quality 80 "$work/scan-stamp-jimi.jpg"

# Image-only PDFs, as scanning software makes them.
cp "$work/scan-stamp-jimi.jpg" "$work/scan-stamp-jimi-pdf.jpg"
cp "$out/scan-security-plan.jpg" "$work/scan-security-plan-pdf.jpg"
(cd "$work" && soffice --headless --convert-to pdf scan-stamp-jimi-pdf.jpg \
	scan-security-plan-pdf.jpg >/dev/null 2>&1)
mv "$work/scan-stamp-jimi-pdf.pdf" "$out/scan-stamp-jimi.pdf"
mv "$work/scan-security-plan-pdf.pdf" "$out/scan-security-plan.pdf"

# A photograph: no paper, no OCR.
convert -size 1600x1200 plasma:fractal -blur 0x2 -quality 80 "$out/photo-plasma.jpg"

cat >"$out/expected.tsv" <<'TSV'
# Written by tests/corpus/make-scans.sh: scanned paper read by OCR.
# file	level	declassified	uninspectable	pii
scan-stamp-jimi.png	機密	0	0	-
scan-stamp-jimi.pdf	機密	0	0	-
scan-field-jimi.jpg	機密	0	0	-
scan-field-jimi-fax.tif	機密	0	0	-
scan-field-putong.jpg	none	0	0	-
scan-stamp-draft.png	none	0	0	-
scan-security-plan.jpg	none	0	0	-
scan-security-plan.pdf	none	0	0	-
photo-plasma.jpg	none	0	0	-
TSV
ls -l "$out"
