# Helpers for the wardd integration tests (tests/integration/50-agent-*.sh).
# Source after tests/lib/tap.sh and tests/lib/usbstick.sh, after
# testbed_init.  Not a test itself (not *.sh).
#
#   agent_start [RULES_FILE...]  wardd with a temp state dir and the default
#                                policy plus RULES_FILE(s); waits until ready
#                                ($AGENT_EXTRA_CONF: more wardd.conf lines)
#                                (AGENT_CRAWL: its crawl directories)
#                                (AGENT_POLICY_SED: a sed script applied
#                                to the copied default policy)
#   agent_wait_idle              until the background classifier has nothing to do
#   agent_stop                   SIGTERM by PID, SIGKILL after 5 s
#   agent_kill                   SIGKILL by PID (a crash)
#   agent_ready                  wardctl status says ready
#   agent_stick NAME [OPTS]      stick_insert, writable, mounted
#   agent_wait_watched MNT       until wardd has marked the mount MNT
#   journal_grep PATTERN...      journal lines matching every pattern (grep -F)
#   eperm_from CMD...            the command failed with "Operation not permitted"
WARD_BUILD=${WARD_BUILD:-build}
AGENT_DIR=$(mktemp -d /tmp/ward-agent-test.XXXXXX)
AGENT_CONF=$AGENT_DIR/wardd.conf
AGENT_POLICY=$AGENT_DIR/policy
AGENT_STATE=$AGENT_DIR/state
# The record log, as `wardctl events --json` shows it: one flat JSON object
# per record (the decision journal's fields).
AGENT_JOURNAL=$AGENT_DIR/events.json
AGENT_LOG=$AGENT_DIR/wardd.log
AGENT_PID=
CORPUS=${WARD_CORPUS:-$PWD/tests/corpus}
WORK=$AGENT_DIR/work
mkdir -p "$WORK"

_agent_cleanup() {
	agent_stop
	if [ -n "${AGENT_KEEP:-}" ]; then
		echo "# kept $AGENT_DIR" >&2
	else
		rm -rf "$AGENT_DIR"
	fi
}
testbed_on_exit _agent_cleanup

agent_ready() {
	"$WARD_BUILD/wardctl" status --config "$AGENT_CONF" >/dev/null 2>&1
}

agent_start() {
	local f
	rm -rf "$AGENT_POLICY"
	mkdir -p "$AGENT_POLICY" "$AGENT_STATE" "$AGENT_DIR/run"
	cp policy/default/*.rules "$AGENT_POLICY/"
	for f in "$@"; do cp "$f" "$AGENT_POLICY/"; done
	if [ -n "${AGENT_POLICY_SED:-}" ]; then
		sed -i "$AGENT_POLICY_SED" "$AGENT_POLICY"/*.rules || return 1
	fi
	# The policy's deadline (the lower one) scaled like wardd's own, unless
	# the test chose the deadline.
	if [ "$WARD_SLOW" != 1 ] && [ -z "${AGENT_DEADLINE_MS:-}" ]; then
		perl -pi -e 's/^deadline (\d+)ms/"deadline " . $1 * $ENV{WARD_SLOW} . "ms"/e' \
			"$AGENT_POLICY"/*.rules || return 1
	fi
	cat >"$AGENT_CONF" <<CONF
policy_dir = $AGENT_POLICY
state_dir = $AGENT_STATE
runtime_dir = $AGENT_DIR/run
deadline_ms = ${AGENT_DEADLINE_MS:-$(ward_slow 2000)}
workers = ${AGENT_WORKERS:-4}
verbose = ${AGENT_VERBOSE:-no}
${AGENT_EXTRA_CONF:-}
CONF
	# AGENT_CRAWL: the background classifier's crawl roots (default: wardd's).
	for f in ${AGENT_CRAWL:-}; do echo "crawl = $f" >>"$AGENT_CONF"; done
	# AGENT_BACKGROUND=normal: the background classifier not at idle
	# priority (a test that waits for it on a busy machine).
	[ -n "${AGENT_BACKGROUND:-}" ] && echo "background = $AGENT_BACKGROUND" >>"$AGENT_CONF"
	"$WARD_BUILD/wardd" --foreground --config "$AGENT_CONF" >>"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	local i
	# 30 s (times WARD_SLOW): on a machine loaded by other tests, startup
	# (scanners, udev enumeration, marks) can be slow.
	for i in $(seq 1 "$(ward_slow 300)"); do
		agent_ready && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# wardd did not become ready within $(ward_slow 30) s; its log:" >&2
	sed 's/^/#   /' "$AGENT_LOG" >&2
	return 1
}

agent_stop() {
	[ -n "$AGENT_PID" ] || return 0
	if kill -TERM "$AGENT_PID" 2>/dev/null; then
		local i
		for i in $(seq 1 50); do
			kill -0 "$AGENT_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$AGENT_PID" 2>/dev/null
	fi
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

agent_kill() {
	[ -n "$AGENT_PID" ] || return 0
	kill -KILL "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

agent_status_field() {
	"$WARD_BUILD/wardctl" status --json --config "$AGENT_CONF" 2>/dev/null |
		sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"
}

# agent_wait_idle [SECONDS]: until the background classifier is idle (nothing
# written waits to be classified, no crawl under way).
agent_wait_idle() {
	local i n=$(ward_slow $((${1:-60} * 10)))
	for i in $(seq 1 "$n"); do
		[ "$(agent_status_field preclass_busy)" = 0 ] && return 0
		sleep 0.1
	done
	echo "# the background classifier is still busy after ${1:-60} s" >&2
	return 1
}

# agent_wait_watched MOUNTPOINT: until wardd has marked that mount (other
# tests may have sticks of their own, so count nothing).
agent_wait_watched() {
	local i
	for i in $(seq 1 "$(ward_slow 100)"); do
		"$WARD_BUILD/wardctl" status --json --config "$AGENT_CONF" 2>/dev/null |
			grep -qF "\"mount\":\"$1\"" && return 0
		sleep 0.1
	done
	echo "# wardd does not watch $1" >&2
	return 1
}

# agent_wait_unwatched MOUNTPOINT
agent_wait_unwatched() {
	local i
	for i in $(seq 1 "$(ward_slow 100)"); do
		"$WARD_BUILD/wardctl" status --json --config "$AGENT_CONF" 2>/dev/null |
			grep -qF "\"mount\":\"$1\"" || return 0
		sleep 0.1
	done
	echo "# wardd still watches $1" >&2
	return 1
}

# Writes the record log's flat view to $AGENT_JOURNAL (and prints nothing).
journal_dump() {
	"$WARD_BUILD/wardctl" events --json --state-dir "$AGENT_STATE" >"$AGENT_JOURNAL" 2>/dev/null
}

journal_grep() {
	local line p ok
	journal_dump || return 1
	while IFS= read -r line; do
		ok=1
		for p in "$@"; do
			case $line in *"$p"*) ;; *) ok=0; break ;; esac
		done
		[ $ok = 1 ] && echo "$line"
	done <"$AGENT_JOURNAL"
}

journal_has() { [ -n "$(journal_grep "$@")" ]; }

# agent_stick NAME [stick_insert options]: a writable stick, mounted.  A
# loop device keeps its read-only flag after detach, and other tests set it
# (BLKROSET): the device this stick got is ours now, so clear it before the
# mount.
agent_stick() {
	local name=$1 dev
	shift
	stick_insert "$name" "$@" --no-mount || return 1
	dev=$(stick_dev "$name") || return 1
	if [ "$(blockdev --getro "$dev")" = 1 ]; then
		echo "# $dev came read-only from an earlier user; clearing it" >&2
		blockdev --setrw "$dev" || return 1
	fi
	stick_mount "$name"
}

# eperm_from CMD...: fails, and says "Operation not permitted".
eperm_from() {
	local out
	if out=$("$@" 2>&1); then
		echo "# unexpectedly succeeded: $*" >&2
		return 1
	fi
	case $out in
	*"Operation not permitted"*) return 0 ;;
	*) echo "# failed, but not with EPERM: $out" >&2; return 1 ;;
	esac
}

# no_file_with_content DIR FILE: no file under DIR has FILE's bytes.
no_copy_of() {
	local dir=$1 src=$2 sum f
	sum=$(sha256sum <"$src" | cut -d' ' -f1)
	while IFS= read -r -d '' f; do
		if [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sum" ]; then
			echo "# $f is a copy of $src" >&2
			return 1
		fi
	done < <(find "$dir" -type f -print0)
	return 0
}
