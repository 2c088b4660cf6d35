#!/usr/bin/env bash
# Ward's test driver: runs every unit test program ($WARD_BUILD/tests/test_*,
# cmocka in TAP mode) and every integration script (tests/integration/*.sh,
# TAP through tests/lib/tap.sh), counts results per test case, and ends with
# one line: "N passed, N failed" (", N skipped" when a kernel feature is
# missing; under CI a skip counts as a failure).
#   tests/run.sh [NAME-PATTERN]   run only tests whose file name matches
set -u
cd "$(dirname "$0")/.."
export WARD_ROOT=$PWD
export WARD_BUILD=${WARD_BUILD:-build}
export WARD_CORPUS=$WARD_ROOT/tests/corpus
# Under SAN=1: other libraries' leaks that are not Ward's (tests/lsan.supp).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$WARD_ROOT/tests/lsan.supp:print_suppressions=0}
# The county's security plan (unmarked, must stay so): ../shared/context
# beside the repository unless WARD_CONTEXT names another directory.
export WARD_CONTEXT=${WARD_CONTEXT:-$(dirname "$WARD_ROOT")/shared/context}
pattern=${1:-}
# A sanitizer build's tests get WARD_SLOW times longer (tests/lib/slow.sh).
. tests/lib/slow.sh
per_test_timeout=${WARD_TEST_TIMEOUT:-$(ward_slow 900)}

passed=0 failed=0 skipped=0
failures=()

# Reads TAP on stdin, echoes it indented, updates the counters.
count_tap() {
	local name=$1 status=$2 line seen=0 bad=0
	while IFS= read -r line; do
		printf '    %s\n' "$line"
		case $line in
		"not ok"*)
			failed=$((failed + 1)); bad=1; seen=1
			failures+=("$name: ${line#not ok }") ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*)
			seen=1
			if [ "${CI:-}" = true ]; then
				failed=$((failed + 1)); bad=1
				failures+=("$name: skipped under CI: ${line#ok }")
			else
				skipped=$((skipped + 1))
			fi ;;
		"ok "*)
			passed=$((passed + 1)); seen=1 ;;
		esac
	done
	# A program that died or exited non-zero without saying which case
	# failed is one failure of its own.
	if [ "$status" -ne 0 ] && [ $bad -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: exited with status $status")
	elif [ $seen -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: ran no test case")
	fi
}

run_one() {
	local name=$1; shift
	local out status
	out=$(mktemp)
	echo "== $name"
	timeout --kill-after=10 "$per_test_timeout" "$@" >"$out" 2>&1
	status=$?
	[ $status -eq 124 ] && echo "not ok - $name timed out after ${per_test_timeout}s" >>"$out"
	count_tap "$name" "$status" <"$out"
	rm -f "$out"
}

for prog in "$WARD_BUILD"/tests/test_*; do
	[ -x "$prog" ] || continue
	name=unit/$(basename "$prog")
	[ -n "$pattern" ] && [[ $name != *$pattern* ]] && continue
	CMOCKA_MESSAGE_OUTPUT=TAP run_one "$name" "$prog"
done

for script in tests/integration/*.sh; do
	[ -f "$script" ] || continue
	name=integration/$(basename "$script" .sh)
	[ -n "$pattern" ] && [[ $name != *$pattern* ]] && continue
	run_one "$name" bash "$script"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "== failures:"
	printf '  %s\n' "${failures[@]}"
fi
summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $failed -eq 0 ]
