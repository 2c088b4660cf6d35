#!/usr/bin/env bash
# Evasion, names as a channel (issue 15, item 8): an unprivileged user
# creates names that carry a marking on an exFAT (exfat-fuse: no file system
# id, every directory marked) and an ext4 stick (one filesystem mark), with
# nothing marked in any file:
#   - an empty file named 機密-..., a directory named 極機密...,
#   - a clean file renamed to 密_...,
#   - a file created right after its new directories (mkdir -p),
#   - a name made through a bind mount in a user namespace,
#   - (after wardd restarts) a name in a directory that was there before.
# Each is a record (event "name", outcome "recorded") saying which marking,
# who made it and where; ordinary names (密碼, 公務機密維護計畫, the shared
# security plan's own file name) are not.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
need_cmd unshare
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/55-evasion-lib.bash

check "an unprivileged user of the test's own" evader_create
check "wardd starts" agent_start

# named NAME LEVEL: a name record for NAME, with its marking and the pid
# of the process that made it (touch and mkdir are gone before wardd can
# read who they were: their user is recorded when they live a moment).
named() {
	wait_record '"event":"name"' "$1" '"outcome":"recorded"' &&
		record_says '"event":"name"' "$1" '"pid":' "the marking $2 "
}

unnamed() { ! record_says '"event":"name"' "$1"; }

CONTEXT=${WARD_CONTEXT:-../shared/context}

run_cases() {
	local fs=$1 M E W
	check "$fs: stick inserted" agent_stick "N$fs" --fs "$fs" --size 64M --serial "EVN$fs"
	M=$(stick_mnt "N$fs")
	check "$fs: wardd watches it" agent_wait_watched "$M"
	E=$(evader_dir "$M")
	as_evader mkdir "$E/old-$fs" "$E/old-$fs/sub"

	as_evader touch "$E/機密-部署表-$fs.txt"
	check "$fs: an empty file named 機密-...: recorded" named "機密-部署表-$fs.txt" 機密
	as_evader "$PY" -c "import time; open('$E/機密-py-$fs', 'w').close(); time.sleep(2)"
	check "$fs: by a process that lives on: recorded with its user" \
		wait_record '"event":"name"' "機密-py-$fs" "\"uid\":$EVADER_UID"
	as_evader mkdir "$E/極機密計畫-$fs"
	check "$fs: a directory named 極機密...: recorded" named "極機密計畫-$fs" 極機密
	as_evader sh -c "echo hello >'$E/plain-$fs.txt' && mv '$E/plain-$fs.txt' '$E/密_plain-$fs.txt'"
	check "$fs: a clean file renamed to 密_...: recorded" named "密_plain-$fs.txt" 密
	as_evader sh -c "mkdir -p '$E/n1-$fs/n2/n3' && touch '$E/n1-$fs/n2/n3/絕對機密-$fs'"
	check "$fs: a name in directories made a moment before: recorded" \
		named "n1-$fs/n2/n3/絕對機密-$fs" 絕對機密

	W=$EVADER_HOME/bind-$fs
	as_evader mkdir -p "$W"
	as_evader unshare -Urm sh -c "mount --bind '$E' '$W' && touch '$W/TOP SECRET ns-$fs.txt'"
	check "$fs: through a bind mount in a user namespace: recorded" \
		named "TOP SECRET ns-$fs.txt" 絕對機密

	as_evader touch "$E/密碼-$fs.txt" "$E/公務機密維護計畫-$fs.pdf" "$E/report-$fs.txt"
	for f in "$CONTEXT"/*; do as_evader touch "$E/$(basename "$f")-$fs"; done
	as_evader touch "$E/last-$fs"
	# Names are handled in order: once a later name is through, so are these.
	as_evader mv "$E/last-$fs" "$E/機密-last-$fs"
	check "$fs: a later name recorded" named "機密-last-$fs" 機密
	for f in 密碼-$fs.txt 公務機密維護計畫-$fs.pdf report-$fs.txt; do
		check "$fs: $f: no record" unnamed "$f"
	done
	for f in "$CONTEXT"/*; do
		check "$fs: the security plan's own name: no record" unnamed "$(basename "$f")-$fs"
	done

	# wardd restarted with the stick in: directories already there are
	# followed too (on exFAT, each one marked by the walk).
	check "$fs: wardd stops" agent_stop
	check "$fs: wardd starts again" agent_start
	check "$fs: wardd watches the stick again" agent_wait_watched "$M"
	# The marks are placed by wardd's names thread once the medium is
	# watched: a new name each try, until one is recorded.
	for i in $(seq 1 50); do
		as_evader touch "$E/old-$fs/sub/機密 old-$fs-$i"
		journal_has '"event":"name"' "sub/機密 old-$fs-" && break
		sleep 0.2
	done
	check "$fs: a name in a directory older than wardd: recorded" named "sub/機密 old-$fs-" 機密
	diag "$fs: recorded at try $i"
	stick_remove "N$fs"
}

for fs in ${EVASION_FS:-exfat ext4}; do run_cases "$fs"; done

check "the journal's chain verifies" "$WARD_BUILD/wardctl" events --verify --config "$AGENT_CONF"
check "wardd is still ready" agent_ready
done_testing
