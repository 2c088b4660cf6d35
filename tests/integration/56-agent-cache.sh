#!/usr/bin/env bash
# Knowing the answer before the copy (agent/preclass.c, cache.c,
# cachefile.c): a document written while wardd runs is classified in the
# background and its copy decided from the cache, with no classification
# at the copy; any change to a file known clean that makes it marked is
# caught at once (a write in place, the old mtime put back with touch,
# truncate, a rename over it, and the same by an unprivileged user who also
# tries to forge extended attributes); the cache survives a restart and a
# file changed while wardd was stopped is judged anew; the crawl finds
# documents written while wardd was not running; the background classifier
# runs at idle priority while the workers' scanners do not.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
need_cmd setfattr
need_cmd runuser
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

MI=$CORPUS/office/header-mi.odt
CLEAN=$CORPUS/office/letter-field-putong.odt
# Waiting for the background classifier on a machine other work keeps
# busy: at normal priority here (the idle class is checked on its own at
# the end).
export AGENT_BACKGROUND=normal AGENT_CRAWL=$WORK/crawl
mkdir -p "$WORK/crawl/old" "$WORK/user"
cp "$MI" "$WORK/crawl/old/before-start.odt" # written while no wardd ran
# The unprivileged user's corner.
chmod 0711 "$AGENT_DIR" "$WORK"
chown nobody "$WORK/user"

known() { "$WARD_BUILD/wardctl" known --json --config "$AGENT_CONF" "$1" 2>/dev/null; }
# known_as FILE LEVEL: wardd knows FILE by its version now, as LEVEL ("" none)
known_as() { known "$1" | grep -qF "\"known\":true,\"level\":\"$2\""; }
wait_known_as() {
	local i
	for i in $(seq 1 "$(ward_slow 600)"); do
		known_as "$1" "$2" && return 0
		sleep 0.1
	done
	echo "# wardd does not know $1 as '$2': $(known "$1")" >&2
	return 1
}
# Classifications a copy waited for (not the learning other processes'
# opens cause while a stick is mounted).
classified() { agent_status_field classified_for_copy; }
# copy_from_cache SRC DST: cp succeeds, and nothing was classified for it
copy_from_cache() {
	local c0
	c0=$(classified)
	cp "$1" "$2" || return 1
	[ "$(classified)" = "$c0" ] || { echo "# $1 was classified at the copy" >&2; return 1; }
}
# blocked_from_cache SRC DST: EPERM, and nothing was classified for it
blocked_from_cache() {
	local c0
	c0=$(classified)
	eperm_from cp "$1" "$2" || return 1
	[ "$(classified)" = "$c0" ] || { echo "# $1 was classified at the copy" >&2; return 1; }
}
# text FILE FIRSTLINE: a small text document; the same size whatever the
# (one CJK character) first line, 密 making it marked
text() { { printf '%s\n' "$2"; for i in $(seq 1 40); do echo "第 $i 項：春節期間值勤排班，照常辦理。"; done; } >"$1"; }

# This suite is about the cache: a marked file made unmarked in place keeps
# its body, which the default policy's `derived` rule rightly blocks
# (55-evasion-derived's subject).  Here that rule is a comment, so the line
# numbers stay.
export AGENT_POLICY_SED='s/^copy block  *derived to removable.*/# derived: see 55-evasion-derived/'
check "wardd starts" agent_start
check "stick inserted" agent_stick C1 --fs exfat --serial WARDCACHE1
M=$(stick_mnt C1)
check "wardd watches it" agent_wait_watched "$M"

# ---- a document written while wardd runs ----
cp "$MI" "$WORK/report.odt"
check "a marked document written now is known before anyone copies it" \
	wait_known_as "$WORK/report.odt" 密
check "its copy is blocked from the cache" blocked_from_cache "$WORK/report.odt" "$M/"
check "the journal has the denial" journal_has '"outcome":"denied' "$M/report.odt"
cat "$CLEAN" >"$WORK/report.odt" # the same file, made unmarked
check "modified into an unmarked one, its copy is allowed at once" cp "$WORK/report.odt" "$M/"
check "the copy is intact" cmp "$WORK/report.odt" "$M/report.odt"
check "the new version is known unmarked" wait_known_as "$WORK/report.odt" ""
check "and copied again from the cache" copy_from_cache "$WORK/report.odt" "$M/again.odt"

# ---- every kind of change to a file known clean, ending marked ----
text "$WORK/inplace.txt" 甲
text "$WORK/touched.txt" 甲
python3 - "$WORK/long.txt" "$WORK/long.cut" <<'PY'
import sys
body = "".join(f"第{i}段：本週例行會議紀錄，討論春節值勤排班事宜。\n" for i in range(200))
whole = "會議紀錄\n" + body + "密\n" + body
open(sys.argv[1], "w").write(whole)
open(sys.argv[2], "w").write(str(len(("會議紀錄\n" + body + "密\n").encode())))
PY
text "$WORK/target.txt" 甲
text "$WORK/held.txt" 甲
text "$WORK/other.txt" 密
for f in inplace touched long target held; do
	ext=txt
	check "$f.$ext: known unmarked" wait_known_as "$WORK/$f.$ext" ""
done
check "the marked one beside them is known marked" wait_known_as "$WORK/other.txt" 密

text "$WORK/new.txt" 密
dd if="$WORK/new.txt" of="$WORK/inplace.txt" conv=notrunc status=none
check "written in place (same size): blocked at once" eperm_from cp "$WORK/inplace.txt" "$M/"

touch -r "$WORK/touched.txt" "$WORK/touched.ref"
dd if="$WORK/new.txt" of="$WORK/touched.txt" conv=notrunc status=none
touch -r "$WORK/touched.ref" "$WORK/touched.txt" # its old mtime back
check "written, mtime put back with touch: blocked at once" eperm_from cp "$WORK/touched.txt" "$M/"

# Through a descriptor still open: no close-write has told wardd yet, so
# only the version (ctime) can say the file changed.  (utimensat by path:
# GNU touch would open the file for writing, and its close tell wardd.)
mtime_ns=$(stat -c %.9Y "$WORK/held.txt" | tr -d .)
exec 7<>"$WORK/held.txt"
cat "$WORK/new.txt" >&7
python3 -c 'import os,sys; n=int(sys.argv[2]); os.utime(sys.argv[1], ns=(n, n))' \
	"$WORK/held.txt" "$mtime_ns"
check "written through a descriptor still open, mtime put back: blocked" \
	eperm_from cp "$WORK/held.txt" "$M/"
exec 7>&-

truncate -s "$(cat "$WORK/long.cut")" "$WORK/long.txt"
check "truncated (the marking now on its last line): blocked at once" \
	eperm_from cp "$WORK/long.txt" "$M/"

mv "$WORK/other.txt" "$WORK/target.txt"
check "a marked file renamed over it: blocked at once" eperm_from cp "$WORK/target.txt" "$M/"
check "none of the five reached the stick" sh -c \
	"! ls '$M' | grep -Eq '^(inplace|touched|held|long|target)\\.txt$'"

# ---- an unprivileged user's attempt ----
U=$WORK/user/memo.txt
runuser -u nobody -- sh -c "$(declare -f text); text '$U' 甲"
check "the user's clean memo is known unmarked" wait_known_as "$U" ""
runuser -u nobody -- sh -c "$(declare -f text); touch -r '$U' '$U.ref'; text '$U.new' 密; \
	dd if='$U.new' of='$U' conv=notrunc status=none; touch -r '$U.ref' '$U'"
check_fails "the user cannot set a trusted. extended attribute" \
	runuser -u nobody -- setfattr -n trusted.ward.level -v none "$U"
check "the user may set a user. attribute (it proves nothing)" \
	runuser -u nobody -- setfattr -n user.ward.level -v none "$U"
check_fails "the user cannot write wardd's cache" \
	runuser -u nobody -- sh -c "echo x >>'$AGENT_STATE/cache/classify.cache'"
check_fails "nor read its directory" runuser -u nobody -- ls "$AGENT_STATE/cache"
check "the user's forged memo is blocked" eperm_from cp "$U" "$M/"

# ---- the crawl: written while wardd was not running ----
check "a document written before wardd started is found by the crawl" \
	wait_known_as "$WORK/crawl/old/before-start.odt" 密
check "and its copy blocked from the cache" \
	blocked_from_cache "$WORK/crawl/old/before-start.odt" "$M/"

# ---- a restart ----
check "the new version of the memo is known marked" wait_known_as "$U" 密
check "wardd stops (saving its cache)" agent_stop
check "the cache's file is root's alone" \
	sh -c "[ \"\$(stat -c '%U %a' '$AGENT_STATE/cache')\" = 'root 700' ] &&
	       [ \"\$(stat -c '%U %a' '$AGENT_STATE/cache/classify.cache')\" = 'root 600' ]"
cp "$MI" "$WORK/report.odt"        # unmarked → marked while stopped
text "$WORK/inplace.txt" 甲        # marked → unmarked while stopped
check "wardd starts again" agent_start
check "wardd watches the stick again" agent_wait_watched "$M"
loaded=$(agent_status_field cache_loaded)
check "it loaded what it knew" test "${loaded:-0}" -gt 0
check "the user's marked memo is blocked at once, from the cache" blocked_from_cache "$U" "$M/"
check "a file made marked while wardd was stopped is blocked" \
	eperm_from cp "$WORK/report.odt" "$M/report2.odt"
check "a file made unmarked while wardd was stopped is allowed" cp "$WORK/inplace.txt" "$M/"

# ---- priorities ----
agent_stop
export AGENT_BACKGROUND=
check "wardd starts with the default background class" agent_start
# The background scanner starts with the first file it has to read: give
# it one.
text "$WORK/wake.txt" 乙
idle_children() { # the children of wardd at SCHED_IDLE in the idle I/O class
	local p n=0
	for p in $(pgrep -P "$AGENT_PID"); do
		chrt -p "$p" | grep -q SCHED_IDLE && ionice -p "$p" | grep -q '^idle' && n=$((n + 1))
	done
	echo $n
}
for i in $(seq 1 600); do [ "$(idle_children)" = 1 ] && break; sleep 0.1; done
check_eq "the background classifier's scanner runs at SCHED_IDLE, idle I/O" 1 "$(idle_children)"
check_eq "the workers' four scanners do not" 5 "$(pgrep -c -P "$AGENT_PID")"
idle_threads=$(for t in /proc/"$AGENT_PID"/task/*; do chrt -p "${t##*/}"; done | grep -c SCHED_IDLE)
check_eq "one thread of wardd (the background classifier's) runs at SCHED_IDLE" 1 "$idle_threads"

done_testing
