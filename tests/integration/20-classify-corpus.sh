#!/usr/bin/env bash
# The classifier corpus: every file listed in tests/corpus/*/expected.tsv
# is classified by `wardctl classify --json` and its level, declassified,
# uninspectable and personal-data counts are asserted.  Property: a copy
# of each file under another name and extension gives the same result.
# Also the command's exit status (0 all read, 1 a file unreadable, 2 usage)
# and directory recursion.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd jq

build=${WARD_BUILD:-build}
wardctl=$build/wardctl
corpus=${WARD_CORPUS:-$PWD/tests/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "wardctl is built" test -x "$wardctl"

# The result tuple asserted for one JSON line: level declassified
# uninspectable pii (type=count sorted, comma-separated, or -).
tuple='[.level,
	(if .declassified then "1" else "0" end),
	(if .uninspectable then "1" else "0" end),
	(if (.pii | length) == 0 then "-"
	 else ([.pii[] | "\(.type)=\(.count)"] | sort | join(",")) end)] | join(" ")'

# Sorts the comma-separated pii field of an expectation.
sort_pii() {
	[ "$1" = "-" ] && { echo -; return; }
	tr ',' '\n' <<<"$1" | sort | paste -sd, -
}

# Renamed copies get extensions that lie about their type.
lies=(txt docx pdf odt bin zip)

for table in "$corpus"/*/expected.tsv; do
	[ -f "$table" ] || continue
	dir=$(dirname "$table")
	folder=$(basename "$dir")
	files=() expect=()
	while IFS=$'\t' read -r file level decl unin pii; do
		case $file in '' | '#'*) continue ;; esac
		if [ ! -e "$dir/$file" ]; then
			not_ok "$folder/$file: listed in expected.tsv but missing"
			continue
		fi
		files+=("$file")
		expect+=("$level $decl $unin $(sort_pii "${pii:--}")")
	done <"$table"
	[ ${#files[@]} -gt 0 ] || continue

	# All files of the folder in one run, and their renamed copies in
	# another: the output order is the argument order.
	args=() copies=()
	mkdir -p "$work/$folder"
	for i in "${!files[@]}"; do
		args+=("$dir/${files[$i]}")
		copy=$work/$folder/renamed-$i.${lies[$((i % ${#lies[@]}))]}
		cp "$dir/${files[$i]}" "$copy"
		copies+=("$copy")
	done
	"$wardctl" classify --json "${args[@]}" >"$work/$folder.json" 2>"$work/$folder.err"
	status=$?
	check_eq "$folder: wardctl classify read every file (exit status)" 0 "$status"
	[ $status -ne 0 ] && diag "$(cat "$work/$folder.err")"
	"$wardctl" classify --json "${copies[@]}" >"$work/$folder.renamed.json" 2>/dev/null

	mapfile -t got < <(jq -r "$tuple" <"$work/$folder.json")
	mapfile -t renamed < <(jq -r "($tuple) + \" \" + .type + \" \" + .sha256" <"$work/$folder.renamed.json")
	mapfile -t same < <(jq -r "($tuple) + \" \" + .type + \" \" + .sha256" <"$work/$folder.json")
	for i in "${!files[@]}"; do
		check_eq "$folder/${files[$i]}: ${expect[$i]}" "${expect[$i]}" "${got[$i]:-no output}"
		check_eq "$folder/${files[$i]}: same result as renamed-$i.${lies[$((i % ${#lies[@]}))]}" \
			"${same[$i]:-no output}" "${renamed[$i]:-no output}"
	done
done

# The command line itself.
"$wardctl" classify >/dev/null 2>&1
check_eq "no path is a usage error (2)" 2 "$?"
"$wardctl" classify --bogus x >/dev/null 2>&1
check_eq "an unknown option is a usage error (2)" 2 "$?"
text=$corpus/text/firstline-mi.txt
"$wardctl" classify --json "$work/does-not-exist" "$text" >"$work/partial.json" 2>"$work/partial.err"
check_eq "an unreadable file gives exit status 1" 1 "$?"
check_eq "the readable file is still reported" "密" "$(jq -r .level "$work/partial.json")"
check "the unreadable file is named on stderr" grep -q "does-not-exist" "$work/partial.err"

mkdir -p "$work/tree/a/b"
cp "$corpus/text/letter-field-jimi.txt" "$work/tree/a/b/deep.txt"
cp "$corpus/text/trap-mi-words.txt" "$work/tree/top.txt"
ln -s /etc/passwd "$work/tree/link"
"$wardctl" classify --json "$work/tree" >"$work/tree.json"
check_eq "a directory is read recursively (exit 0)" 0 "$?"
check_eq "every file of the tree is reported, links not followed" \
	"$work/tree/a/b/deep.txt 機密|$work/tree/top.txt none" \
	"$(jq -r '.path + " " + .level' "$work/tree.json" | paste -sd'|' -)"
human=$("$wardctl" classify "$work/tree/a/b/deep.txt")
check "the readable line names the level and the rule" \
	grep -q "機密.*letter-header-field" <<<"$human"

done_testing
