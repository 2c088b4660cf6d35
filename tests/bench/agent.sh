#!/usr/bin/env bash
# wardd's benchmarks, ratios measured in one run (tests/bench/run.sh runs it):
#  1. open-heavy workload on the internal disk with a stick mounted:
#     open/read/close of 20,000 small files, twice, with no agent, with wardd
#     and with fapolicyd (Debian's, permissive, its sample rules, run through
#     the capset shim because this host lacks CAP_SYS_RESOURCE).
#     Targets: wardd pass 1 (cold) <= 3x no agent, pass 2 (warm) <= 1.05x,
#     below fapolicyd.
#  2. latency from open() to EPERM for a marked document, destination side
#     (cp's open of the copy) and source side (cat > stick): median and p99.
#  3. wardd's resident memory idle (target <= 16 MB) and its peak under load.
# Copy throughput to a stick, the background classifier's cost and the
# latency during a copy: copy.sh.
# Environment: BENCH_FILES (20000), BENCH_SKIP_FAPOLICYD=1.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/usbstick.sh
source tests/bench/wardd.bash
WARD_BUILD=${WARD_BUILD:-build}
BIN=$WARD_BUILD/bench
FILES=${BENCH_FILES:-20000}
mkdir -p "$BIN"
cc -O2 -Wall -Wextra -Werror -o "$BIN/agent-openbench" tests/bench/agent-openbench.c || exit 1
cc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$BIN/agent-capset-shim.so" \
	tests/bench/agent-capset-shim.c || exit 1

# The workload lives on the internal disk, not tmpfs (which wardd does not mark).
WORK=$(mktemp -d /var/tmp/ward-bench.XXXXXX)
FAPO_PID=
FAPO_RULES_CREATED=
cleanup() {
	stop_wardd
	stop_fapolicyd
	[ -n "$FAPO_RULES_CREATED" ] && rm -f /etc/fapolicyd/compiled.rules
	rm -rf "$WORK"
}
testbed_init || exit 1
testbed_on_exit cleanup

start_fapolicyd() {
	if [ ! -f /etc/fapolicyd/compiled.rules ] && [ ! -f /etc/fapolicyd/fapolicyd.rules ]; then
		local d=/usr/share/fapolicyd/sample-rules
		cat "$d"/10-languages.rules "$d"/20-dracut.rules "$d"/21-updaters.rules \
			"$d"/30-patterns.rules "$d"/40-bad-elf.rules "$d"/41-shared-obj.rules \
			"$d"/42-trusted-elf.rules "$d"/70-trusted-lang.rules "$d"/72-shell.rules \
			"$d"/90-deny-execute.rules "$d"/95-allow-open.rules \
			>/etc/fapolicyd/compiled.rules || return 1
		FAPO_RULES_CREATED=1
	fi
	LD_PRELOAD=$PWD/$BIN/agent-capset-shim.so fapolicyd --permissive --debug-deny \
		>"$WORK/fapolicyd.log" 2>&1 &
	FAPO_PID=$!
	local i
	for i in $(seq 1 600); do
		grep -q "Starting to listen for events" "$WORK/fapolicyd.log" && { sleep 1; return 0; }
		kill -0 "$FAPO_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "agent.sh: fapolicyd did not start:" >&2
	tail -5 "$WORK/fapolicyd.log" >&2
	return 1
}
stop_fapolicyd() {
	[ -n "$FAPO_PID" ] || return 0
	kill -TERM "$FAPO_PID" 2>/dev/null
	wait "$FAPO_PID" 2>/dev/null
	FAPO_PID=
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

stick_insert BENCH --fs exfat --size 256M --serial BENCH0001 >/dev/null || exit 1
STICK=$(stick_mnt BENCH)
blockdev --setrw "$(stick_dev BENCH)" 2>/dev/null

echo "# open-heavy: $FILES files of 1 KB on $(df --output=source,fstype "$WORK" | tail -1)"
mkdir -p "$WORK/files"
"$BIN/agent-openbench" create "$WORK/files" "$FILES" 1024 || exit 1
sleep 2.5 # older than wardd's "being written" window, so they can be learnt
run_pass() { "$BIN/agent-openbench" open "$WORK/files" "$FILES"; }

# Each figure is the best of several runs: other work on the machine only
# ever adds time.  A "pass 1" needs a fresh wardd (its ignore marks go with
# its fanotify group), so wardd is started twice.
min() { local m=$1 v; shift; for v; do [ "$v" -lt "$m" ] && m=$v; done; echo "$m"; }
a=$(run_pass) b=$(run_pass) c=$(run_pass)
none1=$(min "$a" "$b" "$c") none2=$none1
w1s=() w2s=()
for round in 1 2; do
	start_wardd || exit 1
	sleep 1
	[ $round = 1 ] && rss_idle=$(rss_kb "$WARDD_PID" VmRSS)
	w1s+=("$(run_pass)")
	w2s+=("$(run_pass)" "$(run_pass)")
	ignored=$(wardd_field ignore_marks)
	stop_wardd
done
w1=$(min "${w1s[@]}") w2=$(min "${w2s[@]}")
f1=- f2=-
if [ -z "${BENCH_SKIP_FAPOLICYD:-}" ] && command -v fapolicyd >/dev/null && start_fapolicyd; then
	f1=$(run_pass)
	f2=$(min "$(run_pass)" "$(run_pass)")
	stop_fapolicyd
fi
a=$(run_pass) b=$(run_pass)
none1=$(min "$none1" "$a" "$b") none2=$none1

printf '| %-22s | %12s | %12s | %10s | %10s |\n' "open/read/close" "pass 1 ns" "pass 2 ns" "pass 1 ×" "pass 2 ×"
printf '|%s|\n' "------------------------|--------------|--------------|------------|-----------"
printf '| %-22s | %12s | %12s | %10s | %10s |\n' "no agent" "$none1" "$none2" "1.00" "1.00"
printf '| %-22s | %12s | %12s | %10s | %10s |\n' "wardd" "$w1" "$w2" "$(ratio "$w1" "$none1")" "$(ratio "$w2" "$none2")"
printf '| %-22s | %12s | %12s | %10s | %10s |\n' "fapolicyd (permissive)" "$f1" "$f2" \
	"$( [ "$f1" = - ] && echo - || ratio "$f1" "$none1")" "$( [ "$f2" = - ] && echo - || ratio "$f2" "$none2")"
echo "# targets: wardd pass 1 <= 3x, pass 2 <= 1.05x, both below fapolicyd; ignore marks placed: $ignored"

start_wardd || exit 1
echo
echo "# latency open() -> EPERM for a marked document (200 opens each, classification cached after"
echo "# the first; each denial is journaled with fdatasync before the answer)"
cp tests/corpus/office/header-mi.odt "$WORK/marked.odt"
read -r d_med d_p99 d_wrong < <("$BIN/agent-openbench" eperm-dest "$WORK/marked.odt" "$STICK" 200)
read -r s_med s_p99 s_wrong < <("$BIN/agent-openbench" eperm-src "$WORK/marked.odt" "$STICK/held.bin" 200)
printf '| %-40s | %10s | %10s | %10s |\n' "open() -> EPERM" "median µs" "p99 µs" "not EPERM"
printf '|%s|\n' "------------------------------------------|------------|------------|-----------"
printf '| %-40s | %10s | %10s | %10s |\n' "destination side (cp's create on stick)" "$d_med" "$d_p99" "$d_wrong"
printf '| %-40s | %10s | %10s | %10s |\n' "source side (cat marked > stick)" "$s_med" "$s_p99" "$s_wrong"

rss_peak=$(rss_kb "$WARDD_PID" VmHWM)
rss_now=$(rss_kb "$WARDD_PID" VmRSS)
scanners=0
for p in $(pgrep -P "$WARDD_PID"); do scanners=$((scanners + $(rss_kb "$p" VmRSS))); done
stop_wardd
echo
printf '| %-34s | %8s |\n' "wardd resident memory" "MB"
printf '|%s|\n' "------------------------------------|---------"
printf '| %-34s | %8s |\n' "idle (stick mounted, after start)" "$(awk -v k="$rss_idle" 'BEGIN{printf "%.1f", k/1024}')"
printf '| %-34s | %8s |\n' "peak under load (VmHWM)" "$(awk -v k="$rss_peak" 'BEGIN{printf "%.1f", k/1024}')"
printf '| %-34s | %8s |\n' "after load" "$(awk -v k="$rss_now" 'BEGIN{printf "%.1f", k/1024}')"
printf '| %-34s | %8s |\n' "its scanner processes, together" "$(awk -v k="$scanners" 'BEGIN{printf "%.1f", k/1024}')"
echo "# target: idle <= 16 MB"
