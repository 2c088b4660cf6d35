#!/usr/bin/env bash
# agent/devices + agent/mounts + agent/inventory against real udev events:
# an exFAT (FUSE) stick and an ext4 stick from the test bed are reported
# with their USB identity, their mounts are mapped to them, pulling one
# reports it gone, and the inventory keeps both.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/usbstick.sh
WARD_BUILD=${WARD_BUILD:-build}
WATCH=$WARD_BUILD/tools/kmodfree-devwatch

need_root
testbed_init || { not_ok "test bed starts"; done_testing; exit 1; }

OUT=$TESTBED_DIR/devwatch.out
INV=$TESTBED_DIR/state
mkdir -p "$INV"
WATCH_PID=
stop_watch() {
	if [ -n "$WATCH_PID" ]; then
		kill "$WATCH_PID" 2>/dev/null
		wait "$WATCH_PID" 2>/dev/null
		WATCH_PID=
	fi
}
testbed_on_exit stop_watch

# wait_line REGEX: until a line of the watcher's output matches (10 s).
wait_line() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -Eq -- "$1" "$OUT" 2>/dev/null && return 0
		sleep 0.1
	done
	diag "no line matching: $1"
	diag "watcher said:"
	sed 's/^/#   /' "$OUT" >&2
	return 1
}

"$WATCH" --inventory "$INV" >"$OUT" 2>"$TESTBED_DIR/devwatch.err" &
WATCH_PID=$!
check "watcher starts (monitor + enumeration)" wait_line '^ready$'

stick_insert ex --fs exfat --vendor-id 0781 --product-id 5567 --serial EXSERIAL01 \
	--vendor SanDisk --model Cruzer --label WARDEX ||
	not_ok "exFAT stick inserted"
stick_insert e4 --fs ext4 --vendor-id 090c --product-id 1000 --serial E4SERIAL02 \
	--vendor Silicon --model Flash --label WARDE4 ||
	not_ok "ext4 stick inserted"
EXDEV=$(stick_dev ex) E4DEV=$(stick_dev e4)
EXMNT=$(stick_mnt ex) E4MNT=$(stick_mnt e4)
EXMM=$(printf '%d:%d' $(stat -c '0x%t 0x%T' "$EXDEV"))
E4MM=$(printf '%d:%d' $(stat -c '0x%t 0x%T' "$E4DEV"))

check "exFAT stick reported with its USB identity" \
	wait_line "^device add $EXMM bus=usb vid=0781 pid=5567 serial=EXSERIAL01 vendor=SanDisk model=Cruzer fs=exfat uuid=$(stick_uuid ex) label=WARDEX node=$EXDEV size=[1-9]"
check "ext4 stick reported with its USB identity" \
	wait_line "^device add $E4MM bus=usb vid=090c pid=1000 serial=E4SERIAL02 vendor=Silicon model=Flash fs=ext4 uuid=$(stick_uuid e4) label=WARDE4 node=$E4DEV "
check "exFAT mount (fuseblk) mapped to its stick" \
	wait_line "^mount add $EXMNT dev=[0-9]+:[0-9]+ fstype=fuse[a-z.]* ro=[01] medium=$EXDEV$"
check "ext4 mount mapped to its stick" \
	wait_line "^mount add $E4MNT dev=$E4MM fstype=ext4 ro=[01] medium=$E4DEV$"
check_eq "the root disk is never reported" "" "$(grep -E '^device .* node=/dev/vd' "$OUT")"

# A loop device announces its medium with "change" when its file is
# attached (no "add"): that is a new medium too.
stick_insert ch --fs exfat --vendor-id 0951 --product-id 1666 --serial CHSERIAL03 \
	--announce change --no-mount || not_ok "stick announced by change inserted"
CHMM=$(printf '%d:%d' $(stat -c '0x%t 0x%T' "$(stick_dev ch)"))
check "a medium announced by 'change' is reported as added" \
	wait_line "^device add $CHMM bus=usb vid=0951 pid=1666 serial=CHSERIAL03 "
stick_remove ch || not_ok "change-announced stick pulled"
check "... and its removal" wait_line "^device remove $CHMM "

stick_remove ex || not_ok "exFAT stick pulled"
check "exFAT unmount reported" wait_line "^mount remove $EXMNT "
check "pulled stick reported gone" wait_line "^device remove $EXMM .*serial=EXSERIAL01"
check_eq "the other stick is still there (no remove for it)" "" \
	"$(grep -E "^device remove $E4MM" "$OUT")"

# A stick already present when the watcher starts: enumeration reports it.
stop_watch
"$WATCH" --inventory "$INV" >"$OUT" 2>>"$TESTBED_DIR/devwatch.err" &
WATCH_PID=$!
check "a stick present at start is enumerated" \
	wait_line "^device add $E4MM bus=usb vid=090c pid=1000 serial=E4SERIAL02 "
stop_watch

# Lost events: a watcher that never reads its monitor learns of a pull by
# enumerating again (as after a monitor overflow), and of nothing else.
"$WATCH" --deaf >"$OUT" 2>>"$TESTBED_DIR/devwatch.err" &
WATCH_PID=$!
check "deaf watcher enumerates the ext4 stick" wait_line "^device add $E4MM "
kill -USR1 "$WATCH_PID"
check "enumerating again with nothing changed" wait_line '^resynced$'
# (Other tests' sticks may come and go meanwhile: only ours is counted.)
check_eq "... reports nothing new for the stick" 1 "$(grep -c "^device [a-z]* $E4MM " "$OUT")"
stick_remove e4 || not_ok "ext4 stick pulled"
kill -USR1 "$WATCH_PID"
check "enumerating again reports the stick whose removal was missed" \
	wait_line "^device remove $E4MM .*serial=E4SERIAL02"
stop_watch

# Inventory: both sticks, the ext4 one seen twice.
INVTXT=$("$WATCH" --print-inventory "$INV")
INVJSON=$("$WATCH" --print-inventory "$INV" --json)
check "inventory lists the exFAT stick" grep -q 'usb 0781:5567  SanDisk Cruzer' <<<"$INVTXT"
check "inventory lists the ext4 stick" grep -q 'usb 090c:1000  Silicon Flash' <<<"$INVTXT"
check "inventory text is Chinese first" grep -q '首次出現 First seen' <<<"$INVTXT"
check "inventory JSON has the serials" \
	bash -c 'grep -q "\"serial\":\"EXSERIAL01\"" <<<"$1" && grep -q "\"serial\":\"E4SERIAL02\"" <<<"$1"' _ "$INVJSON"
check "ext4 stick counted twice (present at the second start)" \
	grep -Eq '"key":"usb:090c:1000:E4SERIAL02".*"times_seen":2' <<<"$(tr -d '\n' <<<"$INVJSON" | sed 's/},{/}\n{/g')"
check_eq "inventory file is root and group only" "640" "$(stat -c %a "$INV/devices.tsv")"

done_testing
