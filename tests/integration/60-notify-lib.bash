# Helpers for the pop-up tests (tests/integration/60-notify-*.sh, and
# tests/bench/notify.sh): throw-away users, each with a real graphical
# session of their own: an Xvfb screen, a session bus (dbus-run-session),
# Debian's notification server (dunst) and ward-notify, all running as
# that user.  Source after tests/lib/usbstick.sh and
# tests/integration/50-agent-lib.bash (after testbed_init).  Not a test
# itself (not *.sh).
#
#   notify_user NAME            a new user (removed on exit, also on failure)
#   desktop_start NAME [LANG]   Xvfb + session bus + dunst + ward-notify as NAME
#   desktop_stop NAME           ward-notify, dunst, the bus and Xvfb, by PID
#   helper_restart NAME         ward-notify again in the same session
#   as_user NAME CMD...         CMD as NAME, in NAME's session when it has one
#   helper_wait NAME REGEX [S]  ward-notify's log matches (default 30 s)
#   helper_log NAME             the log's path
#   dunst_close_all NAME        close what is shown (dunst keeps it in history)
#   ward_history NAME [AFTER]   Ward's notifications in dunst's history (with
#                               an id above AFTER), one JSON object a line:
#                               {summary, body, message, id}; dunst keeps what
#                               was closed, and an update in place keeps its id
#   history_mark NAME           the highest id dunst has given so far
#   screenshot NAME FILE        the whole screen as PNG
#   user_uid NAME
#   journal_ref PATTERN...      the reference code (docs/protocol.md §2.3, worked
#                               out here on its own) of the first decision
#                               record in the journal matching every pattern
NOTIFY_DIR=$(mktemp -d /tmp/ward-notify-test.XXXXXX)
chmod 755 "$NOTIFY_DIR"
NOTIFY_USERS=()
NOTIFY_SOCKET=$AGENT_DIR/run/notify.sock
# The users must reach the socket in wardd's runtime directory.
chmod 711 "$AGENT_DIR"

_notify_cleanup() {
	local u pid
	for u in "${NOTIFY_USERS[@]}"; do
		desktop_stop "$u"
	done
	sleep 0.3
	for u in "${NOTIFY_USERS[@]}"; do
		# Whatever else the test ran as this user: it is ours to end.
		for pid in $(ps -o pid= -u "$u" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		userdel "$u" >/dev/null 2>&1 || { sleep 0.5; userdel "$u" >/dev/null 2>&1; }
	done
	rm -rf "$NOTIFY_DIR"
}
testbed_on_exit _notify_cleanup

# notify_user NAME: a user of our own, with a home in NOTIFY_DIR.
notify_user() {
	local name=$1
	if id "$name" >/dev/null 2>&1; then
		echo "# user $name exists already; not touching it" >&2
		return 1
	fi
	useradd -M -N -s /bin/sh -d "$NOTIFY_DIR/$name" "$name" || return 1
	NOTIFY_USERS+=("$name")
	mkdir -p "$NOTIFY_DIR/$name"
	chown "$name" "$NOTIFY_DIR/$name"
}

user_uid() { id -u "$1"; }

journal_ref() {
	local id
	id=$(journal_grep "$@" | grep -v '"decision":' | head -1 |
		sed -n 's/.*"record_id":"\([0-9a-f-]*\)".*/\1/p')
	[ -n "$id" ] || return 1
	python3 -c '
import sys
bits = int(sys.argv[1].replace("-", "")[:10], 16)
code = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(bits >> (35 - 5 * i)) & 31] for i in range(8))
print(code[:4] + "-" + code[4:])' "$id"
}
helper_log() { echo "$NOTIFY_DIR/$1/ward-notify.log"; }

# The environment a desktop session of NAME has.
_session_env() {
	local name=$1 home=$NOTIFY_DIR/$1
	echo "HOME=$home" "PATH=/usr/bin:/bin" "LANG=$(cat "$home/lang" 2>/dev/null || echo C.UTF-8)"
	echo "WARD_LOCALEDIR=$WARD_ROOT/$WARD_BUILD/locale" "TZ=Asia/Taipei"
	[ -f "$home/display" ] && echo "DISPLAY=:$(cat "$home/display")" "XDG_SESSION_TYPE=x11"
	[ -f "$home/bus" ] && echo "DBUS_SESSION_BUS_ADDRESS=$(cat "$home/bus")"
}

as_user() {
	local name=$1
	shift
	# shellcheck disable=SC2046
	runuser -u "$name" -- env -i $(_session_env "$name") "$@"
}

_wait_file() {
	local f=$1 i
	for i in $(seq 1 100); do
		[ -s "$f" ] && return 0
		sleep 0.1
	done
	echo "# $f did not appear" >&2
	return 1
}

# desktop_start NAME [LANG]: the session, then ward-notify in it.
desktop_start() {
	local name=$1 home=$NOTIFY_DIR/$1
	echo "${2:-C.UTF-8}" >"$home/lang"
	chown "$name" "$home/lang"
	runuser -u "$name" -- sh -c "Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp \
		3>'$home/display' 2>'$home/xvfb.log' & echo \$! >'$home/xvfb.pid'"
	_wait_file "$home/display" || return 1
	cp "$WARD_ROOT/tests/integration/60-notify-dunstrc" "$home/dunstrc"
	chown "$name" "$home/dunstrc"
	# The session lives as long as dunst: dbus-run-session ends the bus then.
	# shellcheck disable=SC2046
	runuser -u "$name" -- env -i $(_session_env "$name") dbus-run-session -- sh -c \
		"echo \"\$DBUS_SESSION_BUS_ADDRESS\" >'$home/bus.tmp' && mv '$home/bus.tmp' '$home/bus'
		 exec dunst -config '$home/dunstrc'" >"$home/dunst.log" 2>&1 &
	echo $! >"$home/session.pid"
	_wait_file "$home/bus" || return 1
	for i in $(seq 1 100); do
		as_user "$name" dunstctl is-paused >/dev/null 2>&1 && break
		sleep 0.1
	done
	helper_restart "$name"
}

helper_restart() {
	local name=$1 home=$NOTIFY_DIR/$1 pid before i
	before=$(cat "$home/ward-notify.log" 2>/dev/null | grep -c "connected to wardd")
	pid=$(cat "$home/helper.pid" 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && sleep 0.2
	runuser -u "$name" -- sh -c "echo \$\$ >'$home/helper.pid'; exec env -i $(_session_env "$name" | tr '\n' ' ') \
		'$WARD_ROOT/$WARD_BUILD/ward-notify' --verbose --socket '$NOTIFY_SOCKET' \
		${HELPER_OPTS:-} >>'$home/ward-notify.log' 2>&1" &
	# This one's own greeting, not an earlier instance's in the same log.
	for i in $(seq 1 300); do
		[ "$(cat "$home/ward-notify.log" 2>/dev/null | grep -c "connected to wardd")" -gt "$before" ] &&
			return 0
		sleep 0.1
	done
	echo "# ward-notify of $name did not connect; its log:" >&2
	sed 's/^/#   /' "$home/ward-notify.log" >&2
	return 1
}

desktop_stop() {
	local name=$1 home=$NOTIFY_DIR/$1 f pid
	for f in helper session xvfb; do
		pid=$(cat "$home/$f.pid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		rm -f "$home/$f.pid"
	done
	rm -f "$home/bus" "$home/display"
}

# helper_wait NAME REGEX [SECONDS]
helper_wait() {
	local log i
	log=$(helper_log "$1")
	for i in $(seq 1 $((${3:-30} * 10))); do
		grep -qE "$2" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# ward-notify of $1 never logged /$2/; its log:" >&2
	sed 's/^/#   /' "$log" >&2
	return 1
}

dunst_close_all() {
	as_user "$1" dunstctl close-all
	sleep 0.3
}

ward_history() {
	as_user "$1" dunstctl history |
		jq -c --argjson after "${2:-0}" '.data[0][] |
			select(.appname.data == "Ward" and .id.data > $after) |
			{summary: .summary.data, body: .body.data, message: .message.data, id: .id.data}'
}

history_mark() {
	dunst_close_all "$1"
	as_user "$1" dunstctl history | jq '[.data[0][].id.data] | max // 0'
}

screenshot() {
	local name=$1 out=$2 tmp
	tmp=$NOTIFY_DIR/$name/shot.png
	as_user "$name" import -window root "$tmp" && cp "$tmp" "$out"
}
