#!/usr/bin/env bash
# What a denial's record adds to open() -> EPERM (docs/protocol.md: audit
# before act: the record is signed and fdatasync'ed before the answer).
# agent-openbench eperm-dest opens 300 copies of a marked document on a
# stick (as cp does; each one denied, each denial a durable record), idle
# and while a 1 GiB copy streams to the same stick, with wardd's state
# directory (its record log) on the internal disk, and on a tmpfs where
# fdatasync costs nothing: the difference is what making the record durable
# adds.  Median and p99 in microseconds.  Target: p99 under the copy, log
# on disk, below 50 ms.
#   tests/bench/report-eperm.sh        (BENCH_EPERM_N: opens, default 300;
#                                       BENCH_COPY_MB: the copy, default 1024)
set -u
cd "$(dirname "$0")/../.."
source tests/lib/usbstick.sh
source tests/bench/wardd.bash
WARD_BUILD=${WARD_BUILD:-build}
BIN=$WARD_BUILD/bench
N=${BENCH_EPERM_N:-300}
COPY_MB=${BENCH_COPY_MB:-1024}
mkdir -p "$BIN"
cc -O2 -Wall -Wextra -Werror -o "$BIN/agent-openbench" tests/bench/agent-openbench.c || exit 1
WORK=$(mktemp -d /var/tmp/ward-bench-eperm.XXXXXX)
COPY_PID=
cleanup() {
	stop_wardd
	[ -n "$COPY_PID" ] && kill "$COPY_PID" 2>/dev/null && wait "$COPY_PID" 2>/dev/null
	mountpoint -q "$WORK/tmpfs" && umount "$WORK/tmpfs"
	rm -rf "$WORK"
}
testbed_init || exit 1
testbed_on_exit cleanup

# measure DIR: "median p99" idle, then "median p99" under the copy.
measure() {
	local idle busy
	mkdir -p "$STICK/$1-idle" "$STICK/$1-busy"
	idle=$("$BIN/agent-openbench" eperm-dest "$WORK/marked.odt" "$STICK/$1-idle" "$N" | cut -d' ' -f1-2)
	dd if=/dev/zero of="$STICK/$1-big.bin" bs=1M count="$COPY_MB" 2>/dev/null &
	COPY_PID=$!
	sleep 2 # the copy is streaming, the page cache filling
	busy=$("$BIN/agent-openbench" eperm-dest "$WORK/marked.odt" "$STICK/$1-busy" "$N" | cut -d' ' -f1-2)
	copy_alive=$(kill -0 "$COPY_PID" 2>/dev/null && echo yes || echo no)
	wait "$COPY_PID"
	COPY_PID=
	rm -f "$STICK/$1-big.bin"
	echo "$idle $busy $copy_alive"
}

stick_insert B --fs exfat --size $((COPY_MB + 512))M || exit 1
STICK=$(stick_mnt B)
cp tests/corpus/office/header-mi.odt "$WORK/marked.odt"

export WARDD_CONF_EXTRA="coalesce_ms = 0"
WARDD_STATE_DIR=$WORK/state-disk start_wardd || exit 1
read -r disk_im disk_ip disk_bm disk_bp disk_alive <<<"$(measure disk)"
stop_wardd
mkdir -p "$WORK/tmpfs"
mount -t tmpfs -o size=256m,mode=0700 ward-bench-state "$WORK/tmpfs" || exit 1
WARDD_STATE_DIR=$WORK/tmpfs/state start_wardd || exit 1
read -r tmp_im tmp_ip tmp_bm tmp_bp tmp_alive <<<"$(measure tmpfs)"
stop_wardd

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
# diff_ms A B: A - B (microseconds, with fractions) in milliseconds.
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a - b) / 1000 }'; }
printf '| %-44s | %10s | %10s |\n' "open() -> EPERM, $N denials" "median ms" "p99 ms"
printf '|%s|\n' "----------------------------------------------|------------|-----------"
printf '| %-44s | %10s | %10s |\n' "record log on disk, idle" "$(ms "$disk_im")" "$(ms "$disk_ip")"
printf '| %-44s | %10s | %10s |\n' "record log on disk, ${COPY_MB} MiB copy streaming" "$(ms "$disk_bm")" "$(ms "$disk_bp")"
printf '| %-44s | %10s | %10s |\n' "record log on tmpfs, idle" "$(ms "$tmp_im")" "$(ms "$tmp_ip")"
printf '| %-44s | %10s | %10s |\n' "record log on tmpfs, ${COPY_MB} MiB copy streaming" "$(ms "$tmp_bm")" "$(ms "$tmp_bp")"
printf '| %-44s | %10s | %10s |\n' "what the durable record adds, idle" \
	"$(diff_ms "$disk_im" "$tmp_im")" "$(diff_ms "$disk_ip" "$tmp_ip")"
printf '| %-44s | %10s | %10s |\n' "what the durable record adds, copy streaming" \
	"$(diff_ms "$disk_bm" "$tmp_bm")" "$(diff_ms "$disk_bp" "$tmp_bp")"
echo "# the copy was still running when the denials were measured: disk $disk_alive, tmpfs $tmp_alive"
echo "# target: p99 on disk while the copy streams < 50 ms"
printf 'load average while measured: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
awk -v p="$disk_bp" 'BEGIN { exit !(p < 50000) }'
