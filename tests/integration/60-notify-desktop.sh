#!/usr/bin/env bash
# Pop-ups on a real desktop: two throw-away users, each with an Xvfb
# screen, a session bus (dbus-run-session), Debian's dunst and ward-notify
# running as them; wardd on the USB test bed.
#   - a blocked copy gives one critical notification whose summary and
#     body (read back from dunst) say what, why, what to do and the
#     reference code the journal holds; a screenshot keeps the Chinese text
#     as rendered (build/artifacts/);
#   - the other user's session shows nothing of it;
#   - nobody but root can listen on or stand in for wardd's socket;
#   - ward-notify survives wardd restarting;
#   - 300 blocked files are one notification with the count 300;
#   - a medium under a read-only rule is announced once;
#   - an approval that arrives says the copy may now be retried;
#   - one ward-notify per session.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
for c in Xvfb dunst dunstctl dbus-run-session import jq python3 runuser useradd; do need_cmd "$c"; done
export WARD_ROOT=${WARD_ROOT:-$PWD}
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/60-notify-lib.bash
ARTIFACTS=$WARD_ROOT/$WARD_BUILD/artifacts
mkdir -p "$ARTIFACTS"

U1=wardn1-$$ U2=wardn2-$$
check "throw-away user $U1" notify_user "$U1"
check "throw-away user $U2" notify_user "$U2"

# A read-only rule for one stick, and a trusted supervisor for approvals.
"$WARD_BUILD/wardctl" token keygen --out-key "$AGENT_DIR/wang.key" --out-pub "$AGENT_DIR/wang.pub" >/dev/null
cat >"$AGENT_DIR/25-test-devices.rules" <<RULES
device read-only serial "RONLY001"   # 測試：唯讀媒體
RULES
cat >"$AGENT_DIR/05-test-trust.rules" <<RULES
trust supervisor "王科長" $AGENT_DIR/wang.pub
tokens $AGENT_DIR/tokens
RULES
mkdir -p "$AGENT_DIR/tokens"
check "wardd starts" agent_start "$AGENT_DIR/25-test-devices.rules" "$AGENT_DIR/05-test-trust.rules"
check "a desktop for $U1 (Chinese by default)" desktop_start "$U1" C.UTF-8
check "a desktop for $U2" desktop_start "$U2" C.UTF-8

# An ext4 stick (users write there as themselves), a folder each.
check_eq "wardctl status counts both sessions' ward-notify" 2 "$(agent_status_field notify_clients)"
check "stick inserted" agent_stick N1 --fs ext4 --serial NOTIFY01
M=$(stick_mnt N1)
check "wardd watches it" agent_wait_watched "$M"
for u in "$U1" "$U2"; do
	mkdir -p "$M/$u" "$NOTIFY_DIR/$u/docs"
	chown "$u" "$M/$u" "$NOTIFY_DIR/$u/docs"
done
cp "$CORPUS/office/header-mi.odt" "$NOTIFY_DIR/$U1/docs/報告.odt"
chown "$U1" "$NOTIFY_DIR/$U1/docs/報告.odt"

# ---- one blocked copy ----
check "$U1's cp of a 密 document fails with EPERM" \
	eperm_from as_user "$U1" cp "$NOTIFY_DIR/$U1/docs/報告.odt" "$M/$U1/"
check "the pop-up was shown" helper_wait "$U1" "shown id=[0-9]+ count=1 summary=已阻擋複製：報告.odt"
REF=$(journal_ref '"event":"copy-destination"' "\"uid\":$(user_uid "$U1")," '報告.odt')
check "the journal holds the record's reference code" test -n "$REF"
sleep 0.5
check "screenshot kept" screenshot "$U1" "$ARTIFACTS/notify-desktop-zh.png"
dunst_close_all "$U1"
H=$(ward_history "$U1")
check_eq "one notification from Ward" 1 "$(grep -c . <<<"$H")"
check_eq "summary: what was stopped" "已阻擋複製：報告.odt" "$(jq -r .summary <<<"$H")"
BODY=$(jq -r .body <<<"$H")
check "body: the policy's message (rule's reason, what to do, contact)" \
	grep -q "已阻擋：依本府公務機密維護規定，此檔案（密）不得複製至可攜式媒體（公務機密非經核准不得複製攜出）。如因公務需要，請向主管申請核准。洽詢：政風處 (089)320247。" <<<"$BODY"
check "body: the file and its level" grep -q "^檔案：報告.odt（密）$" <<<"$BODY"
check "body: the device's name" grep -q "^裝置：SanDisk Cruzer$" <<<"$BODY"
check "body: the reference code of the journal's record" grep -q "^參考碼 $REF：向主管申請核准" <<<"$BODY"
check "critical urgency" grep -q "(critical)" <<<"$(jq -r .message <<<"$H")"
check "the screenshot is a real PNG of the screen" \
	sh -c "identify '$ARTIFACTS/notify-desktop-zh.png' | grep -q 'PNG 1280x800'"
# The notification's area (top right) is drawn in more than two colours
# (text anti-aliased on the critical background): the server rendered it.
COLOURS=$(convert "$ARTIFACTS/notify-desktop-zh.png" -crop 660x300+620+0 -format %k info: 2>/dev/null)
check "the notification was drawn on the screen ($COLOURS colours)" test "${COLOURS:-0}" -gt 10
check "the CJK font the pop-up asks for is installed" sh -c "fc-list ':lang=zh-tw' | grep -q 'Noto Sans CJK'"

# ---- the other user ----
check_eq "$U2's session shows nothing of $U1's events" "" "$(ward_history "$U2")"
check_fails "$U2's ward-notify was never asked to show anything" grep -q "shown" "$(helper_log "$U2")"

# ---- nobody else listens or stands in ----
RUN=$AGENT_DIR/run
check_fails "$U2 cannot remove wardd's socket" as_user "$U2" rm -f "$RUN/notify.sock" 2>/dev/null
check "the socket is still wardd's" test -S "$RUN/notify.sock"
check_fails "$U2 cannot listen in wardd's runtime directory" as_user "$U2" python3 -c "
import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind('$RUN/other.sock'); s.listen()" 2>/dev/null
# A listener of U2's own, moved (by root) into a root-only directory: the
# directory check passes, the listener's credentials do not.
mkdir -p "$NOTIFY_DIR/$U2/fake" "$NOTIFY_DIR/fakeroot"
chown "$U2" "$NOTIFY_DIR/$U2/fake"
as_user "$U2" python3 -c "
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind('$NOTIFY_DIR/$U2/fake/notify.sock'); s.listen()
c, _ = s.accept()
c.send(b'{\"v\":1,\"type\":\"event\",\"action\":\"block\",\"file\":\"forged.odt\",\"burst\":\"x\"}')
time.sleep(3)" 2>/dev/null &
FAKE=$!
for i in $(seq 1 50); do [ -S "$NOTIFY_DIR/$U2/fake/notify.sock" ] && break; sleep 0.1; done
# (each in a session bus of its own: U2's has its ward-notify already)
out=$(as_user "$U2" dbus-run-session -- timeout 3 "$WARD_BUILD/ward-notify" --socket "$NOTIFY_DIR/$U2/fake/notify.sock" 2>&1)
check "ward-notify refuses a socket in a directory users may write" \
	grep -q "is not root's alone" <<<"$out"
mv "$NOTIFY_DIR/$U2/fake/notify.sock" "$NOTIFY_DIR/fakeroot/notify.sock"
HELPER_U2_FAKE=$(as_user "$U2" dbus-run-session -- timeout 3 "$WARD_BUILD/ward-notify" --socket "$NOTIFY_DIR/fakeroot/notify.sock" 2>&1)
check "ward-notify refuses a listener that is not root" grep -q "not as root: not wardd" <<<"$HELPER_U2_FAKE"
kill "$FAKE" 2>/dev/null
wait "$FAKE" 2>/dev/null
check_eq "nothing forged was shown" "" "$(ward_history "$U2")"
# A client of U2's saying it is someone else still gets only U2's events.
as_user "$U2" python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect('$RUN/notify.sock')
s.send(b'{\"v\":1,\"type\":\"hello\",\"session\":\"x11\",\"uid\":$(user_uid "$U1"),\"user\":\"$U1\"}')
s.settimeout(4)
try:
    while True: sys.stdout.write(s.recv(9000).decode() + '\n')
except socket.timeout: pass" >"$NOTIFY_DIR/u2-spy.out" &
SPY=$!
sleep 0.5
as_user "$U1" cp "$NOTIFY_DIR/$U1/docs/報告.odt" "$M/$U1/again.odt" 2>/dev/null
wait "$SPY"
check "a client claiming to be $U1 got the agent's hello" grep -q '"type":"hello"' "$NOTIFY_DIR/u2-spy.out"
check_fails "... and none of $U1's events" grep -q '"type":"event"' "$NOTIFY_DIR/u2-spy.out"
check "$U1 was told (second copy)" helper_wait "$U1" "summary=已阻擋複製：again.odt"
dunst_close_all "$U1"

# ---- wardd restarts ----
agent_stop
check "ward-notify says wardd went away" helper_wait "$U1" "wardd went away" 10
check "wardd starts again" agent_start "$AGENT_DIR/25-test-devices.rules" "$AGENT_DIR/05-test-trust.rules"
check "wardd watches the stick again" agent_wait_watched "$M"
connected_twice() {
	local i
	for i in $(seq 1 150); do
		[ "$(grep -c 'connected to wardd' "$(helper_log "$U1")")" -ge 2 ] && return 0
		sleep 0.1
	done
	return 1
}
check "ward-notify connected again by itself" connected_twice
check "a blocked copy after the restart" \
	eperm_from as_user "$U1" cp "$NOTIFY_DIR/$U1/docs/報告.odt" "$M/$U1/after-restart.odt"
check "... is shown" helper_wait "$U1" "summary=已阻擋複製：after-restart.odt" 15
dunst_close_all "$U1"

# ---- 300 files at once ----
MARK=$(history_mark "$U1")
mkdir -p "$NOTIFY_DIR/$U1/docs/folder"
for i in $(seq -w 1 300); do cp "$CORPUS/text/firstline-mi.txt" "$NOTIFY_DIR/$U1/docs/folder/公文$i.txt"; done
chown -R "$U1" "$NOTIFY_DIR/$U1/docs/folder"
as_user "$U1" cp -r "$NOTIFY_DIR/$U1/docs/folder" "$M/$U1/" 2>"$NOTIFY_DIR/cp-r.err"
check_eq "cp -r was refused 300 times" 300 "$(grep -c 'Operation not permitted' "$NOTIFY_DIR/cp-r.err")"
check "the notice reached the count 300" helper_wait "$U1" "count=300 summary=已阻擋複製：300 個檔案" 60
sleep 1
screenshot "$U1" "$ARTIFACTS/notify-desktop-burst.png"
dunst_close_all "$U1"
H=$(ward_history "$U1" "$MARK")
check_eq "300 blocked files: one notification" 1 "$(grep -c . <<<"$H")"
check_eq "... with the count 300" "已阻擋複製：300 個檔案" "$(jq -r .summary <<<"$H")"
check "... and the attempts in its body" grep -q "^參考碼 [0-9A-Z-]*（另有 299 次嘗試）：" <<<"$(jq -r .body <<<"$H")"
check_eq "it was updated in place: one id" 1 \
	"$(grep 'count=[0-9]* summary=已阻擋複製：[0-9]* 個檔案' "$(helper_log "$U1")" | sed 's/.*id=\([0-9]*\).*/\1/' | sort -u | wc -l)"
check_eq "$U2 still saw nothing" "" "$(ward_history "$U2")"

# ---- a read-only medium, once ----
MARK=$(history_mark "$U1")
check "a stick under the read-only rule" stick_insert N2 --fs ext4 --serial RONLY001 --no-mount
check "announced as read-only" helper_wait "$U1" "summary=唯讀儲存裝置：SanDisk Cruzer" 15
# udev's change events for the same insertion (as a mount makes them).
udevadm trigger --action=change --settle "$(stick_dev N2)"
udevadm trigger --action=change --settle "$(stick_dev N2)"
sleep 2
dunst_close_all "$U1"
check_eq "once, although udev spoke of it several times" 1 \
	"$(ward_history "$U1" "$MARK" | jq -r .summary | grep -c '唯讀儲存裝置')"
check "both sessions are told of the medium at the desk" \
	helper_wait "$U2" "summary=唯讀儲存裝置：SanDisk Cruzer" 5
stick_remove N2

# ---- an approval arrives ----
MARK=$(history_mark "$U1")
UNTIL=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
"$WARD_BUILD/wardctl" token sign --key "$AGENT_DIR/wang.key" --approver 王科長 --user "$U1" \
	--device-serial NOTIFY01 --level-max 機密 --from "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" \
	--until "$UNTIL" --note 出差簡報 --out "$AGENT_DIR/tokens/u1.tok" >/dev/null
kill -HUP "$AGENT_PID"
check "the approval is announced" helper_wait "$U1" "summary=已獲主管核准" 15
dunst_close_all "$U1"
check "it says the copy may now be retried" \
	grep -q "王科長 已核准您的複製申請，有效至 民國 .* 年 .*。現在可以再試一次。" <<<"$(ward_history "$U1" "$MARK" | jq -r .body)"
check "and the copy now goes through" as_user "$U1" cp "$NOTIFY_DIR/$U1/docs/報告.odt" "$M/$U1/approved.odt"
kill -HUP "$AGENT_PID"
sleep 1
check_eq "a reload with the same token does not announce it again" 1 \
	"$(grep -c 'summary=已獲主管核准' "$(helper_log "$U1")")"

# ---- one per session ----
out=$(as_user "$U1" timeout 5 "$WARD_BUILD/ward-notify" --socket "$NOTIFY_SOCKET" 2>&1)
check_eq "a second ward-notify in the same session leaves at once" 0 $?
check "... saying so" grep -q "already running in this session" <<<"$out"

# ---- English by locale ----
desktop_stop "$U2"
check "$U2's desktop again, in English" desktop_start "$U2" en_US.UTF-8
cp "$CORPUS/office/header-mi.odt" "$NOTIFY_DIR/$U2/docs/report.odt"
chown "$U2" "$NOTIFY_DIR/$U2/docs/report.odt"
check "$U2's blocked copy" eperm_from as_user "$U2" cp "$NOTIFY_DIR/$U2/docs/report.odt" "$M/$U2/"
check "is shown to $U2 in English" helper_wait "$U2" "summary=Copy blocked: report.odt" 15
sleep 0.5
screenshot "$U2" "$ARTIFACTS/notify-desktop-en.png"
dunst_close_all "$U2"
check "the English policy text" grep -q "^Blocked: under the county" <<<"$(ward_history "$U2" | jq -r .body)"
check_fails "$U1 was not shown $U2's copy" grep -q "report.odt" "$(helper_log "$U1")"

diag "screenshots: $ARTIFACTS/notify-desktop-{zh,burst,en}.png"
done_testing
