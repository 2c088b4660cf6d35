#!/usr/bin/env bash
# `wardctl policy check` and `explain` without a policy named: the agent's
# /etc/ward/policy.d when it holds rules, as `make run` decides; on a fresh
# machine (none there, or an empty one) the default policy that came with
# wardctl, policy/default/ of the tree it was built in.  Either way stderr
# says which.  /etc is this machine's: each case runs in a private mount
# namespace over an overlay of /etc, so the real /etc/ward is never touched.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/fresh-etc.sh
need_root
need_cmd unshare

build=${WARD_BUILD:-build}
wardctl=$(cd "$build" && pwd)/wardctl
tree=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

readme_explain=(policy explain --level 機密 --device 0781:5567:4C530001 --user alice
	--time 2022-01-25T10:00)

# A fresh machine: no /etc/ward at all.
out=$(in_fresh_etc : "$wardctl" policy check 2>"$work/err")
check_eq "check without a policy on a fresh machine succeeds" 0 $?
check_eq "it checked the shipped default policy" \
	"$tree/policy/default: policy valid: 4 files" "$(cut -d, -f1 <<<"$out")"
check "and says so on stderr" \
	grep -qx "wardctl: /etc/ward/policy.d holds no policy rules: the default policy shipped with wardctl, $tree/policy/default" "$work/err"
out=$(in_fresh_etc : "$wardctl" "${readme_explain[@]}" 2>"$work/err")
check_eq "the README's explain command works there" 0 $?
check_eq "with the default policy's decision" "block
  rule: 50-copy.rules:7: copy block  level >= 密 to removable" "$(head -2 <<<"$out")"
check "and names the policy on stderr" grep -q "$tree/policy/default" "$work/err"

# An empty /etc/ward/policy.d is no policy either.
out=$(in_fresh_etc 'mkdir -p /etc/ward/policy.d' "$wardctl" policy check 2>/dev/null)
check_eq "an empty /etc/ward/policy.d: the shipped default" \
	"$tree/policy/default: policy valid: 4 files" "$(cut -d, -f1 <<<"$out")"

# A machine with its own policy: that one, and no other.
cp policy/default/00-settings.rules "$work/"
printf 'copy audit level >= 密 to removable   # 本機政策\ncopy allow *\n' >"$work/50-own.rules"
own='mkdir -p /etc/ward/policy.d && cp '"$work"'/00-settings.rules '"$work"'/50-own.rules /etc/ward/policy.d/'
out=$(in_fresh_etc "$own" "$wardctl" policy check 2>"$work/err")
check_eq "check reads /etc/ward/policy.d when it holds rules" \
	"/etc/ward/policy.d: policy valid: 2 files" "$(cut -d, -f1 <<<"$out")"
check "and says so on stderr" grep -qx "wardctl: the policy in /etc/ward/policy.d" "$work/err"
out=$(in_fresh_etc "$own" "$wardctl" "${readme_explain[@]}" 2>/dev/null)
check_eq "explain decides with it" "audit" "$(head -1 <<<"$out")"

# A policy named on the command line is taken as it is, without a word.
out=$(in_fresh_etc : "$wardctl" policy check policy/default 2>"$work/err")
check_eq "a named policy: no note on stderr" "" "$(cat "$work/err")"

done_testing
