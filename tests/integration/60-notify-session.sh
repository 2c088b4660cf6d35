#!/usr/bin/env bash
# ward-notify is started for everyone without per-user setup, and once per
# session: systemd's XDG autostart generator leaves the .desktop entry to
# the user unit (it would otherwise make a unit of it, as it does for an
# entry without our keys), and the user unit is one systemd accepts.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
GEN=/usr/lib/systemd/user-generators/systemd-xdg-autostart-generator
[ -x "$GEN" ] || { not_ok "systemd's XDG autostart generator is installed"; done_testing; exit 1; }
need_cmd systemd-analyze
WARD_BUILD=${WARD_BUILD:-build}
T=$(mktemp -d /tmp/ward-notify-session.XXXXXX)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/xdg/autostart" "$T/out/normal" "$T/out/early" "$T/out/late"
cp notify/ward-notify.desktop "$T/xdg/autostart/"
# The control: the same entry without the two keys, for a program that exists.
sed -e '/^X-GNOME-HiddenUnderSystemd=/d' -e '/^X-systemd-skip=/d' \
	-e 's|^Exec=.*|Exec=/bin/true|' notify/ward-notify.desktop >"$T/xdg/autostart/control.desktop"
XDG_CONFIG_DIRS=$T/xdg XDG_CONFIG_HOME=$T/home SYSTEMD_LOG_LEVEL=debug \
	"$GEN" "$T/out/normal" "$T/out/early" "$T/out/late" >"$T/gen.log" 2>&1
check "the generator makes a unit of an ordinary entry" test -f "$T/out/late/app-control@autostart.service"
check "it leaves ward-notify.desktop to the user unit" grep -q "ward-notify.desktop: not generating unit, marked as skipped" "$T/gen.log"
check_eq "no unit for ward-notify from the generator" "" "$(ls "$T/out/late" | grep ward-notify)"
check "GNOME is told the same (X-GNOME-HiddenUnderSystemd)" grep -qx "X-GNOME-HiddenUnderSystemd=true" notify/ward-notify.desktop

sed "s|^ExecStart=.*|ExecStart=$PWD/$WARD_BUILD/ward-notify|" notify/ward-notify.service >"$T/ward-notify.service"
out=$(systemd-analyze verify "$T/ward-notify.service" 2>&1)
check_eq "systemd accepts the user unit" "" "$out"
check "it belongs to the graphical session" grep -qx "WantedBy=graphical-session.target" notify/ward-notify.service
done_testing
