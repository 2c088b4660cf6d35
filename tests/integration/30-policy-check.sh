#!/usr/bin/env bash
# `wardctl policy check`: the shipped default policy is valid (exit 0, one
# summary line); every class of error in a broken file is reported as
# file:line:col: message, checked exactly, with exit 1; a directory is read
# in name order and every error of every file is reported.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

build=${WARD_BUILD:-build}
wardctl=$build/wardctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "wardctl is built" test -x "$wardctl"

out=$("$wardctl" policy check policy/default 2>&1)
status=$?
check_eq "default policy: exit 0" 0 "$status"
check_eq "default policy: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
case $out in
"policy/default: policy valid: 4 files, 1 device rule, 9 copy rules,"*"timezone Asia/Taipei") ok "default policy: summary" ;;
*) not_ok "default policy: summary"; diag "$out" ;;
esac

# case NAME, policy text, expected first line of stderr (file is $work/t.rules)
n=0
expect_error() {
	local name=$1 text=$2 expected=$3 out status
	n=$((n + 1))
	printf '%b' "$text" >"$work/t.rules"
	out=$("$wardctl" policy check "$work/t.rules" 2>&1 >/dev/null)
	status=$?
	check_eq "$name: exit 1" 1 "$status"
	check_eq "$name: message" "$work/t.rules:$expected" "$(printf '%s\n' "$out" | head -n 1)"
}

expect_error "unknown keyword" 'copy allow *\nperod x 2022-01-01\n' \
	"2:1: unknown keyword 'perod' (expected device, copy, period, hours, holiday, devices, fingerprints, trust, timezone, message, contact, fail-mode, deadline, report, report-failure or tokens)"
expect_error "bad device id" 'devices registered { id 0781:55z7 serial "4C530001" }\n' \
	"1:25: bad device id '0781:55z7' (expected VVVV:PPPP in hexadecimal, e.g. 0781:5567; * for any part)"
expect_error "unknown period" 'period 春節加強期 2022-01-24 .. 2022-02-07\ndevice read-only during 春節期間\ndevice allow *\n' \
	"2:25: unknown period '春節期間' (declared periods: 春節加強期; office hours: none; or holiday)"
expect_error "unreachable rule" 'copy allow *\ncopy block level >= 密 to removable\n' \
	"2:1: unreachable rule: the catch-all rule at $work/t.rules:1 ('copy allow *') matches every event first"
expect_error "date range reversed" 'period 春節加強期 2022-02-07 .. 2022-01-24\n' \
	"1:28: date range reversed: the end is before the start (write FIRST .. LAST)"
expect_error "bad date" 'holiday 2022-02-29\n' \
	"1:9: bad date '2022-02-29' (expected YYYY-MM-DD, e.g. 2022-01-24)"
expect_error "unknown level" 'copy block level >= 機秘 to removable\ncopy allow *\n' \
	"1:21: unknown level '機秘' (expected 密, 機密, 極機密, 絕對機密 or none)"
expect_error "unknown action" 'copy deny level >= 密\n' \
	"1:6: unknown action 'deny' for a copy rule (expected allow, audit, warn, block or quarantine)"
expect_error "unknown condition" 'copy block colour red\n' \
	"1:12: unknown condition 'colour' (expected level, declassified, uninspectable, derived, pii, mime, sha256, size, to, id, serial, name, vendor, with-interface, fs, uuid, label, user, group, exe, during, outside, event, no-exemption, a device list name or *)"
expect_error "unknown pii type" 'copy block pii passport >= 5\ncopy allow *\n' \
	"1:16: unknown personal-data type 'passport' (expected roc-national-id, roc-resident-id, land-register, household-register or any)"
expect_error "missing comparison" 'copy block pii any 5\n' \
	"1:20: expected a comparison (>=, >, <=, <, =, !=) after 'pii', found '5'"
expect_error "no catch-all" 'copy block level >= 密 to removable\n' \
	"1:1: the copy rules have no catch-all at the end: add a last rule such as 'copy allow *'"
expect_error "unterminated string" 'devices d { serial "4C53 }\n' \
	"1:20: unterminated string (a '\"' is missing on this line)"
expect_error "unclosed brace" 'devices d { serial "4C53"\n\ncopy allow *\n' \
	"1:11: '{' is never closed"
expect_error "hours reversed" 'hours office mon-fri 17:30-08:00\n' \
	"1:22: hours reversed: '17:30-08:00' ends before it starts"
expect_error "duplicate name" 'period p 2022-01-01\nhours p daily 00:00-24:00\n' \
	"2:7: name 'p' is already declared or reserved"
expect_error "content in device rule" 'device block level >= 密\n' \
	"1:14: 'level' cannot be used in a device rule (a medium has no content)"
expect_error "missing key file" 'trust supervisor "王科長" keys/wang.pub\n' \
	"1:24: cannot read key file '$work/keys/wang.pub': No such file or directory"
expect_error "unknown time zone" 'timezone Asia/Taitung\n' \
	"1:10: unknown time zone 'Asia/Taitung' (/usr/share/zoneinfo/Asia/Taitung: No such file or directory)"
expect_error "unknown fingerprint list" 'copy allow sha256 in 登記文件\n' \
	"1:22: unknown fingerprint list '登記文件' (declared lists: none)"
expect_error "bad message language" 'message block ja "ブロック"\n' \
	"1:15: unknown language 'ja' (expected zh-TW or en)"

# Every error is reported, not only the first, with a count at the end.
printf 'perod x\ncopy block level >= x\ncopy allow *\ncopy audit *\n' >"$work/many.rules"
out=$("$wardctl" policy check "$work/many.rules" 2>&1)
check_eq "all errors: count" 3 "$(printf '%s\n' "$out" | grep -c "^$work/many.rules:[0-9]*:[0-9]*: ")"
check_eq "all errors: last line" "$work/many.rules: 3 errors; policy not valid" "$(printf '%s\n' "$out" | tail -n 1)"

# A directory: files in name order, each error names its own file.
mkdir "$work/d"
printf 'period 春節加強期 2022-01-24 .. 2022-02-07\n' >"$work/d/00-periods.rules"
printf 'copy block * to removable during 春節加強期\ncopy allow *\n' >"$work/d/50-copy.rules"
printf 'not a policy' >"$work/d/README"
out=$("$wardctl" policy check "$work/d" 2>&1)
check_eq "directory: valid" 0 $?
case $out in
"$work/d: policy valid: 2 files, 0 device rules, 2 copy rules, 1 period,"*) ok "directory: summary" ;;
*) not_ok "directory: summary"; diag "$out" ;;
esac
printf 'copy frob *\n' >"$work/d/60-more.rules"
out=$("$wardctl" policy check "$work/d" 2>&1 >/dev/null)
check_eq "directory: error names the file" \
	"$work/d/60-more.rules:1:6: unknown action 'frob' for a copy rule (expected allow, audit, warn, block or quarantine)" \
	"$(printf '%s\n' "$out" | head -n 1)"

out=$("$wardctl" policy check "$work/nonexistent" 2>&1)
check_eq "missing policy: exit 1" 1 $?
check_eq "missing policy: message" "$work/nonexistent:0:0: cannot open policy: No such file or directory" \
	"$(printf '%s\n' "$out" | head -n 1)"
"$wardctl" policy check a b >/dev/null 2>&1
check_eq "usage: exit 2" 2 $?

done_testing
