# wardd, ward-sender and the real ward-collector on one machine, for the
# tests that follow a denial from a test-bed stick to the collector
# (tests/integration/6x-report-agent-*.sh).  Source from the repository
# root, with $user set (the sender's user, made here):
#   . tests/lib/report-agent.sh      tap, report, collector, test bed, agent libs;
#                                    the bed's trap also cleans the collector
#   report_agent_up LABEL [CONF...]  checks: the sender's user, the collector,
#                                    wardd (sender_group + CONF lines), enrollment
#                                    (CA pinned by fingerprint), ward-sender running
#   sql "SQL"                        one answer from the collector's database
#   chain_alerts                     how many gap/fork/forgery/conflict/contradiction alerts it raised
#                                    (and each alert it raised, as a TAP comment)
. tests/lib/tap.sh
. tests/lib/report.sh
. tests/lib/collector.sh
. tests/lib/usbstick.sh
report_needs
# The collector first: its cleanup runs from the bed's trap.
coll_init sqlite
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
. tests/integration/50-agent-lib.bash
testbed_on_exit 'report_cleanup; coll_cleanup'
REPORT_STATE=$AGENT_STATE
# The sender runs as its own user: it must reach the state directory.
chmod 0711 "$AGENT_DIR"
MI=$CORPUS/office/header-mi.odt

# The collector writes (heartbeats) while we read: wait for its lock.
sql() { sqlite3 -cmd '.timeout 10000' "$COLL_STATE/collector.db" "$1"; }

report_agent_up() {
	local label=$1 token
	shift
	check "a user of its own for the sender" report_user "$user"
	check "the collector starts" coll_start
	AGENT_EXTRA_CONF=$(printf 'sender_group = %s\nheartbeat_s = 1\n' "$user"; printf '%s\n' "$@")
	check "wardd starts, its log readable by the sender's group" agent_start
	token=$(coll_admin token create --label "$label")
	check "the agent enrolls, the collector's CA pinned by fingerprint" \
		"$wardctl" enroll "$COLL_URL" "$token" --ca-sha256 "$(report_ca_sha256 "$COLL_STATE")" \
		--user "$user" --state-dir "$AGENT_STATE"
	sender_start "$user" --heartbeat 1 --backoff-max 1
}

# The chain's own verdicts and the heartbeats' (a "contradiction": wardd
# states its head as of an instant no later record was observed before,
# decisions in flight included, protocol §3.3); every alert is shown.
chain_alerts() {
	sql "SELECT kind, seq, detail FROM alerts" | sed 's/^/# alert: /' >&2
	sql "SELECT count(*) FROM alerts WHERE kind IN ('gap', 'fork', 'forgery', 'conflict', 'invalid-held', 'contradiction')"
}
