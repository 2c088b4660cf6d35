#!/usr/bin/env bash
# A stick with 10,000 files: creating them through wardd, mounting the
# stick again with all of them on it, listing and reading it, and copying
# 1,000 of them off and back on; wardd keeps answering and still
# denies a marked copy.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

check "wardd starts" agent_start
check "stick inserted" agent_stick MANY --fs exfat --size 256M --serial WARDMANY1
M=$(stick_mnt MANY)
check "wardd watches it" agent_wait_watched "$M"

start=$(date +%s)
mkdir -p "$M/d"
for i in $(seq 1 10000); do echo "$i" >"$M/d/f$i.txt" || break; done
diag "10,000 files created in $(($(date +%s) - start)) s"
check_eq "10,000 files were created on the stick" 10000 "$(find "$M/d" -type f | wc -l)"

check "the stick is unmounted" stick_unmount MANY
check "wardd forgets the mount" agent_wait_unwatched "$M"
check "and mounted again, with its 10,000 files" stick_mount MANY
check "wardd watches it again" agent_wait_watched "$M"
check_eq "all 10,000 are listed" 10000 "$(ls "$M/d" | wc -l)"
check_eq "and read back" "$(seq 1 10000 | paste -sd+ | bc)" "$(cat "$M"/d/f*.txt | paste -sd+ | bc)"

mkdir -p "$WORK/back"
check "1,000 of them copy off the stick" sh -c "cp '$M'/d/f1[0-9][0-9][0-9].txt '$WORK/back/'"
check "and back onto it" sh -c "mkdir -p '$M/e' && cp '$WORK'/back/*.txt '$M/e/'"
check_eq "identical" "" "$(diff -r "$WORK/back" "$M/e" 2>&1)"
check "a marked copy is still denied" eperm_from cp "$CORPUS/office/header-mi.odt" "$M/"
check "wardd is ready" agent_ready
check_eq "no event was answered by the deadline" 0 "$(agent_status_field answered_by_deadline)"
done_testing
