#!/usr/bin/env bash
# The RPMs: `make rpm` builds ward-agent and ward-collector with rpmbuild
# (Debian's rpm package), and `rpm -qlp` shows the same layout as the
# Debian packages: the same files with the same modes, the same
# configuration files, the same units and users; no key in either.  (The
# units' directory is /lib/systemd/system in the .debs, as Debian 12 wants,
# and /usr/lib/systemd/system in the RPMs: one directory on a merged /usr.)
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd rpmbuild
need_cmd dpkg-buildpackage

# Objects kept between runs, first seeded from the plain build's.
out=${WARD_BUILD:-build}/pkgtest-rpm
for kind in deb rpm; do
	if [ ! -d "$out/$kind/objects" ] && [ "${SAN:-}" != 1 ] && [ -d build/obj ]; then
		mkdir -p "$out/$kind/objects" && cp -a build/obj "$out/$kind/objects/"
	fi
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT

make -s rpm RPM_VERSION=0.1.0 RPM_OUT="$out/rpm" >"$log" 2>&1
status=$?
check_eq "make rpm" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 "$log")"
WARD_DEB_LINT=0 make -s deb DEB_VERSION=0.1.0 DEB_OUT="$out/deb" >"$log" 2>&1
status=$?
check_eq "make deb" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 "$log")"

rpms=("$out"/rpm/rpmbuild/RPMS/*/ward-{agent,collector,notify}-0.1.0-*.rpm)
debs=("$out"/deb/ward-{agent,collector,notify}_0.1.0_*.deb)
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
done_testing
