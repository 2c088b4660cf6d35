#!/usr/bin/env bash
# wardd as systemd runs it (Type=notify, WatchdogSec): READY=1 once its
# marks are in place, WATCHDOG=1 at half the interval while its reader is
# alive, STOPPING=1 on SIGTERM; and `wardctl status` exits 0 only while it
# runs and is ready.  A stand-in for systemd's notify socket records the
# messages.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
need_root
need_cmd python3
WARD_BUILD=${WARD_BUILD:-build}
T=$(mktemp -d /tmp/ward-notify.XXXXXX)
WPID= LPID=
cleanup() {
	[ -n "$WPID" ] && kill -TERM "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/state" "$T/run"
printf 'policy_dir = %s\nstate_dir = %s\nruntime_dir = %s\n' "$PWD/policy/default" "$T/state" "$T/run" >"$T/conf"
python3 - "$T/notify.sock" "$T/messages" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
PY
LPID=$!
for i in $(seq 1 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done

check_fails "wardctl status fails while wardd is not running" \
	sh -c "'$WARD_BUILD/wardctl' status --config '$T/conf' 2>/dev/null"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 \
	"$WARD_BUILD/wardd" --foreground --config "$T/conf" 2>"$T/log" &
WPID=$!
for i in $(seq 1 300); do grep -q READY=1 "$T/messages" 2>/dev/null && break; sleep 0.1; done
check "READY=1 was sent" grep -q '^READY=1$' "$T/messages"
check "wardctl status exits 0 once ready" sh -c "'$WARD_BUILD/wardctl' status --config '$T/conf' >/dev/null"
# Half the interval is 0.5 s: three pings take 1.5 s on a quiet machine;
# a loaded one gets 15 s, which still fails a wardd that never pings.
watchdog_pings() { [ "$(grep -c '^WATCHDOG=1$' "$T/messages")" -ge 3 ]; }
for i in $(seq 1 150); do watchdog_pings && break; sleep 0.1; done
check "WATCHDOG=1 is sent while the reader is alive (at least 3)" watchdog_pings
kill -TERM "$WPID"
wait "$WPID"
check_eq "wardd exits 0 on SIGTERM" 0 $?
WPID=
check "STOPPING=1 was sent" grep -q '^STOPPING=1$' "$T/messages"
check_fails "wardctl status fails after it stopped" sh -c "'$WARD_BUILD/wardctl' status --config '$T/conf' 2>/dev/null"
check_fails "the control socket is gone" test -e "$T/run/wardd.sock"
done_testing
