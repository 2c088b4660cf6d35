#!/usr/bin/env bash
# ward-sender (the agent's unprivileged delivery process) against the real
# collector: enrollment with the collector's CA pinned by fingerprint,
# delivery of a record log with every receipt checked by the sender,
# heartbeats, the collector's own view of it (admin verify), and a
# collector whose checkpoint key changed behind the agent's back refused
# by the agent.  The blocked copy on the USB test bed joins this once
# wardd writes the signed record log.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report.sh
. tests/lib/collector.sh
report_needs

user=wcol$$
coll_init sqlite
cleanup() { report_cleanup; coll_cleanup; }
trap cleanup EXIT
state=$COLL_DIR/desk
REPORT_STATE=$state

check "a user of its own for the sender" report_user "$user"
check "the collector starts" coll_start
check "300 records in the desk's log, readable by the sender's group" \
	"$chain" --state "$state" --count 300 --threads 2 --group "$user" --heartbeat
token=$(coll_admin token create --label desk)
check "wardctl enroll with the collector's CA pinned by fingerprint" \
	"$wardctl" enroll "$COLL_URL" "$token" --ca-sha256 "$(report_ca_sha256 "$COLL_STATE")" \
	--user "$user" --state-dir "$state"
check_fails "the token works once" \
	"$wardctl" enroll "$COLL_URL" "$token" --ca-file "$COLL_CA" --user "$user" --state-dir "$state"
check "ward-sender --once delivers, checking every receipt" \
	"$sender" --once --state-dir "$state" --user "$user"
durable() { cut -d' ' -f1 "$state/log/durable"; }
check_eq "the collector holds every durable record, verified" "$(durable)" \
	"$(coll_sql "SELECT count(*) FROM chain WHERE status = 'stored'")"
check_eq "the sender acknowledged exactly what is durable" "$(cat "$state/log/durable")" \
	"$(cat "$state/spool/acked")"
check "the heartbeat reached the collector" \
	test -n "$(coll_sql "SELECT hb_at FROM agents WHERE hb_at IS NOT NULL")"
check_eq "no alert at the collector" 0 "$(coll_sql "SELECT count(*) FROM alerts")"
check "admin verify: tree, checkpoints and chain hold" coll_admin verify

# More records, the sender running as a service.
check "200 more records" "$chain" --state "$state" --count 200 --group "$user"
sender_start "$user" --heartbeat 1 --backoff-max 1
check "they arrive" wait_for 60 acked_is_durable
check_eq "every record at the collector, each once" "$(durable) $(durable)" \
	"$(coll_sql "SELECT count(*), count(DISTINCT seq) FROM chain WHERE status = 'stored'" | tr '|' ' ')"

# A collector that swapped its checkpoint key (a forged log) is refused.
coll_stop
mv "$COLL_STATE/checkpoint.key" "$COLL_STATE/checkpoint.key.old"
check "the collector restarts with another checkpoint key" coll_start
check "100 more records" "$chain" --state "$state" --count 100 --group "$user"
spool_alerted() { [ "$(spool_field alerts)" -gt 0 ]; }
check "wardctl spool shows the alert" wait_for 60 spool_alerted
check_fails "the agent does not acknowledge receipts under a key it never pinned" acked_is_durable
done_testing
