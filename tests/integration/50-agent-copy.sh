#!/usr/bin/env bash
# wardd on an exFAT USB stick: marked documents never reach it through cp,
# cp -r, mv, rsync, tar, cat >, a renamed copy, a zip, or a pipe (that one
# is quarantined after the write); unmarked files copy byte-identical; every
# denial reaches the user as EPERM and is in the journal.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

# Members of group "games" (a stand-in for an exempted office) may copy 密:
# shows that wardd hands the opener's groups to the policy.
printf 'copy audit  group "games" level >= 密 to removable   # 測試：群組例外\n' \
	>"$AGENT_DIR/45-test-group.rules"
check "wardd starts and is ready" agent_start "$AGENT_DIR/45-test-group.rules"
check "stick inserted" agent_stick S1 --fs exfat --serial WARDCP01
M=$(stick_mnt S1)
check "wardd watches the stick" agent_wait_watched "$M"

MI=$CORPUS/office/header-mi.odt
JIMI=$CORPUS/office/footer-jimi.pdf
PLAN=${WARD_CONTEXT:-../shared/context}/taitung-2022-spring-festival-security-plan.txt
check "the county's security plan is there (../shared beside the repository, or \$WARD_CONTEXT)" \
	test -f "$PLAN"
cp "$MI" "$JIMI" "$WORK/"
echo "會議紀錄：本週無特別事項。" >"$WORK/notes.txt"

# cp
check "cp of a 密 document fails with EPERM" eperm_from cp "$WORK/header-mi.odt" "$M/"
# The empty file the denied create left is removed just after the answer
# (not before: on FUSE the opener holds the directory lock until then).
for i in $(seq 1 20); do [ -e "$M/header-mi.odt" ] || break; sleep 0.1; done
check_fails "no file left on the stick by the denied cp" test -e "$M/header-mi.odt"
check "journal: copy-destination block for cp" \
	journal_has '"event":"copy-destination"' '"exe":"/usr/bin/cp"' '"action":"block"' \
	'"outcome":"denied' "$M/header-mi.odt"
check "the journal entry names level, user, sha256 and device" \
	journal_has "$M/header-mi.odt" '"level":"密"' '"user":"root"' '"sha256":"' \
	'"device_serial":"WARDCP01"' '"rule":"50-copy.rules:'

# renamed copy
check "renamed copy (holiday.jpg) fails with EPERM" eperm_from cp "$WORK/footer-jimi.pdf" "$M/holiday.jpg"

# unmarked files copy byte-identical (and the security plan is not marked)
check "cp of an unmarked note succeeds" cp "$WORK/notes.txt" "$M/"
check "the note is byte-identical" cmp "$WORK/notes.txt" "$M/notes.txt"
check "cp of the county security plan (unmarked) succeeds" cp "$PLAN" "$M/plan.txt"
check "the plan is byte-identical" cmp "$PLAN" "$M/plan.txt"

# cp -r of a folder with both
mkdir -p "$WORK/folder/sub"
cp "$MI" "$WORK/folder/sub/"
cp "$WORK/notes.txt" "$WORK/folder/"
check_fails "cp -r of a folder holding a marked document reports failure" cp -r "$WORK/folder" "$M/"
check "the unmarked file of the folder arrived intact" cmp "$WORK/notes.txt" "$M/folder/notes.txt"
check_fails "the marked file of the folder did not" test -s "$M/folder/sub/header-mi.odt"

# mv: the copy is denied, the original stays
cp "$JIMI" "$WORK/to-move.pdf"
check "mv of a 極機密 document fails with EPERM" eperm_from mv "$WORK/to-move.pdf" "$M/"
check "the original of the denied mv is still there" cmp "$JIMI" "$WORK/to-move.pdf"

# rsync writes a temp file and renames it
rsync "$WORK/header-mi.odt" "$M/rsynced.odt" >/dev/null 2>&1
sleep 0.5
check "rsync: the marked document is not on the stick" no_copy_of "$M" "$MI"

# tar onto the stick: tar holds the archive open for writing
tar -cf "$M/backup.tar" -C "$WORK" header-mi.odt 2>"$WORK/tar.err"
check "tar -cf onto the stick was refused the marked member (EPERM)" grep -q "Operation not permitted" "$WORK/tar.err"
check_fails "the archive does not hold the marked document" sh -c "tar -tf '$M/backup.tar' 2>/dev/null | grep -q header-mi.odt"
check "journal: copy-source block for tar" journal_has '"event":"copy-source"' '"exe":"/usr/bin/tar"' '"outcome":"denied'

# cat > stick: the shell opens the destination first
check "cat > stick of a marked document fails with EPERM" eperm_from sh -c "cat '$WORK/footer-jimi.pdf' > '$M/cat.pdf'"
check_fails "nothing of it was written" test -s "$M/cat.pdf"

# zip made of it, written onto the stick, and made elsewhere then copied
(cd "$WORK" && zip -q "$M/docs.zip" header-mi.odt notes.txt) >/dev/null 2>&1
sleep 0.5
check "zip onto the stick: no archive with the marked document" \
	sh -c "! unzip -l '$M/docs.zip' 2>/dev/null | grep -q header-mi.odt"
(cd "$WORK" && zip -q "$WORK/made-here.zip" header-mi.odt)
check "cp of a zip holding a marked document fails with EPERM" eperm_from cp "$WORK/made-here.zip" "$M/"

# a pipe: nothing to see at open; quarantined after the write
cat "$WORK/footer-jimi.pdf" | dd of="$M/piped.pdf" status=none
for i in $(seq 1 50); do [ -e "$M/piped.pdf" ] || break; sleep 0.1; done
check_fails "piped copy was removed from the stick after the write" test -e "$M/piped.pdf"
q=$(grep -l "piped.pdf" "$AGENT_STATE"/quarantine/*.json 2>/dev/null | head -1)
check "the evidence store holds its metadata" test -n "$q"
check "the evidence store holds its exact content" cmp "$JIMI" "${q%.json}.data"
check "the evidence store is root-only" test "$(stat -c %a "$AGENT_STATE/quarantine")" = 700
check "journal: close-write quarantined" journal_has '"event":"close-write"' '"outcome":"quarantined"' "piped.pdf"

for src in "$MI" "$JIMI"; do
	check "no copy of $(basename "$src") on the stick" no_copy_of "$M" "$src"
done
check "wardctl events shows the denials in readable form" \
	sh -c "'$WARD_BUILD/wardctl' events --config '$AGENT_CONF' | grep -q '阻擋/block → denied.* 密等/level 密 '"
# a file learnt clean (kernel ignore mark) and then edited to carry a
# marking is looked at again: the modification cleared the mark
printf '會議通知\n\n下週一上午九時於第一會議室開會。\n' >"$WORK/changing.txt"
sleep 2.2 # wardd leaves files alone while they are being written (2 s)
before=$(agent_status_field ignore_marks)
cat "$WORK/changing.txt" >/dev/null
for i in $(seq 1 30); do [ "$(agent_status_field ignore_marks)" -gt "$before" ] && break; sleep 0.1; done
check "an unmarked internal file was learnt clean (ignore mark)" test "$(agent_status_field ignore_marks)" -gt "$before"
check "cat > stick of it still works" sh -c "cat '$WORK/changing.txt' > '$M/changing.txt'"
printf '機密\n\n臺東縣政府 函\n主旨：春節期間安全維護計畫。\n' >"$WORK/changing.txt"
check "after it was edited to 機密, cat > stick fails with EPERM" eperm_from sh -c "cat '$WORK/changing.txt' > '$M/changed.txt'"

check "with supplementary group games the marked copy is allowed (audit)" \
	setpriv --groups "$(getent group games | cut -d: -f3)" cp "$MI" "$M/exempt.odt"
check "journal: audit by the group rule" journal_has '"action":"audit"' "$M/exempt.odt" '"rule":"45-test-group.rules:1"'
rm -f "$M/exempt.odt"

"$WARD_BUILD/wardctl" events --follow --json --config "$AGENT_CONF" >"$WORK/follow.out" 2>&1 &
follow_pid=$!
sleep 0.5
eperm_from cp "$MI" "$M/while-following.odt" >/dev/null 2>&1
for i in $(seq 1 30); do grep -q while-following "$WORK/follow.out" && break; sleep 0.1; done
kill "$follow_pid" 2>/dev/null
wait "$follow_pid" 2>/dev/null
check "wardctl events --follow shows a denial made while it follows" grep -q '"path":"[^"]*while-following.odt"' "$WORK/follow.out"
check "wardctl events --json prints one JSON record per line" \
	sh -c "'$WARD_BUILD/wardctl' events --json --config '$AGENT_CONF' | jq -e -s 'length > 0 and all(has(\"seq\"))' >/dev/null"
check "the record log's chain and signatures verify" "$WARD_BUILD/wardctl" events --verify --config "$AGENT_CONF"
check "wardd is still ready" agent_ready
done_testing
