#!/usr/bin/env bash
# wardd never hangs and is not tricked: a stick pulled mid-copy, wardd
# killed with SIGKILL during a copy (no opener waits; restarted, it protects
# again), a burst of 1,000 parallel opens, SIGHUP reloads during copies, a
# broken policy on SIGHUP keeps the old one, so does a broken one saved in
# the watched policy directory (a clean one is applied), and a deadline too short for
# the classifier answers by the policy's fail mode.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
source tests/lib/policy-version.sh
need_root
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

MI=$CORPUS/office/header-mi.odt
check "wardd starts" agent_start
check "stick inserted" agent_stick R1 --fs exfat --size 256M --serial WARDRB01
M=$(stick_mnt R1)
check "wardd watches it" agent_wait_watched "$M"

# -- SIGHUP during copies: every copy completes, byte-identical
mkdir -p "$WORK/many"
for i in $(seq 1 60); do echo "公文附件 $i：無密等。" >"$WORK/many/f$i.txt"; done
(for i in $(seq 1 60); do cp "$WORK/many/f$i.txt" "$M/f$i.txt" || echo "cp f$i failed"; done) >"$WORK/cp.out" 2>&1 &
cp_pid=$!
for i in 1 2 3 4 5; do kill -HUP "$AGENT_PID"; sleep 0.1; done
wait $cp_pid
check_eq "copies during SIGHUP reloads all succeeded" "" "$(cat "$WORK/cp.out")"
bad=0
for i in $(seq 1 60); do cmp -s "$WORK/many/f$i.txt" "$M/f$i.txt" || bad=$((bad + 1)); done
check_eq "all 60 copies identical" 0 "$bad"
for i in $(seq 1 30); do [ "$(journal_grep '"event":"policy-reload"' '"outcome":"loaded"' | wc -l)" -ge 5 ] && break; sleep 0.1; done
check_eq "five reloads journaled" 5 "$(journal_grep '"event":"policy-reload"' '"outcome":"loaded"' | wc -l)"
check "a marked copy is still denied after the reloads" eperm_from cp "$MI" "$M/"

# -- a reload that changes the policy takes effect; a broken one is refused
printf 'devices teststicks { id 0781:5567 serial "WARDRB01" }\ncopy allow * to teststicks   # 測試：此隨身碟全部允許\n' \
	>"$AGENT_POLICY/05-allow-test-stick.rules"
kill -HUP "$AGENT_PID"
for i in $(seq 1 30); do [ "$(journal_grep '"event":"policy-reload"' '"outcome":"loaded"' | wc -l)" -ge 6 ] && break; sleep 0.1; done
check "after reloading a policy that allows this stick the marked copy goes through" cp "$MI" "$M/allowed.odt"
rm -f "$M/allowed.odt" "$AGENT_POLICY/05-allow-test-stick.rules"
kill -HUP "$AGENT_PID"
for i in $(seq 1 30); do [ "$(journal_grep '"event":"policy-reload"' '"outcome":"loaded"' | wc -l)" -ge 7 ] && break; sleep 0.1; done
check "and after reloading the default it is denied again" eperm_from cp "$MI" "$M/"
echo 'copy blok level >= 密 to removable' >"$AGENT_POLICY/60-broken.rules"
kill -HUP "$AGENT_PID"
for i in $(seq 1 30); do journal_has '"event":"policy-reload"' '"outcome":"rejected: old policy kept"' && break; sleep 0.1; done
check "a broken policy on SIGHUP is journaled as rejected" journal_has '"event":"policy-reload"' '"outcome":"rejected: old policy kept"'
check "wardd logged where the policy is broken" grep -q "60-broken.rules:1" "$AGENT_LOG"
check_eq "status counts one failed reload" 1 "$(agent_status_field policy_reload_failures)"
check "the old policy still denies the marked copy" eperm_from cp "$MI" "$M/"
check "and still allows an unmarked one" cp "$WORK/many/f1.txt" "$M/after-broken.txt"
rm -f "$AGENT_POLICY/60-broken.rules"

# -- the policy directory is watched: a saved edit is applied without a
# signal (a new version in wardctl status), a broken one is logged with
# file:line:col and the policy in force stays
policy_version() { agent_status_field policy_version | tr -d '"'; }
# The removal just above is a saved edit too: wait until it is applied.
for i in $(seq 1 30); do [ "$(agent_status_field policy_reload_failures)" = 1 ] &&
	[ "$(journal_grep '"event":"policy-reload"' '"outcome":"loaded"' | wc -l)" -ge 8 ] && break; sleep 0.1; done
v0=$(policy_version)
check_eq "wardctl status shows the policy version" 16 ${#v0}
printf 'devices teststicks { id 0781:5567 serial "WARDRB01" }\ncopy allow * to teststicks\n' \
	>"$AGENT_POLICY/05-allow-test-stick.rules"
check "a saved edit is applied without a signal" policy_version_becomes policy_version "!$v0"
v1=$(policy_version)
check "the marked copy goes through under it" cp "$MI" "$M/allowed-by-edit.odt"
echo 'copy allow level >= 密 to removabel' >"$AGENT_POLICY/60-broken.rules"
for i in $(seq 1 50); do [ "$(agent_status_field policy_reload_failures)" = 2 ] && break; sleep 0.2; done
check_eq "a saved broken file is a failed reload" 2 "$(agent_status_field policy_reload_failures)"
check "logged with file:line:col" grep -qE "60-broken.rules:1:[0-9]+" "$AGENT_LOG"
check_eq "the policy in force stays" "$v1" "$(policy_version)"
rm -f "$AGENT_POLICY/60-broken.rules" "$AGENT_POLICY/05-allow-test-stick.rules" "$M/allowed-by-edit.odt"
check "both removed: the first version again" policy_version_becomes policy_version "$v0"
check "and the marked copy is denied again" eperm_from cp "$MI" "$M/"

# -- a burst of 1,000 parallel opens (half on the stick, half internal)
mkdir -p "$WORK/burst" "$M/burst"
files=()
for i in $(seq 1 50); do
	echo "$i" >"$WORK/burst/b$i"
	cp "$WORK/burst/b$i" "$M/burst/b$i"
	files+=("$WORK/burst/b$i" "$M/burst/b$i")
done
ms=$("$WARD_BUILD/tools/open-burst" 1000 "${files[@]}")
check "all 1,000 parallel opens succeeded" test $? -eq 0
diag "1,000 parallel opens took $ms ms"
check "within 10 s" test "${ms:-99999}" -lt 10000
check "wardd is ready after the burst" agent_ready

# -- stick pulled mid-copy: the copy ends (with an error), nothing hangs
# (zeros: random bytes are cipher-like, blocked before the copy starts)
head -c 150M /dev/zero >"$WORK/big.bin"
timeout 60 cp "$WORK/big.bin" "$M/big.bin" 2>/dev/null &
cp_pid=$!
sleep 0.3
stick_remove R1 2>/dev/null
wait $cp_pid
rc=$?
check "the copy interrupted by the pull ended without hanging" test "$rc" -ne 124
check "wardd is ready after the pull" agent_ready
check "wardd no longer watches the pulled stick" agent_wait_unwatched "$M"

# -- SIGKILL during a copy: openers are released, a restart protects again
check "a second stick inserted" agent_stick R2 --fs exfat --size 256M --serial WARDRB02
M2=$(stick_mnt R2)
check "wardd watches it" agent_wait_watched "$M2"
(for i in $(seq 1 200); do cp "$WORK/burst/b$(( (i % 50) + 1 ))" "$M2/k$i" 2>/dev/null; done) &
loop_pid=$!
sleep 0.2
agent_kill
start=$(date +%s)
timeout 30 bash -c "while kill -0 $loop_pid 2>/dev/null; do sleep 0.1; done"
check "copies running when wardd was killed finish without hanging" test $? -eq 0
check "wardd restarts" agent_start
check "the restarted wardd watches the stick again" agent_wait_watched "$M2"
check "and denies a marked copy again" eperm_from cp "$MI" "$M2/"
check "its journal chain is intact across the kill" "$WARD_BUILD/wardctl" events --verify --config "$AGENT_CONF"

# -- a deadline shorter than classification: the fail mode (block for removable) answers
agent_stop
AGENT_DEADLINE_MS=10 agent_start
check "wardd with a 10 ms deadline watches the stick" agent_wait_watched "$M2"
# 40 MB to read: no classifier answers that within 10 ms.
{ printf '機密\n\n臺東縣政府 函\n'; yes '主旨：春節期間安全維護計畫執行情形。' | head -c 40M; } >"$WORK/big.txt"
check "the marked copy is denied by the fail mode" eperm_from cp "$WORK/big.txt" "$M2/late.pdf"
# The record follows when the worker is done classifying (slow under a sanitizer).
for i in $(seq 1 100); do journal_has "late.pdf" '"outcome":"denied (deadline passed: fail mode)"' && break; sleep 0.1; done
check "journal: denied with the deadline passed" journal_has "late.pdf" '"outcome":"denied (deadline passed: fail mode)"'
check "status counts answers by deadline" test "$(agent_status_field answered_by_deadline)" -ge 1
done_testing
