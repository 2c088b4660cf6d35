#!/usr/bin/env bash
# The collector SIGKILLed during ingest, 10 times (SQLite, synchronous
# FULL): no record it acknowledged is lost, the tree and the stored
# records agree (admin verify), and every checkpoint an agent was given
# is consistent with the final one.  Then the dark-desk threshold and the
# request-rate limit.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/collector.sh

coll_init sqlite
coll_start || { not_ok "collector starts"; done_testing; exit 1; }
coll_agent desk 3000 || { not_ok "agent enrolls"; done_testing; exit 1; }
# 3000 records, and perhaps one closing the last group (key rotation).
total=$(cut -d' ' -f1 "$COLL_DIR/agents/desk/state/log/durable")
mkdir -p "$COLL_DIR/cps"

# The agent's side: batches of 40 from the collector's contiguous_seq on,
# each acknowledgement written down with its checkpoint; a failed post
# (the collector died) makes it stop.
sender() {
	local acked=$1 reply
	while [ "$acked" -lt "$total" ]; do
		coll_body desk $((acked + 1)) $((acked + 40)) >"$COLL_DIR/sbody"
		"$COLL_CLIENT" post "$COLL_URL" /v1/records "$COLL_DIR/agents/desk/agent" "$COLL_CA" \
			"$COLL_DIR/sbody" >"$COLL_DIR/sreply" 2>/dev/null || return 0
		acked=$(jq -r .contiguous_seq "$COLL_DIR/sreply")
		jq -j .checkpoint "$COLL_DIR/sreply" >"$COLL_DIR/cps/$acked"
		echo "$acked" >>"$COLL_DIR/acked"
	done
}

acked=0
for kill in $(seq 10); do
	sender "$acked" &
	spid=$!
	sleep "0.$((RANDOM % 6 + 2))"
	kill -9 "$COLL_PID"
	wait "$COLL_PID" 2>/dev/null
	COLL_PID=""
	wait "$spid"
	last=$(tail -1 "$COLL_DIR/acked" 2>/dev/null || echo 0)
	coll_start >/dev/null || { not_ok "restart after kill $kill"; break; }
	kept=$(coll_sql "SELECT coalesce(max(seq), 0) FROM chain WHERE status = 'stored'")
	if [ "$kept" -lt "$last" ]; then
		not_ok "kill $kill: acknowledged up to $last, only $kept kept"
	else
		ok "kill $kill: every acknowledged record kept (acknowledged $last, kept $kept)"
	fi
	acked=$kept
done
sender "$acked"
check_eq "after the kills every record arrives once" "$total" "$(coll_sql "SELECT count(*) FROM chain WHERE status = 'stored'")"
check_eq "no leaf twice" "$total" "$(coll_sql "SELECT count(DISTINCT sha256) FROM leaves")"
check "admin verify: the tree and the stored records agree" coll_admin verify

# Every checkpoint handed out is consistent with the last one.
size=$(coll_sql "SELECT size FROM tlog")
bad=0 n=0
for cp in "$COLL_DIR"/cps/*; do
	old=$(sed -n 2p "$cp")
	coll_body desk 1 1 "$old" >"$COLL_DIR/body"
	coll_post_body desk "$COLL_DIR/body"
	printf '%s\n' "$(coll_records desk | sed -n 1p)" >"$COLL_DIR/sent"
	"$COLL_CLIENT" receipts "$COLL_DIR/reply" "$COLL_DIR/sent" "$COLL_VKEY" "$cp" >/dev/null || bad=$((bad + 1))
	n=$((n + 1))
done
check_eq "all $n checkpoints given out are consistent with the final tree of $size" 0 "$bad"

# Dark desks and the rate limit.
coll_stop
coll_start --dark-after 1 --rate 0.2 --burst 2 || not_ok "restart with a short dark threshold"
sleep 2.5
check "a desk silent past the threshold is dark" test "$(coll_sql "SELECT count(*) FROM alerts WHERE kind = 'dark'")" -ge 1
check "admin agents shows it dark" grep -q dark <(coll_admin agents)
statuses=""
for _ in 1 2 3 4 5; do
	coll_body desk 1 1 >"$COLL_DIR/body"
	coll_post_body desk "$COLL_DIR/body"
	statuses="$statuses $(grep -o 'HTTP [0-9]*' "$COLL_DIR/reply.err" || echo 200)"
done
check "requests past the rate are refused with 429" grep -q "HTTP 429" <<<"$statuses"
check "the first requests within the burst pass" grep -q "^ 200 200" <<<"$statuses"

# Started as root with --user: it binds, then runs as that user for good.
coll_stop
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody: "$COLL_STATE"
	coll_start --user nobody || not_ok "the collector starts with --user nobody"
	check_eq "the running collector's real, effective and saved uid are nobody's" \
		"$(id -u nobody) $(id -u nobody) $(id -u nobody)" \
		"$(awk '/^Uid:/ {print $2, $3, $4}' "/proc/$COLL_PID/status")"
	check_eq "its state directory belongs to nobody" nobody "$(stat -c %U "$COLL_STATE")"
	coll_body desk 1 1 >"$COLL_DIR/body"
	check "it still serves agents" coll_post_body desk "$COLL_DIR/body"
else
	skip "needs root to drop privileges"
fi
done_testing
