#!/usr/bin/env bash
# wardd killed (SIGKILL) at a random point of each of 20 bursts of 500
# copies of a 密 document onto a stick (10,000 decisions from 8 threads),
# with ward-sender delivering to the real ward-collector all the while.
# A denial is durable before the copier sees EPERM: after each restart the
# log recovers, and in the end the chain verifies end to end, the collector
# holds every durable record once, and a record of every denial the copier
# saw.  REPORT_KILL_PHASES / REPORT_KILL_COPIES make it shorter.
cd "$(dirname "$0")/../.."
user=wkil$$
. tests/lib/report-agent.sh
burst=$WARD_BUILD/tools/report-copy-burst
PHASES=${REPORT_KILL_PHASES:-20}
PER_PHASE=${REPORT_KILL_COPIES:-500}
report_agent_up desk-kill "coalesce_ms = 0"
check "stick inserted" agent_stick K --fs ext4 --size 256M --serial WARDKILL1
M=$(stick_mnt K)
check "wardd watches the stick" agent_wait_watched "$M"

# killed after a random number of this burst's denials (1 .. a half)
kill_after() {
	local want=$((RANDOM % (PER_PHASE / 2) + 1)) i
	for i in $(seq 600); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$want" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

kills=0 restarts=0
for phase in $(seq 1 "$PHASES"); do
	mkdir -p "$M/p$phase"
	: >"$AGENT_DIR/denied.$phase"
	"$burst" "$MI" "$M/p$phase" "$PER_PHASE" 8 "$AGENT_DIR/denied.$phase" \
		>"$AGENT_DIR/burst.$phase" 2>&1 &
	bpid=$!
	if kill_after "$AGENT_DIR/denied.$phase" "$bpid" && kill -0 "$bpid" 2>/dev/null; then
		agent_kill && kills=$((kills + 1))
	fi
	wait "$bpid"
	if [ -z "$AGENT_PID" ]; then
		agent_start >/dev/null && agent_wait_watched "$M" >/dev/null &&
			restarts=$((restarts + 1))
	fi
done
check_eq "wardd was killed in the middle of every burst" "$PHASES" "$kills"
check_eq "and came back each time, watching the stick" "$kills" "$restarts"
cat "$AGENT_DIR"/denied.* | cut -d' ' -f3 | sort -u >"$AGENT_DIR/denied"
denied_phases=0
for phase in $(seq 1 "$PHASES"); do
	[ -s "$AGENT_DIR/denied.$phase" ] && denied_phases=$((denied_phases + 1))
done
diag "$(wc -l <"$AGENT_DIR/denied") copies denied;" \
	"$(cat "$AGENT_DIR"/burst.* | awk '{ a += $4 } END { print a }') allowed while wardd was down"
check_eq "copies were denied in every burst" "$PHASES" "$denied_phases"
check "the record log verifies end to end" "$wardctl" verify "$AGENT_STATE"
check "everything durable reaches the collector" wait_for 300 acked_is_durable
h=$(durable_seq)
check_eq "the collector holds every durable record, each once ($h)" "$h $h $h" \
	"$(sql "SELECT count(*), count(DISTINCT seq), max(seq) FROM chain WHERE status = 'stored'" |
		tr '|' ' ')"
check_eq "no alert of the chain or its heartbeats at the collector" 0 "$(chain_alerts)"
python3 tests/lib/report-received.py "$COLL_STATE/collector.db" >"$AGENT_DIR/received"
check_eq "every denial the copier saw is a record at the collector" "" \
	"$(comm -23 "$AGENT_DIR/denied" "$AGENT_DIR/received" | head -5)"
check "admin verify: the collector's tree, checkpoints and chain hold" coll_admin verify
check "wardd stops" agent_stop
done_testing
