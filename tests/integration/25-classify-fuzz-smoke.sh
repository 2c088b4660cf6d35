#!/usr/bin/env bash
# CI's short fuzz smoke: builds every libFuzzer target (tests/fuzz/fuzz.mk,
# clang with ASan+UBSan) and runs each for FUZZ_SMOKE_SECONDS (20 s by
# default) on its seed corpus.  A crash, leak, timeout or sanitizer report
# fails the target's line; the input that did it is kept under
# $WARD_BUILD/fuzz/crash-<target>-*.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd clang

build=${WARD_BUILD:-build}
seconds=${FUZZ_SMOKE_SECONDS:-20}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if make -s -f tests/fuzz/fuzz.mk BUILD="$build" -j2 all >"$log" 2>&1; then
	ok "fuzz targets build with -fsanitize=fuzzer,address,undefined"
else
	not_ok "fuzz targets build with -fsanitize=fuzzer,address,undefined"
	sed 's/^/# /' "$log" | tail -30
	done_testing
	exit 1
fi

targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
check "there are fuzz targets for PDF, RTF, OLE and the whole classifier" \
	bash -c '[ -f tests/fuzz/fuzz_pdf.c ] && [ -f tests/fuzz/fuzz_rtf.c ] &&
		[ -f tests/fuzz/fuzz_ole.c ] && [ -f tests/fuzz/fuzz_classify.c ]'
for t in $targets; do
	if make -s -f tests/fuzz/fuzz.mk BUILD="$build" FUZZ_SECONDS="$seconds" \
		FUZZ_TARGETS="$t" run >"$log" 2>&1; then
		ok "$t runs ${seconds}s without a finding ($(grep -o 'number_of_executed_units: [0-9]*' "$log" | sed 's/.*: //') inputs)"
	else
		not_ok "$t runs ${seconds}s without a finding"
		sed 's/^/# /' "$log" | tail -40
	fi
done

# The driver must report a crash, not swallow it: a target that traps on
# its seed makes `run` fail.
probe=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$probe"' EXIT
cat >"$probe/fuzz_probe.c" <<'C'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 5 && data[0] == 'C' && data[1] == 'R' && data[2] == 'A' && data[3] == 'S' &&
	    data[4] == 'H')
		__builtin_trap();
	return 0;
}
C
mkdir -p "$probe/fuzz" "$probe/seeds/fuzz_probe"
printf CRASH >"$probe/seeds/fuzz_probe/crash"
clang -fsanitize=fuzzer,address -o "$probe/fuzz/fuzz_probe" "$probe/fuzz_probe.c"
if make -s -f tests/fuzz/fuzz.mk BUILD="$probe" FUZZ_SECONDS=5 FUZZ_TARGETS=fuzz_probe \
	FUZZ_SEEDS="$probe/seeds" run >"$log" 2>&1; then
	not_ok "the driver fails when a target crashes"
else
	check "the driver fails when a target crashes, and keeps the input" \
		bash -c "ls '$probe'/fuzz/crash-fuzz_probe-* >/dev/null && grep -q 'FAILED: fuzz_probe' '$log'"
fi
done_testing
