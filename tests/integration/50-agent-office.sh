#!/usr/bin/env bash
# LibreOffice saving a marked document onto a stick (headless conversion:
# it reads the document, then writes a new one on the stick): whatever path
# it takes, no marked document stays on the stick, and the journal says why.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
need_cmd soffice
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

check "wardd starts" agent_start
check "stick inserted" agent_stick LO --fs exfat --serial WARDLO01
M=$(stick_mnt LO)
check "wardd watches it" agent_wait_watched "$M"
cp "$CORPUS/office/header-mi.odt" "$WORK/plan.odt"
export HOME=$WORK # a private LibreOffice profile
timeout 120 soffice --headless --norestore --convert-to docx --outdir "$M" "$WORK/plan.odt" \
	>"$WORK/soffice.out" 2>&1
diag "soffice: $(tr '\n' ' ' <"$WORK/soffice.out")"
sleep 1
marked=0
while IFS= read -r -d '' f; do
	out=$("$WARD_BUILD/wardctl" classify "$f" 2>/dev/null)
	case $out in *": none"*) ;; *) marked=$((marked + 1)); diag "left on the stick: $out" ;; esac
done < <(find "$M" -type f -print0)
check_eq "no marked document is left on the stick" 0 "$marked"
journal_dump
check "the journal has LibreOffice's copy denied or quarantined" \
	sh -c "grep -E '\"outcome\":\"(denied|quarantined)' '$AGENT_JOURNAL' | grep -q soffice"
check "wardd is still ready" agent_ready
done_testing
