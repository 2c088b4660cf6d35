#!/usr/bin/env bash
# Policy decision cost: runs build/bench/bench_policy (median of 7 runs of
# N decisions per case, in ns of thread CPU time per decision) and prints a
# short table.
#   tests/bench/policy.sh [ITERATIONS]     (default 2000000)
set -eu
cd "$(dirname "$0")/../.."
build=${WARD_BUILD:-build}
bench=$build/bench/bench_policy
[ -x "$bench" ] || make -s "$bench"
iterations=${1:-2000000}

printf '%-32s %12s  %-10s %s\n' "case" "ns/decision" "action" "rule"
"$bench" policy/default "$iterations" | while IFS=$'\t' read -r name ns action rule; do
	printf '%-32s %12s  %-10s %s\n' "$name" "$ns" "$action" "$rule"
done
