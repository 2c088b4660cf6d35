# What the wardd benchmarks share (agent.sh, copy.sh and report-eperm.sh
# source it; run.sh runs only *.sh): wardd in the foreground on a
# configuration in $WORK, ready once it watches the stick $STICK.
# Needs WARD_BUILD, WORK and STICK; sets WARDD_PID.
#   WARDD_STATE_DIR   wardd's state directory (default $WORK/state)
#   WARDD_CONF_EXTRA  more lines for wardd.conf (e.g. "coalesce_ms = 0")
WARDD_PID=

# start_wardd [CRAWL_DIR]: nothing crawled unless a directory is named.
start_wardd() {
	local state=${WARDD_STATE_DIR:-$WORK/state} i
	mkdir -p "$state" "$WORK/run"
	cat >"$WORK/wardd.conf" <<CONF
policy_dir = $PWD/policy/default
state_dir = $state
runtime_dir = $WORK/run
crawl = ${1:-none}
${WARDD_CONF_EXTRA:-}
CONF
	"$WARD_BUILD/wardd" --foreground --config "$WORK/wardd.conf" 2>>"$WORK/wardd.log" &
	WARDD_PID=$!
	for i in $(seq 1 300); do
		"$WARD_BUILD/wardctl" status --json --config "$WORK/wardd.conf" 2>/dev/null |
			grep -qF "\"mount\":\"$STICK\"" && return 0
		sleep 0.1
	done
	echo "$(basename "$0"): wardd did not start watching $STICK" >&2
	tail -5 "$WORK/wardd.log" >&2
	return 1
}

stop_wardd() {
	[ -n "$WARDD_PID" ] || return 0
	kill -TERM "$WARDD_PID" 2>/dev/null
	wait "$WARDD_PID" 2>/dev/null
	WARDD_PID=
}

# wardd_field NAME: a number from `wardctl status --json`.
wardd_field() {
	"$WARD_BUILD/wardctl" status --json --config "$WORK/wardd.conf" 2>/dev/null |
		sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# rss_kb PID FIELD: VmRSS, VmHWM... of a process, in kB.
rss_kb() { awk "/^$2:/ {print \$2}" "/proc/$1/status"; }
