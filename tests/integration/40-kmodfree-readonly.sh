#!/usr/bin/env bash
# kmod-free/blockdev: BLKROSET makes a loop device refuse writes and makes
# a later mount read-only; mount_setattr(MOUNT_ATTR_RDONLY) on an exFAT
# (FUSE) or ext4 stick's mount makes cp fail with EROFS while reads go on.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/usbstick.sh
WARD_BUILD=${WARD_BUILD:-build}
CTL=$WARD_BUILD/tools/kmodfree-ctl

need_root
testbed_init || { not_ok "test bed starts"; done_testing; exit 1; }

# Block device read-only, before mounting.
stick_insert ro1 --fs ext4 --serial RO1 --no-mount || not_ok "stick inserted"
DEV=$(stick_dev ro1)
# The read-only flag of a loop device outlives its detach: the next stick
# on this loop device would come up read-only.  Clear it whatever happens.
testbed_on_exit "'$CTL' blockdev-ro '$DEV' off 2>/dev/null"
check_eq "BLKROGET: writable at first" 0 "$($CTL blockdev-ro "$DEV" get)"
check "BLKROSET on $DEV" "$CTL" blockdev-ro "$DEV" on
check_eq "BLKROGET: read-only now" 1 "$($CTL blockdev-ro "$DEV" get)"
check_eq "the kernel agrees (blockdev --getro)" 1 "$(blockdev --getro "$DEV")"
check_fails "a raw write to the device fails" \
	dd if=/dev/zero of="$DEV" bs=4096 count=1 seek=100 oflag=direct conv=notrunc status=none
mkdir -p "$TESTBED_DIR/romnt"
if mount "$DEV" "$TESTBED_DIR/romnt" 2>/dev/null; then
	testbed_on_exit "umount '$TESTBED_DIR/romnt' 2>/dev/null"
	check "a later mount comes up read-only" grep -q " $TESTBED_DIR/romnt ro," /proc/self/mountinfo
	err=$(cp /etc/hostname "$TESTBED_DIR/romnt/x" 2>&1)
	check "writing a file on it fails with EROFS" grep -q 'Read-only file system' <<<"$err"
	umount "$TESTBED_DIR/romnt"
else
	# ext4 refuses a rw mount of a read-only device; mount(8) retries ro.
	not_ok "mount of the read-only device"
fi
check "BLKROSET off again" "$CTL" blockdev-ro "$DEV" off
check_eq "BLKROGET: writable again" 0 "$($CTL blockdev-ro "$DEV" get)"
check_fails "BLKROGET on a missing node fails" "$CTL" blockdev-ro /dev/ward-no-such-dev get
stick_remove ro1 || not_ok "stick pulled"

# Mount read-only after the fact (exfat-fuse already has the device open).
for fs in exfat ext4; do
	stick_insert "m$fs" --fs "$fs" --serial "RO$fs" || not_ok "$fs stick inserted"
	MNT=$(stick_mnt "m$fs")
	echo before >"$MNT/old.txt"
	check "$fs: mount_setattr read-only" "$CTL" mount-ro "$MNT"
	check "$fs: mountinfo says ro" grep -q " $MNT ro," /proc/self/mountinfo
	err=$(cp /etc/hostname "$MNT/new.txt" 2>&1)
	check "$fs: cp onto it fails with EROFS" grep -q 'Read-only file system' <<<"$err"
	check_fails "$fs: no file left behind" test -e "$MNT/new.txt"
	check_eq "$fs: reading still works" before "$(cat "$MNT/old.txt")"
	stick_remove "m$fs" || not_ok "$fs stick pulled"
done

check_fails "mount-ro on a path that is not a mount point's fails cleanly" \
	"$CTL" mount-ro /nonexistent/ward
done_testing
