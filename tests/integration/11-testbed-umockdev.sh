#!/usr/bin/env bash
# USB-device-level behaviour without a USB bus: under umockdev-run, /sys is
# the mock tree of tests/lib/umockdev/usb-stick.umockdev (a SanDisk Cruzer
# 0781:5567 with serial 4C530001 on usb1 port 1, its usb-storage interface,
# SCSI disk sdb and exFAT partition sdb1, with the udev properties a real
# stick gets).  A program run there finds the stick through libudev and
# deauthorizes it by writing 0 to its `authorized` attribute, as USBGuard
# and Ward do.  umockdev only records the write: nothing is unbound and
# no block device goes away, as the kernel would do on a real machine.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
WARD_BUILD=${WARD_BUILD:-build}
MOCK=tests/lib/umockdev/usb-stick.umockdev
AUTH=$WARD_BUILD/tools/usb-authorize
PROBE=$WARD_BUILD/tools/udev-probe
USB=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1

# umockdev-run preloads its library, so an ASan build's runtime is no
# longer first in the list; that order does not matter for these tools.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

for need in "$AUTH" "$PROBE"; do
	if [ ! -x "$need" ]; then
		not_ok "$need is built (run make)"
		done_testing
		exit 1
	fi
done
if ! command -v umockdev-run >/dev/null; then
	not_ok "umockdev-run is installed (Debian package umockdev; packaging/deps.sh)"
	done_testing
	exit 1
fi

mock() { umockdev-run -d "$MOCK" -- "$@"; }

out=$(mock "$AUTH" --vendor 0781 --product 5567 2>&1)
check_eq "the mock stick is found by idVendor/idProduct, authorized" \
	"$USB authorized=1" "$out"

out=$(mock "$AUTH" --vendor 0781 --product 5567 --serial 4C530001 2>&1)
check_eq "and by its serial too" "$USB authorized=1" "$out"

mock "$AUTH" --vendor 0781 --product 5568 >/dev/null 2>&1
check_eq "another product id finds nothing (exit 3)" 3 $?

out=$(mock "$AUTH" --block sdb1 2>&1)
check_eq "partition sdb1 leads to the same USB device through its udev parents" \
	"$USB authorized=1" "$out"

out=$(mock sh -c "'$AUTH' --vendor 0781 --product 5567 --set 0 && cat $USB/authorized" 2>&1)
check_eq "writing 0 deauthorizes it, and the attribute reads 0 afterwards" \
	"$USB authorized=1->0
0" "$out"

out=$(mock sh -c "'$AUTH' --block sdb --set 0 >/dev/null && '$AUTH' --block sdb --set 1" 2>&1)
check_eq "and it can be authorized again" "$USB authorized=0->1" "$out"

out=$(mock "$AUTH" --block sdb 2>&1)
check_eq "every umockdev-run starts from the file: authorized again" "$USB authorized=1" "$out"

out=$(mock "$PROBE" --enumerate --timeout 1 --match-prop ID_BUS=usb --match-prop DEVTYPE=partition 2>&1)
check_eq "libudev sees sdb1 as an exFAT partition on a USB stick" \
	"enum /dev/sdb1 ID_BUS=usb ID_USB_DRIVER=usb-storage ID_VENDOR_ID=0781 ID_MODEL_ID=5567 ID_SERIAL_SHORT=4C530001 ID_FS_TYPE=exfat ID_FS_UUID=4C53-0001 ID_FS_LABEL=WARD_MOCK WARD_TEST_STICK=umockdev" \
	"$out"

out=$(mock sh -c 'echo $(cat /sys/block/sdb/removable) $(cat /sys/bus/usb/devices/usb1/authorized_default)' 2>&1)
check_eq "sdb is removable and the bus authorizes new devices by default" "1 1" "$out"
done_testing
