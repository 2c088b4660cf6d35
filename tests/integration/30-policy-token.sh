#!/usr/bin/env bash
# Supervisor approvals end to end: `wardctl token keygen|sign|verify` and
# `wardctl policy explain --token`.  A valid token turns the block into an
# audited allow naming the approver; a forged, altered, expired, or
# mismatched (user, device, file) token changes nothing and is reported.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd jq

build=${WARD_BUILD:-build}
wardctl=$build/wardctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "wardctl is built" test -x "$wardctl"
mkdir "$work/keys"
keygen() { "$wardctl" token keygen --out-key "$1.key" --out-pub "$1.pub" >/dev/null; }
check "keygen for 王科長" keygen "$work/keys/wang"
check "keygen for an impostor" keygen "$work/keys/eve"
check_eq "private key is 0600" 600 "$(stat -c %a "$work/keys/wang.key")"

cat >"$work/p.rules" <<'RULES'
timezone Asia/Taipei
trust supervisor "王科長" keys/wang.pub
copy block level >= 極機密 to removable no-exemption   # 極機密以上不得核准攜出
copy block level >= 密 to removable                   # 公務機密非經核准不得複製攜出
copy allow *
RULES
sha=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
other=f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

sign() { # OUT KEY [extra args]
	local out=$1 key=$2; shift 2
	"$wardctl" token sign --key "$key" --approver 王科長 --user alice \
		--from 2022-01-25T08:00+08:00 --until 2022-01-25T18:00+08:00 --out "$out" "$@"
}
check "sign a file approval" sign "$work/good.tok" "$work/keys/wang.key" --device-serial 4C530001 --sha256 $sha --note 出差簡報
check "sign a level approval" sign "$work/level.tok" "$work/keys/wang.key" --any-device --level-max 機密
check "an impostor signs as 王科長" sign "$work/forged.tok" "$work/keys/eve.key" --device-serial 4C530001 --sha256 $sha
check "sign for another user" "$wardctl" token sign --key "$work/keys/wang.key" --approver 王科長 --user bob \
	--device-serial 4C530001 --sha256 $sha --from 2022-01-25T08:00+08:00 --until 2022-01-25T18:00+08:00 --out "$work/bob.tok"
check "sign for another stick" sign "$work/stick.tok" "$work/keys/wang.key" --device-serial AA00017 --sha256 $sha
check "sign for another file" sign "$work/file.tok" "$work/keys/wang.key" --device-serial 4C530001 --sha256 $other

check "the token file is readable text" grep -q "^approver 王科長$" "$work/good.tok"
out=$("$wardctl" token verify --pub "$work/keys/wang.pub" "$work/good.tok")
check_eq "verify: good" 0 $?
case $out in
*"signature good: approved by 王科長 for user alice, device 4C530001, file sha256 $sha, valid 2022-01-25T00:00Z .. 2022-01-25T10:00Z; note: 出差簡報") ok "verify: fields" ;;
*) not_ok "verify: fields"; diag "$out" ;;
esac
"$wardctl" token verify --pub "$work/keys/wang.pub" "$work/forged.tok" >/dev/null 2>&1
check_eq "verify: forged token fails" 1 $?
sed 's/^user alice$/user mallory/' "$work/good.tok" >"$work/altered.tok"
out=$("$wardctl" token verify --pub "$work/keys/wang.pub" "$work/altered.tok" 2>&1)
check_eq "verify: altered token fails" 1 $?
check_eq "verify: says why" "wardctl token verify: $work/altered.tok: signature does not verify (forged or altered)" "$out"

explain() { # TOKEN TIME [extra]
	local tok=$1 t=$2; shift 2
	"$wardctl" policy explain --policy "$work/p.rules" --json --level 機密 --sha256 $sha \
		--device 0781:5567:4C530001 --user alice --time "$t" --token "$tok" "$@"
}
result() { jq -r '"\(.action) \(.token_status) \(.approver // "-") \(.rule.line)"' <<<"$1"; }

json=$(explain "$work/good.tok" 2022-01-25T10:00)
check_eq "valid token: audited allow naming the approver" "audit applied 王科長 4" "$(result "$json")"
check_eq "valid token: the rule said block" block "$(jq -r .rule_action <<<"$json")"
check_eq "valid token: reported" true "$(jq -r .report <<<"$json")"
text=$("$wardctl" policy explain --policy "$work/p.rules" --level 機密 --sha256 $sha \
	--device 0781:5567:4C530001 --user alice --time 2022-01-25T10:00 --token "$work/good.tok")
case $text in
"audit (rule says block)"*"approved by 王科長 for alice, valid 2022-01-25T08:00+08:00 .. 2022-01-25T18:00+08:00"*) ok "valid token: text" ;;
*) not_ok "valid token: text"; diag "$text" ;;
esac

check_eq "level token covers 機密 on any stick" "audit applied 王科長 4" \
	"$(result "$(explain "$work/level.tok" 2022-01-25T10:00 --serial OTHER)")"
check_eq "level token does not cover 極機密 (strict rule)" "block rule-strict - 3" \
	"$(result "$(explain "$work/level.tok" 2022-01-25T10:00 --level 極機密)")"
check_eq "expired token: block stays" "block expired - 4" "$(result "$(explain "$work/good.tok" 2022-01-25T18:00)")"
check_eq "token not yet valid: block stays" "block not-yet-valid - 4" "$(result "$(explain "$work/good.tok" 2022-01-25T07:59)")"
check_eq "wrong user: block stays" "block wrong-user - 4" "$(result "$(explain "$work/bob.tok" 2022-01-25T10:00)")"
check_eq "wrong device: block stays" "block wrong-device - 4" "$(result "$(explain "$work/stick.tok" 2022-01-25T10:00)")"
check_eq "wrong file: block stays" "block wrong-file - 4" "$(result "$(explain "$work/file.tok" 2022-01-25T10:00)")"

json=$(explain "$work/forged.tok" 2022-01-25T10:00)
check_eq "forged token: block stays" "block none - 4" "$(result "$json")"
check_eq "forged token: reported as rejected" "bad-signature" "$(jq -r '.rejected_tokens[0].status' <<<"$json")"
json=$(explain "$work/altered.tok" 2022-01-25T10:00)
check_eq "altered token: rejected" "block bad-signature" "$(jq -r '"\(.action) \(.rejected_tokens[0].status)"' <<<"$json")"
printf 'ward-token 1\n' >"$work/junk.tok"
json=$(explain "$work/junk.tok" 2022-01-25T10:00)
check_eq "malformed token: rejected" "block malformed" "$(jq -r '"\(.action) \(.rejected_tokens[0].status)"' <<<"$json")"
sed 's/^approver 王科長$/approver 李課長/' "$work/good.tok" >"$work/stranger.tok"
json=$(explain "$work/stranger.tok" 2022-01-25T10:00)
check_eq "approver not trusted: rejected" "block untrusted" "$(jq -r '"\(.action) \(.rejected_tokens[0].status)"' <<<"$json")"

# Tokens dropped in the policy's tokens directory count without --token;
# refused ones are listed by policy check, which still succeeds.
mkdir -p "$work/pd/tokens.d"
cp -r "$work/keys" "$work/pd/"
{ cat "$work/p.rules"; echo "tokens tokens.d"; } >"$work/pd/50-rules.rules"
cp "$work/good.tok" "$work/pd/tokens.d/alice.tok"
cp "$work/forged.tok" "$work/pd/tokens.d/forged.tok"
out=$("$wardctl" policy check "$work/pd" 2>&1)
check_eq "token dir: policy still valid" 0 $?
case $out in
*"$work/pd/tokens.d/forged.tok: approval token refused (bad-signature): approver 王科長: signature does not verify (forged or altered)"*"1 approval token (1 refused)"*) ok "token dir: refused token listed, good one counted" ;;
*) not_ok "token dir: refused token listed, good one counted"; diag "$out" ;;
esac
json=$("$wardctl" policy explain --policy "$work/pd" --json --level 機密 --sha256 $sha \
	--device 0781:5567:4C530001 --user alice --time 2022-01-25T10:00 2>/dev/null)
check_eq "token dir: approval applies without --token" "audit applied 王科長 4" "$(result "$json")"
json=$("$wardctl" policy explain --policy "$work/pd" --json --level 機密 --sha256 $sha \
	--device 0781:5567:4C530001 --user carol --time 2022-01-25T10:00 2>/dev/null)
check_eq "token dir: nobody else's" "block none - 4" "$(result "$json")"

"$wardctl" token sign --key "$work/keys/wang.key" --approver 王科長 --user alice --any-device \
	--level-max 機密 --from 2022-01-25T18:00+08:00 --until 2022-01-25T08:00+08:00 --out "$work/x.tok" 2>/dev/null
check_eq "sign: until before from is refused" 1 $?
"$wardctl" token sign --key "$work/keys/wang.key" --approver 王科長 --user alice \
	--level-max 機密 --from 2022-01-25T08:00Z --until 2022-01-25T18:00Z --out "$work/x.tok" 2>/dev/null
check_eq "sign: a device choice is required" 2 $?
"$wardctl" token sign --key "$work/keys/wang.pub" --approver 王科長 --user alice --any-device \
	--level-max 機密 --from 2022-01-25T08:00Z --until 2022-01-25T18:00Z --out "$work/x.tok" 2>/dev/null
check_eq "sign: a public key cannot sign" 1 $?

done_testing
