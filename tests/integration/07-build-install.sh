#!/usr/bin/env bash
# `make install`: a build for a prefix of its own (in a scratch build
# directory, so the tree's build/ is left alone), installed once into a
# staging DESTDIR, as packages do, and once for real into that prefix.
# The layout is where the FHS and systemd expect it, the units name the
# installed programs, a second install keeps an office's own policy and
# configuration, and the installed wardctl finds its translations and the
# shipped default policy on its own.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/fresh-etc.sh
need_cmd make

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
etc=$work/etc
stage=$work/stage
build=$work/build
jobs=${WARD_INSTALL_JOBS:-2}

# The layout does not depend on the sanitizers: under SAN=1 build plainly.
install_into() { # DESTDIR; prints make's output
	env -u SAN make -s -j"$jobs" install BUILD="$build" PREFIX="$prefix" \
		SYSCONFDIR="$etc" DESTDIR="$1" 2>&1
}

out=$(install_into "$stage")
status=$?
check_eq "make install DESTDIR=... PREFIX=... succeeds" 0 $status
[ $status -eq 0 ] || diag "$(tail -20 <<<"$out")"

root=$stage$prefix
mode() { stat -c %a "$1" 2>/dev/null; }
check_eq "wardd in sbin, 0755" 755 "$(mode "$root/sbin/wardd")"
check_eq "wardd-scanner beside it, where wardd starts it from" 755 "$(mode "$root/sbin/wardd-scanner")"
check_eq "wardctl in bin, 0755" 755 "$(mode "$root/bin/wardctl")"
check_eq "ward-sender in sbin, 0755" 755 "$(mode "$root/sbin/ward-sender")"
check_eq "ward-notify in bin, 0755" 755 "$(mode "$root/bin/ward-notify")"
check "its user unit runs the installed ward-notify" \
	grep -qx "ExecStart=$prefix/bin/ward-notify" "$root/lib/systemd/user/ward-notify.service"
check "its XDG autostart entry too" \
	grep -qx "Exec=$prefix/bin/ward-notify" "$stage$etc/xdg/autostart/ward-notify.desktop"
check_eq "ward-collector in sbin, 0755" 755 "$(mode "$root/sbin/ward-collector")"
for page in packaging/man/*.[1-8]; do
	check "manual page $(basename "$page") in share/man" \
		cmp -s "$page" "$root/share/man/man${page##*.}/$(basename "$page")"
done
for f in policy/default/*.rules; do
	name=$(basename "$f")
	check "default policy $name in $etc/ward/policy.d" cmp -s "$f" "$stage$etc/ward/policy.d/$name"
	check "and as shipped in share/ward/policy.d" cmp -s "$f" "$root/share/ward/policy.d/$name"
done
check "a configuration in $etc/ward" grep -qx "policy_dir  = $etc/ward/policy.d" "$stage$etc/ward/wardd.conf"
check "the collector's options in $etc/ward" grep -q '^WARD_COLLECTOR_OPTIONS=' \
	"$stage$etc/ward/ward-collector.conf"
check "the collector's unit reads them" grep -qx \
	"EnvironmentFile=$etc/ward/ward-collector.conf" "$root/lib/systemd/system/ward-collector.service"
unit=$root/lib/systemd/system/wardd.service
check "the unit in lib/systemd/system" test -f "$unit"
check "its ExecStart runs the installed wardd with the installed configuration" \
	grep -qx "ExecStart=$prefix/sbin/wardd --foreground --config $etc/ward/wardd.conf" "$unit"
check "its documentation is the installed README" \
	grep -qx "Documentation=file:$prefix/share/doc/ward/README.md" "$unit"
check "the README there" cmp -s README.md "$root/share/doc/ward/README.md"
check "the sender's unit runs the installed sender" \
	grep -q "^ExecStart=$prefix/sbin/ward-sender " "$root/lib/systemd/system/ward-sender.service"
check "the sender's user for systemd-sysusers" \
	cmp -s packaging/ward-sender.sysusers "$root/lib/sysusers.d/ward-sender.conf"
for po in po/*.po; do
	lang=$(basename "$po" .po)
	check "translations: $lang" test -s "$root/share/locale/$lang/LC_MESSAGES/ward.mo"
done
check "wardctl looks for them where they were installed" \
	grep -qF "$prefix/share/locale" "$root/bin/wardctl"
check_eq "nothing outside PREFIX and SYSCONFDIR" "" \
	"$(cd "$stage" && find . -type f | grep -v -e "^.$prefix/" -e "^.$etc/")"

# An office's own policy and configuration survive a second install.
rm "$stage$etc/ward/policy.d/"*.rules
echo 'copy block *   # 本處政策' >"$stage$etc/ward/policy.d/50-office.rules"
echo 'log = stderr' >"$stage$etc/ward/wardd.conf"
out=$(install_into "$stage")
check_eq "a second install succeeds" 0 $?
check_eq "it keeps the office's policy alone" "50-office.rules" "$(ls "$stage$etc/ward/policy.d")"
check_eq "and its configuration" "log = stderr" "$(cat "$stage$etc/ward/wardd.conf")"
check "and says so" grep -q "keeping the policy in $stage$etc/ward/policy.d" <<<"$out"

# For real into the prefix: the installed wardctl, with no WARD_LOCALEDIR,
# speaks Chinese from the installed catalogue.
out=$(install_into "")
check_eq "make install PREFIX=... (no DESTDIR) succeeds" 0 $?
if command -v localedef >/dev/null; then
	locdir=$work/locales
	mkdir -p "$locdir"
	localedef -i zh_TW -f UTF-8 "$locdir/zh_TW.UTF-8" 2>/dev/null
	zh=$(env -u WARD_LOCALEDIR LOCPATH="$locdir" LC_ALL=zh_TW.UTF-8 "$prefix/bin/wardctl" help)
	check "the installed wardctl finds its translations" grep -q '用法：wardctl 指令' <<<"$zh"
else
	not_ok "localedef is needed to compile the zh_TW locale"
fi

# ... and, where /etc/ward holds no policy, checks the installed default.
out=$(in_fresh_etc : "$prefix/bin/wardctl" policy check 2>/dev/null)
check_eq "the installed wardctl falls back on the installed default policy" \
	"$prefix/share/ward/policy.d: policy valid: 4 files" "$(cut -d, -f1 <<<"$out")"

done_testing
