#!/usr/bin/env bash
# Evasion, what is written to a stick (issue 15, items 1-4): an unprivileged
# user gets a marked document's bytes onto an exFAT and an ext4 stick without
# a copy tool the destination or source side would stop (a pipe), and hides
# it from a quarantine that goes by a path read back:
#   - through a bind mount in a user namespace (unshare -Urm),
#   - under a path longer than 4,096 bytes,
#   - (ext4) with a second hard link made before the write,
#   - renamed back and forth right after close,
#   - held open after fsync,
#   - behind 4,600 other files written at once (the old close-write queue),
#   - over a clean decoy of the same size, in the same second (a cache keyed
#     on times).
# Each case: nothing of the document is recoverable from the stick (no file
# with its bytes or text, no raw read of the medium finding its text), and
# the journal says what really happened (quarantined, names removed).
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
need_cmd unshare
need_cmd /usr/bin/python3
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/55-evasion-lib.bash

check "an unprivileged user of the test's own" evader_create
check "wardd starts" agent_start

# pipe_to FILE DOC [dd options]: the document's bytes written to FILE by a
# process that holds no document (nothing a destination or source side
# could stop).
pipe_to() {
	local file=$1 doc=$2
	shift 2
	as_evader cat "$doc" | as_evader dd of="$file" status=none "$@"
}

# deep_write DIR DEPTH FILE: stdin written to FILE DEPTH directories of 230
# characters below DIR, reached by relative steps (the full path is longer
# than PATH_MAX).  Prints the length of that path.
deep_write() {
	as_evader "$PY" -c "
import os, sys
os.chdir(sys.argv[1])
for i in range(int(sys.argv[2])):
    d = 'd' * 230 + str(i)
    os.makedirs(d, exist_ok=True); os.chdir(d)
open(sys.argv[3], 'wb').write(sys.stdin.buffer.read())
print(len(sys.argv[1]) + int(sys.argv[2]) * 233 + len(sys.argv[3]))" "$@"
}

# quarantined_well NAME: the journal's outcome record for NAME says so, with
# the bytes overwritten and the names removed.
quarantined_well() {
	wait_record "\"outcome\":\"quarantined\"" "$1" &&
		record_says "\"outcome\":\"quarantined\"" "$1" "content overwritten and truncated"
}

run_cases() {
	local fs=$1 M E DOC TEXT W i
	check "$fs: stick inserted" agent_stick "E$fs" --fs "$fs" --size 64M --serial "EVW$fs"
	M=$(stick_mnt "E$fs")
	check "$fs: wardd watches it" agent_wait_watched "$M"
	E=$(evader_dir "$M")
	DOC=$EVADER_HOME/plan-$fs.txt
	TEXT=$(marked_text "$DOC" 機密)
	chown "$EVADER" "$DOC"

	# 1. A bind mount in a user namespace: /proc/self/fd names another file.
	W=$EVADER_HOME/bind-$fs
	as_evader mkdir -p "$W"
	as_evader cat "$DOC" | as_evader unshare -Urm sh -c "mount --bind '$E' '$W' && dd of='$W/ns-$fs.txt' status=none"
	check "$fs: userns bind mount: quarantined, recorded so" quarantined_well ns-$fs.txt
	check "$fs: userns bind mount: nothing left on the stick" no_leak "$M" "$DOC" "$TEXT"
	check_fails "$fs: userns bind mount: the name is gone" test -e "$E/ns-$fs.txt"

	# 2. A path longer than 4,096 bytes (reached by relative steps).
	len=$(as_evader cat "$DOC" | deep_write "$E" 20 deep-$fs.txt)
	check "$fs: the document went to a path of more than 4,096 bytes" test "${len:-0}" -gt 4096
	check "$fs: long path: quarantined, recorded so" quarantined_well deep-$fs.txt
	check "$fs: long path: nothing left on the stick" no_leak "$M" "$DOC" "$TEXT"

	# 3. (ext4) a second hard link made before the write.
	if [ "$fs" = ext4 ]; then
		as_evader sh -c "mkdir -p '$E/.hide' && : >'$E/linked-$fs.txt' && ln '$E/linked-$fs.txt' '$E/.hide/other'"
		pipe_to "$E/linked-$fs.txt" "$DOC" conv=notrunc
		check "$fs: hard link: quarantined, both names removed" quarantined_well linked-$fs.txt
		check "$fs: hard link: the second name is gone too" test ! -e "$E/.hide/other"
		check "$fs: hard link: recorded as 2 names removed" \
			record_says '"outcome":"quarantined"' linked-$fs.txt "2 name(s) removed"
		check "$fs: hard link: nothing left on the stick" no_leak "$M" "$DOC" "$TEXT"
	fi

	# 4. Renamed back and forth right after close.
	as_evader cat "$DOC" | as_evader sh -c "dd of='$E/r1-$fs.txt' status=none; mkdir -p '$E/ra' '$E/rb';
		i=0; while [ \$i -lt 400 ]; do mv '$E/r1-$fs.txt' '$E/ra/r2.txt' 2>/dev/null; mv '$E/ra/r2.txt' '$E/rb/r3.txt' 2>/dev/null;
		mv '$E/rb/r3.txt' '$E/r1-$fs.txt' 2>/dev/null; i=\$((i+1)); done"
	check "$fs: renames: a quarantine was recorded" wait_record '"event":"close-write"' "E$fs/$EVADER/r" '"outcome":"quarantine'
	check "$fs: renames: nothing left on the stick" no_leak "$M" "$DOC" "$TEXT"

	# 5. Held open after fsync: checked once the writes pause.
	evader_bg "$PY" -c "
import os, sys, time
f = open('$E/held-$fs.txt', 'wb')
f.write(sys.stdin.buffer.read()); f.flush(); os.fsync(f.fileno())
time.sleep(60)" < <(as_evader cat "$DOC")
	held=$!
	check "$fs: held open: quarantined while still open" \
		wait_record '"event":"written-open"' held-$fs.txt '"outcome":"quarantined"'
	check "$fs: held open: the writer still holds it" kill -0 "$held"
	check "$fs: held open: nothing left on the stick while it is held" no_leak "$M" "$DOC" "$TEXT"
	kill "$held" 2>/dev/null
	wait "$held" 2>/dev/null

	# 6. 4,600 files written at once, the document among them.  Each open
	#    waits for a verdict and the destination side reads the opener's
	#    descriptors, more of them at each open: on a loaded machine some
	#    opens meet the deadline and are denied by the fail mode.  The
	#    evader skips those and tries the document again until it opens.
	as_evader cat "$DOC" | (ulimit -n 8192 && as_evader "$PY" -c "
import os, sys, time
d = '$E/many'; os.mkdir(d)
fs = []
for i in range(4600):
    try: fs.append(open(f'{d}/f{i}', 'wb'))
    except PermissionError: pass
for _ in range(30):
    try: doc = open(f'{d}/zz-doc-$fs.txt', 'wb'); break
    except PermissionError: time.sleep(1)
doc.write(sys.stdin.buffer.read())
for f in fs: f.close()
doc.close()
print(len(fs))") >"$AGENT_DIR/many-opened"
	diag "$fs: $(cat "$AGENT_DIR/many-opened") of 4,600 files opened at once"
	check "$fs: 4,600 files: the document among them is quarantined" \
		wait_record '"event":"close-write"' zz-doc-$fs.txt '"outcome":"quarantined"'
	check "$fs: 4,600 files: nothing left on the stick" no_leak "$M" "$DOC" "$TEXT"
	check_eq "$fs: 4,600 files: no notification lost" 0 "$(agent_status_field landed_lost)"
	check_eq "$fs: 4,600 files: none dropped" 0 "$(agent_status_field dropped_notifications)"

	# 7. A clean decoy of the same size, then the document over it in the
	#    same second: judged by content, not by a cache keyed on times.
	head -c "$(stat -c %s "$DOC")" /dev/zero | tr '\0' 'a' >"$EVADER_HOME/decoy-$fs.txt"
	chown "$EVADER" "$EVADER_HOME/decoy-$fs.txt"
	pipe_to "$E/same-$fs.txt" "$EVADER_HOME/decoy-$fs.txt"
	wait_record '"event":"close-write"' same-$fs.txt '"outcome":"kept"' >/dev/null
	pipe_to "$E/same-$fs.txt" "$DOC" conv=notrunc
	check "$fs: same-second decoy: the document over it is quarantined" \
		wait_record '"event":"close-write"' same-$fs.txt '"outcome":"quarantined"'
	check "$fs: same-second decoy: nothing left on the stick" no_leak "$M" "$DOC" "$TEXT"

	kept=0
	for f in "$AGENT_STATE"/quarantine/*.data; do cmp -s "$f" "$DOC" && kept=$((kept + 1)); done
	check "$fs: the evidence store holds the document for each quarantine ($kept)" \
		test "$kept" -ge "$([ "$fs" = ext4 ] && echo 6 || echo 5)"
	stick_remove "E$fs"
}

for fs in ${EVASION_FS:-exfat ext4}; do run_cases "$fs"; done

check_eq "no quarantine failed" "" "$(journal_grep '"outcome":"quarantine-failed"')"
check "the journal's chain verifies" "$WARD_BUILD/wardctl" events --verify --config "$AGENT_CONF"
check "wardd is still ready" agent_ready
done_testing
