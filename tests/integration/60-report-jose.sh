#!/usr/bin/env bash
# Every record Ward writes verifies with the npm `jose` package, not only
# with Ward's own code, and the ratchet walked with jose from seed_1 is the
# one the log announces (docs/protocol.md §1-§2).  Then the same log damaged:
# jose and `wardctl verify` both refuse it at the same seq.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/npm.sh
need_cmd node
need_cmd npm

build=${WARD_BUILD:-build}
chain=$build/tools/report-chain
wardctl=$build/wardctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "report-chain and wardctl are built" test -x "$chain" -a -x "$wardctl"
# The lock file pins jose; npm ci installs exactly it.
check "npm ci installs tests/js/package-lock.json" js_deps
check_eq "jose is the version the lock file pins" \
	"$(jq -r '.packages["node_modules/jose"].version' tests/js/package-lock.json)" \
	"$(node -p 'require("./tests/js/node_modules/jose/package.json").version')"

jose_verify() { node tests/js/verify-chain.mjs "$@"; }

# 8 writers, group commit, segments of 64 KiB: many groups, keys, segments.
check "write 2000 records from 8 threads" \
	"$chain" --state "$work/s" --count 2000 --threads 8 --durable --segment-bytes 65536 \
	--seed-out "$work/seed"
segs=$(ls "$work/s/log" | grep -c '^seg-')
check "the log spans several segments ($segs)" test "$segs" -gt 3
out=$(jose_verify "$work/s/log" "$work/s/keys/ratchet-1.pub" --seed "$work/seed" 2>&1)
check "jose verifies every record and walks the ratchet from seed_1" \
	grep -q '^verified 2000 records' <<<"$out"
diag "$out"
keys=$(sed -n 's/.*key \([0-9]*\) in force/\1/p' <<<"$out")
check "the ratchet moved on (key $keys in force)" test "${keys:-0}" -gt 10
check "wardctl verify agrees" "$wardctl" verify "$work/s"

# More records after a restart: one chain.
check "append 500 more after reopening" "$chain" --state "$work/s" --count 500 --threads 3
# (2500 and the key-rotation record that closed the last group nobody waited for.)
h=$(cut -d' ' -f1 "$work/s/log/durable")
check "jose verifies the continued chain ($h records)" \
	bash -c "node tests/js/verify-chain.mjs '$work/s/log' '$work/s/keys/ratchet-1.pub' --seed '$work/seed' | grep -q '^verified $h records'"

# Damage: the first record of the third segment says "allowed" where it said
# "denied", re-encoded as any editor would, its signature kept.
third=$(ls "$work/s/log"/seg-* | sed -n 3p)
first_seq=$((10#$(basename "$third" .jws | cut -c5-)))
cp -a "$work/s" "$work/bad"
bad=$work/bad/log/$(basename "$third")
python3 - "$bad" <<'PY'
import base64, json, sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')
h, body, sig = lines[0].split(b'.')
d = json.loads(base64.urlsafe_b64decode(body + b'=' * (-len(body) % 4)))
d['outcome'] = 'allowed' if d.get('outcome') != 'allowed' else 'denied'
text = json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(',', ':')).encode()
lines[0] = b'.'.join([h, base64.urlsafe_b64encode(text).rstrip(b'='), sig])
open(p, 'wb').write(b'\n'.join(lines))
PY
out=$(jose_verify "$work/bad/log" "$work/bad/keys/ratchet-1.pub" 2>&1)
check_eq "jose refuses the altered record at its seq" "seq $first_seq" "$(cut -d: -f1 <<<"$out")"
out=$("$wardctl" verify "$work/bad")
check_fails "wardctl verify fails on it" "$wardctl" verify "$work/bad"
check_eq "wardctl names the same seq, as a forgery" "forgery seq $first_seq" \
	"$(head -1 <<<"$out" | cut -d: -f1)"

done_testing
