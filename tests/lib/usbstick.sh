# USB test bed: loop-backed exFAT/ext4 images that udev announces as USB
# mass-storage sticks, through real udev events, so that wardd (libudev)
# sees them exactly as it sees a real stick.  Source this file, then:
#
#   testbed_init [--shared]         trap EXIT/INT/TERM, start udevd if needed,
#                                   wait until no other bed script runs;
#                                   --shared (or TESTBED_SHARED=1): run
#                                   alongside other --shared scripts
#   testbed_exclusive               the bed to this script alone, before
#                                   testbed_init (e.g. for child scripts)
#   testbed_on_exit "CMD"           run CMD at exit, before the sticks go
#                                   (e.g. stop wardd); do not set your own
#                                   EXIT trap, it would replace the bed's
#   stick_insert NAME [--fs exfat|ext4] [--size 64M] [--vendor-id 0781]
#                [--product-id 5567] [--serial 4C530001] [--vendor SanDisk]
#                [--model Cruzer] [--label LABEL] [--announce add|change]
#                [--partitioned] [--no-mount]
#   stick_mount NAME / stick_unmount NAME
#   stick_remove NAME [--surprise]  unmount, "remove" event, detach (a pull);
#                                   --surprise: "remove" while still mounted
#   stick_dev NAME                  /dev/loopN (/dev/loopNp1 if --partitioned):
#                                   the filesystem's device
#   stick_disk NAME                 /dev/loopN, the whole stick
#   stick_mnt NAME                  /media/ward-test-$$/NAME (when mounted)
#   stick_uuid NAME / stick_fs NAME / stick_image NAME
#   testbed_cleanup                 what the trap runs; safe to call twice
#   udev_probe_start FILE [OPTION...]  $WARD_BUILD/tools/udev-probe in the
#                                   background, its lines into FILE; returns
#                                   once it listens (default --timeout 30)
#   udev_probe_wait                 its exit status (0, or 2 on timeout)
#
# How a loop device becomes a "USB stick": before udev processes the device,
# a rule /run/udev/rules.d/61-ward-test-<pid>-NAME.rules matching exactly
# that loop device (KERNEL=="loopN") sets the properties udev's usb_id
# builtin sets for a real stick (ID_BUS=usb, ID_USB_DRIVER=usb-storage,
# ID_VENDOR_ID, ...) and WARD_TEST=1.  It sorts after
# 60-persistent-storage.rules, so udev's blkid builtin has already added
# ID_FS_TYPE/ID_FS_UUID/ID_FS_LABEL to the same event.
#
#   --announce add     (default) attach, let udev process the kernel's own
#                      "change" without the rule, then install the rule and
#                      send an "add" through the kernel (udevadm trigger): the
#                      agent sees one USB "add", like a real stick.
#   --announce change  install the rule, then attach: the kernel's own
#                      "change" (backing file set) carries the USB
#                      properties, as it does for a loop device in the wild.
#   --partitioned      an MS-DOS partition table with the filesystem in
#                      partition 1 (like sdb1): install the rule, attach,
#                      add the partition (partx): the disk gets the
#                      kernel's "change", the partition the kernel's own
#                      "add", and on a pull its own "remove".
#
# A pull: unmount, a "remove" event through the kernel (udevadm trigger
# --action=remove; udev sends it with every property from its database,
# as for a real stick), remove the rule, detach the loop device.
#
# udevd: there is no systemd here, so the bed starts a private
# systemd-udevd when none answers, in its own session (so ^C or a test
# timeout killing the test's process group does not kill it under another
# test).  Test scripts may run concurrently: each registers under
# /run/ward-testbed/users/<pid>; the last one to leave stops the udevd the
# bed started, by the PID recorded in /run/ward-testbed/udevd.pid.  A udevd
# someone else started is never stopped.
#
# Sharing the machine: every udev listener sees every stick, so a wardd
# under test acts on other scripts' sticks too (makes them read-only, ...)
# and journals their events.  So by default a script has the bed to itself:
# testbed_init waits until no other bed script runs and keeps them waiting
# until it exits (flock -x on /run/ward-testbed/bed.lock).  Only scripts
# that start nothing reacting to all sticks may pass --shared (flock -s)
# to run alongside each other.  Child scripts run under their parent's
# hold (TESTBED_BED_HOLDER_PID).
#
# Every function returns non-zero and says why on stderr when it fails.

TESTBED_STATE=${TESTBED_STATE:-/run/ward-testbed}
TESTBED_RULES_DIR=${TESTBED_RULES_DIR:-/run/udev/rules.d}
TESTBED_MEDIA=/media/ward-test-$$
TESTBED_TIMEOUT=${TESTBED_TIMEOUT:-10}
TESTBED_DIR=
TESTBED_STARTED_UDEVD= # PID of the udevd this script started, if it did
TESTBED_UDEVD_PID=     # PID of the bed's udevd it uses; empty if not the bed's
TESTBED_EXIT_HOOKS=()
TESTBED_ACTIVE=
TESTBED_HOLDER=
TESTBED_PROBE_PID=
# How long testbed_init waits for the bed (see --shared).
TESTBED_BED_WAIT=${TESTBED_BED_WAIT:-600}

_tb_err() { echo "usbstick: $*" >&2; }

_tb_udevd_bin() {
	local p
	for p in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	_tb_err "systemd-udevd not found in /lib/systemd or /usr/lib/systemd; install the udev package"
	return 1
}

_tb_udevd_alive() { udevadm control --ping --timeout=2 >/dev/null 2>&1; }

# True when PID names a live process (a zombie is not live: init here does
# not always reap at once).
_tb_pid_alive() {
	local pid=$1 stat
	[ -n "$pid" ] && IFS= read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
	stat=${stat##*) }
	case ${stat:0:1} in Z | X | '') return 1 ;; esac
	return 0
}

# Serialises every bed's udevd bookkeeping and loop device selection.
_tb_lock() {
	[ -d "$TESTBED_STATE/users" ] || mkdir -p "$TESTBED_STATE/users" || return 1
	exec {TESTBED_LOCK_FD}>"$TESTBED_STATE/lock" || return 1
	flock -w 60 "$TESTBED_LOCK_FD" || {
		_tb_err "could not lock $TESTBED_STATE/lock within 60s; is a test bed hung?"
		exec {TESTBED_LOCK_FD}>&-
		return 1
	}
}
_tb_unlock() { exec {TESTBED_LOCK_FD}>&-; }

# Starts udevd when none answers; registers this script as a user.  Runs
# under the lock.
_tb_udevd_acquire() {
	local bin pid='' i
	echo $$ >"$TESTBED_STATE/users/$$" || return 1
	if _tb_udevd_alive; then
		[ -f "$TESTBED_STATE/udevd.pid" ] && IFS= read -r pid <"$TESTBED_STATE/udevd.pid"
		if _tb_pid_alive "$pid"; then
			TESTBED_UDEVD_PID=$pid
		else
			# The bed's udevd died; this one is someone else's.
			rm -f "$TESTBED_STATE/udevd.pid"
		fi
		return 0
	fi
	bin=$(_tb_udevd_bin) || return 1
	# Not holding our lock: udevd outlives this script.  Started from a
	# command substitution, so it is no job of the test's (a bare `wait`
	# in the test must not wait for it).
	# udevd's inotify watches of a previous udevd: meaningless now, and
	# udevd cannot clear them itself as /run is no tmpfs here ("Failed to
	# add inotify watch ... File exists": no change events on close).
	rm -rf /run/udev/watch /run/udev/watch.old
	# One log per udevd, the previous one kept.
	[ -f "$TESTBED_STATE/udevd.log" ] && mv -f "$TESTBED_STATE/udevd.log" "$TESTBED_STATE/udevd.log.1"
	pid=$(setsid "$bin" </dev/null >"$TESTBED_STATE/udevd.log" 2>&1 {TESTBED_LOCK_FD}>&- &
		echo $!)
	echo "$pid" >"$TESTBED_STATE/udevd.pid"
	for ((i = 0; i < TESTBED_TIMEOUT * 10; i++)); do
		_tb_udevd_alive && break
		_tb_pid_alive "$pid" || break
		sleep 0.1
	done
	if ! _tb_udevd_alive; then
		_tb_err "systemd-udevd (pid $pid) did not answer a ping within ${TESTBED_TIMEOUT}s; see $TESTBED_STATE/udevd.log"
		kill "$pid" 2>/dev/null
		rm -f "$TESTBED_STATE/udevd.pid"
		return 1
	fi
	TESTBED_STARTED_UDEVD=$pid
	TESTBED_UDEVD_PID=$pid
}

# Unregisters this script; the last user stops the udevd the bed started.
# Runs under the lock.
_tb_udevd_release() {
	local f pid comm='' i
	rm -f "$TESTBED_STATE/users/$$"
	for f in "$TESTBED_STATE"/users/*; do
		[ -e "$f" ] || continue
		_tb_pid_alive "${f##*/}" && return 0
		rm -f "$f"
	done
	[ -f "$TESTBED_STATE/udevd.pid" ] || return 0
	IFS= read -r pid <"$TESTBED_STATE/udevd.pid"
	IFS= read -r comm 2>/dev/null <"/proc/$pid/comm"
	if _tb_pid_alive "$pid" && [ "$comm" = systemd-udevd ]; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			_tb_pid_alive "$pid" || break
			sleep 0.1
		done
		if _tb_pid_alive "$pid"; then
			_tb_err "systemd-udevd (pid $pid) ignored SIGTERM for 5s; killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -f "$TESTBED_STATE/udevd.pid"
}

# _tb_hold_bed -s|-x: holds /run/ward-testbed/bed.lock, shared or
# exclusive, until testbed_cleanup.  A helper process holds it (so no
# program this script starts inherits the lock), and lets go by itself if
# this script dies without cleaning up.
_tb_hold_bed() {
	local mode=$1 held i waited=''
	[ -n "$TESTBED_HOLDER" ] && return 0
	# A child of a script holding the bed runs under its parent's hold.
	if [ -n "${TESTBED_BED_HOLDER_PID:-}" ] && [ "$TESTBED_BED_HOLDER_PID" != $$ ] &&
		_tb_pid_alive "$TESTBED_BED_HOLDER_PID"; then
		return 0
	fi
	mkdir -p "$TESTBED_STATE" || return 1
	held=$(mktemp -u "${TMPDIR:-/tmp}/ward-testbed-held.$$.XXXXXX")
	# The holder is a grandchild, so that a bare `wait` in the test does
	# not wait for it.  A subshell has default signal dispositions: kill
	# ends it at once, and its sleep does not inherit the lock.
	( (
		exec {fd}>"$TESTBED_STATE/bed.lock" || exit 1
		if ! flock "$mode" -w "$TESTBED_BED_WAIT" "$fd"; then
			echo fail >"$held.tmp" && mv "$held.tmp" "$held"
			exit 1
		fi
		echo "$BASHPID" >"$held.tmp" && mv "$held.tmp" "$held"
		while kill -0 $$ 2>/dev/null; do
			sleep 1 {fd}>&-
		done
	) </dev/null >/dev/null 2>&1 & )
	for ((i = 0; i < (TESTBED_BED_WAIT + 10) * 10; i++)); do
		if [ -s "$held" ]; then
			IFS= read -r TESTBED_HOLDER <"$held"
			rm -f "$held"
			[ "$TESTBED_HOLDER" = fail ] && break
			export TESTBED_BED_HOLDER_PID=$$
			return 0
		fi
		if [ $i -eq 20 ]; then
			waited=1
			_tb_err "waiting up to ${TESTBED_BED_WAIT}s for other test bed scripts" \
				"($(ls "$TESTBED_STATE/users" | tr '\n' ' ')) to finish: $( [ "$mode" = -x ] &&
					echo "this one wants the bed to itself" ||
					echo "one of them has the bed to itself")"
		fi
		sleep 0.1
	done
	TESTBED_HOLDER=
	_tb_err "could not lock $TESTBED_STATE/bed.lock ($mode) within ${TESTBED_BED_WAIT}s${waited:+; a test holding it may be hung}"
	return 1
}

_tb_release_bed() {
	local i
	[ -n "$TESTBED_HOLDER" ] || return 0
	kill "$TESTBED_HOLDER" 2>/dev/null
	# Not our child: wait until it is gone, so the next script finds the
	# lock free.
	for ((i = 0; i < 50; i++)); do
		_tb_pid_alive "$TESTBED_HOLDER" || break
		sleep 0.02
	done
	TESTBED_HOLDER=
	unset TESTBED_BED_HOLDER_PID
}

# testbed_exclusive: have the bed to this script alone from now on (before
# testbed_init, e.g. to run child scripts that use the bed undisturbed:
# they share this script's hold).  testbed_init keeps the hold; it ends
# with testbed_cleanup or, at the latest, a second after this script exits.
testbed_exclusive() {
	local -
	set +e
	_tb_hold_bed -x
}

testbed_init() {
	local - # the caller's set -e must not stop a function half-way
	set +e
	local shared=${TESTBED_SHARED:-}
	[ -n "$TESTBED_ACTIVE" ] && return 0
	case ${1:-} in
	--shared) shared=1 ;;
	--exclusive) shared='' ;; # the default; accepted for clarity
	'') ;;
	*)
		_tb_err "testbed_init: unknown option '$1' (--shared or --exclusive)"
		return 1 ;;
	esac
	if [ "$(id -u)" -ne 0 ]; then
		_tb_err "the USB test bed needs root (loop devices, mounts, udev rules)"
		return 1
	fi
	local c
	for c in udevadm losetup mkfs.exfat mkfs.ext4 mount.exfat-fuse blkid flock setsid; do
		command -v "$c" >/dev/null 2>&1 || {
			_tb_err "$c not found; run packaging/deps.sh"
			return 1
		}
	done
	TESTBED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ward-testbed.$$.XXXXXX") || return 1
	mkdir -p "$TESTBED_DIR/sticks" || return 1
	TESTBED_ACTIVE=1
	trap testbed_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ -n "$shared" ]; then
		_tb_hold_bed -s || return 1
	else
		_tb_hold_bed -x || return 1
	fi
	_tb_lock || return 1
	_tb_reap_stale
	_tb_udevd_acquire
	local rc=$?
	_tb_unlock
	return $rc
}

# _tb_reap_stale: what test scripts killed with SIGKILL (no trap ran) left
# behind: their rules would make later loop devices USB sticks, their loop
# devices and mounts hold images nobody removes.  Runs under the lock.
_tb_reap_stale() {
	local f pid d backing mnt dead=() reload=''
	for f in "$TESTBED_RULES_DIR"/61-ward-test-*-*.rules; do
		[ -e "$f" ] || continue
		pid=${f##*/61-ward-test-}
		pid=${pid%%-*}
		[[ $pid =~ ^[0-9]+$ ]] && ! _tb_pid_alive "$pid" || continue
		rm -f "$f" && reload=1 && dead+=("$pid")
	done
	while read -r _ mnt _; do
		[[ $mnt =~ ^/media/ward-test-([0-9]+)/ ]] || continue
		pid=${BASH_REMATCH[1]}
		_tb_pid_alive "$pid" && continue
		_tb_umount "$mnt" && rmdir "$mnt" "/media/ward-test-$pid" 2>/dev/null
		dead+=("$pid")
	done </proc/mounts
	for d in /sys/block/loop*; do
		IFS= read -r backing 2>/dev/null <"$d/loop/backing_file" || continue
		backing=${backing% (deleted)}
		[[ $backing =~ /ward-testbed\.([0-9]+)\.[^/]+/[^/]+\.img$ ]] || continue
		pid=${BASH_REMATCH[1]}
		_tb_pid_alive "$pid" && continue
		blockdev --setrw "/dev/${d##*/}" 2>/dev/null
		# The image's directory goes below, with its other images.
		_tb_del_partitions "/dev/${d##*/}" && _tb_detach "/dev/${d##*/}" "$backing"
		dead+=("$pid")
	done
	for d in /media/ward-test-*; do
		[[ $d =~ ^/media/ward-test-([0-9]+)$ ]] && [ -d "$d" ] || continue
		pid=${BASH_REMATCH[1]}
		_tb_pid_alive "$pid" && continue
		# Only empty mount points: a mount still there was reported above.
		rmdir "$d"/* "$d" 2>/dev/null && dead+=("$pid")
	done
	for d in "${TMPDIR:-/tmp}"/ward-testbed.*.*; do
		[[ $d =~ /ward-testbed\.([0-9]+)\.[^/]+$ ]] && [ -d "$d" ] || continue
		pid=${BASH_REMATCH[1]}
		_tb_pid_alive "$pid" && continue
		rm -rf "$d"
		dead+=("$pid")
	done
	[ -n "$reload" ] && _tb_udevd_alive && _tb_reload
	[ ${#dead[@]} -gt 0 ] &&
		_tb_err "removed what killed test script(s) $(printf '%s\n' "${dead[@]}" | sort -u | tr '\n' ' ')left behind"
	return 0
}

testbed_on_exit() { TESTBED_EXIT_HOOKS+=("$1"); }

_tb_check_name() {
	case $1 in
	'' | *[!A-Za-z0-9_-]*)
		_tb_err "stick name '$1' must be letters, digits, '-' or '_'"
		return 1 ;;
	esac
}

# What the bed knows of a stick is one file per fact under
# $TESTBED_DIR/sticks/NAME/, so it survives subshells ($(stick_insert ...)).
# Read with builtins only: forks are what makes a shell library slow.

# _tb_read VAR NAME KEY: one recorded fact of a stick into VAR.
_tb_read() {
	local _tb_f=$TESTBED_DIR/sticks/$2/$3
	[ -f "$_tb_f" ] || return 1
	IFS= read -r "$1" <"$_tb_f"
}
# _tb_get NAME KEY: the same, printed.
_tb_get() {
	local _tb_v
	_tb_read _tb_v "$1" "$2" && printf '%s\n' "$_tb_v"
}
_tb_set() { printf '%s\n' "$3" >"$TESTBED_DIR/sticks/$1/$2"; }

_tb_known() {
	_tb_check_name "$1" || return 1
	[ -n "$TESTBED_DIR" ] && [ -d "$TESTBED_DIR/sticks/$1" ] || {
		_tb_err "no stick named '$1' (call testbed_init, then stick_insert $1)"
		return 1
	}
}

stick_dev() { _tb_known "$1" && _tb_get "$1" dev; }
stick_disk() { _tb_known "$1" && _tb_get "$1" disk; }
stick_mnt() { _tb_known "$1" && _tb_get "$1" mnt; }
stick_uuid() { _tb_known "$1" && _tb_get "$1" uuid; }
stick_fs() { _tb_known "$1" && _tb_get "$1" fs; }
stick_image() { _tb_known "$1" && _tb_get "$1" image; }

# udev's view of a device: "KEY=VALUE" lines from its database.
_tb_udev_props() { udevadm info --query=property --name="$1" 2>/dev/null; }

# _tb_wait_udev DEV KEY=VAL...: until udev's database for DEV has every
# KEY=VAL (a key given as KEY=! must be absent).
_tb_wait_udev() {
	local dev=$1 i props kv ok nl=$'\n'
	shift
	for ((i = 0; i < TESTBED_TIMEOUT * 20; i++)); do
		props=$nl$(_tb_udev_props "$dev")$nl
		ok=1
		for kv in "$@"; do
			if [ "${kv#*=}" = '!' ]; then
				[[ $props == *"$nl${kv%%=*}="* ]] && ok=
			else
				[[ $props == *"$nl$kv$nl"* ]] || ok=
			fi
			[ -z "$ok" ] && break
		done
		[ -n "$ok" ] && return 0
		sleep 0.05
	done
	_tb_err "udev did not record $* for $dev within ${TESTBED_TIMEOUT}s; udev has:"
	local line
	while IFS= read -r line; do
		[ -n "$line" ] && echo "usbstick:   $line" >&2
	done <<<"$props"
	return 1
}

# _tb_trigger ACTION DEV: the kernel sends ACTION for DEV; returns once udev
# has processed it (the event carries a SYNTH_UUID that --settle waits for).
_tb_trigger() {
	timeout -k 2 "$TESTBED_TIMEOUT" udevadm trigger --action="$1" --settle "$2"
}

_tb_reload() {
	udevadm control --reload --timeout="$TESTBED_TIMEOUT" || {
		_tb_err "udevadm control --reload failed: is systemd-udevd running?"
		return 1
	}
}

# _tb_write_rule NAME KERNEL: the rule that makes loopN a USB stick.  The
# values were checked by stick_insert: no quote or backslash gets here.
_tb_write_rule() {
	local name=$1 kernel=$2 rule vendor model serial port vid pid
	_tb_read rule "$name" rule &&
		_tb_read vendor "$name" vendor &&
		_tb_read model "$name" model &&
		_tb_read serial "$name" serial &&
		_tb_read port "$name" port &&
		_tb_read vid "$name" vendor_id &&
		_tb_read pid "$name" product_id || return 1
	[ -d "$TESTBED_RULES_DIR" ] || mkdir -p "$TESTBED_RULES_DIR" || return 1
	cat >"$rule.tmp" <<EOF || return 1
# Ward test bed (tests/lib/usbstick.sh, pid $$): $kernel is USB stick "$name".
# Removed when the stick is pulled or the test exits.
SUBSYSTEM=="block", KERNEL=="$kernel|${kernel}p[0-9]*", ENV{ID_BUS}="usb", ENV{ID_USB_DRIVER}="usb-storage", \\
  ENV{ID_TYPE}="disk", ENV{ID_INSTANCE}="0:0", ENV{ID_USB_INTERFACES}=":080650:", \\
  ENV{ID_USB_INTERFACE_NUM}="00", ENV{ID_REVISION}="1.00", \\
  ENV{ID_VENDOR_ID}="$vid", ENV{ID_MODEL_ID}="$pid", ENV{ID_SERIAL_SHORT}="$serial", \\
  ENV{ID_VENDOR}="${vendor// /_}", ENV{ID_VENDOR_ENC}="${vendor// /\\x20}", \\
  ENV{ID_MODEL}="${model// /_}", ENV{ID_MODEL_ENC}="${model// /\\x20}", \\
  ENV{ID_SERIAL}="${vendor// /_}_${model// /_}_${serial}-0:0", \\
  ENV{ID_PATH}="pci-0000:00:14.0-usb-0:$port:1.0-scsi-0:0:0:0", \\
  ENV{WARD_TEST}="1", ENV{WARD_TEST_STICK}="$name", ENV{WARD_TEST_PID}="$$"
EOF
	mv -f "$rule.tmp" "$rule"
}

# The port number a stick pretends to sit in: how many sticks exist,
# counting itself.
_tb_port() {
	local d
	TESTBED_PORT=0
	for d in "$TESTBED_DIR"/sticks/*; do
		[ -d "$d" ] && TESTBED_PORT=$((TESTBED_PORT + 1))
	done
}

# Little-endian 32-bit N as printf escapes.
_tb_le32() {
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# _tb_write_mbr IMG FS SECTORS: an MS-DOS partition table with one
# partition from 1 MiB on, as sticks are sold (no sfdisk needed).
_tb_write_mbr() {
	local img=$1 type sectors=$3 sig=$(((RANDOM << 16 | RANDOM) & 0xffffffff))
	case $2 in
	exfat) type='\x07' ;; # HPFS/NTFS/exFAT
	ext4) type='\x83' ;;  # Linux
	esac
	# 440: disk signature, 2 zero bytes, 446: entry 1 (not active, CHS
	# unused, type, first LBA, sectors), 510: boot signature.
	printf "$(_tb_le32 $sig)\\x00\\x00\\x00\\xfe\\xff\\xff$type\\xfe\\xff\\xff$(_tb_le32 2048)$(_tb_le32 "$sectors")" |
		dd of="$img" bs=1 seek=440 conv=notrunc status=none &&
		printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
}

# _tb_make_image NAME FS SIZE LABEL [partitioned]: $TESTBED_DIR/NAME.img,
# the filesystem on the whole image or in its one partition.  Records the
# filesystem's UUID.
_tb_make_image() {
	local name=$1 fs=$2 size=$3 label=$4 part=${5:-} img=$TESTBED_DIR/$1.img fsimg bytes uuid
	local log=$TESTBED_DIR/$1.mkfs.log
	fsimg=$img
	truncate -s "$size" "$img" || return 1
	if [ -n "$part" ]; then
		bytes=$(stat -c %s "$img") || return 1
		if ((bytes < 4 * 1048576)); then
			_tb_err "stick_insert $name: a partitioned stick needs --size 4M or more"
			return 1
		fi
		fsimg=$TESTBED_DIR/$name.fs
		truncate -s $((bytes - 1048576)) "$fsimg" || return 1
	fi
	case $fs in
	exfat) mkfs.exfat -L "$label" "$fsimg" >"$log" 2>&1 ;;
	ext4) mkfs.ext4 -q -F -L "$label" "$fsimg" >"$log" 2>&1 ;;
	esac || {
		_tb_err "mkfs.$fs on $fsimg failed:"
		cat "$log" >&2
		return 1
	}
	uuid=$(blkid -p -o value -s UUID "$fsimg") && [ -n "$uuid" ] || {
		_tb_err "blkid found no filesystem UUID on $fsimg after mkfs.$fs"
		return 1
	}
	_tb_set "$name" uuid "$uuid"
	if [ -n "$part" ]; then
		_tb_write_mbr "$img" "$fs" $(((bytes - 1048576) / 512)) &&
			dd if="$fsimg" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none || {
			_tb_err "could not build the partitioned image $img"
			return 1
		}
		rm -f "$fsimg"
	fi
}

# _tb_attach_with_rule NAME IMG [LOSETUP-OPTION...]: attaches IMG to a
# free loop device; prints /dev/loopN.  The rule for loopN is written first
# (under the lock), so the kernel's own events carry it.
_tb_attach_with_rule() {
	local name=$1 img=$2 dev try
	shift 2
	for try in 1 2 3 4 5; do
		dev=$(losetup -f) || {
			_tb_err "no free loop device (losetup -f failed)"
			return 1
		}
		_tb_set "$name" dev "$dev"
		_tb_write_rule "$name" "${dev#/dev/}" && _tb_reload || return 1
		if losetup "$@" "$dev" "$img" 2>"$TESTBED_DIR/$name.losetup.log"; then
			echo "$dev"
			return 0
		fi
		# Someone took it between -f and attach: drop the rule, try again.
		rm -f "$TESTBED_RULES_DIR/61-ward-test-$$-$name.rules"
		_tb_reload
	done
	_tb_err "could not attach $img to a loop device after 5 tries:"
	cat "$TESTBED_DIR/$name.losetup.log" >&2
	return 1
}

stick_insert() {
	local - # the caller's set -e must not stop a function half-way
	set +e
	local name=$1 fs=exfat size=64M vendor_id=0781 product_id=5567 serial=4C530001
	local vendor=SanDisk model=Cruzer label='' announce=add mount=1 part='' s img disk dev uuid rc
	_tb_check_name "$name" || return 1
	shift
	[ -n "$TESTBED_ACTIVE" ] || {
		_tb_err "stick_insert $name: call testbed_init first"
		return 1
	}
	while [ $# -gt 0 ]; do
		case $1 in
		--fs | --size | --vendor-id | --product-id | --serial | --vendor | --model | --label | --announce)
			[ $# -ge 2 ] || {
				_tb_err "stick_insert $name: $1 needs a value"
				return 1
			}
			case $1 in
			--fs) fs=$2 ;;
			--size) size=$2 ;;
			--vendor-id) vendor_id=$2 ;;
			--product-id) product_id=$2 ;;
			--serial) serial=$2 ;;
			--vendor) vendor=$2 ;;
			--model) model=$2 ;;
			--label) label=$2 ;;
			--announce) announce=$2 ;;
			esac
			shift 2 ;;
		--no-mount) mount= ; shift ;;
		--partitioned) part=1 ; shift ;;
		*)
			_tb_err "stick_insert $name: unknown option '$1'"
			return 1 ;;
		esac
	done
	case $fs in exfat | ext4) ;; *)
		_tb_err "stick_insert $name: --fs must be exfat or ext4, not '$fs'"
		return 1 ;;
	esac
	case $announce in add | change) ;; *)
		_tb_err "stick_insert $name: --announce must be add or change, not '$announce'"
		return 1 ;;
	esac
	if ! [[ $vendor_id =~ ^[0-9a-f]{4}$ && $product_id =~ ^[0-9a-f]{4}$ ]]; then
		_tb_err "stick_insert $name: vendor and product ids are 4 lower-case hex digits (got '$vendor_id' '$product_id')"
		return 1
	fi
	[ -n "$label" ] || label=${name^^}
	label=${label:0:11} # exFAT's limit is 11 characters
	s=$TESTBED_DIR/sticks/$name
	[ -e "$s" ] && {
		_tb_err "stick_insert: a stick named '$name' is already inserted"
		return 1
	}
	mkdir -p "$s" || return 1
	_tb_set "$name" fs "$fs"
	_tb_set "$name" vendor_id "$vendor_id"
	_tb_set "$name" product_id "$product_id"
	_tb_set "$name" serial "$serial"
	_tb_set "$name" vendor "$vendor"
	_tb_set "$name" model "$model"
	_tb_set "$name" label "$label"
	_tb_port
	_tb_set "$name" port "$TESTBED_PORT"
	_tb_set "$name" rule "$TESTBED_RULES_DIR/61-ward-test-$$-$name.rules"

	img=$TESTBED_DIR/$name.img
	_tb_set "$name" image "$img"
	_tb_make_image "$name" "$fs" "$size" "$label" "$part" || return 1
	_tb_read uuid "$name" uuid

	_tb_lock || return 1
	if [ -n "$part" ]; then
		disk=$(_tb_attach_with_rule "$name" "$img" -P)
		rc=$?
	elif [ "$announce" = change ]; then
		disk=$(_tb_attach_with_rule "$name" "$img")
		rc=$?
	else
		disk=$(losetup -f --show "$img" 2>"$TESTBED_DIR/$name.losetup.log")
		rc=$?
		[ $rc -ne 0 ] && {
			_tb_err "losetup -f --show $img failed:"
			cat "$TESTBED_DIR/$name.losetup.log" >&2
		}
	fi
	_tb_unlock
	[ $rc -eq 0 ] || return 1
	dev=$disk
	[ -n "$part" ] && dev=${disk}p1
	_tb_set "$name" disk "$disk"
	_tb_set "$name" dev "$dev"
	_tb_setrw "$disk" || return 1
	# This kernel has no partition table parsers: partx reads the table
	# (libblkid) and adds the partition (BLKPG), and the kernel announces
	# it with a real "add".
	if [ -n "$part" ] && ! partx -a "$disk" >"$TESTBED_DIR/$name.partx.log" 2>&1; then
		_tb_err "partx -a $disk failed:"
		cat "$TESTBED_DIR/$name.partx.log" >&2
		return 1
	fi

	if [ -n "$part" ] || [ "$announce" = change ]; then
		# The partition's "add" and the disk's "change" come from the
		# kernel, with the rule in place.
		_tb_wait_udev "$dev" "WARD_TEST_STICK=$name" "ID_FS_UUID=$uuid" "ID_FS_TYPE=$fs" ||
			return 1
		[ -n "$part" ] && { _tb_setrw "$dev" || return 1; }
	else
		# The kernel's "change" for the attach, processed without the
		# rule, must be behind us before the rule exists.
		_tb_wait_udev "$dev" "ID_FS_UUID=$uuid" "WARD_TEST_STICK=!" || return 1
		_tb_write_rule "$name" "${dev#/dev/}" && _tb_reload || return 1
		_tb_trigger add "$dev" || {
			_tb_err "udevadm trigger --action=add $dev failed or udev took over ${TESTBED_TIMEOUT}s"
			return 1
		}
		_tb_wait_udev "$dev" "WARD_TEST_STICK=$name" "ID_FS_UUID=$uuid" "ID_FS_TYPE=$fs" ||
			return 1
	fi
	if [ -n "$mount" ]; then
		stick_mount "$name" || return 1
	fi
	return 0
}

stick_mount() {
	local - # the caller's set -e must not stop a function half-way
	set +e
	local name=$1 dev fs mnt
	_tb_known "$name" || return 1
	_tb_read mnt "$name" mnt && {
		_tb_err "stick_mount $name: already mounted on $mnt"
		return 1
	}
	_tb_read dev "$name" dev || {
		_tb_err "stick_mount $name: the stick is not attached"
		return 1
	}
	_tb_read fs "$name" fs
	mnt=$TESTBED_MEDIA/$name
	mkdir -p "$mnt" || return 1
	case $fs in
	# FUSE, as on the county's workstations: no exfat kernel driver.
	exfat) mount.exfat-fuse -o rw "$dev" "$mnt" ;;
	ext4) mount -t ext4 -o rw,nosuid,nodev "$dev" "$mnt" ;;
	esac >"$TESTBED_DIR/$name.mount.log" 2>&1 || {
		_tb_err "mounting $dev ($fs) on $mnt failed:"
		cat "$TESTBED_DIR/$name.mount.log" >&2
		rmdir "$mnt" 2>/dev/null
		return 1
	}
	_tb_set "$name" mnt "$mnt"
}

# _tb_umount MNT: unmount, retrying while busy, lazily as a last resort.
# The kernel's mount table, not stat(2): a FUSE mount whose daemon died
# answers ENOTCONN, and mountpoint(1) then calls it no mount point.
_tb_mounted() {
	local _dev mnt _rest
	while read -r _dev mnt _rest; do
		[ "$mnt" = "$1" ] && return 0
	done </proc/self/mounts
	return 1
}

_tb_umount() {
	local mnt=$1 i
	for ((i = 0; i < 20; i++)); do
		_tb_mounted "$mnt" || return 0
		umount "$mnt" 2>/dev/null && return 0
		sleep 0.1
	done
	_tb_err "$mnt still busy after 2s; detaching it lazily (umount -l). Who holds it:"
	fuser -vm "$mnt" >&2 2>&1
	umount -l "$mnt"
}

stick_unmount() {
	local - # the caller's set -e must not stop a function half-way
	set +e
	local name=$1 mnt
	_tb_known "$name" || return 1
	_tb_read mnt "$name" mnt || return 0
	_tb_umount "$mnt" || {
		_tb_err "stick_unmount $name: could not unmount $mnt"
		return 1
	}
	rm -f "$TESTBED_DIR/sticks/$name/mnt"
	rmdir "$mnt" 2>/dev/null
	rmdir "$TESTBED_MEDIA" 2>/dev/null
	return 0
}

# _tb_setrw DEV: a new stick is writable.  The kernel keeps a block
# device's read-only flag (BLKROSET, which wardd sets on blocked media)
# across loop detach and attach, so a loop device's last user may have
# left it set.
_tb_setrw() {
	local ro=''
	blockdev --setrw "$1" && IFS= read -r ro <"/sys/class/block/${1#/dev/}/ro" && [ "$ro" = 0 ] || {
		_tb_err "cannot clear the read-only flag of $1 (blockdev --setrw)"
		return 1
	}
}

# _tb_holds DEV IMG: true while loop device DEV is backed by IMG.
_tb_holds() {
	local backing
	IFS= read -r backing 2>/dev/null <"/sys/block/${1#/dev/}/loop/backing_file" &&
		[ "${backing% (deleted)}" = "$2" ]
}

# _tb_del_partitions DISK: delete the partitions partx added (the kernel's
# "remove" for each).  Retries while one is busy: udev's blkid opens a
# partition for a moment after it is unmounted.
_tb_del_partitions() {
	local disk=$1 p i
	for ((i = 0; i < 50; i++)); do
		p=$(ls -d "/sys/block/${disk#/dev/}/${disk#/dev/}p"* 2>/dev/null)
		[ -z "$p" ] && return 0
		partx -d "$disk" 2>"$TESTBED_DIR/partx-d.log" && continue
		_tb_udevd_alive && udevadm settle --timeout=2
		sleep 0.1
	done
	_tb_err "cannot delete the partitions of $disk: $(cat "$TESTBED_DIR/partx-d.log")"
	return 1
}

# _tb_detach DEV IMG: detach DEV if it still holds IMG; waits until it did.
_tb_detach() {
	local dev=$1 img=$2 i
	for ((i = 0; i < 50; i++)); do
		_tb_holds "$dev" "$img" || return 0
		losetup -d "$dev" 2>/dev/null
		_tb_holds "$dev" "$img" || return 0
		sleep 0.1
	done
	_tb_err "$dev still holds $img after 5s:"
	losetup -j "$img" >&2
	return 1
}

stick_remove() {
	local - # the caller's set -e must not stop a function half-way
	set +e
	local name=$1 s dev='' disk='' img='' rule='' udevd='' surprise='' d rc=0
	_tb_known "$name" || return 1
	case ${2:-} in
	--surprise) surprise=1 ;;
	'') ;;
	*)
		_tb_err "stick_remove $name: unknown option '$2' (only --surprise)"
		return 1 ;;
	esac
	s=$TESTBED_DIR/sticks/$name
	_tb_read dev "$name" dev
	_tb_read disk "$name" disk
	_tb_read img "$name" image
	_tb_read rule "$name" rule
	_tb_udevd_alive && udevd=1
	# A surprise pull: the "remove" events come while the stick is still
	# mounted, as when someone yanks it; the mount goes afterwards.
	if [ -n "$surprise" ] && [ -n "$rule" ] && [ -f "$rule" ] && [ -n "$udevd" ] &&
		_tb_holds "$disk" "$img"; then
		for d in $([ "$dev" != "$disk" ] && echo "$dev") "$disk"; do
			_tb_trigger remove "$d" || {
				_tb_err "udevadm trigger --action=remove $d failed or udev took over ${TESTBED_TIMEOUT}s"
				rc=1
			}
		done
		rm -f "$rule" "$rule.tmp"
		_tb_reload || rc=1
	fi
	stick_unmount "$name" || rc=1
	if [ -n "$disk" ] && [ -n "$img" ] && _tb_holds "$disk" "$img"; then
		# The pull: udev sends "remove" with what it knew of the stick,
		# partition first, as the kernel does; the partition's is the
		# kernel's own (partx deletes it).
		if [ "$dev" != "$disk" ]; then
			_tb_del_partitions "$disk" || rc=1
			[ -n "$udevd" ] && udevadm settle --timeout="$TESTBED_TIMEOUT"
		fi
		if [ -n "$rule" ] && [ -f "$rule" ] && [ -n "$udevd" ]; then
			_tb_trigger remove "$disk" || {
				_tb_err "udevadm trigger --action=remove $disk failed or udev took over ${TESTBED_TIMEOUT}s"
				rc=1
			}
		fi
	fi
	if [ -n "$rule" ] && [ -f "$rule" ]; then
		rm -f "$rule" "$rule.tmp"
		[ -n "$udevd" ] && { _tb_reload || rc=1; }
	fi
	if [ -n "$disk" ] && [ -n "$img" ]; then
		_tb_holds "$disk" "$img" && blockdev --setrw "$disk" 2>/dev/null
		_tb_detach "$disk" "$img" || rc=1
	fi
	[ -n "$udevd" ] && udevadm settle --timeout="$TESTBED_TIMEOUT" 2>/dev/null
	rm -rf "$s" "$img" "$TESTBED_DIR/$name".*.log
	return $rc
}

udev_probe_start() {
	local out=$1 probe=${WARD_BUILD:-build}/tools/udev-probe ready i
	shift
	[ -n "$TESTBED_ACTIVE" ] || {
		_tb_err "udev_probe_start: call testbed_init first"
		return 1
	}
	[ -z "$TESTBED_PROBE_PID" ] || {
		_tb_err "udev_probe_start: udev-probe (pid $TESTBED_PROBE_PID) still runs; udev_probe_wait first"
		return 1
	}
	[ -x "$probe" ] || {
		_tb_err "$probe is not built (make $probe)"
		return 1
	}
	ready=$TESTBED_DIR/probe.ready
	rm -f "$ready"
	"$probe" --ready-file "$ready" --timeout 30 "$@" >"$out" &
	TESTBED_PROBE_PID=$!
	for ((i = 0; i < 200; i++)); do
		[ -e "$ready" ] && return 0
		_tb_pid_alive "$TESTBED_PROBE_PID" || break
		sleep 0.05
	done
	_tb_err "udev-probe did not start listening within 10s"
	kill "$TESTBED_PROBE_PID" 2>/dev/null
	wait "$TESTBED_PROBE_PID" 2>/dev/null
	TESTBED_PROBE_PID=
	return 1
}

udev_probe_wait() {
	local rc
	[ -n "$TESTBED_PROBE_PID" ] || {
		_tb_err "udev_probe_wait: no udev-probe running"
		return 1
	}
	wait "$TESTBED_PROBE_PID"
	rc=$?
	TESTBED_PROBE_PID=
	return $rc
}

testbed_cleanup() {
	local rc=$? hook d
	local - # set +e below ends with this function
	[ -n "$TESTBED_ACTIVE" ] || return $rc
	TESTBED_ACTIVE=
	set +e
	trap - INT TERM
	for hook in "${TESTBED_EXIT_HOOKS[@]}"; do
		eval "$hook"
	done
	if [ -n "$TESTBED_PROBE_PID" ]; then
		kill "$TESTBED_PROBE_PID" 2>/dev/null
		wait "$TESTBED_PROBE_PID" 2>/dev/null
		TESTBED_PROBE_PID=
	fi
	TESTBED_EXIT_HOOKS=()
	for d in "$TESTBED_DIR"/sticks/*; do
		[ -d "$d" ] || continue
		stick_remove "${d##*/}"
	done
	# A rule written before its stick's directory existed cannot be,
	# but one whose stick_remove failed half-way may be.
	rm -f "$TESTBED_RULES_DIR"/61-ward-test-$$-*.rules*
	rmdir "$TESTBED_MEDIA" 2>/dev/null
	[ -d "$TESTBED_MEDIA" ] && _tb_err "$TESTBED_MEDIA left behind: $(ls -A "$TESTBED_MEDIA")"
	rm -rf "$TESTBED_DIR"
	if _tb_lock; then
		_tb_udevd_release
		_tb_unlock
	fi
	_tb_release_bed
	return $rc
}
