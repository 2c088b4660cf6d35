# Helpers for the evasion suite (tests/integration/55-evasion-*.sh): what a
# determined employee tries, as an unprivileged user, against wardd on
# test-bed sticks.  Source after 50-agent-lib.bash (agent_start ...).
#
#   evader_create             an unprivileged user of the test's own (removed on exit),
#                             its home on the internal disk: $EVADER_HOME
#   as_evader CMD...          run CMD as that user (no capabilities, its own groups)
#   evader_bg CMD...          the same in the background, with the caller's stdin; its PID in
#                             $! and killed on exit
#   evader_dir MNT            a directory of the user's own on a stick: prints it
#   marked_text FILE LEVEL    a marked text document with a unique line; prints that line
#   no_leak MNT DOC [TEXT]    neither DOC's bytes nor TEXT are recoverable from the
#                             stick mounted at MNT: no file has them (hidden ones
#                             included), and a raw read of the medium finds no TEXT
#   wait_record PATTERN...    until a journal line matches every pattern (10 s times WARD_SLOW)
#   record_says PATTERN...    a journal line matches every pattern
EVADER=
EVADER_UID=
EVADER_HOME=

EVADER_PIDS=()

_evader_cleanup() {
	local pid
	for pid in "${EVADER_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for pid in "${EVADER_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	[ -n "$EVADER" ] || return 0
	userdel "$EVADER" 2>/dev/null || echo "# cannot remove user $EVADER" >&2
	EVADER=
}
testbed_on_exit _evader_cleanup

evader_create() {
	EVADER=wev$$
	useradd --no-create-home --no-user-group --gid nogroup --shell /bin/sh "$EVADER" || return 1
	EVADER_UID=$(id -u "$EVADER")
	EVADER_HOME=$AGENT_DIR/home-$EVADER
	mkdir -p "$EVADER_HOME"
	chown "$EVADER" "$EVADER_HOME"
	chmod 700 "$EVADER_HOME"
	chmod 711 "$AGENT_DIR"
}

# The system's interpreter, not one from root's own environment.
PY=/usr/bin/python3

as_evader() {
	HOME=$EVADER_HOME setpriv --reuid="$EVADER_UID" --regid="$(id -g "$EVADER")" \
		--init-groups --inh-caps=-all --bounding-set=-all -- "$@"
}

# The caller's standard input goes with it: bash gives a background command
# without a redirection of its own /dev/null instead (no job control here).
evader_bg() {
	as_evader "$@" <&0 &
	EVADER_PIDS+=($!)
}

# (exFAT has no owners: its mount makes everything writable by all.)
evader_dir() {
	local d=$1/$EVADER
	mkdir -p "$d" || return 1
	if [ "$(stat -f -c %T "$1")" != fuseblk ]; then
		chown "$EVADER" "$d" && chmod 755 "$d" || return 1
	fi
	as_evader test -w "$d" && echo "$d"
}

marked_text() {
	local file=$1 level=$2 line
	line="EVASION-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	{
		printf '%s\n\n臺東縣政府 函\n\n主旨：春節期間重要設施安全維護部署，請依限辦理。\n' "$level"
		printf '說明：\n一、%s\n' "$line"
		printf '二、本案警力部署位置詳如附表，各單位應確實保密，不得外洩。\n'
		printf '三、各分駐所應於一月二十八日前回報執行情形。\n'
	} >"$file"
	echo "$line"
}

# Every file is read by one sha256sum and one grep for the whole stick, not
# a process per file: a stick may hold thousands, and each open of each is a
# permission event wardd decides.
no_leak() {
	local mnt=$1 doc=$2 text=${3:-} sum copies dev
	sum=$(sha256sum <"$doc" | cut -d' ' -f1)
	sync
	copies=$(find "$mnt" -type f -print0 2>/dev/null | xargs -0 -r sha256sum 2>/dev/null |
		grep -F "$sum " | cut -d' ' -f3-)
	if [ -n "$copies" ]; then
		echo "# leak: copies of $doc: $copies" >&2
		return 1
	fi
	[ -n "$text" ] || return 0
	copies=$(grep -rlaF -- "$text" "$mnt" 2>/dev/null)
	if [ -n "$copies" ]; then
		echo "# leak: these hold its text: $copies" >&2
		return 1
	fi
	dev=$(findmnt -n -o SOURCE --target "$mnt") || return 1
	if grep -qaF "$text" "$dev"; then
		echo "# leak: a raw read of $dev finds the text" >&2
		return 1
	fi
	return 0
}

wait_record() {
	local i
	for i in $(seq 1 "$(ward_slow 100)"); do
		journal_has "$@" && return 0
		sleep 0.1
	done
	echo "# no journal record with: $*" >&2
	return 1
}

record_says() { journal_has "$@"; }
