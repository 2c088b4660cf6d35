#!/usr/bin/env bash
# Evasion, what the content hides (issue 15, items 5 and 6): an unprivileged
# user copies with a plain cp, to an exFAT and an ext4 stick,
#   - the marked document encrypted: gpg --symmetric, age, zip -e, 7z -p, a
#     PDF with a user password, and a random-looking blob (a VeraCrypt-like
#     container): each denied, the record saying uninspectable and why;
#   - (exFAT) a 300 MB ODT whose marked header sits before a large picture
#     member (past the 256 MiB the classifier reads): denied for its
#     marking, not merely as uninspectable (the central directory is read);
#   - (exFAT) a 300 MB video: merely large, not uninspectable, it copies.
# A leak is the document's bytes or text found on the stick.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
for c in gpg age age-keygen zip 7z qpdf /usr/bin/python3; do need_cmd "$c"; done
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash
source tests/integration/55-evasion-lib.bash

check "an unprivileged user of the test's own" evader_create
check "wardd starts" agent_start

H=$EVADER_HOME
DOC=$H/plan.txt
TEXT=$(marked_text "$DOC" 機密)
cp "$CORPUS/office/header-mi.odt" "$CORPUS/office/header-mi.pdf" "$H/"
chown "$EVADER" "$DOC" "$H/header-mi.odt" "$H/header-mi.pdf"

# The document sealed five ways, and a blob of cipher-like bytes.
as_evader mkdir -m 700 "$H/.gnupg"
as_evader gpg --batch --quiet --homedir "$H/.gnupg" --pinentry-mode loopback \
	--passphrase 'spring2022' --symmetric -o "$H/plan.txt.gpg" "$DOC" 2>/dev/null
# gpg left its agent running as the user: stopped, or the user cannot go.
as_evader gpgconf --homedir "$H/.gnupg" --kill gpg-agent
as_evader age-keygen -o "$H/age.key" 2>/dev/null
as_evader age -r "$(sed -n 's/^# public key: //p' "$H/age.key")" -o "$H/plan.txt.age" "$DOC"
(cd "$H" && as_evader zip -q -P spring2022 plan-zip.zip plan.txt)
(cd "$H" && as_evader 7z a -bd -bso0 -pspring2022 -mhe=on plan-7z.7z plan.txt)
as_evader qpdf --encrypt spring2022 owner2022 256 -- "$H/header-mi.pdf" "$H/plan-pw.pdf" 2>/dev/null
as_evader sh -c "head -c 4M /dev/urandom >'$H/volume.hc'"
SEALED="plan.txt.gpg plan.txt.age plan-zip.zip plan-7z.7z plan-pw.pdf volume.hc"
for f in $SEALED; do
	check "sealed input $f was made" test -s "$H/$f"
done

# sealed_denied FS M E NAME: cp to the stick denied, recorded uninspectable.
sealed_denied() {
	local fs=$1 M=$2 E=$3 f=$4
	check "$fs: cp $f: EPERM" eperm_from as_evader cp "$H/$f" "$E/$f"
	check "$fs: cp $f: recorded denied as uninspectable" \
		wait_record '"event":"copy-destination"' "E$fs/$EVADER/$f" '"uninspectable":true' \
		'"outcome":"denied"'
	check "$fs: cp $f: no copy on the stick" no_copy_of "$M" "$H/$f"
}

# ext4 first: the exFAT stick stays for the large files below.
for fs in ext4 exfat; do
	check "$fs: stick inserted" agent_stick "E$fs" --fs "$fs" --size 512M --serial "EVC$fs"
	M=$(stick_mnt "E$fs")
	check "$fs: wardd watches it" agent_wait_watched "$M"
	E=$(evader_dir "$M")
	for f in $SEALED; do sealed_denied "$fs" "$M" "$E" "$f"; done
	check "$fs: nothing of the document on the stick" no_leak "$M" "$DOC" "$TEXT"
	[ "$fs" = ext4 ] && stick_remove Eext4
done

# A 300 MB ODT: the marked document's members first, then a large picture.
BIG=$H/big-report.odt
as_evader "$PY" - "$H/header-mi.odt" "$BIG" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
    for info in zin.infolist():
        zout.writestr(info, zin.read(info.filename))
    with zout.open(zipfile.ZipInfo("Pictures/scan.png"), "w", force_zip64=True) as pic:
        for _ in range(300):
            pic.write(os.urandom(1 << 20))
PY
check "the ODT is past the classifier's 256 MiB" test "$(stat -c %s "$BIG")" -gt $((256 << 20))
check "exfat: cp of the 300 MB marked ODT: EPERM" eperm_from as_evader cp "$BIG" "$E/big-report.odt"
check "exfat: recorded denied for its marking, not as uninspectable" \
	wait_record '"event":"copy-destination"' big-report.odt '"level":"密"' \
	'"uninspectable":false' '"outcome":"denied"'
check "exfat: no copy of the ODT on the stick" no_copy_of "$M" "$BIG"

# A 300 MB video is merely large: it copies.
VIDEO=$H/holiday.mp4
as_evader "$PY" - "$VIDEO" <<'PY'
import os, struct, sys
with open(sys.argv[1], "wb") as f:
    ftyp = b"isom\0\0\2\0isomiso2avc1mp41"
    f.write(struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp)
    size = 300 << 20
    f.write(struct.pack(">I", 8 + size) + b"mdat")
    for _ in range(300):
        f.write(os.urandom(1 << 20))
PY
check "exfat: cp of a 300 MB video succeeds" as_evader cp "$VIDEO" "$E/holiday.mp4"
check "exfat: the video arrived whole" cmp -s "$VIDEO" "$E/holiday.mp4"
check_eq "exfat: the video was not called uninspectable" "" \
	"$(journal_grep holiday.mp4 '"uninspectable":true')"
stick_remove Eexfat

check_eq "no quarantine failed" "" "$(journal_grep '"outcome":"quarantine-failed"')"
check "wardd is still ready" agent_ready
done_testing
