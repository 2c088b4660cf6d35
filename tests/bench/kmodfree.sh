#!/usr/bin/env bash
# Kernel-facing costs, what every other figure of the agent builds on:
#   - the bare fanotify permission round trip per open (a tight open/close
#     loop on an ext4 file: no mark, the filesystem marked with a responder
#     thread that allows everything, then an ignore mark on the inode);
#   - the per-event /proc work (procfd_scan of a process holding 35 fds,
#     fan_opener_read).
# Median of 5 runs each.
#   tests/bench/kmodfree.sh [OPENS] [PROC_CALLS]     (default 20000, 5000)
set -eu
cd "$(dirname "$0")/../.."
build=${WARD_BUILD:-build}
fan=$build/tools/kmodfree-fan
[ -x "$fan" ] || make -s "$fan"
opens=${1:-20000}
calls=${2:-5000}
dir=$(mktemp -d /var/tmp/ward-bench-kmodfree.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo data >"$dir/file"

# median FIELD LINES...: the median of key=value field FIELD.
median() {
	local field=$1; shift
	printf '%s\n' "$@" | sed -n "s/.*\\b$field=\\([0-9.]*\\).*/\\1/p" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

runs=() procs=()
for i in 1 2 3 4 5; do
	runs+=("$("$fan" bench "$dir/file" "$opens")")
	procs+=("$("$fan" bench-proc "$calls")")
done
printf '%-44s %10s\n' "kernel-facing cost (median of 5)" "value"
printf '%-44s %10s\n' "open+close, no mark (ns)" "$(median bare_ns "${runs[@]}")"
printf '%-44s %10s\n' "open+close, marked, responder allows (ns)" "$(median marked_ns "${runs[@]}")"
printf '%-44s %10s\n' "open+close, ignore mark on the inode (ns)" "$(median ignored_ns "${runs[@]}")"
printf '%-44s %10s\n' "permission round trip (ns)" "$(median round_trip_ns "${runs[@]}")"
printf '%-44s %10s\n' "procfd_scan, 35 fds, writers+sources (us)" "$(median procfd_scan_us "${procs[@]}")"
printf '%-44s %10s\n' "procfd_scan, 35 fds, writers only (us)" "$(median procfd_scan_writers_us "${procs[@]}")"
printf '%-44s %10s\n' "fan_opener_read (us)" "$(median fan_opener_read_us "${procs[@]}")"
printf 'load average while measured: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
