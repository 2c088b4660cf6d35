# Helpers for the signed-report tests: a throw-away sender user, a CA and
# server certificate made with openssl, and the collector stand-in
# (tests/lib/collector-standin.py) started and stopped by PID.  Source after
# tap.sh; call report_cleanup from the script's EXIT trap.
#   report_user NAME                     create a system user (removed by cleanup)
#   report_pki DIR IP...                 ca.pem/ca.key, server.pem (+CA)/server.key for the IPs
#   report_ca_sha256 DIR                 the CA certificate's SHA-256 (hex)
#   standin_start DIR PORT TOKEN [NETNS] [ARGS...]   start, wait until it listens
#   standin_stop DIR                     stop the one started on DIR (SIGKILL)
#   standin_count DIR                    "records distinct-seqs max-seq" it stores
#   sender_start USER ARGS...            ward-sender on $REPORT_STATE in the background
#   spool_field NAME                     one field of `wardctl spool --json` on $REPORT_STATE
#   acked_is_durable                     everything durable is acknowledged
#   wait_for SECONDS CMD...              polls CMD every 0.1 s until it succeeds (SECONDS
#                                        times WARD_SLOW, tests/lib/slow.sh)
#   durable_seq [STATE]                  the log's durable head (every record up to it)
REPORT_USERS=()
REPORT_PIDS=()
REPORT_STATE=${REPORT_STATE:-}
chain=${WARD_BUILD:-build}/tools/report-chain
wardctl=${WARD_BUILD:-build}/wardctl
sender=${WARD_BUILD:-build}/ward-sender
# report_init PREFIX: what every report test sets up first: $work (a
# scratch directory), $user (PREFIX + our PID, not created yet), $port, and
# the EXIT trap (report_cleanup, then report_on_exit when the script
# defines it, then the scratch directory).
report_init() {
	work=$(mktemp -d)
	chmod 0755 "$work"
	user=$1$$
	port=$((20000 + $$ % 20000))
	trap 'report_cleanup; declare -F report_on_exit >/dev/null && report_on_exit; rm -rf "$work"' EXIT
}

# What every report test needs of the machine.
report_needs() {
	need_root
	need_cmd python3
	need_cmd sqlite3
	need_cmd openssl
	need_cmd jq
}

report_user() {
	useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$1" || return 1
	REPORT_USERS+=("$1")
}

report_pki() {
	local dir=$1 san="" ip
	shift
	for ip in "$@"; do san="$san${san:+,}IP:$ip"; done
	mkdir -p "$dir" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" \
		-out "$dir/ca.pem" -days 2 -subj "/CN=Ward test collector CA" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/server.key" \
		-out "$dir/server.csr" -subj "/CN=collector" 2>/dev/null &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$dir/ext" &&
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -out "$dir/server.crt" -days 2 -extfile "$dir/ext" 2>/dev/null &&
	cat "$dir/server.crt" "$dir/ca.pem" >"$dir/server.pem"
}

report_ca_sha256() {
	openssl x509 -in "$1/ca.pem" -outform DER | sha256sum | cut -d' ' -f1
}

standin_start() {
	local dir=$1 port=$2 token=$3 netns=${4:-} i
	shift 3
	[ $# -gt 0 ] && shift
	local -a run=(python3 "${WARD_ROOT:-$PWD}/tests/lib/collector-standin.py" --dir "$dir"
		--port "$port" --token "$token" "$@")
	[ -n "$netns" ] && run=(ip netns exec "$netns" "${run[@]}")
	: >"$dir/standin.log"
	"${run[@]}" >>"$dir/standin.log" 2>&1 &
	echo $! >"$dir/standin.pid"
	REPORT_PIDS+=($!)
	for i in $(seq "$(ward_slow 100)"); do
		grep -q '^ready' "$dir/standin.log" && return 0
		kill -0 "$(cat "$dir/standin.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "standin_start: the stand-in did not start:" >&2
	cat "$dir/standin.log" >&2
	return 1
}

standin_stop() {
	local pid
	pid=$(cat "$1/standin.pid" 2>/dev/null) || return 0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$1/standin.pid"
	return 0
}

standin_count() {
	sqlite3 -separator ' ' "$1/store.db" \
		'SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0) FROM records'
}

sender_start() {
	local user=$1
	shift
	local -a in_ns=()
	# REPORT_NETNS: the desk's own network namespace (62-report-netcut)
	[ -n "${REPORT_NETNS:-}" ] && in_ns=(ip netns exec "$REPORT_NETNS")
	"${in_ns[@]}" "${WARD_BUILD:-build}/ward-sender" --state-dir "$REPORT_STATE" --user "$user" "$@" \
		2>>"$REPORT_STATE.sender.log" &
	SENDER_PID=$!
	REPORT_PIDS+=($!)
}

spool_field() {
	"${WARD_BUILD:-build}/wardctl" spool --state-dir "$REPORT_STATE" --json | jq -r ".$1"
}

durable_seq() {
	cut -d' ' -f1 "${1:-$REPORT_STATE}/log/durable"
}

acked_is_durable() {
	[ "$(spool_field acked_seq)" = "$(spool_field durable_seq)" ]
}

wait_for() {
	local t i
	t=$(ward_slow "$1")
	shift
	for i in $(seq $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

report_cleanup() {
	local pid u
	for pid in "${REPORT_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for u in "${REPORT_USERS[@]}"; do
		userdel "$u" 2>/dev/null
		getent group "$u" >/dev/null && groupdel "$u" 2>/dev/null
	done
	return 0
}
