#!/usr/bin/env bash
# Without a graphical session (SSH, a text console) wardd writes one line
# to the person's terminals: throw-away users, each with a real pty
# (script(1) run as them), blocked copies on the USB test bed.
#   - the line carries the reference code, the policy's message in the
#     person's language (from the opener's locale) and the names, with
#     control characters escaped;
#   - a burst is folded: one line at once, one "×N" line later;
#   - another user's terminal gets nothing; a user whose desktop helper is
#     connected gets the pop-up, not the line;
#   - `wardctl events --mine` shows each person their own events only.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
for c in script python3 runuser useradd jq; do need_cmd "$c"; done
export WARD_ROOT=${WARD_ROOT:-$PWD}
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/60-notify-lib.bash

U3=wardn3-$$ U4=wardn4-$$ U5=wardn5-$$
for u in "$U3" "$U4" "$U5"; do check "throw-away user $u" notify_user "$u"; done
check "wardd starts" agent_start
check "stick inserted" agent_stick T1 --fs ext4 --serial TTYTEST1
M=$(stick_mnt T1)
check "wardd watches it" agent_wait_watched "$M"
for u in "$U3" "$U4" "$U5"; do
	mkdir -p "$M/$u" "$NOTIFY_DIR/$u/docs"
	cp "$CORPUS/office/header-mi.odt" "$NOTIFY_DIR/$u/docs/報告.odt"
	chown -R "$u" "$M/$u" "$NOTIFY_DIR/$u/docs"
done

# terminal NAME: a pty of NAME's (script(1) running as them); its output
# (everything written to the terminal) goes to $NOTIFY_DIR/NAME/typescript.
terminal() {
	local home=$NOTIFY_DIR/$1
	runuser -u "$1" -- script -q -f -c "sleep 300" "$home/typescript" </dev/null >/dev/null 2>&1 &
	for i in $(seq 1 50); do
		[ -n "$(find /dev/pts -user "$1" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
ward_lines() { grep -a '\[Ward ' "$NOTIFY_DIR/$1/typescript" 2>/dev/null | tr -d '\r'; }
wait_lines() { # NAME N [SECONDS]
	local i
	for i in $(seq 1 $((${3:-10} * 10))); do
		[ "$(ward_lines "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
ref_of() { journal_ref "\"uid\":$(user_uid "$1")," "$2"; } # NAME FILE-PATTERN
for u in "$U3" "$U4" "$U5"; do check "a terminal for $u" terminal "$u"; done

# ---- one copy, a hostile name ----
EVIL=$'報告\e]0;pwned\a\e[2J.odt'
cp "$NOTIFY_DIR/$U3/docs/報告.odt" "$NOTIFY_DIR/$U3/docs/$EVIL"
chown "$U3" "$NOTIFY_DIR/$U3/docs/$EVIL"
check "$U3's blocked copy" eperm_from as_user "$U3" cp "$NOTIFY_DIR/$U3/docs/$EVIL" "$M/$U3/"
check "a line on $U3's terminal" wait_lines "$U3" 1
LINE=$(ward_lines "$U3" | head -1)
REF=$(ref_of "$U3" "$M/$U3/")
check "it starts with the journal's reference code" grep -q "^\[Ward $REF\] " <<<"$LINE"
check "it says why and whom to ask, in Chinese" \
	grep -q "已阻擋：依本府公務機密維護規定，此檔案（密）不得複製至可攜式媒體（公務機密非經核准不得複製攜出）。如因公務需要，請向主管申請核准。洽詢：政風處 (089)320247。" <<<"$LINE"
check "it names the file, escaped, the level and the device" \
	grep -qF '(報告^[]0;pwned^G^[[2J.odt · 密 → SanDisk Cruzer) wardctl events --mine' <<<"$LINE"
check_fails "no control character of the name reached the terminal" \
	grep -qaF $'\e]0;pwned' "$NOTIFY_DIR/$U3/typescript"

# ---- a burst ----
mkdir -p "$NOTIFY_DIR/$U3/docs/many"
for i in $(seq -w 1 20); do cp "$CORPUS/text/firstline-mi.txt" "$NOTIFY_DIR/$U3/docs/many/f$i.txt"; done
chown -R "$U3" "$NOTIFY_DIR/$U3/docs/many"
as_user "$U3" cp -r "$NOTIFY_DIR/$U3/docs/many" "$M/$U3/" 2>/dev/null
sleep 2
check_eq "20 more blocked files within the burst: no line at once" 1 "$(ward_lines "$U3" | wc -l)"
check "one folded line within the repeat interval" wait_lines "$U3" 2 15
check "it counts the 20" grep -q "^\[Ward [0-9A-Z-]* ×20\] 已阻擋" <<<"$(ward_lines "$U3" | sed -n 2p)"
sleep 1
check_eq "and nothing more" 2 "$(ward_lines "$U3" | wc -l)"

# ---- another person, in English ----
check "$U4's blocked copy (LANG=en_US.UTF-8)" \
	eperm_from as_user "$U4" env LANG=en_US.UTF-8 cp "$NOTIFY_DIR/$U4/docs/報告.odt" "$M/$U4/"
check "a line on $U4's terminal" wait_lines "$U4" 1
check "in English: the policy's English text" \
	grep -q "^\[Ward [0-9A-Z-]*\] Blocked: under the county's rules on official secrets this file (restricted)" <<<"$(ward_lines "$U4")"
check_eq "$U3's terminal got nothing of $U4's" 2 "$(ward_lines "$U3" | wc -l)"
check_eq "$U5's terminal got nothing at all" 0 "$(ward_lines "$U5" | wc -l)"

# ---- a person with a desktop helper: the pop-up, not the line ----
as_user "$U5" python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect('$NOTIFY_SOCKET')
s.send(b'{\"v\":1,\"type\":\"hello\",\"session\":\"x11\"}')
open('$NOTIFY_DIR/$U5/ready', 'w').close()
s.settimeout(5)
try:
    while True: sys.stdout.write(s.recv(9000).decode() + '\n'); sys.stdout.flush()
except socket.timeout: pass" >"$NOTIFY_DIR/u5-client.out" &
CLIENT=$!
for i in $(seq 1 50); do [ -e "$NOTIFY_DIR/$U5/ready" ] && break; sleep 0.1; done
sleep 0.3
check "$U5's blocked copy" eperm_from as_user "$U5" cp "$NOTIFY_DIR/$U5/docs/報告.odt" "$M/$U5/"
wait "$CLIENT"
check_eq "$U5's desktop client was sent the event" 1 \
	"$(jq -c 'select(.type == "event" and .file == "報告.odt")' "$NOTIFY_DIR/u5-client.out" | wc -l)"
check_eq "and $U5's terminal no line" 0 "$(ward_lines "$U5" | wc -l)"

# ---- wardctl events --mine ----
MINE3=$(as_user "$U3" "$WARD_BUILD/wardctl" events --mine --config "$AGENT_CONF")
check_eq "wardctl events --mine works for an ordinary user" 0 $?
check "$U3 sees the first copy's code" grep -q "參考碼 $REF：" <<<"$MINE3"
check "... with the name escaped" grep -qF "檔案：報告^[]0;pwned^G^[[2J.odt（密）" <<<"$MINE3"
check_eq "... and all 21 of their blocked copies" 21 "$(grep -c '^民國 .*已阻擋複製：' <<<"$MINE3")"
check_fails "... and nothing of $U4's" grep -q "$(ref_of "$U4" "$M/$U4/")" <<<"$MINE3"
MINE4=$(as_user "$U4" env LANG=en_US.UTF-8 "$WARD_BUILD/wardctl" events --mine --json --config "$AGENT_CONF")
check_eq "$U4 (--json): one event" 1 "$(grep -c . <<<"$MINE4")"
check_eq "... theirs" "$(ref_of "$U4" "$M/$U4/")" "$(jq -r .ref <<<"$MINE4")"
check_eq "... marked as part of the answer" true "$(jq -r .recent <<<"$MINE4")"
MINE4=$(as_user "$U4" env LANG=en_US.UTF-8 "$WARD_BUILD/wardctl" events --mine --config "$AGENT_CONF")
check "in English under an English locale" grep -q "Copy blocked: 報告.odt" <<<"$MINE4"
check "with dates in ISO order" grep -qE "^20[0-9]{2}-[0-9]{2}-[0-9]{2} " <<<"$MINE4"
agent_stop
out=$(as_user "$U3" "$WARD_BUILD/wardctl" events --mine --config "$AGENT_CONF" 2>&1)
check_eq "wardd stopped: events --mine fails" 1 $?
check "... saying so" grep -q "wardd 未執行" <<<"$out"
done_testing
