#!/usr/bin/env bash
# The USB test bed itself (tests/lib/usbstick.sh): sticks announced through
# real udev events with their USB properties (seen by udev-probe through
# libudev, as wardd sees them), mounted, written, read back, pulled; two at
# once; udevd started and stopped reliably; nothing left behind, also when
# a test script fails or is killed half-way.
#
# The script runs itself as a child (--child MODE STATEFILE) for the cases
# where a separate test script must start, fail or be killed.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/usbstick.sh
WARD_BUILD=${WARD_BUILD:-build}
PROBE=$WARD_BUILD/tools/udev-probe
SELF=tests/integration/10-testbed-smoke.sh

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Child modes: record what the bed made into STATEFILE, then do MODE.
if [ "${1:-}" = --child ]; then
	mode=$2 state=$3
	testbed_init || exit 3
	stick_insert c1 || exit 3
	[ "$mode" = cycle ] || { stick_insert c2 --fs ext4 --serial C2C2C2C2 --partitioned || exit 3; }
	{
		echo "dir=$TESTBED_DIR"
		echo "udevd=$TESTBED_STARTED_UDEVD"
		echo "bed_udevd=$TESTBED_UDEVD_PID"
		for n in c1 c2; do
			[ -d "$TESTBED_DIR/sticks/$n" ] || continue
			echo "dev=$(stick_dev $n)"
			echo "mnt=$(stick_mnt $n)"
			echo "image=$(stick_image $n)"
			echo "rule=$(_tb_get $n rule)"
		done
	} >"$state.tmp" && mv "$state.tmp" "$state"
	case $mode in
	cycle) exit 0 ;;
	fail) false || exit 1 ;;
	# In the background: bash runs a trap only between commands.
	hang)
		sleep 600 &
		testbed_on_exit "kill $!"
		wait $! ;;
	# Killed with SIGKILL: no trap runs, the next testbed_init cleans up.
	kill9) exec sleep 600 ;;
	esac
	exit 0
fi

need_root
etc_rules_before=$(ls -la --time-style=full-iso /etc/udev/rules.d 2>&1)
# Alone on the bed: a wardd another script is testing would act on these
# sticks too, and the udevd start/stop cycles need no other user.
testbed_exclusive || {
	not_ok "have the test bed to this script alone"
	done_testing
	exit 1
}
bed_t0=$(now_ms)
if [ ! -x "$PROBE" ]; then
	not_ok "udev-probe is built ($PROBE; run make)"
	done_testing
	exit 1
fi

# Everything a child's state file names must be gone.
left_behind() {
	local state=$1 key val bad=0
	while IFS='=' read -r key val; do
		case $key in
		dir | rule | image)
			[ -e "$val" ] && { diag "left behind: $key $val"; bad=1; } ;;
		mnt)
			[ -n "$val" ] && grep -q " $val " /proc/mounts &&
				{ diag "left behind: mount on $val"; bad=1; }
			[ -n "$val" ] && [ -e "$val" ] && { diag "left behind: directory $val"; bad=1; } ;;
		esac
	done <"$state"
	# Images are gone, so ask the kernel for any loop device still backed
	# by a file in the child's directory.
	local dir
	dir=$(sed -n 's/^dir=//p' "$state")
	if [ -n "$dir" ] && losetup -a | grep -qF "$dir/"; then
		diag "left behind: loop devices on $dir: $(losetup -a | grep -F "$dir/")"
		bad=1
	fi
	return $bad
}

other_users() {
	local f n=0
	for f in "$TESTBED_STATE"/users/*; do
		[ -e "$f" ] || continue
		[ "${f##*/}" = $$ ] && continue
		_tb_pid_alive "${f##*/}" && n=$((n + 1))
	done
	echo $n
}

# A udevd the bed did not start (no PID file of the bed's) answering.
# Under the bed's lock: a bed starting one writes its PID file meanwhile.
foreign_udevd() {
	local rc=1
	_tb_lock || return 1
	_tb_udevd_alive && [ ! -f "$TESTBED_STATE/udevd.pid" ] && rc=0
	_tb_unlock
	return $rc
}

# --- udevd start/stop, five times in a row (before this script joins) ---
# Other test scripts may be running at the same time and share the bed's
# udevd: then the last one out, not the child, stops it.
cycle_ok=1 cycle_started=0
for i in 1 2 3 4 5; do
	state=$(mktemp)
	had_foreign='' alone=''
	foreign_udevd && had_foreign=1
	! _tb_udevd_alive && [ "$(other_users)" -eq 0 ] && alone=1
	bash "$SELF" --child cycle "$state" >/dev/null 2>"$state.err"
	rc=$?
	started=$(sed -n 's/^udevd=//p' "$state" 2>/dev/null)
	bed_udevd=$(sed -n 's/^bed_udevd=//p' "$state" 2>/dev/null)
	[ -n "$started" ] && cycle_started=$((cycle_started + 1))
	if [ $rc -ne 0 ]; then
		diag "cycle $i: child exited $rc: $(cat "$state.err")"
		cycle_ok=
	elif [ -n "$bed_udevd" ] && [ "$(other_users)" -eq 0 ] && _tb_pid_alive "$bed_udevd"; then
		diag "cycle $i: the bed's udevd (pid $bed_udevd) outlived its last user"
		cycle_ok=
	elif [ -n "$alone" ] && [ -z "$started" ] && [ "$(other_users)" -eq 0 ]; then
		diag "cycle $i: no udevd was running, yet the child did not start one"
		cycle_ok=
	elif [ -n "$had_foreign" ] && ! _tb_udevd_alive; then
		diag "cycle $i: a udevd the bed did not start was stopped"
		cycle_ok=
	fi
	left_behind "$state" || cycle_ok=
	rm -f "$state" "$state.err"
done
diag "the five children started $cycle_started udevd(s) themselves"
check "udevd started and stopped by five test scripts in a row, nothing left" test -n "$cycle_ok"

# --- this script joins the bed: udevd keeps running for the children below ---
testbed_init || {
	not_ok "testbed_init"
	done_testing
	exit 1
}
bed_udevd=$TESTBED_UDEVD_PID

# --- a script that fails half-way cleans up on exit ---
state=$(mktemp)
bash "$SELF" --child fail "$state" >/dev/null 2>"$state.err"
check_eq "a failing child script exits 1" 1 $?
check "it had inserted two sticks" test "$(grep -c '^dev=/dev/loop' "$state")" -eq 2
check "the failing script left no mount, loop device, rule, image or temp dir" left_behind "$state"
rm -f "$state" "$state.err"

# --- a script killed by SIGTERM half-way cleans up too ---
state=$(mktemp)
bash "$SELF" --child hang "$state" >/dev/null 2>"$state.err" &
child=$!
for ((i = 0; i < 200; i++)); do
	[ -s "$state" ] && break
	sleep 0.05
done
check "the child to be killed inserted its sticks" test -s "$state"
kill -TERM "$child"
wait "$child"
check_eq "the killed child exits 143" 143 $?
check "the killed script left no mount, loop device, rule, image or temp dir" left_behind "$state"
rm -f "$state" "$state.err"

# --- a script killed with SIGKILL: the next testbed_init reaps its leftovers ---
state=$(mktemp)
# Not a job of this script's, so that bash does not report the kill.
child=$(bash "$SELF" --child kill9 "$state" >/dev/null 2>"$state.err" & echo $!)
for ((i = 0; i < 200; i++)); do
	[ -s "$state" ] && break
	sleep 0.05
done
check "the child to be killed with SIGKILL inserted its sticks" test -s "$state"
# A harness's timeout kills the whole process group, the exFAT stick's FUSE
# daemon with it: its mount is left "not connected", which stat(2) and
# mountpoint(1) do not call a mount point.
fuse_mnt=$(sed -n 's/^mnt=//p' "$state" | head -n 1)
fuse_pid=''
for p in /proc/[0-9]*; do
	tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "fuse.* $fuse_mnt" && fuse_pid=${p#/proc/}
done
kill -KILL "$child" $fuse_pid
for ((i = 0; i < 100; i++)); do
	_tb_pid_alive "$child" || break
	sleep 0.05
done
check "its exFAT stick's FUSE daemon was killed with it" test -n "$fuse_pid"
check_fails "it left its sticks behind" eval 'left_behind "$state" >/dev/null'

# A script started after it reaps what it left.
reaper=$(mktemp)
bash "$SELF" --child cycle "$reaper" >/dev/null 2>"$reaper.err"
check "testbed_init of the next script removed what the SIGKILLed one left behind" \
	left_behind "$state"
# The message lists every dead script it reaped, sorted as text.
check "and said so" grep -qE "removed what killed test script\(s\) ([0-9]+ )*$child " "$reaper.err" ||
	diag "its messages: $(cat "$reaper.err")"
rm -f "$state" "$state.err" "$reaper" "$reaper.err"

check_eq "the bed leaves the script no background job of its own (a bare wait returns)" "" \
	"$(jobs -p)"
# usb_line ACTION DEV VID PID SERIAL FS UUID: the line udev-probe prints for
# a stick event, up to the filesystem UUID.
usb_line() {
	echo "$1 $2 ID_BUS=usb ID_USB_DRIVER=usb-storage ID_VENDOR_ID=$3 ID_MODEL_ID=$4 ID_SERIAL_SHORT=$5 ID_FS_TYPE=$6 ID_FS_UUID=$7"
}

# udev_calls_stick DEV UUID: udev's database has DEV as one of the bed's
# sticks with that filesystem (a loop device may be reused at once by a
# test running at the same time, with another filesystem).
udev_calls_stick() {
	local props
	props=$(udevadm info -q property -n "$1" 2>/dev/null)
	grep -qx "WARD_TEST=1" <<<"$props" && grep -qx "ID_FS_UUID=$2" <<<"$props"
}

# roundtrip NAME SIZE: write random bytes, unmount, mount again, compare.
roundtrip() {
	local name=$1 src=$TESTBED_DIR/$1.src
	head -c "$2" /dev/urandom >"$src" || return 1
	cp "$src" "$(stick_mnt "$name")/data.bin" || return 1
	stick_unmount "$name" && stick_mount "$name" || return 1
	cmp "$src" "$(stick_mnt "$name")/data.bin"
}

# one_stick FS ANNOUNCE VID PID SERIAL: the whole life of one stick.
one_stick() {
	local fs=$1 announce=$2 vid=$3 pid=$4 serial=$5 name=one-$1 out t0 t1 dev uuid mnt
	out=$TESTBED_DIR/$name.events
	udev_probe_start "$out" --match-prop "WARD_TEST_PID=$$" --match-prop "WARD_TEST_STICK=$name" \
		--until-action remove
	t0=$(now_ms)
	check "insert and mount a $fs stick (announced by $announce)" \
		stick_insert "$name" --fs "$fs" --announce "$announce" --vendor-id "$vid" \
		--product-id "$pid" --serial "$serial" --vendor Kingston --model "DataTraveler 3.0"
	t1=$(now_ms)
	diag "$fs stick inserted and mounted in $((t1 - t0)) ms"
	dev=$(stick_dev "$name") uuid=$(stick_uuid "$name") mnt=$(stick_mnt "$name")
	check "$fs stick is a loop device" test -b "$dev"
	check "$fs stick mounted under /media/ward-test-$$/" test "$mnt" = "/media/ward-test-$$/$name"
	if [ "$fs" = exfat ]; then
		check_eq "exFAT is mounted through FUSE (fuseblk)" fuseblk \
			"$(awk -v d="$dev" -v m="$mnt" '$1 == d && $2 == m { print $3 }' /proc/mounts)"
	else
		check_eq "ext4 is mounted by the kernel driver" ext4 \
			"$(awk -v d="$dev" -v m="$mnt" '$1 == d && $2 == m { print $3 }' /proc/mounts)"
	fi
	check "udev's database has ID_SERIAL and ID_USB_INTERFACES for $dev" \
		_tb_wait_udev "$dev" "ID_SERIAL=Kingston_DataTraveler_3.0_$serial-0:0" \
		"ID_USB_INTERFACES=:080650:" "ID_FS_LABEL=ONE-${fs^^}" "WARD_TEST=1"
	check "a 1 MiB file written to the $fs stick reads back byte-identical after a remount" \
		roundtrip "$name" 1M
	check "pull the $fs stick" stick_remove "$name"
	check "udev-probe saw the stick from $announce to remove" udev_probe_wait
	check_eq "first event: $announce with the USB and filesystem properties" \
		"$(usb_line "$announce" "$dev" "$vid" "$pid" "$serial" "$fs" "$uuid")" \
		"$(head -n1 "$out" | sed 's/ ID_FS_LABEL=.*//')"
	check_eq "last event: remove with the same properties" \
		"$(usb_line remove "$dev" "$vid" "$pid" "$serial" "$fs" "$uuid")" \
		"$(tail -n1 "$out" | sed 's/ ID_FS_LABEL=.*//')"
	diag "events: $(tr '\n' '|' <"$out")"
	check "the $fs stick's loop device is detached" \
		sh -c "! losetup -a | grep -qF '$TESTBED_DIR/'"
	check "the $fs stick's mount point is gone" test ! -e "$mnt"
	check "the $fs stick's rule is gone" test ! -e "$TESTBED_RULES_DIR/61-ward-test-$$-$name.rules"
	check_fails "udev no longer calls $dev a USB stick" udev_calls_stick "$dev" "$uuid"
}

one_stick exfat add 0781 5567 4C530001
one_stick ext4 change 0951 1666 60A44C3FACC0

# --- a partitioned stick: the filesystem in partition 1, like sdb1 ---
out=$TESTBED_DIR/part.events
udev_probe_start "$out" --match-prop "WARD_TEST_PID=$$" --match-prop DEVTYPE=partition \
	--until-action remove
check "insert a partitioned exFAT stick" stick_insert part --partitioned --serial 0123PART
pdev=$(stick_dev part) pdisk=$(stick_disk part) puuid=$(stick_uuid part)
check_eq "its filesystem is on partition 1 of its loop device" "${pdisk}p1" "$pdev"
check "udev: the disk is a USB stick with an MS-DOS partition table" \
	_tb_wait_udev "$pdisk" ID_BUS=usb ID_SERIAL_SHORT=0123PART ID_PART_TABLE_TYPE=dos
check_eq "the partition is mounted through FUSE" fuseblk \
	"$(awk -v d="$pdev" '$1 == d { print $3 }' /proc/mounts)"
check "a file round-trips on the partition" roundtrip part 256K
check "pull the partitioned stick" stick_remove part
check "udev-probe saw the partition from add to remove" udev_probe_wait
check_eq "the partition's add (the kernel's own) has the USB and filesystem properties" \
	"$(usb_line add "$pdev" 0781 5567 0123PART exfat "$puuid")" \
	"$(head -n1 "$out" | sed 's/ ID_FS_LABEL=.*//')"
check_eq "its remove (the kernel's own) has them too" \
	"$(usb_line remove "$pdev" 0781 5567 0123PART exfat "$puuid")" \
	"$(tail -n1 "$out" | sed 's/ ID_FS_LABEL=.*//')"
check "the partition's device node is gone" test ! -e "$pdev"

# --- a surprise pull: "remove" while still mounted ---
out=$TESTBED_DIR/surprise.events
udev_probe_start "$out" --match-prop "WARD_TEST_PID=$$" --match-prop WARD_TEST_STICK=yank \
	--until-action remove
check "insert a stick to yank" stick_insert yank --fs ext4 --serial YANK0001
ydev=$(stick_dev yank) ymnt=$(stick_mnt yank)
check "yank it (stick_remove --surprise)" stick_remove yank --surprise
check "udev-probe saw its remove" udev_probe_wait
check "the remove has the USB properties" \
	grep -q "^remove $ydev ID_BUS=usb ID_USB_DRIVER=usb-storage .*ID_SERIAL_SHORT=YANK0001 ID_FS_TYPE=ext4 " "$out"
check "and the mount is gone afterwards" sh -c "! grep -q ' $ymnt ' /proc/mounts"
check "and the loop device detached" sh -c "! losetup -a | grep -qF '$TESTBED_DIR/yank.img'"

# --- two sticks at once ---
out=$TESTBED_DIR/two.events
udev_probe_start "$out" --match-prop "WARD_TEST_PID=$$" --match-prop "ACTION=add" --count 2
check "insert stick A (exFAT)" stick_insert two-a --serial AAAA0001
check "insert stick B (ext4)" stick_insert two-b --fs ext4 --vendor-id 090c --product-id 1000 \
	--serial BBBB0002 --vendor Samsung --model Flash
check "udev-probe saw both adds" udev_probe_wait
check "A's add has A's serial" grep -q "^add $(stick_dev two-a) .*ID_SERIAL_SHORT=AAAA0001 " "$out"
check "B's add has B's serial and ids" \
	grep -q "^add $(stick_dev two-b) ID_BUS=usb ID_USB_DRIVER=usb-storage ID_VENDOR_ID=090c ID_MODEL_ID=1000 ID_SERIAL_SHORT=BBBB0002 ID_FS_TYPE=ext4 " "$out"
check "A and B are different loop devices" test "$(stick_dev two-a)" != "$(stick_dev two-b)"
echo A >"$(stick_mnt two-a)/who" && echo B >"$(stick_mnt two-b)/who"
check_eq "A and B are mounted separately" "A B" \
	"$(cat "$(stick_mnt two-a)/who") $(cat "$(stick_mnt two-b)/who")"
check "pull A" stick_remove two-a
check "B is still mounted after A is pulled" mountpoint -q "$(stick_mnt two-b)"
check "B is still a USB stick to udev" _tb_wait_udev "$(stick_dev two-b)" ID_SERIAL_SHORT=BBBB0002
check "pull B" stick_remove two-b

# --- a stick left inserted is pulled by the cleanup ---
check "insert a stick and leave it" stick_insert left --fs ext4
left_dev=$(stick_dev left) left_mnt=$(stick_mnt left) left_uuid=$(stick_uuid left)
left_rule=$(_tb_get left rule)
my_dir=$TESTBED_DIR
testbed_cleanup
check "cleanup unmounted the stick left inserted" sh -c "! grep -q ' $left_mnt ' /proc/mounts"
check "cleanup detached every loop device this script attached" \
	sh -c "! losetup -a | grep -qF '$my_dir/'"
check "no rule file of this script is left" \
	sh -c "! ls $TESTBED_RULES_DIR/61-ward-test-$$-* 2>/dev/null | grep -q ."
check "no mount under /media/ward-test-$$" sh -c "! grep -q ' /media/ward-test-$$/' /proc/mounts"
check "/media/ward-test-$$ and the image directory are removed" \
	sh -c "test ! -e /media/ward-test-$$ && test ! -e '$my_dir'"
check "the stick's rule file is removed" test ! -e "$left_rule"
check_fails "the udev database no longer calls $left_dev a USB stick" \
	udev_calls_stick "$left_dev" "$left_uuid"
check_eq "/etc/udev/rules.d is untouched" "$etc_rules_before" \
	"$(ls -la --time-style=full-iso /etc/udev/rules.d 2>&1)"
# This script had the bed to itself (testbed_exclusive), so it was the
# last user of the bed's udevd.
if [ -n "$bed_udevd" ]; then
	check_fails "the bed's udevd (pid $bed_udevd) is stopped" _tb_pid_alive "$bed_udevd"
else
	check "the udevd the bed did not start is still running" _tb_udevd_alive
fi
diag "the smoke test took $(($(now_ms) - bed_t0)) ms once it had the bed"
done_testing
