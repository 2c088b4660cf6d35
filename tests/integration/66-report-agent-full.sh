#!/usr/bin/env bash
# wardd's state directory on a small tmpfs.  First the cap on what waits
# for the collector (1 MiB, no sender): audited copies beyond it are no
# longer recorded, a signed spool-overflow record counts them, denials are
# always recorded.  Then the disk fills: denials are still denied, an
# audited copy is now denied too (report-failure removable block), the
# failures are counted; once there is room again a report-failure record
# says how many failed, and nothing written before was damaged.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
need_cmd jq
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

MI=$CORPUS/office/header-mi.odt
mkdir -p "$AGENT_STATE"
check "the state directory is a 4 MiB tmpfs" \
	mount -t tmpfs -o size=4m,mode=0700 ward-test-state "$AGENT_STATE"
# After the agent's own cleanup (which cannot remove a mount point).
testbed_on_exit "umount '$AGENT_STATE' 2>/dev/null; rm -rf '$AGENT_DIR'"
echo "會議紀錄：本週無特別事項。" >"$WORK/notes.txt"
count_events() { journal_grep "$@" | wc -l; }

AGENT_EXTRA_CONF=$(printf 'report_cap_mb = 1\ncoalesce_ms = 0\nsender_group =')
check "wardd starts with a 1 MiB cap" agent_start
check "stick inserted" agent_stick F --fs ext4 --size 64M --serial WARDFULL1
M=$(stick_mnt F)
check "wardd watches the stick" agent_wait_watched "$M"

for i in $(seq 1 1500); do cp "$WORK/notes.txt" "$M/n$i.txt" 2>/dev/null; done
sleep 1.5
check "audited copies beyond the cap were dropped and counted" \
	test "$(agent_status_field log_dropped_over_cap)" -gt 0
check "a signed spool-overflow record counts them" journal_has '"event":"spool-overflow"' '"dropped":{"audit":'
check "a marked copy is still denied" eperm_from cp "$MI" "$M/over-cap.odt"
check "and recorded, the cap notwithstanding" journal_has '"outcome":"denied' "$M/over-cap.odt"
check "the log verifies" "$WARD_BUILD/wardctl" verify "$AGENT_STATE"

check "wardd stops" agent_stop
AGENT_EXTRA_CONF=$(printf 'report_cap_mb = 0\ncoalesce_ms = 0\nsender_group =')
check "wardd starts again, no cap" agent_start
check "wardd watches the stick" agent_wait_watched "$M"
check "an audited copy goes through while there is room" cp "$WORK/notes.txt" "$M/room.txt"
before=$(wc -c <"$(ls "$AGENT_STATE"/log/seg-* | tail -1)")
dd if=/dev/zero of="$AGENT_STATE/filler" bs=64k 2>/dev/null
check_fails "the state directory is full" sh -c "echo x >'$AGENT_STATE/probe'"
check "a marked copy is denied on a full disk" eperm_from cp "$MI" "$M/full.odt"
# A full tmpfs still takes a record that fits in the slack of the log's last
# page, so the first copies may go through; each of those must be in the log.
denied=0 unrecorded=0
for i in $(seq 1 12); do
	if eperm_from cp "$WORK/notes.txt" "$M/full$i.txt" 2>/dev/null; then
		denied=$i
		break
	fi
	journal_has "$M/full$i.txt" || unrecorded=$((unrecorded + 1))
done
check "an audited copy is denied now: its record cannot be written" test "$denied" -gt 0
diag "denied at the audited copy number $denied"
check "every audited copy that went through was recorded" test "$unrecorded" = 0
check "and the next audited copy is denied too" eperm_from cp "$WORK/notes.txt" "$M/full-next.txt"
check "failures are counted" test "$(agent_status_field journal_failures)" -gt 0
check "denials for want of a record are counted" \
	test "$(agent_status_field record_failure_denials)" -gt 0
check "wardd is still ready" agent_ready
check "nothing already written was damaged" "$WARD_BUILD/wardctl" verify "$AGENT_STATE"
rm -f "$AGENT_STATE/filler"
for i in $(seq 1 50); do [ "$(count_events '"event":"report-failure"')" -gt 0 ] && break; sleep 0.1; done
check "with room again, a report-failure record says how many failed" \
	journal_has '"event":"report-failure"' '"failures":'
check "an audited copy goes through again" cp "$WORK/notes.txt" "$M/again.txt"
check "wardd stops" agent_stop
check "wardd starts on the same log" agent_start
check "the whole log verifies" "$WARD_BUILD/wardctl" verify "$AGENT_STATE"
diag "segment grew from $before bytes; $(agent_status_field journal_seq) records"
done_testing
