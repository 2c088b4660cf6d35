#!/usr/bin/env bash
# The network between a desk and the collector is cut: the desk (ward-sender,
# wardctl enroll) and the collector (stand-in) each live in a network
# namespace of their own, joined by a veth pair; taking the collector's end
# down cuts the wire.  Neither end is in the machine's own namespace, so its
# interfaces, routes and packet filter play no part.  While the wire is cut
# the backlog grows and ward-sender says the collector is unreachable; once
# it is back the backlog drains and every record arrives once.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report.sh
report_needs
need_cmd ip

report_init wsnc
ns=wardnc$$
desk=wardnd$$
host_if=wnca$$
peer_if=wncb$$
net=10.$((200 + $$ % 50)).$(($$ % 250)).
port=8443
report_on_exit() {
	ip netns del "$desk" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
}
state=$work/state
REPORT_STATE=$state
col=$work/collector

unreachable() { [ "$(spool_field reachable)" = false ]; }

# What the two ends see, when a check of the wire fails.
show_wire() {
	local n
	for n in "$desk" "$ns"; do
		diag "namespace $n:"
		ip -n "$n" -brief addr 2>&1 | while read -r l; do diag "  $l"; done
	done
	diag "stand-in log:"
	tail -n 5 "$col/standin.log" 2>&1 | while read -r l; do diag "  $l"; done
}
# The desk reaches the collector's port (a TCP connect from the desk's side).
wire_carries() {
	ip netns exec "$desk" timeout 2 bash -c "exec 3<>/dev/tcp/${net}2/$port" 2>/dev/null
}

check "a network namespace for the desk" ip netns add "$desk"
check "and one for the collector" ip netns add "$ns"
check "a veth pair between them" \
	ip -n "$desk" link add "$host_if" type veth peer name "$peer_if" netns "$ns"
check "addresses and links up" bash -c "
	ip -n $desk addr add ${net}1/30 dev $host_if && ip -n $desk link set $host_if up &&
	ip -n $desk link set lo up &&
	ip -n $ns addr add ${net}2/30 dev $peer_if && ip -n $ns link set $peer_if up &&
	ip -n $ns link set lo up"

check "a user of its own for the sender" report_user "$user"
check "certificates for ${net}2" report_pki "$col" "${net}2"
check "the collector stand-in listens in the namespace" \
	standin_start "$col" "$port" tok-$$ "$ns" --host "${net}2"
if wait_for 10 wire_carries; then
	ok "the desk reaches the collector across the veth"
else
	not_ok "the desk reaches the collector across the veth"
	show_wire
fi
check "300 records" "$chain" --state "$state" --count 300 --group "$user" --heartbeat
check "enrollment across the veth" ip netns exec "$desk" \
	"$wardctl" enroll "https://${net}2:$port" tok-$$ --ca-sha256 "$(report_ca_sha256 "$col")" \
	--user "$user" --state-dir "$state"
REPORT_NETNS=$desk sender_start "$user" --heartbeat 1 --backoff-max 2
check "delivered" wait_for 30 acked_is_durable
h=$(durable_seq)
check_eq "all $h at the collector" "$h $h $h" "$(standin_count "$col")"

check "the wire is cut" ip -n "$ns" link set "$peer_if" down
check "200 records while cut" "$chain" --state "$state" --count 200 --group "$user"
# A post in flight when the wire is cut waits out its 60 s timeout first.
check "the sender finds the collector unreachable" wait_for 80 unreachable
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
