#!/usr/bin/env bash
# kmod-free/usbauth under umockdev (a recorded SanDisk stick on a mocked
# xHCI bus, tests/lib/umockdev/usb-stick.umockdev): the USB device above a
# partition is found through libudev, deauthorized through sysfs
# `authorized` as USBGuard does, and the bus's authorized_default is set.
# The same mocked tree checks agent/devices' enumeration: the disk and the
# partition, the partition carrying the disk's USB identity.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
WARD_BUILD=${WARD_BUILD:-build}
need_cmd umockdev-run

MOCK=tests/lib/umockdev/usb-stick.umockdev
USB=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1
PART=$USB/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb/sdb1
# umockdev preloads its library; a sanitizer build must accept that.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# Everything that must see the same mocked sysfs runs in one umockdev-run.
out=$(umockdev-run -d "$MOCK" -- bash -c '
	CTL=$1 WATCH=$2 USB=$3 PART=$4
	echo "find=$($CTL usb-find "$PART")"
	echo "find_usb_itself=$($CTL usb-find "$USB" 2>&1)"
	echo "before=$($CTL usb-auth "$USB" get)"
	echo "deauth=$($CTL usb-deauth-block "$PART")"
	echo "after=$($CTL usb-auth "$USB" get)"
	echo "sysfs_after=$(cat "$USB/authorized")"
	$CTL usb-auth "$USB" 1 && echo "reauth=$(cat "$USB/authorized")"
	$CTL usb-default /sys/devices/pci0000:00/0000:00:14.0/usb1 0 &&
		echo "default=$(cat /sys/devices/pci0000:00/0000:00:14.0/usb1/authorized_default)"
	$CTL usb-default /sys/devices/pci0000:00/0000:00:14.0/usb1 7 2>/dev/null || echo "default_7=refused"
	$WATCH --seconds 1 | sed "s/^/watch: /"
' _ "$WARD_BUILD/tools/kmodfree-ctl" "$WARD_BUILD/tools/kmodfree-devwatch" "$USB" "$PART" 2>&1)
diag "$(sed 's/^/  /' <<<"$out")"

check_eq "USB device found above the partition" "find=$USB" "$(grep '^find=' <<<"$out")"
check "walking up from a non-block device is refused (never a hub)" \
	grep -q '^find_usb_itself=.*Invalid argument' <<<"$out"
check_eq "authorized at first" "before=1" "$(grep '^before=' <<<"$out")"
check_eq "deauthorize names the USB device" "deauth=$USB" "$(grep '^deauth=' <<<"$out")"
check_eq "authorized reads 0 after" "after=0" "$(grep '^after=' <<<"$out")"
check_eq "sysfs attribute holds 0" "sysfs_after=0" "$(grep '^sysfs_after=' <<<"$out")"
check_eq "authorized again" "reauth=1" "$(grep '^reauth=' <<<"$out")"
check_eq "bus authorized_default set to 0" "default=0" "$(grep '^default=' <<<"$out")"
check_eq "authorized_default 7 refused" "default_7=refused" "$(grep '^default_7=' <<<"$out")"
check "enumeration: the disk, with its USB identity" grep -q \
	'^watch: device add 8:16 bus=usb vid=0781 pid=5567 serial=4C530001 vendor=SanDisk model=Cruzer Blade .* node=/dev/sdb size=4004511744 part=0 stacked=0 below=8:16$' <<<"$out"
check "enumeration: the partition, with the disk's identity and its own filesystem" grep -q \
	'^watch: device add 8:17 bus=usb vid=0781 pid=5567 serial=4C530001 vendor=SanDisk model=Cruzer Blade fs=exfat uuid=4C53-0001 label=WARD_MOCK node=/dev/sdb1 size=4000317440 part=1 stacked=0 below=8:16$' <<<"$out"

# Without udev's database (udevd started after the stick, or its rules did
# not run): no ID_* properties, and a disk that says removable=0.  The
# identity and the usb-storage driver come from sysfs above the disk.
BARE=$(mktemp "${TMPDIR:-/tmp}/ward-umockdev.XXXXXX")
STACKED=
trap 'rm -f "$BARE" $STACKED' EXIT
grep -v '^E: ID_' "$MOCK" | sed 's/^A: removable=1$/A: removable=0/' >"$BARE"
bare=$(umockdev-run -d "$BARE" -- "$WARD_BUILD/tools/kmodfree-devwatch" --seconds 1 2>&1)
diag "$(sed 's/^/  /' <<<"$bare")"
check "without udev properties: the disk is still a USB stick, identity from sysfs" grep -q \
	'^device add 8:16 bus=usb vid=0781 pid=5567 serial=4C530001 vendor=SanDisk model=Cruzer Blade fs= uuid= label= node=/dev/sdb ' <<<"$bare"
check "without udev properties: the partition too" grep -q \
	'^device add 8:17 bus=usb vid=0781 pid=5567 serial=4C530001 .* node=/dev/sdb1 .* part=1 stacked=0 below=8:16$' <<<"$bare"

# An encrypted stick opened with cryptsetup: dm-0 over sdb1.  It is not
# removable itself; its "slaves" in sysfs lead to the stick, whose identity
# it takes, with its own filesystem.  (No device-mapper in this VM's kernel:
# the mapping is mocked, the link is made inside the mocked sysfs.)
STACKED=$(mktemp "${TMPDIR:-/tmp}/ward-umockdev.XXXXXX")
trap 'rm -f "$BARE" "$STACKED"' EXIT
cat "$MOCK" - >"$STACKED" <<'MOCKDM'

P: /devices/virtual/block/dm-0
N: dm-0
E: DEVNAME=/dev/dm-0
E: DEVTYPE=disk
E: MAJOR=254
E: MINOR=0
E: SUBSYSTEM=block
E: DM_NAME=luks-4c53
E: DM_UUID=CRYPT-LUKS2-4c530001-luks-4c53
E: ID_FS_TYPE=ext4
E: ID_FS_UUID=11111111-2222-3333-4444-555555555555
E: ID_FS_LABEL=SECRET
A: removable=0
A: ro=0
A: size=7780352

P: /devices/virtual/block/dm-1
N: dm-1
E: DEVNAME=/dev/dm-1
E: DEVTYPE=disk
E: MAJOR=254
E: MINOR=1
E: SUBSYSTEM=block
E: DM_NAME=internal-home
E: ID_FS_TYPE=ext4
A: removable=0
A: ro=0
A: size=1000000
MOCKDM
stacked=$(umockdev-run -d "$STACKED" -- bash -c '
	block=$UMOCKDEV_DIR/sys/devices/virtual/block
	mkdir "$block/dm-0/slaves" "$block/dm-1/slaves" &&
	ln -s ../../../../pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb/sdb1 \
		"$block/dm-0/slaves/sdb1" &&
	"$1" --seconds 1' _ "$WARD_BUILD/tools/kmodfree-devwatch" 2>&1)
diag "$(sed 's/^/  /' <<<"$stacked")"
check "a mapping over the stick is a medium, with the stick's identity and its own filesystem" grep -q \
	'^device add 254:0 bus=usb vid=0781 pid=5567 serial=4C530001 vendor=SanDisk model=Cruzer Blade fs=ext4 uuid=11111111-2222-3333-4444-555555555555 label=SECRET node=/dev/dm-0 size=3983540224 part=0 stacked=1 below=8:17$' <<<"$stacked"
check_eq "a mapping over nothing removable is not" "" "$(grep '^device add 254:1 ' <<<"$stacked")"
done_testing
