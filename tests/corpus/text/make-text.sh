#!/usr/bin/env bash
# Writes the hand-made plain-text samples of the classifier corpus and
# their expectations (expected.tsv): every marking form and every trap of
# the marking rules, in UTF-8 (with and without BOM), UTF-16 LE/BE with BOM
# and Big5 (CP950).  The files are committed; run this again only to change
# them.  Needs bash, iconv (glibc) and the county's security plan at
# $WARD_CONTEXT (default ../shared/context beside the repository) for the
# must-not-flag sample.
set -euo pipefail
cd "$(dirname "$0")"
context=${WARD_CONTEXT:-../../../../shared/context}

prose='各單位應加強公務機密維護，落實保密規定，嚴禁將機敏公文存於隨身碟。
機密文書之傳遞應依規定辦理，並嚴密管制收發流程。
請同仁密切注意資安事件，定期更新密碼，重要檔案應加密保存。
國家機密保護法規定，機密性資料不得外洩，違者依法究辦。
本計畫之執行，請各單位主管督導所屬確實辦理。
如有疑義，請洽本府政風處。'

{
	echo "# Written by tests/corpus/text/make-text.sh: plain-text markings and traps."
	echo "# file	level	declassified	uninspectable	pii"
} >expected.tsv
# sample NAME LEVEL DECLASSIFIED UNINSPECTABLE PII ENCODING  (text on stdin)
sample() {
	local name=$1 level=$2 decl=$3 unin=$4 pii=$5 enc=$6
	case $enc in
	utf8) cat >"$name" ;;
	utf8bom) { printf '\xef\xbb\xbf'; cat; } >"$name" ;;
	utf16le) { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE; } >"$name" ;;
	utf16be) { printf '\xfe\xff'; iconv -f UTF-8 -t UTF-16BE; } >"$name" ;;
	big5) iconv -f UTF-8 -t CP950 >"$name" ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$level" "$decl" "$unin" "$pii" >>expected.tsv
}

# Stand-alone levels on the first or last lines of the page.
printf '密\n\n%s\n' "$prose" | sample firstline-mi.txt 密 0 0 - utf8
printf '【機密】\n%s\n' "$prose" | sample bom-firstline-jimi-bracket.txt 機密 0 0 - utf8bom
printf '  機 密\n%s\n' "$prose" | sample firstline-jimi-spaced.txt 機密 0 0 - utf8
printf '　絕對機密　\n%s\n' "$prose" | sample utf16le-firstline-juedui.txt 絕對機密 0 0 - utf16le
printf '%s\n\n〔極機密〕\n\n' "$prose" | sample utf16be-lastline-jimi.txt 極機密 0 0 - utf16be
printf '%s\n「極機密」\n' "$prose" | sample big5-lastline-jimi.txt 極機密 0 0 - big5
printf '密（本件於中華民國115年12月31日解密）\n%s\n' "$prose" |
	sample firstline-mi-condition.txt 密 0 0 - utf8
printf '%s\n%s\n\f機密\n%s\n\f%s\n' "$prose" "$prose" "$prose" "$prose" |
	sample formfeed-page2-jimi.txt 機密 0 0 - utf8

# The letter-header field.
letter() {
	printf '臺東縣政府 函\n地址：950臺東市中山路276號\n\n受文者：本府政風處\n'
	printf '發文日期：中華民國113年3月1日\n發文字號：府政字第1130001234號\n速別：普通件\n'
	printf '密等及解密條件或保密期限：%s\n附件：如文\n\n主旨：春節期間安全維護事項，請查照。\n%s\n' "$1" "$prose"
}
letter '機密（本件於115年12月31日解密）' | sample letter-field-jimi.txt 機密 0 0 - utf8
letter '極機密（本件於公布時解密）' | sample big5-letter-field-jimi.txt 極機密 0 0 - big5
letter '普通' | sample letter-field-putong.txt none 0 0 - utf8
letter '普通' | sample big5-letter-field-putong.txt none 0 0 - big5
letter '' | sample letter-field-empty.txt none 0 0 - utf8

# English markings, by the official translation.
printf 'TOP SECRET\n\nMinutes of the Lunar New Year security meeting.\nAttendees: the ethics office.\n' |
	sample english-top-secret.txt 絕對機密 0 0 - utf8
printf 'Minutes of the meeting.\nNothing else to report.\n\nRESTRICTED\n' |
	sample english-restricted-lastline.txt 密 0 0 - utf8

# Traps: no marking.
printf '「絕對機密」、「極機密」、「機密」、「密」\n依國家機密保護法，機密等級分為「絕對機密」、「極機密」、「機密」三級。\n%s\n' "$prose" |
	sample trap-level-enumeration.txt none 0 0 - utf8
printf '密切\n綿密\n嚴密\n密集\n親密\n%s\n保密\n秘密\n密碼\n加密\n解密\n機密性\n' "$prose" |
	sample trap-mi-words.txt none 0 0 - utf8
printf 'Memo to all staff\n\nPlease remember that confidential documents must never be copied to USB sticks.\nSecret passwords belong in the password manager.\n' |
	sample trap-english-memo.txt none 0 0 - utf8
printf '%s\n%s\n機密\n%s\n%s\n' "$prose" "$prose" "$prose" "$prose" |
	sample trap-standalone-mid-page.txt none 0 0 - utf8
sample security-plan.txt none 0 0 - utf8 <"$context/taitung-2022-spring-festival-security-plan.txt"
# 叁 has no Big5 code; its usual stand-in is 參.
sed 's/叁/參/g' "$context/taitung-2022-spring-festival-security-plan.txt" |
	sample big5-security-plan.txt none 0 0 - big5
printf '%s\n本件於中華民國115年12月31日解密。\n複製物第2份，共3份。\n%s\n' "$prose" "$prose" |
	sample evidence-only.txt none 0 0 - utf8

# Personal data: valid IDs counted; checksum errors, sample values and IDs
# inside longer words are not.
{
	printf '戶籍資料清冊\n姓名,身分證統一編號,住址\n'
	n=0
	for id in P191390996 Q254323194 J195755131 X211637265 E172902227 A146201684 \
		S114126906 C246331912 R260207764 H267640206 L259183623 C167342075; do
		n=$((n + 1))
		printf '居民%02d,%s,臺東縣臺東市\n' $n "$id"
	done
	printf '外籍,JB01540486,臺東縣\n外籍,M848442605,臺東縣\n'
	printf '範例,A123456789,（填寫範例）\n錯誤,B214521099,（檢查碼錯誤）\n序號,XP191390996\n'
} | sample pii-ids-12.txt none 0 0 'roc-national-id=12,roc-resident-id=2' utf8
printf '申請人 王小明 身分證 P191390996\n配偶 Q254323194\n子 J195755131\n' |
	sample utf16le-pii-ids-3.txt none 0 0 'roc-national-id=3' utf16le
printf '戶籍謄本\n戶號：F1234567 戶長：王小明\n戶號：F7654321 戶長：李小華\n土地標示：新生段，地號：0123-0000\n本案地號另案辦理。\n' |
	sample register-data.txt none 0 0 'household-register=2,land-register=1' big5

