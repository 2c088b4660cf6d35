#!/usr/bin/env bash
# Evasion, part of a document (issue 15, item 7: partial-document
# fingerprints): an unprivileged user, on an exFAT and an ext4 stick,
#   - copies a 機密 document (denied: wardd has classified it),
#   - pastes its body, without the marking, under a page of other text in a
#     new file and copies that with cp: denied as derived,
#   - reflows and re-punctuates the body and writes it through a pipe:
#     quarantined as derived,
#   - copies ordinary documents (the county's security plan, the corpus's
#     trap documents, meeting notes): they copy, and nothing says derived;
#   - after wardd restarts, the pasted copy is still denied (the
#     fingerprints are kept on disk, root's, without the text).
# Each record says derived, with the marked document's level and SHA-256.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/55-evasion-lib.bash

check "an unprivileged user of the test's own" evader_create
check "wardd starts" agent_start

H=$EVADER_HOME
PLAN=${WARD_CONTEXT:-../shared/context}/taitung-2022-spring-festival-security-plan.txt
DECOYS=("$PLAN" "$CORPUS/office/trap-security-plan.odt" "$CORPUS/office/trap-english-memo.docx"
	"$CORPUS/office/trap-prose-mi-words.odt" "$CORPUS/office/deck-trap-awareness.odp")
check "the decoys are there" test -f "${DECOYS[0]}" -a -f "${DECOYS[4]}"
cp "${DECOYS[@]}" "$H/"
printf '會議紀錄\n時間：一百十一年三月二日下午二時\n地點：本府第二會議室\n主席：林秘書長\n一、上次會議決議事項執行情形報告，洽悉。\n' >"$H/notes.txt"
chown -R "$EVADER" "$H"

# pasted NEW DOC: DOC's body (all but its marking and the blank line
# after it) under other text.
pasted() {
	{ cat "$H/notes.txt"; sed 1,2d "$2"; } >"$1"
}

# derived_record NAME LEVEL: a record of NAME saying derived from a LEVEL
# document, with that document's SHA-256.
derived_record() {
	wait_record "$1" "derived: shares" "with a $2 document (sha256 $3)"
}

run_cases() {
	local fs=$1 M E DOC TEXT SUM d
	check "$fs: stick inserted" agent_stick "D$fs" --fs "$fs" --size 64M --serial "EVD$fs"
	M=$(stick_mnt "D$fs")
	check "$fs: wardd watches it" agent_wait_watched "$M"
	E=$(evader_dir "$M")
	DOC=$H/plan-$fs.txt
	TEXT=$(marked_text "$DOC" 機密)
	TEXTS+=("$TEXT")
	SUM=$(sha256sum <"$DOC" | cut -d' ' -f1)
	chown "$EVADER" "$DOC"

	check "$fs: the marked document itself is denied" eperm_from as_evader cp "$DOC" "$E/"

	pasted "$H/minutes-$fs.txt" "$DOC"
	chown "$EVADER" "$H/minutes-$fs.txt"
	check "$fs: its body pasted into a new unmarked file: cp denied" \
		eperm_from as_evader cp "$H/minutes-$fs.txt" "$E/"
	check "$fs: pasted: recorded as derived from the 機密 document" \
		derived_record "minutes-$fs.txt" 機密 "$SUM"
	check "$fs: pasted: the record is a block" \
		record_says '"event":"copy-destination"' "minutes-$fs.txt" '"action":"block"'

	as_evader sh -c "sed 's/，/, /g; s/。/. /g' '$H/minutes-$fs.txt' | tr '\n' ' '" | as_evader dd of="$E/flat-$fs.txt" status=none
	check "$fs: reflowed and re-punctuated through a pipe: quarantined" \
		wait_record '"event":"close-write"' "flat-$fs.txt" '"outcome":"quarantined"'
	check "$fs: reflowed: recorded as derived" derived_record "flat-$fs.txt" 機密 "$SUM"
	check "$fs: nothing of the document on the stick" no_leak "$M" "$DOC" "$TEXT"

	for d in "${DECOYS[@]}" "$H/notes.txt"; do
		d=$(basename "$d")
		check "$fs: decoy $d copies" as_evader cp "$H/$d" "$E/$d"
		check "$fs: decoy $d is on the stick" cmp -s "$H/$d" "$E/$d"
		check_fails "$fs: decoy $d: nothing says derived" record_says "$E/$d" "derived"
	done

	check "$fs: wardd stops" agent_stop
	check "$fs: wardd starts again" agent_start
	check "$fs: wardd watches the stick again" agent_wait_watched "$M"
	check "$fs: after the restart the pasted copy is still denied" \
		eperm_from as_evader cp "$H/minutes-$fs.txt" "$E/again-$fs.txt"
	check "$fs: after the restart: recorded as derived" derived_record "again-$fs.txt" 機密 "$SUM"
	stick_remove "D$fs"
}

TEXTS=()
for fs in ${EVASION_FS:-exfat ext4}; do run_cases "$fs"; done

STORE=$AGENT_STATE/fingerprints
check "the fingerprint store is root's alone" test "$(stat -c '%U %a' "$STORE")" = "root 600"
check "the store is there" test -s "$STORE"
for t in "${TEXTS[@]}"; do
	check_fails "the store holds none of the documents' text ($t)" grep -qaF "$t" "$STORE"
done
check_fails "nor any of their lines" grep -qaF "春節期間重要設施安全維護部署" "$STORE"
check "the journal's chain verifies" "$WARD_BUILD/wardctl" events --verify --config "$AGENT_CONF"
check "wardd is still ready" agent_ready
done_testing
