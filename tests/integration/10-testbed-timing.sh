#!/usr/bin/env bash
# How long the test bed takes: insert+mount and pull of one stick, N times
# per filesystem (TESTBED_TIMING_N, default 5), medians printed as TAP
# comments.  Fails when a stick does not come or go, or when a median
# exceeds TESTBED_TIMING_MAX_MS (default 10000: ten times what a loaded
# 2-CPU VM takes, so that only a real regression trips it).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/usbstick.sh
need_root
n=${TESTBED_TIMING_N:-5}
max=${TESTBED_TIMING_MAX_MS:-10000}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

testbed_init || {
	not_ok "testbed_init"
	done_testing
	exit 1
}
for fs in exfat ext4; do
	ins=() pull=() failed=''
	for ((i = 1; i <= n; i++)); do
		t0=$(now_ms)
		stick_insert "t$fs$i" --fs "$fs" || { failed=insert; break; }
		t1=$(now_ms)
		stick_remove "t$fs$i" || { failed=pull; break; }
		t2=$(now_ms)
		ins+=($((t1 - t0)))
		pull+=($((t2 - t1)))
	done
	if [ -n "$failed" ]; then
		not_ok "$n $fs sticks inserted, mounted and pulled ($failed $i failed)"
		continue
	fi
	ok "$n $fs sticks inserted, mounted and pulled"
	ins_med=$(printf '%s\n' "${ins[@]}" | median)
	pull_med=$(printf '%s\n' "${pull[@]}" | median)
	diag "$fs: insert+mount median $ins_med ms (${ins[*]}), pull median $pull_med ms (${pull[*]})"
	check "$fs insert+mount median under $max ms" test "$ins_med" -lt "$max"
	check "$fs pull median under $max ms" test "$pull_med" -lt "$max"
done
done_testing
