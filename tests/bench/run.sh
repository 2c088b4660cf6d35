#!/usr/bin/env bash
# `make bench`: runs every benchmark script tests/bench/*.sh (but this one),
# each printing its own table, and says which failed.  Needs root (the
# agent benchmarks mount sticks and run wardd and fapolicyd).
#   tests/bench/run.sh [PATTERN]     only scripts whose name matches
set -u
cd "$(dirname "$0")/../.."
export WARD_BUILD=${WARD_BUILD:-build}
pattern=${1:-}
failed=()
for script in tests/bench/*.sh; do
	[ "$(basename "$script")" = run.sh ] && continue
	[ -n "$pattern" ] && [[ $script != *$pattern* ]] && continue
	echo "== $(basename "$script" .sh)"
	if ! bash "$script"; then
		failed+=("$(basename "$script")")
	fi
	echo
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "benchmarks that failed: ${failed[*]}"
	exit 1
fi
