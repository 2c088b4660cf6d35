#!/usr/bin/env bash
# The RPMs: `make rpm` builds ward-agent and ward-collector with rpmbuild
# (Debian's rpm package), and `rpm -qlp` shows the same layout as the
# Debian packages: the same files with the same modes, the same
# configuration files, the same units and users; no key in either.  (The
# units' directory is /lib/systemd/system in the .debs, as Debian 12 wants,
# and /usr/lib/systemd/system in the RPMs: one directory on a merged /usr.)
# Then the RPMs installed, by Debian's rpm with --nodeps (its database knows
# none of the Debian packages the programs link), in a box (80-packaging-box.bash:
# this machine's Debian 12 root under a tmpfs overlay, booted with systemd):
# the collector's script makes its user and its unit starts it; the agent's
# %post (packaging/agent-setup.sh, as the .deb's postinst) makes the user
# and the state directory, enrolls the desk from /etc/ward/enroll.conf and
# starts wardd and the sender by their units; wardd blocks a copy to a test-bed
# stick and the record reaches the collector; erase stops them all and
# takes their files.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_root
need_cmd rpmbuild
need_cmd dpkg-buildpackage
need_cmd systemd-nspawn
. tests/lib/usbstick.sh
. tests/integration/80-packaging-box.bash

# Objects kept between runs; the .debs' are 80-packaging-deb's (the same
# flags: nothing to compile again).
out=${WARD_BUILD:-build}/pkgtest-rpm
deb_out=${WARD_BUILD:-build}/pkgtest
log=$(mktemp)
# The bed to itself: the box's wardd hears the host's udev events.
testbed_init
testbed_on_exit 'box_stop; rm -f "$log"'

make -s rpm RPM_VERSION=0.1.0 RPM_OUT="$out/rpm" >"$log" 2>&1
status=$?
check_eq "make rpm" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 "$log")"
WARD_DEB_LINT=0 make -s deb DEB_VERSION=0.1.0 DEB_OUT="$deb_out" >"$log" 2>&1
status=$?
check_eq "make deb" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 "$log")"

rpms=("$out"/rpm/rpmbuild/RPMS/*/ward-{agent,collector,notify}-0.1.0-*.rpm)
debs=("$deb_out"/ward-{agent,collector,notify}_0.1.0_*.deb)
for f in "${rpms[@]}" "${debs[@]}"; do check "built: ${f##*/}" test -f "$f"; done

# "mode path" of every file and link (directories aside); man pages by
# path only (a .so page is a link in the .deb, a file in the RPM).
layout_rpm() {
	local f
	for f in "$@"; do rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$f"; done |
		grep -v '^d' | normalise
}
layout_deb() {
	local f
	for f in "$@"; do dpkg-deb -c "$f"; done | awk '$1 !~ /^d/ { print $1, $6 }' |
		sed 's| \./| /|' | normalise
}
normalise() {
	sed -e 's| /lib/systemd/| /usr/lib/systemd/|' -e 's|\.gz$||' \
		-e 's|^[^ ]* \(/usr/share/man/\)|man \1|' |
		grep -v ' /usr/share/doc/ward-\(agent\|collector\|notify\)/' | sort -k2
}
rpm_layout=$(layout_rpm "${rpms[@]}")
deb_layout=$(layout_deb "${debs[@]}")
check "rpm -qlp lists files" test -n "$rpm_layout"
check_eq "the same files with the same modes as the .debs" "$deb_layout" "$rpm_layout"
check_eq "ward-agent: the same files" "$(layout_deb "${debs[0]}")" "$(layout_rpm "${rpms[0]}")"
check_eq "ward-collector: the same files" "$(layout_deb "${debs[1]}")" "$(layout_rpm "${rpms[1]}")"
check_eq "ward-notify: the same files" "$(layout_deb "${debs[2]}")" "$(layout_rpm "${rpms[2]}")"
check_eq "the same configuration files" \
	"$(for d in "${debs[@]}"; do dpkg-deb -I "$d" conffiles; done | sort)" \
	"$(for r in "${rpms[@]}"; do rpm -qp --configfiles "$r"; done | sort)"
check_eq "no key in the RPMs" "" "$(for r in "${rpms[@]}"; do rpm -qlp "$r"; done |
	grep -E '\.(key|pem)$|/keys/')"
check "the agent's %post runs the .deb's setup script" grep -q '/usr/lib/ward/agent-setup' \
	<(rpm -qp --scripts "${rpms[0]}")
check "and the collector's" grep -q 'systemd-sysusers ward-collector.conf' \
	<(rpm -qp --scripts "${rpms[1]}")

stick_insert usb1 --no-mount && dev=$(stick_dev usb1)
[ "$(blockdev --getro "$dev")" = 1 ] && blockdev --setrw "$dev"
check "a stick" stick_mount usb1
M=$(stick_mnt usb1)

BOX_BINDS=("$(realpath "$out/rpm/rpmbuild/RPMS"):/rpms" "$TESTBED_MEDIA")
check "the box boots with systemd" box_start "ward-rpm-$$"
rm -rf "$BOX_ROOT/etc/ward" "$BOX_ROOT/var/lib/ward" "$BOX_ROOT/var/lib/ward-collector" \
	"$BOX_ROOT/usr/sbin/policy-rc.d"
cp tests/corpus/office/header-mi.odt "$BOX_ROOT/root/mi.odt"
in_box() { # PACKAGE: its path in the box
	local f
	for f in "${rpms[@]}"; do
		case ${f##*/} in "$1"-0*) echo "/rpms/${f#"$out"/rpm/rpmbuild/RPMS/}" ;; esac
	done
}
rpm_i() {
	local out status
	out=$(box_run rpm -i --nodeps --force-debian "$@" 2>&1)
	status=$?
	[ $status -eq 0 ] || diag "$out"
	return $status
}

# The collector first: the desks enroll with it as they install.
check "rpm -i ward-collector" rpm_i "$(in_box ward-collector)"
check "its script made its user" grep -q '^ward-collector:' "$BOX_ROOT/etc/passwd"
port=$((20000 + ($$ + 7) % 20000))
echo "WARD_COLLECTOR_OPTIONS=--listen 127.0.0.1:$port" >"$BOX_ROOT/etc/ward/ward-collector.conf"
active() { box_run systemctl is-active --quiet "$@"; }
check "ward-collector starts from its unit" box_run systemctl start ward-collector
check "it made its CA and listens" box_collector_up "$port"
token=$(box_run ward-collector admin --state-dir /var/lib/ward-collector --user ward-collector \
	token create --label rpm-desk)
check "a one-time token" test -n "$token"

# The agent, enrolled unattended from /etc/ward/enroll.conf by its %post
# (the same script as the .deb's postinst).
check "enroll.conf" box_enroll_conf "$port" "$token"
check "rpm -i ward-agent ward-notify" rpm_i "$(in_box ward-agent)" "$(in_box ward-notify)"
check_eq "rpm knows the three" "ward-agent ward-collector ward-notify" \
	"$(box_run rpm -qa --qf '%{NAME}\n' | grep ward | sort | xargs)"
# 0710 from its script, traversable by others since wardd's first start.
check_eq "its script made the state directory, the sender's group's" 711:ward-sender \
	"$(box_run stat -c %a:%G /var/lib/ward)"
check "the same setup script as the .deb's" cmp -s "$BOX_ROOT/usr/lib/ward/agent-setup" \
	<(dpkg-deb --fsys-tarfile "${debs[0]}" | tar -xOf - ./usr/lib/ward/agent-setup)
check "its script enrolled the desk" test -f "$BOX_ROOT/var/lib/ward/sender/collector.json"
check "the desk has its own identity key" test -s "$BOX_ROOT/var/lib/ward/keys/identity.key"
check "and started wardd from its unit" active wardd
check "and ward-sender" active ward-sender
check "and is ready" box_run sh -c 'wardctl status >/dev/null'
check "systemctl reload wardd" box_run systemctl reload wardd
check "still active after it" active wardd
check "wardd watches the stick" box_watched "$M"
check "a copy of a 密 document to the stick is blocked" box_eperm cp /root/mi.odt "$M/"
sender_diag() {
	box_run journalctl -u ward-sender -u wardd --no-pager | tail -40 | sed 's/^/# /'
	box_run ls -la /var/lib/ward /var/lib/ward/log /var/lib/ward/spool 2>&1 | sed 's/^/# /'
	box_run cat /var/lib/ward/spool/status.json 2>&1 | sed 's/^/# /'
	return 1
}
check "the block is recorded at the collector" eval 'box_collector_has 1 || sender_diag'
out_rpm=$(box_run rpm -e ward-notify ward-agent ward-collector 2>&1)
status=$?
check_eq "rpm -e removes them" 0 $status
[ $status -eq 0 ] || diag "$out_rpm"
check_eq "nothing of Ward runs" "" "$(box_run pgrep -l ward)"
# RPM keeps a configuration file the office edited, as .rpmsave, and
# enroll.conf is the office's, not the package's.
check_eq "none of their files left but the edited configuration, saved" \
	"$(printf 'etc/ward\netc/ward/enroll.conf\netc/ward/ward-collector.conf.rpmsave')" \
	"$(cd "$BOX_UPPER" && find usr etc \( -name '*ward*' -o -path '*/ward/*' \) ! -type c \
		2>/dev/null | sort)"
check "the desk's keys stay (state is the office's)" test -s "$BOX_ROOT/var/lib/ward/keys/identity.key"
box_stop
done_testing
