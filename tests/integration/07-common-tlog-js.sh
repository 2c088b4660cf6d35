#!/usr/bin/env bash
# common/merkle and common/note against an implementation Ward did not
# write: @sigstore/verify (npm, pinned in tests/js/package-lock.json)
# verifies the signed checkpoint and the inclusion proofs of logs of
# several shapes that build/tools/tlog-sample builds and signs.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/npm.sh
build=${WARD_BUILD:-build}

if ! js_deps; then
	not_ok "npm ci in tests/js"
	done_testing
	exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Sizes: one leaf, a power of two and its neighbours, a large odd tree.
for n in 1 2 7 8 9 1000 65537; do
	if ! "$build/tools/tlog-sample" "$n" >"$out"; then
		not_ok "tlog-sample $n"
		continue
	fi
	result=$(node tests/js/tlog-check.js <"$out" 2>&1)
	status=$?
	sed 's/^/# /' <<<"$result"
	check_eq "a log of $n leaves verifies with @sigstore/verify" 0 "$status"
	# The checks themselves can fail: refused tampering is part of them.
	check "tampered checkpoints and proofs refused ($n)" grep -q "^ok .* - changed leaves and proofs are refused" <<<"$result"
done
done_testing
