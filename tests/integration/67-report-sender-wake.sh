#!/usr/bin/env bash
# ward-sender never waits out a backoff it no longer needs:
#   started before the log is readable (as when the sender starts before
#   wardd), it backs off; once records arrive they are delivered at once,
#   not after the long wait the failures earned;
#   the collector down, then back with no new record: an answered
#   heartbeat ends the backoff;
#   the collector down while the log grows: each new record may bring the
#   next try forward, but no sooner than the shortest backoff (0.5 to 1 s).
# Each delay (to the first post, and to everything acknowledged) is measured
# and printed; the first is asserted well below the least the backoff would
# have waited (half of it, by its equal jitter).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report.sh
report_needs

report_init wswk
state=$work/state
REPORT_STATE=$state
col=$work/collector
backoff_floor=32000 # ms: the next try comes at least 16 s later

now_ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
backoff_ms() { jq -r '.backoff_ms // 0' "$state/spool/status.json" 2>/dev/null; }
backed_off() { [ "$(backoff_ms)" -ge "$backoff_floor" ] 2>/dev/null; }
failures() { grep -c 'delivery failed' "$log"; }
# The sender in the background, -v, each line of its log stamped with the
# time (ms) it was written.
log=$work/sender.log
start_sender() {
	"$sender" --state-dir "$state" --user "$user" -v "$@" 2> >(
		while IFS= read -r line; do echo "$(now_ms) $line"; done >>"$log") &
	SENDER_PID=$!
	REPORT_PIDS+=($!)
}
stop_sender() {
	kill "$SENDER_PID" 2>/dev/null
	wait "$SENDER_PID" 2>/dev/null
}
# posted_within MS: the sender began posting records within MS of $t0 (the
# event); then everything durable is acknowledged.  Prints the delays.
posted_within() {
	local limit=$1 posted
	wait_for 60 acked_is_durable || return 1
	posted=$(awk -v t0="$t0" '$1 >= t0 && /posting/ {print $1 - t0; exit}' "$log")
	diag "first post ${posted:-never} ms after the event, all delivered $(($(now_ms) - t0)) ms after"
	[ -n "$posted" ] && [ "$posted" -lt "$limit" ]
}

check "a user of its own for the sender" report_user "$user"
check "a CA and a server certificate for 127.0.0.1" report_pki "$col" 127.0.0.1
check "the collector stand-in listens" standin_start "$col" "$port" tok-$$
url=https://127.0.0.1:$port
check "10 records, the log readable by the sender's group" \
	"$chain" --state "$state" --count 10 --group "$user"
check "enrollment" "$wardctl" enroll "$url" tok-$$ --ca-file "$col/ca.pem" --user "$user" \
	--state-dir "$state"

# 1. The log unreadable when the sender starts (wardd not there to make it
# so yet): the sender fails and backs off.
chmod 0600 "$state"/log/seg-*.jws
start_sender --heartbeat 600 --backoff-max 600
check "the sender cannot read the log and backs off to ${backoff_floor} ms" wait_for 60 backed_off
check_eq "nothing was delivered" 0 "$(standin_count "$col" | cut -d' ' -f1)"
chmod 0640 "$state"/log/seg-*.jws
t0=$(now_ms)
check "50 new records" "$chain" --state "$state" --count 50 --group "$user"
check "they wake the sender: it posts within 4 s, the backoff said 16 s or more" \
	posted_within 4000
h=$(durable_seq)
check_eq "every record arrived once ($h)" "$h $h $h" "$(standin_count "$col")"
check_eq "the backoff starts over" 0 "$(backoff_ms)"
stop_sender

# 2. The collector goes away and comes back while nothing new is written:
# the heartbeat (every 2 s here) finds it back and ends the backoff.
check "a heartbeat to post" "$chain" --state "$state" --count 1 --group "$user" --heartbeat
check "the sender delivers it" "$sender" --once --state-dir "$state" --user "$user"
standin_stop "$col"
check "10 records while the collector is down" "$chain" --state "$state" --count 10 --group "$user"
start_sender --heartbeat 2 --backoff-max 600
check "the sender backs off to ${backoff_floor} ms" wait_for 60 backed_off
t0=$(now_ms)
check "the collector comes back" standin_start "$col" "$port" tok-$$
check "an answered heartbeat (every 2 s) ends the backoff: a post within 6 s" \
	posted_within 6000
h=$(durable_seq)
check_eq "every record arrived once ($h)" "$h $h $h" "$(standin_count "$col")"
stop_sender

# 3. The collector down while the log grows: tries come with the records,
# at most two a second; the collector back, the next record is delivered at
# once although the heartbeat is minutes away.
standin_stop "$col"
check "1 record while the collector is down" "$chain" --state "$state" --count 1 --group "$user"
start_sender --heartbeat 600 --backoff-max 600
check "the sender backs off to ${backoff_floor} ms" wait_for 60 backed_off
before=$(failures)
t0=$(now_ms)
for i in $(seq 20); do
	"$chain" --state "$state" --count 1 --group "$user" >/dev/null || break
done
check_eq "20 more records, one at a time" 20 "$i"
sleep 1.2
elapsed=$(($(now_ms) - t0))
tries=$(($(failures) - before))
diag "$tries tries in $elapsed ms while 20 records arrived"
check "the records brought tries forward" test "$tries" -ge 1
# (A try waits for the shortest backoff after the last, 0.5 to 1 s.)
check "no more than two tries a second ($tries in $elapsed ms)" \
	test "$tries" -le $((elapsed / 500 + 1))
check "the collector comes back" standin_start "$col" "$port" tok-$$
t0=$(now_ms)
check "1 more record" "$chain" --state "$state" --count 1 --group "$user"
check "a post within 4 s, with the heartbeat 10 minutes away" posted_within 4000
h=$(durable_seq)
check_eq "every record arrived once ($h)" "$h $h $h" "$(standin_count "$col")"
stop_sender
check_eq "no alert" 0 "$(spool_field alerts)"

done_testing
