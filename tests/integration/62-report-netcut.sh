#!/usr/bin/env bash
# The network between a desk and the collector is cut: the collector
# (stand-in) lives in a network namespace of its own behind a veth pair;
# taking the pair's far end down cuts the wire.  While it is cut the backlog
# grows and ward-sender says the collector is unreachable; once the wire is
# back the backlog drains and every record arrives once.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report.sh
report_needs
need_cmd ip

report_init wsnc
ns=wardnc$$
host_if=wnca$$
peer_if=wncb$$
net=10.$((200 + $$ % 50)).$(($$ % 250)).
port=8443
report_on_exit() {
	ip link del "$host_if" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
}
state=$work/state
REPORT_STATE=$state
col=$work/collector

unreachable() { [ "$(spool_field reachable)" = false ]; }

check "a network namespace for the collector" ip netns add "$ns"
check "a veth pair into it" ip link add "$host_if" type veth peer name "$peer_if" netns "$ns"
check "addresses and links up" bash -c "
	ip addr add ${net}1/30 dev $host_if && ip link set $host_if up &&
	ip -n $ns addr add ${net}2/30 dev $peer_if && ip -n $ns link set $peer_if up &&
	ip -n $ns link set lo up"

check "a user of its own for the sender" report_user "$user"
check "certificates for ${net}2" report_pki "$col" "${net}2"
check "the collector stand-in listens in the namespace" \
	standin_start "$col" "$port" tok-$$ "$ns" --host "${net}2"
check "300 records" "$chain" --state "$state" --count 300 --group "$user" --heartbeat
check "enrollment across the veth" \
	"$wardctl" enroll "https://${net}2:$port" tok-$$ --ca-sha256 "$(report_ca_sha256 "$col")" \
	--user "$user" --state-dir "$state"
sender_start "$user" --heartbeat 1 --backoff-max 2
check "delivered" wait_for 30 acked_is_durable
h=$(durable_seq)
check_eq "all $h at the collector" "$h $h $h" "$(standin_count "$col")"

check "the wire is cut" ip -n "$ns" link set "$peer_if" down
check "200 records while cut" "$chain" --state "$state" --count 200 --group "$user"
check "the sender finds the collector unreachable" wait_for 40 unreachable
check "200 more: the backlog grows" "$chain" --state "$state" --count 200 --group "$user"
check "400 records and more wait" test "$(spool_field waiting)" -ge 400
check_eq "everything written since waits" $(($(durable_seq) - h)) "$(spool_field waiting)"
check_eq "nothing more reached the collector" "$h $h $h" "$(standin_count "$col")"
check "the wire is back" ip -n "$ns" link set "$peer_if" up
check "the backlog drains" wait_for 60 acked_is_durable
h=$(durable_seq)
check_eq "every record arrived once ($h)" "$h $h $h" "$(standin_count "$col")"
check_eq "reachable again" true "$(spool_field reachable)"
check_eq "no alert" 0 "$(spool_field alerts)"

done_testing
