#!/usr/bin/env bash
# Evasion, following the content (issue 15, item 7: process lineage): an
# unprivileged user opens a 機密 document wardd knows and turns it into
# something that carries neither its marking nor its text, then copies
# that to an exFAT stick:
#   - split -b 4k, base64, gpg -c, zip -e: each output is denied, and the
#     record says "derived (lineage) from" the document's SHA-256;
#   - a child of the reader (a shell that read the document's first line,
#     its children piping the rest through a cipher) is a reader too:
#     denied;
#   - a shell that opens the document to overwrite it (`> doc`, no read)
#     is no reader: what it writes afterwards copies;
#   - a LibreOffice process that opened the marked document and then saves
#     an unrelated one: the unrelated one copies (its text shares nothing
#     with the marked one), the conversion of the marked one does not;
#   - files written by processes that never opened it copy;
#   - after wardd restarts the base64 copy is still denied (the provenance
#     is kept on disk, root's, without the text);
# and nothing of the document is recoverable from the stick.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
need_cmd gpg
need_cmd zip
need_cmd soffice
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/55-evasion-lib.bash

export AGENT_BACKGROUND=normal
check "an unprivileged user of the test's own" evader_create
check "wardd starts" agent_start

H=$EVADER_HOME
DOC=$H/deployment.txt
TEXT=$(marked_text "$DOC" 機密)
for i in $(seq 1 90); do
	printf '%d、第%d分駐所應於第%d號設施派員%d名執行巡邏，勤務紀錄表編號%05d。\n' \
		"$((i + 3))" "$i" "$((i * 7 % 97))" "$((i % 5 + 2))" "$((i * 131))"
done >>"$DOC"
SUM=$(sha256sum <"$DOC" | cut -d' ' -f1)
# A second 機密 document, overwritten later by a shell that never reads it.
OLD=$H/old-plan.txt
marked_text "$OLD" 機密 >/dev/null
printf '採購案說明\n本案採購辦公桌椅二十組，預算新臺幣十五萬元整，由總務科辦理公開招標。\n驗收時由會計室派員會同辦理，並於驗收後十日內付款。\n' >"$H/unrelated.txt"
chown -R "$EVADER" "$H"

known() { "$WARD_BUILD/wardctl" known --json --config "$AGENT_CONF" "$1" 2>/dev/null; }
# wait_known_marked FILE [N]: FILE known as 機密, N marked documents followed.
wait_known_marked() {
	local i
	for i in $(seq 1 600); do
		known "$1" | grep -qF '"known":true,"level":"機密"' &&
			[ "$(agent_status_field lineage_marked)" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	echo "# wardd does not know $1 as 機密: $(known "$1")" >&2
	return 1
}
check "wardd knows the document as 機密 and follows its reads" wait_known_marked "$DOC"
check "and the second one" wait_known_marked "$OLD" 2
# (Other processes on this machine may be tainted by documents of their own.)
TAINTED0=$(agent_status_field lineage_tainted)

# The user's transformations, before any stick is there (lineage needs none).
W=$H/work
as_evader mkdir "$W"
as_evader sh -c "cd '$W' && split -b 4k '$DOC' part-"
as_evader sh -c "base64 '$DOC' >'$W/doc.b64'"
as_evader gpg --batch --quiet --homedir "$H/.gnupg" --pinentry-mode loopback --passphrase x \
	--symmetric -o "$W/doc.gpg" "$DOC" 2>/dev/null
as_evader zip -q -j -P x "$W/doc.zip" "$DOC"
GNUPGHOME=$H/.gnupg as_evader gpgconf --kill gpg-agent 2>/dev/null
# A child of the reader: a shell that read the document, and a program it
# forked afterwards that encodes what it is fed and stays a moment (the
# parent chain is read while the writer lives: see agent/README.md).
as_evader bash -c "exec 3<'$DOC'; read -r _ <&3; cat <&3 | $PY -c 'import base64, sys, time
data = sys.stdin.buffer.read()
with open(sys.argv[1], \"wb\") as out:
    out.write(base64.b64encode(data))
time.sleep(2)' '$W/child.b64'"
# The same through a compressor, the reader a sibling of the writer.
as_evader bash -c "cat '$DOC' | gzip >'$W/piped.gz'"
as_evader sh -c "echo 'a note written by nobody who read it' >'$W/note.txt'"
# A shell that opens a marked document only to overwrite it, then has a
# child encode an unrelated one: nothing of the marked one read.
as_evader bash -c "exec 4>'$OLD'; echo 已作廢 >&4; base64 '$H/unrelated.txt' >'$W/clean.b64'"
diag "readers gone before their read was seen: $(agent_status_field lineage_gone_readers), with their parent from their exit: $(agent_status_field lineage_gone_parents)"
check "the readers are tainted" test "$(agent_status_field lineage_tainted)" -ge $((TAINTED0 + 5))
PARTS=$(cd "$W" && ls part-*)
check "split made more than one part" test "$(echo "$PARTS" | wc -l)" -ge 2

# derived_lineage NAME: a record of NAME saying derived by lineage from DOC.
derived_lineage() {
	wait_record "$1" "derived (lineage) from $SUM" '"action":"block"'
}

check "exfat: stick inserted" agent_stick LIN --fs exfat --size 64M --serial EVLIN01
M=$(stick_mnt LIN)
check "exfat: wardd watches it" agent_wait_watched "$M"
E=$(evader_dir "$M")

for p in $PARTS; do
	check "split part $p: cp denied" eperm_from as_evader cp "$W/$p" "$E/"
done
# (Text parts share the document's text: derived by its fingerprints too,
# which are asked first.)
check "a split part without the marking: recorded as derived" \
	wait_record "$(echo "$PARTS" | tail -1)" "derived" "$SUM" '"action":"block"'
for f in doc.b64 doc.gpg doc.zip child.b64; do
	check "$f: cp denied" eperm_from as_evader cp "$W/$f" "$E/"
	check "$f: recorded as derived (lineage) from the document" derived_lineage "$f" ||
		diag "$(journal_grep "$f" | tail -1)"
done
check "cat | gzip: cp denied" eperm_from as_evader cp "$W/piped.gz" "$E/"
check "dd reading a base64 copy onto the stick: denied" \
	eperm_from as_evader dd if="$W/doc.b64" of="$E/dd.b64" status=none
check "dd: recorded as derived (lineage)" derived_lineage dd.b64
check "a note written by a process that never opened it copies" \
	as_evader cp "$W/note.txt" "$E/note.txt"
check "what a shell that overwrote a marked document had encoded copies" \
	as_evader cp "$W/clean.b64" "$E/clean.b64"
check_fails "and nothing says it is derived" record_says "$E/clean.b64" "derived"

# LibreOffice: one process opens the marked document, then an unrelated one.
mkdir -p "$W/out"
chown "$EVADER" "$W/out"
as_evader timeout 180 soffice --headless --norestore "-env:UserInstallation=file://$H/lo" \
	--convert-to odt --outdir "$W/out" "$DOC" "$H/unrelated.txt" >"$WORK/soffice.out" 2>&1
diag "soffice: $(tr '\n' ' ' <"$WORK/soffice.out")"
check "soffice wrote both" test -s "$W/out/deployment.odt" -a -s "$W/out/unrelated.odt"
check "the unrelated document saved by the same soffice copies" \
	as_evader cp "$W/out/unrelated.odt" "$E/unrelated.odt"
check "and it is whole on the stick" cmp -s "$W/out/unrelated.odt" "$E/unrelated.odt"
check_fails "and nothing says it is derived" record_says "$E/unrelated.odt" "derived"
check "the conversion of the marked one is denied" \
	eperm_from as_evader cp "$W/out/deployment.odt" "$E/"
check "nothing of the document on the stick" no_leak "$M" "$DOC" "$TEXT"

check "wardd stops" agent_stop
check "wardd starts again" agent_start
check "wardd watches the stick again" agent_wait_watched "$M"
check "after the restart the base64 copy is still denied" \
	eperm_from as_evader cp "$W/doc.b64" "$E/again.b64"
check "after the restart: recorded as derived (lineage)" derived_lineage again.b64
stick_remove LIN

STORE=$AGENT_STATE/lineage
check "the lineage store is root's alone" test "$(stat -c '%U %a' "$STORE")" = "root 600"
check "the store is there" test -s "$STORE"
check_fails "the store holds none of the document's text" grep -qaF "$TEXT" "$STORE"
check "the journal's chain verifies" "$WARD_BUILD/wardctl" events --verify --config "$AGENT_CONF"
check "wardd is still ready" agent_ready
done_testing
