#!/usr/bin/env bash
# kmod-free/fanotify on the test bed's sticks, with real tools: a mark on
# the stick's filesystem denies another process's open (cat says
# "Operation not permitted"), a responder that allows lets it through
# byte-identical, close-after-write is reported, and an ignore mark stops
# events for an inode until it is modified.  Both exFAT (FUSE) and ext4.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/usbstick.sh
WARD_BUILD=${WARD_BUILD:-build}
FAN=$WARD_BUILD/tools/kmodfree-fan

need_root
testbed_init || { not_ok "test bed starts"; done_testing; exit 1; }

RESP_PID=
stop_responder() {
	if [ -n "$RESP_PID" ]; then
		kill "$RESP_PID" 2>/dev/null
		wait "$RESP_PID" 2>/dev/null
		RESP_PID=
	fi
}
testbed_on_exit stop_responder

# start_responder MOUNT MODE: kmodfree-fan in the background, marks placed.
start_responder() {
	local i
	rm -f "$TESTBED_DIR/ready" "$TESTBED_DIR/events"
	"$FAN" respond "$1" "$2" --ready "$TESTBED_DIR/ready" >"$TESTBED_DIR/events" \
		2>"$TESTBED_DIR/fan.err" &
	RESP_PID=$!
	for ((i = 0; i < 50; i++)); do
		[ -s "$TESTBED_DIR/ready" ] && return 0
		sleep 0.1
	done
	diag "responder did not start: $(cat "$TESTBED_DIR/fan.err")"
	return 1
}

# count_events KIND PATH: how many events the responder printed for PATH.
count_events() {
	sleep 0.2 # the responder prints after answering
	grep -c -x -F -- "$1 $2" "$TESTBED_DIR/events"
}

for fs in exfat ext4; do
	stick_insert "s$fs" --fs "$fs" --serial "FAN$fs" || not_ok "$fs stick inserted"
	MNT=$(stick_mnt "s$fs")
	head -c 100000 /dev/urandom >"$TESTBED_DIR/data.bin"
	cp "$TESTBED_DIR/data.bin" "$MNT/doc.bin"
	sync

	# Deny.
	start_responder "$MNT" deny || not_ok "$fs: responder starts"
	check_eq "$fs: filesystem mark used" "filesystem" "$(cut -d' ' -f1 "$TESTBED_DIR/ready")"
	err=$(cat "$MNT/doc.bin" 2>&1 >/dev/null)
	check_eq "$fs: cat of a file on the marked stick gets EPERM" \
		"cat: $MNT/doc.bin: Operation not permitted" "$err"
	check_fails "$fs: cp onto the marked stick is refused" cp "$TESTBED_DIR/data.bin" "$MNT/new.bin" 2>/dev/null
	check_eq "$fs: the responder saw the open" 1 "$(count_events open "$MNT/doc.bin")"
	stop_responder

	# Allow.
	start_responder "$MNT" allow || not_ok "$fs: responder starts"
	check "$fs: allowed read is byte-identical" cmp -s "$MNT/doc.bin" "$TESTBED_DIR/data.bin"
	cp "$TESTBED_DIR/data.bin" "$MNT/copy.bin"
	check "$fs: allowed copy onto the stick is byte-identical" \
		cmp -s "$MNT/copy.bin" "$TESTBED_DIR/data.bin"
	check_eq "$fs: close-after-write reported for the copy" 1 \
		"$(count_events close_write "$MNT/copy.bin")"
	stop_responder

	# Ignore marks.
	start_responder "$MNT" ignore || not_ok "$fs: responder starts"
	cat "$MNT/doc.bin" >/dev/null
	cat "$MNT/doc.bin" >/dev/null
	cat "$MNT/doc.bin" >/dev/null
	check_eq "$fs: after an ignore mark, opens are not reported" 1 \
		"$(count_events open "$MNT/doc.bin")"
	echo appended >>"$MNT/doc.bin"
	cat "$MNT/doc.bin" >/dev/null
	check_eq "$fs: a modification clears the ignore mark" 2 \
		"$(count_events open "$MNT/doc.bin")"
	stop_responder

	# Without a responder nothing is marked any more.
	check "$fs: no marks left once the group is closed" cmp -s "$MNT/copy.bin" "$TESTBED_DIR/data.bin"
	stick_remove "s$fs" || not_ok "$fs stick pulled"
done

done_testing
