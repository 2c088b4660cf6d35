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
# their scripts make the users, the units start the collector, wardd and,
# once enrolled, the sender; erase stops them all and takes their files.
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
check "their scripts make the users" grep -q 'systemd-sysusers ward-sender.conf' \
	<(rpm -qp --scripts "${rpms[0]}")
check "and the collector's" grep -q 'systemd-sysusers ward-collector.conf' \
	<(rpm -qp --scripts "${rpms[1]}")

BOX_BINDS=("$(realpath "$out/rpm/rpmbuild/RPMS"):/rpms")
check "the box boots with systemd" box_start "ward-rpm-$$"
rm -rf "$BOX_ROOT/etc/ward" "$BOX_ROOT/var/lib/ward" "$BOX_ROOT/var/lib/ward-collector" \
	"$BOX_ROOT/usr/sbin/policy-rc.d"
in_box=()
for f in "${rpms[@]}"; do in_box+=("/rpms/${f#"$out"/rpm/rpmbuild/RPMS/}"); done
out_rpm=$(box_run rpm -i --nodeps --force-debian "${in_box[@]}" 2>&1)
status=$?
check_eq "rpm -i installs the three" 0 $status
[ $status -eq 0 ] || diag "$out_rpm"
check_eq "rpm knows them" "ward-agent ward-collector ward-notify" \
	"$(box_run rpm -qa --qf '%{NAME}\n' | grep ward | sort | xargs)"
check "their scripts made the users" grep -q '^ward-collector:' "$BOX_ROOT/etc/passwd"
check_eq "and the state directory, the sender's group's" 710:ward-sender \
	"$(box_run stat -c %a:%G /var/lib/ward)"
port=$((20000 + ($$ + 7) % 20000))
echo "WARD_COLLECTOR_OPTIONS=--listen 127.0.0.1:$port" >"$BOX_ROOT/etc/ward/ward-collector.conf"
active() { box_run systemctl is-active --quiet "$@"; }
check "ward-collector starts from its unit" box_run systemctl start ward-collector
check "it made its CA and listens" box_collector_up "$port"
check "wardd starts from its unit" box_run systemctl start wardd
check "and is ready" box_run sh -c 'wardctl status >/dev/null'
check "systemctl reload wardd" box_run systemctl reload wardd
check "still active after it" active wardd
ca=$(openssl x509 -in "$BOX_ROOT/var/lib/ward-collector/ca.pem" -outform DER | sha256sum | cut -d' ' -f1)
token=$(box_run ward-collector admin --state-dir /var/lib/ward-collector --user ward-collector \
	token create --label rpm-desk)
check "the desk enrolls" box_run wardctl enroll "https://127.0.0.1:$port" "$token" \
	--ca-sha256 "$ca" --user ward-sender --state-dir /var/lib/ward
check "ward-sender starts once enrolled" box_run systemctl start ward-sender
check "and runs" active ward-sender
out_rpm=$(box_run rpm -e ward-notify ward-agent ward-collector 2>&1)
status=$?
check_eq "rpm -e removes them" 0 $status
[ $status -eq 0 ] || diag "$out_rpm"
check_eq "nothing of Ward runs" "" "$(box_run pgrep -l ward)"
# RPM keeps a configuration file the office edited, as .rpmsave.
check_eq "none of their files left but the edited configuration, saved" \
	"$(printf 'etc/ward\netc/ward/ward-collector.conf.rpmsave')" \
	"$(cd "$BOX_UPPER" && find usr etc \( -name '*ward*' -o -path '*/ward/*' \) ! -type c \
		2>/dev/null | sort)"
check "the desk's keys stay (state is the office's)" test -s "$BOX_ROOT/var/lib/ward/keys/identity.key"
box_stop
done_testing
