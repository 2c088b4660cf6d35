#!/usr/bin/env bash
# wardctl speaks Traditional Chinese in a zh_TW locale and English otherwise.
# The zh_TW locale is compiled into a private LOCPATH, so the machine's
# locale archive is left as it was.
source "$WARD_ROOT/tests/lib/tap.sh"
need_cmd localedef

locdir=$(mktemp -d)
trap 'rm -rf "$locdir"' EXIT
localedef -i zh_TW -f UTF-8 "$locdir/zh_TW.UTF-8" 2>/dev/null
check "zh_TW.UTF-8 compiles into a private LOCPATH" test -d "$locdir/zh_TW.UTF-8"

export WARD_LOCALEDIR=$WARD_ROOT/$WARD_BUILD/locale
[ -d "$WARD_BUILD/locale" ] && WARD_LOCALEDIR=$(cd "$WARD_BUILD/locale" && pwd)
zh=$(LOCPATH=$locdir LC_ALL=zh_TW.UTF-8 "$WARD_BUILD/wardctl" help)
en=$(LC_ALL=C.UTF-8 "$WARD_BUILD/wardctl" help)
check "help is in Traditional Chinese under zh_TW" grep -q '用法：wardctl 指令' <<<"$zh"
check "command descriptions are translated" grep -q '顯示每份文件的密等標示與個人資料' <<<"$zh"
check "help is in English otherwise" grep -q '^usage: wardctl COMMAND' <<<"$en"
err=$(LOCPATH=$locdir LC_ALL=zh_TW.UTF-8 "$WARD_BUILD/wardctl" no-such-command 2>&1)
check_eq "an unknown command exits 2" 2 "$(LOCPATH=$locdir LC_ALL=zh_TW.UTF-8 "$WARD_BUILD/wardctl" no-such-command >/dev/null 2>&1; echo $?)"
check "the error names the command in Chinese" grep -q '不明的指令「no-such-command」' <<<"$err"
usage=$(LOCPATH=$locdir LC_ALL=zh_TW.UTF-8 "$WARD_BUILD/wardctl" token 2>&1)
check "sub-command usage is translated" grep -q '^用法：wardctl token keygen --out-key 私鑰.pem' <<<"$usage"
bad=$(mktemp)
printf 'copy allow\n' >"$bad"
err=$(LOCPATH=$locdir LC_ALL=zh_TW.UTF-8 "$WARD_BUILD/wardctl" policy check "$bad" 2>&1)
rm -f "$bad"
check "an invalid policy is reported in Chinese" grep -q '：1 個錯誤；政策無效$' <<<"$err"
err=$(LC_ALL=C.UTF-8 "$WARD_BUILD/wardctl" policy check /nonexistent/p.rules 2>&1)
check "and in English otherwise, singular" grep -q ': 1 error; policy not valid$' <<<"$err"
done_testing
