#!/usr/bin/env bash
# The stream of files written on internal filesystems (agent/written.c):
# wardd watches every internal filesystem from the start, with no stick
# mounted; files closed after writing there reach the stream; a stick's
# ext4 filesystem is never taken for an internal one (what is written to
# removable media is judged by content, never by the internal stream).
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

wait_field_at_least() { # FIELD MIN
	local i v
	for i in $(seq 1 100); do
		v=$(agent_status_field "$1")
		[ -n "$v" ] && [ "$v" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "# $1 is ${v:-unknown}, wanted at least $2" >&2
	return 1
}

check "wardd starts and is ready" agent_start
fs_before=$(agent_status_field written_filesystems)
check "internal filesystems are watched with no stick mounted" test "${fs_before:-0}" -ge 1
root_dev=$(stat -c %d "$WORK")
check "the filesystem holding the work directory is internal" \
	sh -c "findmnt -no FSTYPE --target '$WORK' | grep -Eq '^(ext[234]|xfs|btrfs|f2fs)$'"

n0=$(agent_status_field written_files)
for i in 1 2 3; do echo "第 $i 份會議紀錄" >"$WORK/memo$i.txt"; done
check "three files written reach the stream" wait_field_at_least written_files $((n0 + 3))
check "no event was lost" test "$(agent_status_field written_lost)" = 0

check "an ext4 stick is inserted" agent_stick W1 --fs ext4 --serial WARDWR01
M=$(stick_mnt W1)
check "wardd watches the stick as a medium" agent_wait_watched "$M"
check "the stick is not another filesystem of the stream" \
	test "$(agent_status_field written_filesystems)" = "$fs_before"
check "the stick's device is not the work directory's" test "$(stat -c %d "$M")" != "$root_dev"

# wardd restarted with the stick already mounted: udev names the device
# after the mount table listed it, and the stream lets it go again.
agent_stop
check "wardd restarts with the stick mounted" agent_start
check "wardd watches the stick again" agent_wait_watched "$M"
check "the stick is not watched as internal after a restart" \
	test "$(agent_status_field written_filesystems)" = "$fs_before"

done_testing
