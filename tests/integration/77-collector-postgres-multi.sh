#!/usr/bin/env bash
# Two ward-collector processes on one PostgreSQL database, as an office
# behind a load balancer runs them: five agents post at once; one of them
# (south) to both processes at once and another (centre) over two
# connections of one process at once, so batches of one chain race each
# other.  The Merkle log must stay one sequence (the advisory lock in
# db_pg.c) and each chain one gap-free run: every record stored once, leaf
# indexes 0..N-1 without a gap or a repeat, nothing left held, every
# acknowledgement reaching the chain's last seq, every signed checkpoint
# consistent with the tree, no alert but the gaps the protocol records.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
need_root
need_cmd jq psql
source tests/lib/collector.sh

AGENTS=(east west north south centre)
RECORDS=160 BATCH=10
coll_init postgres || { not_ok "PostgreSQL cluster"; done_testing; exit 1; }

SECOND_PID="" SECOND_PORT=$((COLL_PORT + 1))
second_stop() {
	[ -n "$SECOND_PID" ] && kill "$SECOND_PID" 2>/dev/null && wait "$SECOND_PID" 2>/dev/null
	SECOND_PID=""
}
trap 'second_stop; coll_cleanup' EXIT

check "the first collector starts on PostgreSQL" coll_start
first_vkey=$COLL_VKEY

# The second process shares the state directory (CA, checkpoint key) and
# the database; only its port differs.
"$COLL_BUILD/ward-collector" serve --state-dir "$COLL_STATE" "${COLL_DB_ARGS[@]}" \
	--listen "127.0.0.1:$SECOND_PORT" --console off >"$COLL_DIR/second.log" 2>&1 &
SECOND_PID=$!
second_up() {
	for _ in $(seq 100); do
		grep -qs "agents: https://" "$COLL_DIR/second.log" && return 0
		kill -0 "$SECOND_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$COLL_DIR/second.log" >&2
	return 1
}
check "a second collector starts on the same database" second_up
check_eq "both sign checkpoints with the one key" "$first_vkey" "$(coll_admin checkpoints 0 | head -1)"

for a in "${AGENTS[@]}"; do
	check "agent $a enrolled ($RECORDS records)" coll_agent "$a" "$RECORDS"
done

# post_batches NAME PORT FIRST STEP: NAME's batches FIRST, FIRST+STEP, ...
post_batches() { coll_post_batches "$1" "https://127.0.0.1:$2" "$3" "$4" "$RECORDS" "$BATCH"; }

# All at once: east and west to the first process, north to the second;
# south's even batches to the first while its odd ones go to the second,
# and centre's even and odd batches both to the first over two
# connections, so batches of one chain race each other (a batch ahead of
# its predecessor is held until the gap closes, whoever stores that one).
pids=()
post_batches east "$COLL_PORT" 0 1 & pids+=($!)
post_batches west "$COLL_PORT" 0 1 & pids+=($!)
post_batches north "$SECOND_PORT" 0 1 & pids+=($!)
post_batches south "$COLL_PORT" 0 2 & pids+=($!)
post_batches south "$SECOND_PORT" 1 2 & pids+=($!)
post_batches centre "$COLL_PORT" 0 2 & pids+=($!)
post_batches centre "$COLL_PORT" 1 2 & pids+=($!)
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "every post was answered" 0 "$failed"

# What each batch was told, per record.
statuses=$(cat "$COLL_DIR"/agents/*/replies/*.json | jq -r '.results[].status' | sort | uniq -c)
diag "statuses: $(echo "$statuses" | tr -s ' \n' ' ')"
diag "held while a batch of the same chain was ahead: $(cat "$COLL_DIR"/agents/{south,centre}/replies/*.json | jq '.results[] | select(.status == "held")' | jq -s length)"
check "no record was rejected or in conflict" \
	sh -c "! echo '$statuses' | grep -Eq 'rejected|conflict|invalid'"

total=$((RECORDS * ${#AGENTS[@]}))
# Nothing is waited for: the batch that closes a gap stores what was held
# behind it in its own transaction.
check_eq "every record stored once" "$total" \
	"$(coll_sql "SELECT count(*) FROM chain WHERE status = 'stored'")"
for a in south centre; do
	id=$(jq -r .agent_id "$COLL_DIR/agents/$a/agent/enroll.json")
	check_eq "$a: seqs 1..$RECORDS stored, each once" "$RECORDS 1 $RECORDS" \
		"$(coll_sql "SELECT count(DISTINCT seq) || ' ' || min(seq) || ' ' || max(seq) FROM chain WHERE agent_id = '$id' AND status = 'stored'")"
	# The later of two racing batches answers for both: the chain's
	# acknowledgements reach its last seq without a resend.
	check_eq "$a: acknowledged up to its last seq" "$RECORDS" \
		"$(coll_acked "$a")"
done
check_eq "one leaf per record" "$total" "$(coll_sql "SELECT count(*) FROM leaves")"
check_eq "leaf indexes 0..N-1, no repeat" "$total 0 $((total - 1))" \
	"$(coll_sql "SELECT count(DISTINCT leaf_idx) || ' ' || min(leaf_idx) || ' ' || max(leaf_idx) FROM leaves")"
check_eq "the log's size is N" "$total" "$(coll_sql "SELECT size FROM tlog")"
check_eq "each agent's head is its last record" "${#AGENTS[@]}" \
	"$(coll_sql "SELECT count(*) FROM agents WHERE head_seq = $RECORDS")"
# A batch that overtook its predecessor is a gap until that one lands (the
# protocol records it); anything else would be a wrong verdict.
diag "gap alerts from batches that overtook: $(coll_sql "SELECT count(*) FROM alerts WHERE kind = 'gap'")"
check_eq "no alert but gaps (no fork, forgery, conflict)" 0 \
	"$(coll_sql "SELECT count(*) FROM alerts WHERE kind <> 'gap'")"
check_eq "no record left held" 0 "$(coll_sql "SELECT count(*) FROM chain WHERE status <> 'stored'")"
check "a checkpoint signed as batches landed" \
	test "$(coll_sql "SELECT count(*) FROM checkpoints")" -ge 2
check "admin verify: the tree, every checkpoint and every chain" coll_admin verify

last=$(coll_sql "SELECT max(size) FROM checkpoints")
check_eq "the last checkpoint covers every record" "$total" "$last"

second_stop
check "the second collector stopped cleanly" sh -c "! grep -q 'Sanitizer\|runtime error' '$COLL_DIR/second.log'"
done_testing
