#!/usr/bin/env bash
# The county's 2022 Spring Festival security plan discusses 公務機密 at
# length but is not marked: in every encoding and container the classifier
# reads (UTF-16 and UTF-32 with and without a BOM, GB18030, EUC-TW, UTF-7,
# Big5, a zip with Big5 member names) it must stay unmarked and readable.
# The plan is found as ../shared/context beside the repository, or in
# $WARD_CONTEXT.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd jq
need_cmd iconv
need_cmd zip

build=${WARD_BUILD:-build}
wardctl=$build/wardctl
context=${WARD_CONTEXT:-../shared/context}
plan=$context/taitung-2022-spring-festival-security-plan.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "the security plan is there ($plan)" test -s "$plan"
check "wardctl is built" test -x "$wardctl"

# One file per encoding (characters an encoding lacks are dropped: -c).
encode() { iconv -c -f UTF-8 -t "$1" "$plan" >"$work/$2" 2>/dev/null || true; }
encode UTF-16LE utf16le-nobom.txt
encode UTF-16BE utf16be-nobom.txt
encode UTF-16 utf16-bom.txt
encode UTF-32LE utf32le-nobom.txt
encode UTF-32 utf32-bom.txt
encode GB18030 gb18030.txt
encode EUC-TW euc-tw.txt
encode UTF-7 utf7.txt
encode CP950 big5.txt
head -c 30000 "$plan" | iconv -c -f UTF-8 -t GB18030 >"$work/gb18030-short.txt"
head -c 30000 "$plan" | iconv -c -f UTF-8 -t EUC-TW >"$work/euc-tw-short.txt"
(cd "$work" && cp big5.txt "$(printf '\xad\x70\xb5\x65').txt" && zip -q plan.zip ./*.txt)

for f in "$work"/*.txt "$work"/plan.zip; do
	name=$(basename "$f")
	out=$("$wardctl" classify --json "$f" 2>&1)
	check_eq "$name: unmarked" none "$(jq -r .level <<<"$out" 2>/dev/null || echo "$out")"
	check_eq "$name: read (not uninspectable)" false \
		"$(jq -r .uninspectable <<<"$out" 2>/dev/null || echo "$out")"
done
done_testing
