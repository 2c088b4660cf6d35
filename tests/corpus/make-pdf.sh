#!/usr/bin/env bash
# Regenerates the PDF-variant corpus (tests/corpus/pdf/): LibreOffice's
# PDFs of the office corpus written again the ways other software writes
# them, so the content-stream reader meets each structure it reads:
# encrypted without a user password (as offices publish to forbid copying:
# RC4 40 and 128 bits, AES-128, AES-256 revisions 5 and 6, metadata left in
# clear), object streams with a cross-reference stream, linearized, and
# rewritten by cairo (composite Identity-H fonts with ToUnicode maps).
# expected.tsv is the source document's expectation, never the
# classifier's output.
#
# Needs: qpdf, pdftocairo (poppler-utils).  CI does not run this: the
# outputs are committed.  Usage: tests/corpus/make-pdf.sh
set -euo pipefail
cd "$(dirname "$0")"
office=$PWD/office
out=$PWD/pdf

for tool in qpdf pdftocairo; do
	command -v "$tool" >/dev/null || {
		echo "make-pdf: $tool is missing (qpdf, poppler-utils)" >&2
		exit 1
	}
done
mkdir -p "$out"
rm -f "$out"/*.pdf

# variant SOURCE NAME EXPECTATION COMMAND...: out/NAME from office/SOURCE.
rows=()
variant() {
	local src=$1 name=$2 expect=$3
	shift 3
	"$@" "$office/$src" "$out/$name"
	rows+=("$name	$expect")
}
# qenc KEY-BITS [OPTIONS] SOURCE OUT: the empty user password, an owner one.
qenc() {
	local args=("$@") n=$#
	local src=${args[n - 2]} dst=${args[n - 1]}
	qpdf --allow-weak-crypto --encrypt "" ward-owner "${args[@]:0:n-2}" -- "$src" "$dst"
}
cairo() { pdftocairo -pdf "$1" "$2"; }

variant letter-field.pdf letter-field-rc4-40.pdf "機密	0	0	-" qenc 40
variant letter-field.pdf letter-field-rc4-128.pdf "機密	0	0	-" qenc 128 --use-aes=n
variant letter-field.pdf letter-field-aes-128.pdf "機密	0	0	-" qenc 128 --use-aes=y
variant letter-field.pdf letter-field-aes-256-r5.pdf "機密	0	0	-" qenc 256 --force-R5
variant letter-field.pdf letter-field-aes-256.pdf "機密	0	0	-" qenc 256
variant letter-field-putong.pdf letter-field-putong-aes-256.pdf "none	0	0	-" qenc 256
variant metadata-label.pdf metadata-label-aes-128-clear-metadata.pdf "極機密	0	0	-" \
	qenc 128 --use-aes=y --cleartext-metadata
variant pii-ids-4.pdf pii-ids-4-rc4-128.pdf "none	0	0	roc-national-id=4" qenc 128 --use-aes=n
variant header-mi.pdf header-mi-object-streams.pdf "密	0	0	-" qpdf --object-streams=generate
variant footer-jimi.pdf footer-jimi-linearized.pdf "極機密	0	0	-" \
	qpdf --object-streams=generate --linearize
variant trap-security-plan.pdf trap-security-plan-object-streams.pdf "none	0	0	-" \
	qpdf --object-streams=generate
variant firstline-juedui.pdf firstline-juedui-cairo.pdf "絕對機密	0	0	-" cairo
variant lastline-jimi-bracket.pdf lastline-jimi-bracket-cairo.pdf "機密	0	0	-" cairo
variant pii-ids-12.pdf pii-ids-12-cairo.pdf "none	0	0	roc-national-id=12" cairo
variant trap-level-enumeration.pdf trap-level-enumeration-cairo.pdf "none	0	0	-" cairo

{
	echo "# Written by tests/corpus/make-pdf.sh: the office corpus's PDFs as other writers make them."
	echo "# file	level	declassified	uninspectable	pii"
	printf '%s\n' "${rows[@]}"
} >"$out/expected.tsv"
ls -l "$out"
