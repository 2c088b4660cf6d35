#!/usr/bin/env bash
# `wardctl policy explain` on the shipped default policy and on a policy
# with periods, office hours and registered sticks: the action, the rule
# (file:line) and why, in text and as one JSON object.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd jq

build=${WARD_BUILD:-build}
wardctl=$build/wardctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "wardctl is built" test -x "$wardctl"

explain() { "$wardctl" policy explain --policy policy/default "$@"; }
field() { jq -r "$1" <<<"$2"; }

out=$(explain --level 機密 --device 0781:5567:4C530001 --user alice --time 2022-01-25T10:00)
check_eq "機密 to a stick: text" "block
  rule: 50-copy.rules:7: copy block  level >= 密 to removable
  why:  level 機密 >= 密; to usb (公務機密非經核准不得複製攜出)
  report: yes" "$out"

json=$(explain --json --level 機密 --device 0781:5567:4C530001 --user alice --time 2022-01-25T10:00)
check_eq "JSON: one line" 1 "$(printf '%s\n' "$json" | wc -l)"
parses() { jq -e . >/dev/null <<<"$1"; }
check "JSON: parses" parses "$json"
check_eq "JSON: action" block "$(field .action "$json")"
check_eq "JSON: rule" "50-copy.rules:7" "$(field '"\(.rule.file):\(.rule.line)"' "$json")"
check_eq "JSON: reason" "公務機密非經核准不得複製攜出" "$(field .rule.reason "$json")"
check_eq "JSON: time in the policy's zone" "2022-01-25T10:00+08:00" "$(field .time "$json")"
check_eq "JSON: reported" true "$(field .report "$json")"

for level in 密 機密 極機密 絕對機密 restricted top-secret; do
	check_eq "level $level is blocked" block "$(field .action "$(explain --json --level "$level")")"
done
check_eq "declassified is audited" "audit 50-copy.rules:4" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --level 機密 --declassified)")"
check_eq "3 national ids: audited" "audit 50-copy.rules:12" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --pii roc-national-id=3)")"
check_eq "5 national ids: blocked" "block 50-copy.rules:8" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --pii roc-national-id=5)")"
check_eq "25 mixed pii: blocked" "block 50-copy.rules:10" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --pii land-register=15 --pii roc-resident-id=4 --pii household-register=6)")"
check_eq "uninspectable: blocked" "block 50-copy.rules:11" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --uninspectable --mime application/zip)")"
check_eq "to an internal disk: allowed" "allow 50-copy.rules:13" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --level 機密 --bus internal)")"
check_eq "an SD card is removable" block "$(field .action "$(explain --json --level 密 --bus mmc)")"
check_eq "device insert: allowed" "allow 30-devices.rules:7" \
	"$(field '"\(.device_action) \(.rule.file):\(.rule.line)"' "$(explain --json --event device --device-id 0781:5567 --serial X --fs exfat)")"
check_eq "close-write: same copy rules" block "$(field .action "$(explain --json --event close-write --level 密)")"

# A policy using periods, office hours, a holiday, registered sticks.
cat >"$work/p.rules" <<'RULES'
timezone Asia/Taipei
period 春節加強期 2022-01-24 .. 2022-02-07
hours  office mon-fri 08:00-17:30
holiday 2022-02-28 和平紀念日
devices registered { id 0781:5567 serial "4C530001" ; id 090c:1000 serial "AA00017" }

device allow     registered
device read-only during 春節加強期     # 春節加強期間未登記隨身碟僅供讀取
device block     with-interface 08:06:50 outside office
device allow     *

copy block      level >= 密 to removable          # 公務機密非經核准不得複製攜出
copy block      * to removable not to registered during 春節加強期
copy audit      * to removable outside office
copy allow      *
RULES
valid() { "$wardctl" policy check "$1" >/dev/null; }
check "the sketch policy is valid" valid "$work/p.rules"
pexplain() { "$wardctl" policy explain --policy "$work/p.rules" --json "$@"; }
r() { field '"\(.action // .device_action) \(.rule.line)"' "$1"; }
check_eq "registered stick in 春節: allowed" "allow 7" \
	"$(r "$(pexplain --event device --device 0781:5567:4C530001 --time 2022-01-25T10:00)")"
check_eq "unregistered stick in 春節: read-only" "read-only 8" \
	"$(r "$(pexplain --event device --device 0781:5567:FFFF --time 2022-01-25T10:00)")"
check_eq "unregistered stick on the last day of 春節 (local time)" "read-only 8" \
	"$(r "$(pexplain --event device --device 0781:5567:FFFF --time 2022-02-07T23:59)")"
check_eq "unregistered mass storage at night: blocked" "block 9" \
	"$(r "$(pexplain --event device --device 0781:5567:FFFF --interfaces :080650: --time 2022-02-08T20:00)")"
check_eq "same in office hours: allowed" "allow 10" \
	"$(r "$(pexplain --event device --device 0781:5567:FFFF --interfaces :080650: --time 2022-02-08T09:00)")"
check_eq "on a holiday it is outside office hours" "block 9" \
	"$(r "$(pexplain --event device --device 0781:5567:FFFF --interfaces :080650: --time 2022-02-28T09:00)")"
check_eq "clean file to unregistered stick in 春節: blocked" "block 13" \
	"$(r "$(pexplain --level none --device 0781:5567:FFFF --time 2022-01-25T10:00)")"
check_eq "clean file to registered stick after hours: audited" "audit 14" \
	"$(r "$(pexplain --level none --device 0781:5567:4C530001 --time 2022-01-25T19:00)")"
check_eq "clean file in office hours: allowed" "allow 15" \
	"$(r "$(pexplain --level none --device 0781:5567:4C530001 --time 2022-02-08T10:00)")"
check_eq "--time with an explicit offset" "audit 14" \
	"$(r "$(pexplain --level none --device 0781:5567:4C530001 --time 2022-01-25T11:00Z)")"

# --file: the document is classified as the agent would; options after it
# override.  Expected levels come from the classifier corpus.
corpus=${WARD_CORPUS:-$PWD/tests/corpus}
marked=$corpus/text/firstline-jimi-spaced.txt
check_eq "corpus: the marked sample is 機密" 機密 \
	"$(awk -F'\t' '$1 == "firstline-jimi-spaced.txt" { print $2 }' "$corpus/text/expected.tsv")"
check_eq "--file: a 機密 document is blocked" "block 50-copy.rules:7" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --file "$marked")")"
check_eq "--file then --level none: overridden" audit \
	"$(field .action "$(explain --json --file "$marked" --level none)")"
check_eq "corpus: the security plan is not marked" none \
	"$(awk -F'\t' '$1 == "big5-security-plan.txt" { print $2 }' "$corpus/text/expected.tsv")"
check_eq "--file: the county's security plan (about secrets, not marked) is only audited" \
	"audit 50-copy.rules:12" \
	"$(field '"\(.action) \(.rule.file):\(.rule.line)"' "$(explain --json --file "$corpus/text/big5-security-plan.txt")")"
explain --file "$work/missing.pdf" >/dev/null 2>&1
check_eq "--file: unreadable file: exit 1" 1 $?

explain --time yesterday >/dev/null 2>&1
check_eq "bad --time: exit 2" 2 $?
explain --device 07815567 >/dev/null 2>&1
check_eq "bad --device: exit 2" 2 $?
"$wardctl" policy explain --policy "$work/none" >/dev/null 2>&1
check_eq "missing policy: exit 1" 1 $?

done_testing
