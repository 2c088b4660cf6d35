#!/usr/bin/env bash
# The collector's throughput and how its costs grow (issue 10):
#  - the ceiling: `openssl speed -multi 2 ed25519` verifications per second, this run;
#  - records/s ingested and verified from 50 agents over HTTPS (batches of 250)
#    into SQLite and into PostgreSQL, and their ratio to the ceiling;
#  - the Merkle append (node reads/writes and the leaf row) per record;
#  - ingest rate with 10k and 1M records already stored (10M with
#    BENCH_10M=1; bulk-loaded), with inclusion-proof time and receipt size.
#   tests/bench/collector.sh [RECORDS_PER_AGENT]   (default 400)
#   COLLECTOR_BENCH=ingest|growth  only that part
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/collector.sh
per_agent=${1:-400}
bench=$COLL_BUILD/bench/bench_collector
[ -x "$bench" ] || make -s "$bench" || exit 1

verify_rate=$(openssl speed -multi 2 -seconds 3 ed25519 2>/dev/null |
	awk '/Ed25519/ && /EdDSA/ {print $NF}' | tail -1)
echo "ceiling: openssl speed -multi 2 ed25519: ${verify_rate} verify/s"

agents() {
	for i in $(seq 50); do
		coll_agent "a$i" "$per_agent" || return 1
	done
}

ingest() { # BACKEND LABEL [PREFILL]
	coll_init "$1" || return 1
	if [ -n "${3:-}" ]; then
		mkdir -p "$COLL_STATE"
		local target=sqlite:$COLL_STATE/collector.db
		[ "$1" = postgres ] && target=$PG_CONNINFO
		"$bench" prefill "$target" "$3" || return 1
	fi
	coll_start --rate 0 >/dev/null || return 1
	agents || return 1
	local out rate
	out=$("$COLL_CLIENT" load "$COLL_URL" "$COLL_CA" 250 "$COLL_DIR"/agents/a*)
	rate=$(awk '{print $6}' <<<"$out")
	printf '%-34s %8s records/s  %5.1f%% of the verify ceiling   (%s)\n' "$2" "$rate" \
		"$(awk -v r="$rate" -v c="$verify_rate" 'BEGIN {print 100 * r / c}')" "$out"
	if [ -n "${3:-}" ]; then
		local t=sqlite:$COLL_STATE/collector.db
		[ "$1" = postgres ] && t=$PG_CONNINFO
		"$bench" proofs "$t"
	fi
	coll_cleanup
	trap - EXIT
}

if [ "${COLLECTOR_BENCH:-ingest}" = ingest ]; then
	ingest sqlite "50 agents -> SQLite"
	ingest postgres "50 agents -> PostgreSQL"
fi
[ "${COLLECTOR_BENCH:-growth}" = growth ] || exit 0
d=$(mktemp -d)
"$bench" append "sqlite:$d/append.db" 100000
rm -rf "$d"
per_agent=100
for n in 10000 1000000 ${BENCH_10M:+10000000}; do
	ingest sqlite "SQLite with $n stored" "$n"
done
