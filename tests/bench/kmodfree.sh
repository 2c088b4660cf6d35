#!/usr/bin/env bash
# Kernel-facing costs, what every other figure of the agent builds on:
#   - the bare fanotify permission round trip per open (a tight open/close
#     loop on an ext4 file: no mark, the filesystem marked with a responder
#     thread that allows everything, then an ignore mark on the inode);
#   - the per-event /proc work (procfd_scan of a process holding 35 fds,
#     fan_opener_read).
# Median and minimum of 5 runs each: on a shared machine the minimum is the
# closer to the machine's own cost.  Wall-clock figures first (a round trip
# is two context switches that CPU time alone would hide), then the CPU
# time of the same work, which another process's load does not inflate.
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

# stats FIELD LINES...: "median min" of key=value field FIELD.
stats() {
	local field=$1; shift
	printf '%s\n' "$@" | sed -n "s/.*\\b$field=\\(-\\{0,1\\}[0-9.][0-9.]*\\).*/\\1/p" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%10s %10s\n", v[int((NR + 1) / 2)], v[1] }'
}

runs=() procs=()
for i in 1 2 3 4 5; do
	runs+=("$("$fan" bench "$dir/file" "$opens")")
	procs+=("$("$fan" bench-proc "$calls")")
done
printf '%-44s %10s %10s\n' "kernel-facing cost (5 runs)" "median" "min"
printf '%-44s %s\n' "open+close, no mark (ns)" "$(stats bare_ns "${runs[@]}")"
printf '%-44s %s\n' "open+close, marked, responder allows (ns)" "$(stats marked_ns "${runs[@]}")"
printf '%-44s %s\n' "open+close, ignore mark on the inode (ns)" "$(stats ignored_ns "${runs[@]}")"
# The round trip: marked minus bare, of the medians and of the minimums
# (the minimum of per-run differences would mix a slow bare run in).
read -r bare_med bare_min <<<"$(stats bare_ns "${runs[@]}")"
read -r marked_med marked_min <<<"$(stats marked_ns "${runs[@]}")"
printf '%-44s %10s %10s\n' "permission round trip (ns)" \
	"$(awk "BEGIN { print $marked_med - $bare_med }")" "$(awk "BEGIN { print $marked_min - $bare_min }")"
printf '%-44s %s\n' "procfd_scan, 35 fds, writers+sources (us)" "$(stats procfd_scan_us "${procs[@]}")"
printf '%-44s %s\n' "procfd_scan, 35 fds, writers only (us)" "$(stats procfd_scan_writers_us "${procs[@]}")"
printf '%-44s %s\n' "fan_opener_read (us)" "$(stats fan_opener_read_us "${procs[@]}")"
printf '%-44s %s\n' "CPU per open+close, no mark (ns)" "$(stats bare_cpu_ns "${runs[@]}")"
printf '%-44s %s\n' "CPU per open+close, marked (ns, both threads)" "$(stats marked_cpu_ns "${runs[@]}")"
printf '%-44s %s\n' "CPU per open+close, ignore mark (ns)" "$(stats ignored_cpu_ns "${runs[@]}")"
printf '%-44s %s\n' "CPU procfd_scan, writers+sources (us)" "$(stats procfd_scan_cpu_us "${procs[@]}")"
printf '%-44s %s\n' "CPU procfd_scan, writers only (us)" "$(stats procfd_scan_writers_cpu_us "${procs[@]}")"
printf '%-44s %s\n' "CPU fan_opener_read (us)" "$(stats fan_opener_read_cpu_us "${procs[@]}")"
printf '%-44s %s\n' "CPU procfd_ppid (us)" "$(stats procfd_ppid_cpu_us "${procs[@]}")"
printf 'load average while measured: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
