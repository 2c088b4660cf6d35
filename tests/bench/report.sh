#!/usr/bin/env bash
# The signed record log's throughput on one core (taskset -c 0), against
# the machine's own ceilings measured in the same run:
#   - `openssl speed ed25519`: Ed25519 signatures per second, as CPU time
#     (its default) and as wall-clock time (-elapsed), on the same core;
#   - the signatures the log itself makes (common/ed25519: libsodium) of a
#     record-sized signing input, per CPU second (report-chain --sign-only):
#     the ceiling of the log's own signer, shown beside OpenSSL's;
#   - raw durable appends per second (dd oflag=dsync: one 1 KiB write made
#     durable at a time, what one fdatasync per record would give);
#   - decision records (as wardd writes them, ~1.7 KB) sealed, signed,
#     chained and made durable per second by report-chain: 64 workers each
#     waiting for its own record to be durable (RLOG_DURABLE), the group
#     commit sharing one fdatasync (and one ratchet step) per group.  The
#     payloads are built before the clock starts (--prebuild: that is the
#     decision stage's work, not the log's).
# Records per second are given per wall-clock second and per CPU second of
# the process (user + system) from the first append to the last one's
# return and the closing sync (the 64 threads' exit is not a record's
# cost: wardd's workers live on), each beside the matching signature rate:
# on a machine others load too, the CPU figures are the comparable ones.
# Each figure is the median of 3 runs.  Target: records >= 70% of signatures.
#   tests/bench/report.sh [RECORDS] [THREADS]        (default 20000, 64)
set -eu
cd "$(dirname "$0")/../.."
build=${WARD_BUILD:-build}
chain=$build/tools/report-chain
[ -x "$chain" ] || make -s "$chain"
records=${1:-20000}
threads=${2:-64}
dir=$(mktemp -d /var/tmp/ward-bench-report.XXXXXX)
trap 'rm -rf "$dir"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# signs [-elapsed]: Ed25519 signatures per second on core 0.
signs() {
	taskset -c 0 openssl speed "$@" -seconds 3 ed25519 2>/dev/null |
		awk '/Ed25519/ { print int($(NF - 1)) }'
}

dsync_appends() {
	local n=1000 t0 t1
	rm -f "$dir/dsync"
	t0=$(date +%s%N)
	taskset -c 0 dd if=/dev/zero of="$dir/dsync" bs=1024 count=$n oflag=dsync status=none
	t1=$(date +%s%N)
	awk "BEGIN { printf \"%d\", $n / (($t1 - $t0) / 1e9) }"
}

# "wall-rate cpu-rate groups syncs"
records_per_s() {
	local out ns cpu
	rm -rf "$dir/state"
	out=$(taskset -c 0 "$chain" --state "$dir/state" --count "$records" --threads "$threads" \
		--durable --prebuild)
	ns=$(sed -n 's/.* ns \([0-9]*\) .*/\1/p' <<<"$out")
	cpu=$(sed -n 's/.* cpu_ns \([0-9]*\)$/\1/p' <<<"$out")
	awk -v n="$records" -v ns="$ns" -v cpu="$cpu" -v out="$out" 'BEGIN {
		split(out, f, " ")
		printf "%d %d %s %s\n", n / (ns / 1e9), n / (cpu / 1e9), f[8], f[10] }'
}

# Ward's own signer on core 0: signatures per CPU second.
own_signs() {
	taskset -c 0 "$chain" --sign-only --count 20000 |
		awk '{ printf "%d", $2 / ($4 / 1e9) }'
}

sc=() se=() so=() d=() rw=() rc=() detail=()
for i in 1 2 3; do
	sc+=("$(signs)")
	se+=("$(signs -elapsed)")
	so+=("$(own_signs)")
	d+=("$(dsync_appends)")
	read -r wall cpu groups syncs <<<"$(records_per_s)"
	rw+=("$wall")
	rc+=("$cpu")
	detail+=("$wall/s wall, $cpu/s CPU, $groups groups, $syncs fdatasyncs")
done
sign_cpu=$(printf '%s\n' "${sc[@]}" | median)
sign_wall=$(printf '%s\n' "${se[@]}" | median)
sign_own=$(printf '%s\n' "${so[@]}" | median)
dsync=$(printf '%s\n' "${d[@]}" | median)
rec_wall=$(printf '%s\n' "${rw[@]}" | median)
rec_cpu=$(printf '%s\n' "${rc[@]}" | median)
pct() { awk "BEGIN { printf \"%.1f\", 100 * $1 / $2 }"; }
printf '%-62s %10s\n' "signed record log, one core (median of 3)" "per second"
printf '%-62s %10s\n' "openssl speed ed25519 signatures (CPU time)" "$sign_cpu"
printf '%-62s %10s\n' "openssl speed -elapsed ed25519 signatures (wall clock)" "$sign_wall"
printf '%-62s %10s\n' "Ward's signer (libsodium), 1.4 KB input (CPU time)" "$sign_own"
printf '%-62s %10s\n' "raw durable 1 KiB appends (dd oflag=dsync)" "$dsync"
printf '%-62s %10s\n' "records signed + durable, $threads workers (per CPU second)" "$rec_cpu"
printf '%-62s %10s\n' "records signed + durable, $threads workers (per wall second)" "$rec_wall"
printf '%-62s %9s%%\n' "records / signatures, CPU time (target >= 70%)" "$(pct "$rec_cpu" "$sign_cpu")"
printf '%-62s %9s%%\n' "records / signatures, wall clock" "$(pct "$rec_wall" "$sign_wall")"
printf '%-62s %9s%%\n' "records / Ward's own signatures, CPU time" "$(pct "$rec_cpu" "$sign_own")"
printf '%-62s %9sx\n' "records / raw durable appends, wall clock" \
	"$(awk "BEGIN { printf \"%.1f\", $rec_wall / $dsync }")"
for line in "${detail[@]}"; do echo "  run: $line"; done
printf 'load average while measured: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
