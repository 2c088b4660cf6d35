#!/usr/bin/env bash
# ward-sender against a collector over real HTTPS on loopback (the stand-in
# of tests/lib/collector-standin.py: client certificates, receipts, signed
# checkpoints), as an unprivileged user of its own:
#   enrollment with the CA pinned by fingerprint (a wrong one refused);
#   delivery with every receipt checked; heartbeats;
#   the collector down, then back: the backlog grows, then everything
#   arrives once; restarted in the middle of a batch: no loss, no duplicate.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report.sh
report_needs

report_init wsnd
state=$work/state
REPORT_STATE=$state
col=$work/collector


check "a user of its own for the sender" report_user "$user"
check "a CA and a server certificate for 127.0.0.1" report_pki "$col" 127.0.0.1
check "the collector stand-in listens" standin_start "$col" "$port" tok-$$
url=https://127.0.0.1:$port
check "1000 records, the log readable by the sender's group" \
	"$chain" --state "$state" --count 1000 --threads 4 --group "$user" --heartbeat

wrong=$(report_ca_sha256 "$col" | tr 0-9a-f 1-9a-f0)
check_fails "enrollment refuses a CA that is not the pinned one" \
	"$wardctl" enroll "$url" tok-$$ --ca-sha256 "$wrong" --user "$user" --state-dir "$state"
check_fails "nothing was kept of it" test -e "$state/sender/collector.json"
check "enrollment with the CA's fingerprint" \
	"$wardctl" enroll "$url" tok-$$ --ca-sha256 "$(report_ca_sha256 "$col")" --user "$user" \
	--state-dir "$state"
check_eq "the sender's TLS key is its own (0600, its user)" "600 $user" \
	"$(stat -c '%a %U' "$state/sender/tls.key")"
check "re-enrollment with the CA file" \
	"$wardctl" enroll "$url" tok-$$ --ca-file "$col/ca.pem" --user "$user" --state-dir "$state"

check "ward-sender --once delivers everything" "$sender" --once --state-dir "$state" --user "$user"
# (1000 and the key-rotation record that closed the writer's last group.)
h=$(durable_seq)
check_eq "the collector holds every record ($h), each once" "$h $h $h" "$(standin_count "$col")"
check_eq "spool/acked is the durable head" "$(cat "$state/log/durable")" "$(cat "$state/spool/acked")"
check_eq "a heartbeat arrived" 1 "$(sqlite3 "$col/store.db" 'SELECT heartbeats FROM agents')"
check_fails "the sender cannot write the log" \
	setpriv --reuid "$user" --regid "$user" --init-groups touch "$state/log/x"

# The collector goes down; the sender runs as a service would.
standin_stop "$col"
sender_start "$user" --heartbeat 1 --backoff-max 2
check "the sender runs as its user" wait_for 5 \
	bash -c "grep -q '^Uid:[[:space:]]*$(id -u "$user")[[:space:]]' /proc/$SENDER_PID/status"
check "500 more records while the collector is down" \
	"$chain" --state "$state" --count 500 --threads 2 --group "$user"
check "wardctl spool says the collector is unreachable" \
	wait_for 10 bash -c "[ \"\$($wardctl spool --state-dir '$state' --json | jq -r .reachable)\" = false ]"
before=$(spool_field waiting)
check_eq "everything written since waits" $(($(durable_seq) - h)) "$before"
check "500 more: the backlog grows" "$chain" --state "$state" --count 500 --group "$user"
check "by 500 and more" test "$(spool_field waiting)" -ge $((before + 500))
check "the collector comes back" standin_start "$col" "$port" tok-$$
check "the backlog drains" wait_for 60 acked_is_durable
h=$(durable_seq)
check_eq "every record arrived once ($h)" "$h $h $h" "$(standin_count "$col")"
check_eq "and is acknowledged" true "$(spool_field reachable)"

# Restarted in the middle of a batch: the stand-in dies after storing 120
# of the next 400 records, before it answers.
standin_stop "$col"
check "the collector crashes after storing 120 records" \
	standin_start "$col" "$port" tok-$$ "" --crash-after 120
check "400 more records" "$chain" --state "$state" --count 400 --group "$user"
check "it crashed in the middle of the batch" wait_for 30 \
	bash -c "! kill -0 $(cat "$col/standin.pid") 2>/dev/null"
check_eq "120 of them were stored, none acknowledged" "$((h + 120)) $h" \
	"$(standin_count "$col" | cut -d' ' -f1) $(cut -d' ' -f1 "$state/spool/acked")"
check "the collector comes back" standin_start "$col" "$port" tok-$$
check "the batch is sent again and drains" wait_for 60 acked_is_durable
h=$(durable_seq)
check_eq "no loss, no duplicate ($h)" "$h $h $h" "$(standin_count "$col")"
heartbeats_seen() { test "$(sqlite3 "$col/store.db" 'SELECT heartbeats FROM agents')" -gt 2; }
check "heartbeats keep coming" wait_for 30 heartbeats_seen
check_eq "no alert" 0 "$(spool_field alerts)"
check "the local log still verifies" "$wardctl" verify "$state"

done_testing
