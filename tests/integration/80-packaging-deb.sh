#!/usr/bin/env bash
# The Debian packages as an office installs them.  `make deb` builds them
# twice (the previous build and this one, as two versions); they are
# installed in a box (80-packaging-box.bash): this machine's own Debian 12 root
# under a tmpfs overlay, booted with systemd by systemd-nspawn, so the units
# run as they do on a desk and nothing of the install reaches the host.
# In it: the collector installed and configured, a token made, the agent
# installed with /etc/ward/enroll.conf (enrolled unattended by its
# postinst), a copy of a 密 document to a test-bed stick blocked by the
# wardd the unit started, the record in the collector; an upgrade to the
# next build that keeps the policy, keys, enrollment and undelivered
# records; remove (nothing running, the stick free) and purge (nothing left
# but the system users).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_root
need_cmd systemd-nspawn
need_cmd dpkg-buildpackage
need_cmd lintian
. tests/lib/usbstick.sh
. tests/integration/80-packaging-box.bash
. tests/lib/policy-version.sh

# The packages' objects are kept between runs (an incremental second
# build), and only the objects those builds compiled: one copied in from
# the plain build (its dependency file names build/obj/, so make would
# never see its headers change) is compiled again, not linked as it is.
pkg_dir=${WARD_BUILD:-build}/pkgtest
work=$(mktemp -d /tmp/ward-pkgtest.XXXXXX)
testbed_init
testbed_on_exit 'box_stop; rm -rf "$work"'

plain=${WARD_BUILD:-build}/obj/agent/reader
planted=$pkg_dir/objects/obj/agent/reader
check "the plain build's reader.o, planted among the packages' objects" \
	eval 'mkdir -p "${planted%/*}" && cp -p "$plain.o" "$planted.o" && cp -p "$plain.d" "$planted.d"'
build_debs() { # VERSION DIR
	local out
	out=$(make -s deb DEB_VERSION="$1" DEB_OUT="$pkg_dir" 2>&1) || {
		diag "make deb $1 failed:"
		diag "$(tail -30 <<<"$out")"
		return 1
	}
	grep -E '^[EW]: ' <<<"$out" | sed 's/^/# lintian: /'
	mkdir -p "$2" && cp "$pkg_dir"/*.deb "$2"/
}
check "make deb builds the previous version (lintian: no errors)" build_debs 0.0.1~pkgtest1 "$work/v1"
check "and this one" build_debs 0.0.1~pkgtest2 "$work/v2"
check_eq "the planted object was compiled again for the packages" \
	"$(realpath -m "$planted.o")" "$(sed -n '1s/:.*//p' "$planted.d")"
own_objects() {
	local d
	for d in $(find "$pkg_dir/objects/obj" -name '*.d'); do
		[ "$(sed -n '1s/:.*//p' "$d")" = "$(realpath -m "${d%.d}.o")" ] ||
			{ diag "$d names $(sed -n '1s/:.*//p' "$d")"; return 1; }
	done
}
check "every object linked into the packages is their builds' own" own_objects
for p in ward-agent ward-collector ward-notify; do
	check "$p in both" test -f "$(ls "$work"/v2/${p}_*.deb 2>/dev/null)"
done
check_eq "no key in any package" "" \
	"$(for d in "$work"/v2/*.deb; do dpkg-deb -c "$d"; done | grep -E '\.(key|pem)$|/keys/')"
check_eq "the policy is conffiles" \
	"$(ls policy/default/*.rules | sed 's|.*/|/etc/ward/policy.d/|' | sort)" \
	"$(dpkg-deb -I "$work"/v2/ward-agent_*.deb conffiles | grep policy.d | sort)"

stick_insert usb1 --no-mount && dev=$(stick_dev usb1)
[ "$(blockdev --getro "$dev")" = 1 ] && blockdev --setrw "$dev"
check "a stick" stick_mount usb1
M=$(stick_mnt usb1)

BOX_BINDS=("$TESTBED_MEDIA" "$work:/pkgs")
deb() { # BUILD PACKAGE: its path in the box
	echo "/pkgs/$1/$(cd "$work/$1" && ls "$2"_*_*.deb)"
}
check "the box boots with systemd" box_start "ward-pkg-$$"
# Whatever this machine holds of Ward is not the box's, and its services
# start as on a desk (no policy-rc.d left by a package installation here).
rm -rf "$BOX_ROOT/etc/ward" "$BOX_ROOT/var/lib/ward" "$BOX_ROOT/var/lib/ward-collector" \
	"$BOX_ROOT/usr/sbin/policy-rc.d"
cp tests/corpus/office/header-mi.odt "$BOX_ROOT/root/mi.odt"
echo "會議紀錄：本週無特別事項。" >"$BOX_ROOT/root/notes.txt"

# The collector, on a port of its own.
port=$((20000 + $$ % 20000))
check "ward-collector installs" box_run dpkg -i "$(deb v1 ward-collector)"
echo "WARD_COLLECTOR_OPTIONS=--listen 127.0.0.1:$port" >"$BOX_ROOT/etc/ward/ward-collector.conf"
check "and restarts on its configured port" box_run systemctl restart ward-collector
check "it made its CA on first start and listens" box_collector_up "$port"
check_eq "as its own user" ward-collector "$(box_run stat -c %U /var/lib/ward-collector/ca.key)"
token=$(box_run ward-collector admin --state-dir /var/lib/ward-collector --user ward-collector \
	token create --label desk-1)
check "a one-time token" test -n "$token"

# The agent, enrolled unattended from /etc/ward/enroll.conf.
box_enroll_conf "$port" "$token"
out=$(box_run dpkg -i "$(deb v1 ward-agent)" 2>&1)
status=$?
check_eq "ward-agent installs" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 <<<"$out")"
check "its postinst enrolled the desk" test -f "$BOX_ROOT/var/lib/ward/sender/collector.json"
check "the desk has its own identity key" test -s "$BOX_ROOT/var/lib/ward/keys/identity.key"
active() { box_run systemctl is-active --quiet "$@"; }
check "wardd runs under systemd" active wardd.service
check "ward-sender runs" active ward-sender.service
check "ward-agent is the unit's other name" active ward-agent.service

check "wardd watches the stick" box_watched "$M"
# After setup wardd holds what agent/privs.c names (SYS_ADMIN, DAC_READ_SEARCH,
# SYS_PTRACE, DAC_OVERRIDE, FOWNER, KILL, AUDIT_WRITE), SETUID/SETGID only
# permitted (its scanners), not the whole bounding set its unit gives it.
caps() { box_run sh -c 'grep "^Cap$1:" /proc/$(pidof wardd)/status' sh "$1" | cut -f2; }
check_eq "wardd keeps only the capabilities it names" 000000002028002e "$(caps Eff)"
check_eq "and SETUID/SETGID permitted for its scanners" 00000000202800ee "$(caps Prm)"
# Its device list as systemd took it, ProtectClock='s /dev/rtc added (this
# box enforces no device cgroup: only that systemd took every entry is
# seen here).
devices=$(box_run systemctl show -p DevicePolicy -p DeviceAllow wardd)
check_eq "its device list: block devices read, terminals written" \
	"DeviceAllow=block-* r|DeviceAllow=char-pts w|DeviceAllow=char-rtc r|DeviceAllow=char-tty w|DevicePolicy=closed" \
	"$(sort <<<"$devices" | paste -sd'|')"

# The policy directory is watched under the unit too: a saved edit (no
# signal) is applied, a broken one is logged with file:line:col and the
# policy in force stays, and `systemctl reload` still reloads.
policy_version() {
	box_run wardctl status --json | sed -n 's/.*"policy_version":"\([0-9a-f]*\)".*/\1/p'
}
status_count() {
	box_run wardctl status --json | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
reloads() { box_run journalctl -u wardd --no-pager | grep -c 'policy reloaded from'; }
v1=$(policy_version)
check_eq "wardctl status shows the policy version" 16 ${#v1}
echo '# 本處說明：政策版本' >>"$BOX_ROOT/etc/ward/policy.d/50-copy.rules"
check "a saved edit is applied without a signal" policy_version_becomes policy_version "!$v1"
v2=$(policy_version)
failed=$(status_count policy_reload_failures)
echo 'copy allow level >= 密 to removabel' >"$BOX_ROOT/etc/ward/policy.d/60-broken.rules"
for i in $(seq 1 50); do [ "$(status_count policy_reload_failures)" = $((failed + 1)) ] && break; sleep 0.2; done
check_eq "a saved broken file is a failed reload" $((failed + 1)) "$(status_count policy_reload_failures)"
check "the journal names it with file:line:col" grep -qE '/etc/ward/policy.d/60-broken.rules:1:[0-9]+' \
	<(box_run journalctl -u wardd --no-pager)
check_eq "the policy in force stays" "$v2" "$(policy_version)"
check "a 密 copy is still blocked under it" box_eperm cp /root/mi.odt "$M/"
rm "$BOX_ROOT/etc/ward/policy.d/60-broken.rules"
check "once it is gone the edit is in force again" policy_version_becomes policy_version "$v2"
before=$(reloads)
check "systemctl reload ward-agent" box_run systemctl reload ward-agent
for i in $(seq 1 50); do [ "$(reloads)" -gt "$before" ] && break; sleep 0.2; done
check "it reloads the policy" test "$(reloads)" -gt "$before"
check_eq "the same version" "$v2" "$(policy_version)"
check "a copy of a 密 document to the stick is blocked" box_eperm cp /root/mi.odt "$M/"
check "an unmarked note is copied" box_run cp /root/notes.txt "$M/"

check "both blocks are recorded at the collector" box_collector_has 2

# Upgrade: the office's policy edit, the keys, the enrollment and a record
# not yet delivered (the sender stopped) all survive.
box_run systemctl stop ward-sender
echo '# 本處註記' >>"$BOX_ROOT/etc/ward/policy.d/$(ls policy/default | head -n 1)"
check "a second block while the sender is stopped" box_eperm cp /root/mi.odt "$M/again.odt"
# (keys/ratchet.state aside: the record log's forward-secure key moves on
# at each start by design; its public halves, ratchet-N.pub, stay.)
snapshot() {
	(cd "$BOX_ROOT/var/lib/ward" &&
		find keys sender -type f ! -name ratchet.state -exec sha256sum {} + | sort)
}
before=$(snapshot)
state_files=$(cd "$BOX_ROOT/var/lib/ward" && find . -type f ! -name '*.sock' | sort)
out=$(box_run dpkg -i "$(deb v2 ward-agent)" "$(deb v2 ward-collector)" 2>&1)
status=$?
check_eq "upgrade to the next build" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 <<<"$out")"
check_eq "now at that version" 0.0.1~pkgtest2 "$(box_run dpkg-query -W -f '${Version}' ward-agent)"
check "the office's policy edit kept" grep -q '本處註記' \
	"$BOX_ROOT/etc/ward/policy.d/$(ls policy/default | head -n 1)"
check "the collector's configuration kept" grep -q "127.0.0.1:$port" \
	"$BOX_ROOT/etc/ward/ward-collector.conf"
check_eq "keys and enrollment unchanged" "$before" "$(snapshot)"
kept() {
	local f
	while IFS= read -r f; do
		[ -f "$BOX_ROOT/var/lib/ward/$f" ] || { diag "lost: $f"; return 1; }
	done <<<"$state_files"
}
check "every state file kept" kept
check "wardd runs again" active wardd.service
check "and blocks" box_eperm cp /root/mi.odt "$M/third.odt"
check "the record made before the upgrade reaches the collector" box_collector_has 3

# Remove: stopped cleanly while someone keeps opening files on the stick
# (every open answered: none hangs), the stick free at once; state kept.
box_run sh -c 'for i in $(seq 1 300); do cat "$1/notes.txt" >/dev/null || exit 1; done
	echo done' sh "$M" >"$work/reads" 2>&1 &
reader=$!
out=$(box_run timeout 120 dpkg -r ward-agent ward-collector 2>&1)
status=$?
reader_done() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$reader" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$reader" 2>/dev/null; then
		diag "reads on the stick still hanging 10 s after the removal"
		kill "$reader"
		return 1
	fi
	wait "$reader" && grep -qx done "$work/reads"
}
check_eq "remove" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 <<<"$out")"
check "the opens on the stick during the stop all came back" reader_done
check_eq "nothing of Ward runs" "" "$(box_run pgrep -l 'ward')"
check "the stick takes the copy now (no mark left, no hung open)" \
	box_run timeout 10 cp /root/mi.odt "$M/after-remove.odt"
check "the desk's keys are kept on remove" test -s "$BOX_ROOT/var/lib/ward/keys/identity.key"
check "the collector's log too" test -s "$BOX_ROOT/var/lib/ward-collector/ca.key"

# Purge: only the system users remain (Debian keeps them: files they owned
# may be elsewhere).
out=$(box_run dpkg -P ward-agent ward-collector 2>&1)
check "purge" test $? -eq 0
left=$(cd "$BOX_UPPER" && find . -name "*ward*" ! -type c ! -path "./media/ward-test-$$" | sort)
check_eq "nothing left in the box's files" "" "$left"
check "the users stay" grep -q '^ward-sender:' "$BOX_ROOT/etc/passwd"
# (The box's own mounts aside: its root, the packages, the stick's bind.)
check_eq "nothing of Ward mounted" "" "$(box_run findmnt -rn -o TARGET |
	grep -v -e '^/$' -e '^/pkgs$' -e '^/run/host/' -e "^$TESTBED_MEDIA" | grep ward)"
box_stop
done_testing
