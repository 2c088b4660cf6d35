#!/usr/bin/env bash
# Process lineage's cost (agent/lineage.c) on a build of a large source
# tree: Ward's own tree, copied to the internal disk, built from clean with
# `make -j2` under
#   off      wardd with `lineage = no`
#   on       wardd with lineage (nobody the build runs is tainted: each
#            close-write asks whether anyone is tainted at all, and, on a
#            shared machine, reads the writer's /proc when someone else is)
#   tainted  the same with the build's own shell tainted first (it read a
#            marked document): every file the build writes has its parent
#            chain read and is hashed and recorded as derived: the worst case
# in interleaved rounds (BENCH_ROUNDS, default 3), medians reported with
# their ratio to `off`, and the load average.  BENCH_STICK=1: a test-bed
# stick is mounted throughout (every internal open then goes through the
# source side's permission path too).  Targets (issue 15): on <= 1.01x
# without a stick, <= 1.03x with one.  The test bed is held throughout,
# stick or not: a wardd watches every removable mount, other people's test
# sticks too.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/usbstick.sh
source tests/bench/wardd.bash
WARD_BUILD=${WARD_BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-3}
WORK=$(mktemp -d /var/tmp/ward-bench-lineage.XXXXXX)
cleanup() {
	stop_wardd
	rm -rf "$WORK"
}
testbed_init || exit 1
testbed_on_exit cleanup
if [ "${BENCH_STICK:-0}" = 1 ]; then
	stick_insert LINB --fs exfat --size 64M --serial BENCHLIN1 >/dev/null || exit 1
	STICK=$(stick_mnt LINB)
fi

git archive HEAD | tar -x -C "$WORK" --one-top-level=tree || exit 1
mkdir -p "$WORK/docs"
{
	printf '機密\n\n臺東縣政府 函\n主旨：春節期間重要設施安全維護部署，請依限辦理。\n'
	for i in $(seq 1 40); do printf '%d、第%d分駐所派員巡邏，勤務紀錄表編號%05d。\n' "$i" "$i" "$((i * 37))"; done
} >"$WORK/docs/marked.txt"

# wardd_up LINEAGE: wardd running, ready (watching the stick when there is one).
wardd_up() {
	local i
	WARDD_CONF_EXTRA="lineage = $1
background = normal"
	if [ -n "${STICK:-}" ]; then
		start_wardd
		return
	fi
	mkdir -p "$WORK/state" "$WORK/run"
	cat >"$WORK/wardd.conf" <<CONF
policy_dir = $PWD/policy/default
state_dir = $WORK/state
runtime_dir = $WORK/run
crawl = none
$WARDD_CONF_EXTRA
CONF
	"$WARD_BUILD/wardd" --foreground --config "$WORK/wardd.conf" 2>>"$WORK/wardd.log" &
	WARDD_PID=$!
	for i in $(seq 1 300); do
		"$WARD_BUILD/wardctl" status --config "$WORK/wardd.conf" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "lineage.sh: wardd did not start" >&2
	return 1
}

# The marked document known (and followed) before the build starts.
wait_marked() {
	local i
	touch "$WORK/docs/marked.txt"
	for i in $(seq 1 300); do
		"$WARD_BUILD/wardctl" known --json --config "$WORK/wardd.conf" "$WORK/docs/marked.txt" |
			grep -qF '"level":"機密"' && return 0
		sleep 0.1
	done
	echo "lineage.sh: the marked document is not known" >&2
	return 1
}

# wardd's CPU time so far (utime + stime), in clock ticks.
wardd_cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$WARDD_PID/stat"; }

# build MODE: "SECONDS WARDD_CPU_PERCENT" for a clean `make -j2` of the
# tree: wall time, and wardd's CPU time over the build's own (the load of
# a shared machine changes the first a lot, the second little).
build() {
	local t0 t1 w0 w1 cpu
	make -s -C "$WORK/tree" clean >/dev/null 2>&1
	sync
	w0=$(wardd_cpu)
	t0=$(date +%s.%N)
	if [ "$1" = tainted ]; then
		(bash -c "exec 3<'$WORK/docs/marked.txt'; read -r _ <&3; make -s -j2 -C '$WORK/tree' all" \
			>/dev/null 2>&1 &&
			times) >"$WORK/times"
	else
		(make -s -j2 -C "$WORK/tree" all >/dev/null 2>&1 && times) >"$WORK/times"
	fi || { echo "lineage.sh: the build failed" >&2; return 1; }
	t1=$(date +%s.%N)
	w1=$(wardd_cpu)
	# `times`' second line: the children's user and system time, "XmY.Zs".
	cpu=$(sed -n 2p "$WORK/times" | tr 'ms' '  ' | awk '{ print $1 * 60 + $2 + $3 * 60 + $4 }')
	awk -v a="$t0" -v b="$t1" -v w="$((w1 - w0))" -v hz="$(getconf CLK_TCK)" -v c="$cpu" \
		'BEGIN { printf "%.2f %.3f\n", b - a, 100 * w / hz / c }'
}

declare -A T=([off]="" [on]="" [tainted]="") C=([off]="" [on]="" [tainted]="")
make -s -j2 -C "$WORK/tree" all >/dev/null 2>&1 # warm the caches once
for r in $(seq 1 "$ROUNDS"); do
	for mode in off on tainted; do
		wardd_up "$([ "$mode" = off ] && echo no || echo yes)" || exit 1
		[ "$mode" = off ] || wait_marked || exit 1
		out=$(build "$mode") || exit 1
		[ "$mode" = tainted ] && derived=$(wardd_field lineage_derived)
		stop_wardd
		read -r s cpu <<<"$out"
		T[$mode]="${T[$mode]} $s"
		C[$mode]="${C[$mode]} $cpu"
		echo "# round $r $mode: ${s}s, wardd CPU ${cpu}% of the build's (load $(cut -d' ' -f1-3 /proc/loadavg))"
	done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
off=$(echo "${T[off]}" | median)
echo
echo "Lineage cost, clean make -j2 of Ward's tree, $ROUNDS rounds, stick: ${STICK:-none}"
printf '| %-8s | %8s | %6s | %28s |\n' mode median ratio "wardd CPU / build CPU (med)"
for mode in off on tainted; do
	m=$(echo "${T[$mode]}" | median)
	printf '| %-8s | %7ss | %5.3fx | %27s%% |\n' "$mode" "$m" \
		"$(awk -v a="$m" -v b="$off" 'BEGIN{print a/b}')" "$(echo "${C[$mode]}" | median)"
done
echo "files recorded as derived in the last tainted build: ${derived:-?}"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
