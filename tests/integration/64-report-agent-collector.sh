#!/usr/bin/env bash
# End to end: wardd refuses the copy of a 密 document to a test-bed stick,
# the denial is a signed record in its log, ward-sender (its own user)
# delivers it, and the real ward-collector stores that very record, checks
# its chain and its tree, and can say which file, stick and user it was.
cd "$(dirname "$0")/../.."
user=wage$$
. tests/lib/report-agent.sh
report_agent_up desk-e2e
check "stick inserted" agent_stick E --fs exfat --serial WARDE2E01
M=$(stick_mnt E)
check "wardd watches the stick" agent_wait_watched "$M"

cp "$MI" "$WORK/budget.odt"
check "cp of a 密 document to the stick fails with EPERM" eperm_from cp "$WORK/budget.odt" "$M/"
check "the denial is a record in wardd's log" \
	journal_has '"outcome":"denied' "$M/budget.odt" '"device_serial":"WARDE2E01"'
check "wardd's log verifies" "$wardctl" verify "$AGENT_STATE"
check "ward-sender delivers everything durable, every receipt checked" wait_for 60 acked_is_durable

denial="SELECT l.raw FROM leaves l JOIN chain c ON c.agent_id = l.agent_id AND c.seq = l.seq
	WHERE c.status = 'stored' AND l.kind = 'decision' AND l.outcome LIKE 'denied%'
	AND l.device_serial = 'WARDE2E01' AND l.file_name = 'budget.odt' AND l.level = '密'
	AND l.username = 'root'"
raw=$(sql "$denial")
check_eq "the collector holds one stored record of that denial" 1 "$(printf '%s' "$raw" | grep -c .)"
check "it is the record wardd signed, byte for byte" \
	grep -qFx -- "$raw" $(ls "$AGENT_STATE"/log/seg-*.jws)
check_eq "the collector holds every durable record, in one chain" \
	"$(durable_seq) $(durable_seq)" \
	"$(sql "SELECT count(*), max(seq) FROM chain WHERE status = 'stored'" | tr '|' ' ')"
check_eq "no alert of the chain or its heartbeats at the collector" 0 "$(chain_alerts)"
heartbeat_seen() { test -n "$(sql "SELECT hb_at FROM agents WHERE hb_at IS NOT NULL")"; }
check "wardd's heartbeat reached the collector" wait_for 60 heartbeat_seen
check "admin verify: the collector's tree, checkpoints and chain hold" coll_admin verify
check "wardd stops" agent_stop
done_testing
