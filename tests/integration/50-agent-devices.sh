#!/usr/bin/env bash
# Device rules and several media: a read-only stick rejects writes and
# still reads; a blocked stick rejects every open; an ext4 stick and an
# exFAT stick at once, each protected; every medium is in the inventory
# (wardctl devices) and its decision in the journal.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/usbstick.sh
need_root
testbed_init || { not_ok "test bed"; done_testing; exit 1; }
source tests/integration/50-agent-lib.bash

cat >"$AGENT_DIR/25-test-devices.rules" <<'RULES'
device read-only serial "WARDRO01"   # 測試：唯讀隨身碟
device block     serial "WARDBLK01"  # 測試：封鎖隨身碟
RULES
check "wardd starts with device rules" agent_start "$AGENT_DIR/25-test-devices.rules"

MI=$CORPUS/office/header-mi.odt
echo "公告：下週一停電檢修。" >"$WORK/notice.txt"

# read-only: inserted unmounted so BLKROSET comes before the mount
check "read-only stick inserted" stick_insert RO --fs ext4 --serial WARDRO01 --no-mount
# Whatever happens, leave the loop device writable for whoever uses it next.
RO_DEV=$(stick_dev RO)
testbed_on_exit 'blockdev --setrw "$RO_DEV" 2>/dev/null'
# The decision is recorded before BLKROSET, its outcome after: wait for that.
for i in $(seq 1 50); do journal_has '"device_serial":"WARDRO01"' '"outcome":"read-only"' && break; sleep 0.1; done
check "journal: device read-only decision" journal_has '"event":"device"' '"device_serial":"WARDRO01"' '"action":"read-only"'
check "the block device was set read-only (BLKROSET)" test "$(blockdev --getro "$(stick_dev RO)")" = 1
stick_mount RO 2>/dev/null
RO=$(stick_mnt RO)
check "the read-only stick is mounted" mountpoint -q "$RO"
check "wardd watches it" agent_wait_watched "$RO"
check_fails "writing a new file on it fails" sh -c "echo x > '$RO/new.txt'"
check_fails "cp onto it fails" cp "$WORK/notice.txt" "$RO/"
check "reading from it still works" ls "$RO"
check "wardd notices the read-only mount" sh -c "'$WARD_BUILD/wardctl' status --json --config '$AGENT_CONF' | grep -q '\"serial\":\"WARDRO01\",\"action\":\"read-only\"'"

# block: every open on its mounts is denied
check "blocked stick inserted" agent_stick BLK --fs exfat --serial WARDBLK01
BLK=$(stick_mnt BLK)
check "wardd watches the blocked stick" agent_wait_watched "$BLK"
check "creating a file on the blocked stick fails with EPERM" eperm_from sh -c "echo x > '$BLK/a.txt'"
check "journal: device-block denial" journal_has '"event":"device-block"' '"device_serial":"WARDBLK01"' '"outcome":"denied"'
check "journal: device block decision" journal_has '"event":"device"' '"device_serial":"WARDBLK01"' '"action":"block"'

# two ordinary sticks at once, exFAT and ext4
check "exFAT stick inserted" agent_stick EX --fs exfat --serial WARDEX01
check "ext4 stick inserted" agent_stick E4 --fs ext4 --serial WARDE401
EX=$(stick_mnt EX)
E4=$(stick_mnt E4)
check "wardd watches the exFAT stick" agent_wait_watched "$EX"
check "wardd watches the ext4 stick" agent_wait_watched "$E4"
check "cp of a marked document to the exFAT stick fails with EPERM" eperm_from cp "$MI" "$EX/"
check "cp of a marked document to the ext4 stick fails with EPERM" eperm_from cp "$MI" "$E4/"
check "cat > ext4 stick of a marked document fails with EPERM" eperm_from sh -c "cat '$MI' > '$E4/c.odt'"
check "unmarked copy to the exFAT stick is identical" sh -c "cp '$WORK/notice.txt' '$EX/' && cmp '$WORK/notice.txt' '$EX/notice.txt'"
check "unmarked copy to the ext4 stick is identical" sh -c "cp '$WORK/notice.txt' '$E4/' && cmp '$WORK/notice.txt' '$E4/notice.txt'"
check "copy between the two sticks of an unmarked file works" sh -c "cp '$EX/notice.txt' '$E4/n2.txt' && cmp '$WORK/notice.txt' '$E4/n2.txt'"
journal_dump
check "journal names each stick's serial in its denial" \
	sh -c "grep -q '\"device_serial\":\"WARDEX01\".*\"outcome\":\"denied' '$AGENT_JOURNAL' && grep -q '\"device_serial\":\"WARDE401\".*\"outcome\":\"denied' '$AGENT_JOURNAL'"

# pull one: the other stays protected
check "the exFAT stick is pulled" stick_remove EX
check "wardd no longer watches the pulled stick" agent_wait_unwatched "$EX"
check "cp of a marked document to the remaining ext4 stick still fails" eperm_from cp "$MI" "$E4/again.odt"

# Leave the loop device writable for whoever uses it next.
stick_unmount RO 2>/dev/null
blockdev --setrw "$(stick_dev RO)" 2>/dev/null

devs=$("$WARD_BUILD/wardctl" devices --config "$AGENT_CONF")
for s in WARDRO01 WARDBLK01 WARDEX01 WARDE401; do
	check "wardctl devices lists $s" grep -q "$s" <<<"$devs"
done
check "wardctl devices --json names the read-only decision" \
	sh -c "'$WARD_BUILD/wardctl' devices --json --config '$AGENT_CONF' | grep -q 'read-only'"
check "wardd is still ready" agent_ready
done_testing
