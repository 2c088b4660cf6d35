# TAP helpers for integration scripts: source this, then call ok/not_ok/
# check/skip; finish with done_testing.  Every script runs under
# tests/run.sh, which counts the ok/not ok lines.
#   check "description" command args...   ok when the command succeeds
#   check_fails "description" command...   ok when it fails
#   need_root / need_cmd CMD               skip the whole script otherwise
#   ward_slow N                            N scaled for a sanitizer build (lib/slow.sh)
. "$(dirname "${BASH_SOURCE[0]}")/slow.sh"
TAP_N=0
TAP_FAILED=0

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
diag() { echo "# $*"; }

check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
check_fails() {
	local desc=$1; shift
	if "$@"; then not_ok "$desc"; else ok "$desc"; fi
}
# check_eq "description" expected actual
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "expected: $2"; diag "actual:   $3"; fi
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
		done_testing
		exit 0
	fi
}
need_cmd() {
	if ! command -v "$1" >/dev/null 2>&1; then
		skip "needs $1"
		done_testing
		exit 0
	fi
}

done_testing() {
	echo "1..$TAP_N"
	[ $TAP_FAILED -eq 0 ]
}
