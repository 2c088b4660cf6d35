# How much slower than a normal build the programs under test run: the one
# factor every wait of the tests is scaled by.  An ASan+UBSan build
# (`make SAN=1`, build/san) runs 2-3x slower and starts slower, and on this
# machine other engineers' builds and tests share two cores with it; its
# waits (for a program to start, for wardd to act, wardd's own decision
# deadline, the driver's per-test timeout) are WARD_SLOW times longer.
# What a test asserts never depends on it; a normal build gets 1.
# Sourced by tests/run.sh and tests/lib/tap.sh.
#   WARD_SLOW                  3 when $WARD_BUILD's wardd links the ASan runtime, else 1
#                              (set it in the environment to override)
#   ward_slow N                prints N * WARD_SLOW (integers)
if [ -z "${WARD_SLOW:-}" ]; then
	WARD_SLOW=1
	if readelf -d "${WARD_BUILD:-build}/wardd" 2>/dev/null | grep -q 'NEEDED.*\[libasan\.'; then
		WARD_SLOW=3
	fi
fi
export WARD_SLOW

ward_slow() { echo $(($1 * WARD_SLOW)); }
