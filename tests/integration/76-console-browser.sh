#!/usr/bin/env bash
# The review console in a real browser (headless Chromium driven by
# playwright-core, tests/js/console-browser.mjs), from a real blocked copy
# on the USB test bed to the retried copy that an approval lets through:
#   wardd blocks a 機密 document copied to a stick; the desk's signed record
#   of it reaches the collector through ward-sender; a reviewer finds it,
#   sees its evidence status, moves it to 調查中 with a reason and comments;
#   the supervisor 王科長 approves this file on this stick for this user; the
#   token rides back with the desk's next acknowledgement, wardd installs it
#   and reloads; the copy, retried, succeeds and is audited naming 王科長;
#   the reviewer closes the incident as 核准例外; the CSV and the evidence
#   bundle download, and the bundle verifies with jose; names built to run
#   as script are shown as text.
# The browser trusts the test collector's CA (an NSS database of its own).
# Screenshots and downloads stay in $WARD_BUILD/artifacts/console-browser/.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/collector.sh
. tests/lib/console.sh
. tests/lib/report.sh
. tests/lib/npm.sh
. tests/lib/usbstick.sh
need_root
need_cmd certutil
need_cmd /usr/bin/chromium

console_init sqlite || { not_ok "set up the collector"; done_testing; exit 1; }
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
. tests/integration/50-agent-lib.bash
testbed_on_exit 'coll_cleanup; report_cleanup'
ART=$PWD/$WARD_BUILD/artifacts/console-browser
rm -rf "$ART"
mkdir -p "$ART"
sender_user=wcon$$
REPORT_STATE=$AGENT_STATE
# The sender runs as its own user: it must reach the state directory.
chmod 0711 "$AGENT_DIR"

check "the sender's user" report_user "$sender_user"
check "the collector starts with its console" console_start
check "a reviewer" console_account rev reviewer 陳調查員
check "a supervisor, 王科長, whose password seals the signing key" console_account sup supervisor 王科長
check "js_deps: playwright-core and jose from the lock file" js_deps
export CONSOLE_URL OUT=$ART BROWSER_HOME=$COLL_DIR/browser-home SERIAL=WARDAP01
mkdir -p "$BROWSER_HOME/.pki/nssdb"
check "the browser's NSS database trusts the test CA (and nothing else added)" bash -c \
	"certutil -d 'sql:$BROWSER_HOME/.pki/nssdb' -N --empty-password &&
	 certutil -d 'sql:$BROWSER_HOME/.pki/nssdb' -A -t C,, -n ward-test-ca -i '$COLL_CA'"
# browser NAME=VALUE... STEP: one step of console-browser.mjs with those
# variables set; what it checked goes to the TAP output as comments.
browser() {
	local step=${!#}
	env "${@:1:$#-1}" node tests/js/console-browser.mjs "$step" 2>&1 |
		tee -a "$ART/browser.log" | sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}
# The collector writes (heartbeats, the console's sync) while we read: wait for its lock.
sql() { sqlite3 -cmd '.timeout 10000' "$COLL_STATE/collector.db" "$1"; }
# leaves_are WHERE N: the collector's log holds N leaves matching WHERE.
leaves_are() { test "$(sql "SELECT count(*) FROM leaves WHERE $1")" = "$2"; }
# allowed_copies: "EXE EVENT APPROVER" of each copy to the stick that the
# collector stored as allowed, from its signed record (a compact JWS).
allowed_copies() {
	local raw payload
	while IFS= read -r raw; do
		payload=${raw#*.}
		payload=$(printf '%s' "${payload%%.*}" | tr '_-' '/+')
		while [ $((${#payload} % 4)) != 0 ]; do payload+==; done
		printf '%s' "$payload" | base64 -d |
			jq -r '"\(.subject.exe) \(.event) \(.approval.approver // "-")"'
	done < <(sql "SELECT raw FROM leaves WHERE outcome = 'allowed' AND device_serial = '$SERIAL'")
}
# copied_with_approval EXE NAME N: N of them by EXE, approved by NAME
# (reading the copy back with cmp may be recorded too: not counted).
copied_with_approval() {
	test "$(allowed_copies | grep -c "^$1 .* $2\$")" = "$3"
}

# The desk: wardd with a tokens directory, trusting the supervisor's key.
printf 'tokens %s\n' "$AGENT_DIR/tokens" >"$AGENT_DIR/26-tokens.rules"
AGENT_EXTRA_CONF=$(printf 'sender_group = %s\nheartbeat_s = 1\n' "$sender_user")
check "wardd starts, its log readable by the sender's group" agent_start "$AGENT_DIR/26-tokens.rules"
check "the supervisors' policy files are written into its policy" \
	coll_admin supervisors "$AGENT_POLICY"
kill -HUP "$AGENT_PID"
check "after a reload wardd trusts 王科長" wait_for 10 grep -q "policy reloaded.*1 trusted supervisor" "$AGENT_LOG"
check "a stick" agent_stick usb1 --fs exfat --serial WARDAP01 --vendor SanDisk --model Cruzer
M=$(stick_mnt usb1)
check "wardd watches it" agent_wait_watched "$M"
doc=$WORK/出差簡報.odt
cp tests/corpus/office/footer-jimi.odt "$doc"
check "copying a 極機密 document to the stick fails with EPERM" eperm_from cp "$doc" "$M/"
check "the denial is a record in wardd's signed log" \
	journal_has '"outcome":"denied' '"device_serial":"WARDAP01"'

# ward-sender delivers the desk's records.
token=$(coll_admin token create --label desk)
check "wardctl enroll, the CA pinned by fingerprint" "$wardctl" enroll "$COLL_URL" "$token" \
	--ca-sha256 "$(report_ca_sha256 "$COLL_STATE")" --user "$sender_user" --state-dir "$AGENT_STATE"
sender_start "$sender_user" --heartbeat 1 --backoff-max 1
check "the record reaches the collector" wait_for 60 leaves_are "outcome = 'denied'" 1
REF=$(sql "SELECT ref FROM leaves WHERE outcome = 'denied'")
export REF
diag "the incident's reference: $REF"

# The reviewer, then the supervisor, in the browser.
check "reviewer: signs in, finds $REF, sees signature ✓ chain ✓ receipt ✓, moves it to 調查中, comments" \
	browser WHO=rev PASSWORD="$PW_rev" REASON="當事人稱攜出為出差簡報用" COMMENT="已通知單位主管" review
check "supervisor: approves this file on this stick for this user" \
	browser WHO=sup PASSWORD="$PW_sup" APPROVE_REASON="出差簡報（已核准）" approve
check "the token reaches the desk's spool with an acknowledgement" \
	wait_for 30 bash -c "ls '$AGENT_STATE'/spool/approvals/*.tok >/dev/null 2>&1"
check "wardd installs it in the policy's tokens directory and reloads" \
	wait_for 15 bash -c "ls '$AGENT_DIR'/tokens/*.tok >/dev/null 2>&1 && grep -q 'approval .* installed' '$AGENT_LOG'"
check "the retried copy succeeds" wait_for 10 cp "$doc" "$M/"
check "and the stick holds the document, byte for byte" cmp "$doc" "$M/出差簡報.odt"
check "wardd audits the copy naming the approver" \
	journal_has '"action":"audit"' '"outcome":"allowed' '"approver":"王科長"'
check "the audited retry reaches the collector, naming 王科長" \
	wait_for 60 copied_with_approval "$(command -v cp)" 王科長 1 ||
	allowed_copies | sed 's/^/# allowed: /'
check "reviewer: closes it as 核准例外 with a reason; every action is in the log" \
	browser WHO=rev PASSWORD="$PW_rev" REASON="主管核准之例外，結案" close
check "admin verify: the log with the review trail in it is whole" coll_admin verify

# Exports.
check "reviewer: the CSV and the evidence bundle download" \
	browser WHO=rev PASSWORD="$PW_rev" exports
check_eq "the CSV is UTF-8 with a byte-order mark" efbbbf \
	"$(head -c 3 "$ART/incidents.csv" | od -An -tx1 | tr -d ' \n')"
check "and lists the incident" grep -q "$REF" "$ART/incidents.csv"
mkdir -p "$COLL_DIR/bundle"
tar -xzf "$ART/evidence.tar.gz" -C "$COLL_DIR/bundle"
ln -s "$PWD/tests/js/node_modules" "$COLL_DIR/bundle/ward-evidence/node_modules"
check "the evidence bundle verifies offline with jose" node "$COLL_DIR/bundle/ward-evidence/verify.mjs"

# Names that would run as script.
odd=$COLL_DIR/agents/odd
mkdir -p "$odd/agent"
"$chain" --state "$odd/state" --count 1 --user "o'brien \"the tester\"" \
	--file '<script>alert(1)</script>.odt' >/dev/null
"$COLL_CLIENT" enroll "$COLL_URL" "$(coll_admin token create)" "$odd/state" "$odd/agent" \
	"$COLL_CA" >/dev/null 2>&1
coll_post odd 1 "$(coll_records odd | wc -l)"
check "names built to run as script are shown as text in the browser" \
	browser WHO=rev PASSWORD="$PW_rev" hostile
check "screenshots kept in $WARD_BUILD/artifacts/console-browser" \
	test "$(ls "$ART"/*.png | wc -l)" -ge 6
done_testing
