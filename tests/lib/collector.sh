# Helpers for tests of ward-collector: a collector on a loopback port
# with its own state directory, on SQLite or on a PostgreSQL cluster of
# its own (tests/lib/pg.sh), agents enrolled from record logs that
# report-chain writes, batches posted with build/tools/collector-client.
#   . tests/lib/tap.sh; . tests/lib/collector.sh
#   coll_init sqlite|postgres      scratch dir, database, cleanup trap
#   coll_start [OPTIONS]           ward-collector serve (COLL_URL, COLL_CA), no console
#                                  unless OPTIONS has --console
#   coll_agent NAME N              a record log of N records and an enrolled agent
#   coll_post NAME FROM TO [K]     posts records FROM..TO (1-based lines) of NAME's log
#   coll_sql "SQL"                 one value from the collector's database
# Everything (the collector, PostgreSQL, files) goes when the script exits.
COLL_BUILD=${WARD_BUILD:-build}
COLL_CHAIN=${REPORT_CHAIN:-$COLL_BUILD/tools/report-chain}
COLL_CLIENT=$COLL_BUILD/tools/collector-client
COLL_PID=""

# A sanitizer build's findings in the collector's log fail the script.
coll_sanitizer_check() {
	[ -f "${COLL_DIR:-}/collector.log" ] || return 0
	if grep -q "Sanitizer\|runtime error" "$COLL_DIR/collector.log"; then
		echo "not ok - the collector's log has a sanitizer report"
		sed 's/^/# /' "$COLL_DIR/collector.log" | head -60
		return 1
	fi
}

coll_cleanup() {
	local status=$?
	[ -n "$COLL_PID" ] && kill "$COLL_PID" 2>/dev/null && wait "$COLL_PID" 2>/dev/null
	COLL_PID=""
	coll_sanitizer_check || status=1
	[ "${COLL_BACKEND:-}" = postgres ] && pg_stop
	[ -n "${COLL_DIR:-}" ] && rm -rf "$COLL_DIR"
	return $status
}

coll_init() {
	COLL_BACKEND=$1
	COLL_DIR=$(mktemp -d /tmp/ward-collector-test.XXXXXX)
	chmod 755 "$COLL_DIR"
	trap coll_cleanup EXIT
	# A port of our own: 20000 + a hash of the PID, retried if taken.
	COLL_PORT=$((20000 + $$ % 20000))
	COLL_URL=https://127.0.0.1:$COLL_PORT
	COLL_STATE=$COLL_DIR/collector
	COLL_CA=$COLL_STATE/ca.pem
	COLL_DB_ARGS=()
	if [ "$COLL_BACKEND" = postgres ]; then
		. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
		pg_start "$COLL_DIR/pg" || return 1
		COLL_DB_ARGS=(--db "$PG_CONNINFO")
	fi
}

coll_admin() {
	"$COLL_BUILD/ward-collector" admin --state-dir "$COLL_STATE" "${COLL_DB_ARGS[@]}" "$@"
}

coll_start() {
	# The log is appended to across restarts: only this start's lines count.
	local from
	from=$(($(cat "$COLL_DIR/collector.log" 2>/dev/null | wc -l) + 1))
	# No review console unless asked for (console_start): its default port
	# is one for the whole machine, and other collectors may hold it.  The
	# caller's --console comes later and wins.
	"$COLL_BUILD/ward-collector" serve --state-dir "$COLL_STATE" "${COLL_DB_ARGS[@]}" \
		--listen "127.0.0.1:$COLL_PORT" --console off "$@" >>"$COLL_DIR/collector.log" 2>&1 &
	COLL_PID=$!
	for _ in $(seq "$(ward_slow 100)"); do
		if tail -n "+$from" "$COLL_DIR/collector.log" 2>/dev/null | grep -q "agents: https://"; then
			COLL_VKEY=$(coll_admin checkpoints 0 | head -1)
			return 0
		fi
		kill -0 "$COLL_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "coll_start: the collector did not start:" >&2
	cat "$COLL_DIR/collector.log" >&2
	return 1
}

coll_stop() {
	[ -n "$COLL_PID" ] && kill "$COLL_PID" && wait "$COLL_PID"
	COLL_PID=""
}

# coll_agent NAME N: NAME's record log (N records) and its enrollment.
coll_agent() {
	local dir=$COLL_DIR/agents/$1 token
	mkdir -p "$dir/agent"
	"$COLL_CHAIN" --state "$dir/state" --count "$2" >/dev/null || return 1
	token=$(coll_admin token create --label "$1") || return 1
	"$COLL_CLIENT" enroll "$COLL_URL" "$token" "$dir/state" "$dir/agent" "$COLL_CA" \
		>"$dir/enroll.out" 2>&1
}

coll_records() { cat "$COLL_DIR/agents/$1/state"/log/seg-*.jws; }

# coll_body NAME FROM TO [KNOWN]: the JSON body for records FROM..TO.
coll_body() {
	coll_records "$1" | sed -n "$2,$3p" |
		jq -R -s -c --argjson k "${4:-0}" '{records: split("\n") | map(select(length > 0)), known_size: $k}'
}

# coll_post NAME FROM TO [KNOWN]: posts; the reply in $COLL_DIR/reply,
# the records sent in $COLL_DIR/sent.
coll_post() {
	coll_records "$1" | sed -n "$2,$3p" >"$COLL_DIR/sent"
	coll_body "$@" >"$COLL_DIR/body"
	coll_post_body "$1" "$COLL_DIR/body"
}

coll_post_body() {
	"$COLL_CLIENT" post "$COLL_URL" /v1/records "$COLL_DIR/agents/$1/agent" "$COLL_CA" "$2" \
		>"$COLL_DIR/reply" 2>"$COLL_DIR/reply.err"
}

# coll_post_batches NAME URL FIRST STEP N SIZE: NAME's records 1..N in
# batches of SIZE; batches FIRST, FIRST+STEP, ... (0-based) posted to URL
# one after another, each reply kept in agents/NAME/replies/FROM.json.
coll_post_batches() {
	local name=$1 url=$2 first=$3 step=$4 n=$5 size=$6 i from body
	local dir=$COLL_DIR/agents/$name
	mkdir -p "$dir/replies"
	for ((i = first; i * size < n; i += step)); do
		from=$((i * size + 1))
		body=$dir/replies/body-$from
		coll_body "$name" "$from" $((from + size - 1)) >"$body" || return 1
		"$COLL_CLIENT" post "$url" /v1/records "$dir/agent" "$COLL_CA" "$body" \
			>"$dir/replies/$from.json" 2>>"$dir/replies/err" || return 1
	done
}

# coll_acked NAME: the highest contiguous_seq any of NAME's replies gave.
coll_acked() { cat "$COLL_DIR/agents/$1/replies/"*.json | jq -s 'map(.contiguous_seq) | max'; }

coll_statuses() { jq -r '[.results[].status] | join(",")' "$COLL_DIR/reply"; }

coll_sql() {
	if [ "$COLL_BACKEND" = postgres ]; then
		pg_sql "$1"
	else
		sqlite3 "$COLL_STATE/collector.db" "$1"
	fi
}
