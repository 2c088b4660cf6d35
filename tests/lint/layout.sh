#!/usr/bin/env bash
# `make lint`'s layout rules, on the files git tracks (grep-level on purpose:
# quick, and plain enough that a failure explains itself):
#   - one owner per helper: fanotify marks and /proc only in kmod-free/,
#     iconv only in classify/charset.c, base64 only in common/b64.c,
#     Ed25519 and PEM keys only in common/ed25519.c, JSON parsed only through
#     common/json (no jansson loads elsewhere, no strstr field scanners),
#     whole files only through read_file (common/util.c), closedir only
#     through common/cleanup.h;
#   - every source file that marks text for translation is in po/POTFILES;
#   - every part's folder has a README.md;
#   - sizes: a .c/.h file over 800 lines is a warning, over 1,200 an error;
#     functions over 120 lines are reported (a warning).
# Tests (tests/) may use what they check against (/proc, iconv as an
# independent reference, strstr on output).  Known violations are listed
# below, each with the part that removes it.
#   tests/lint/layout.sh          exit 1 on any error; warnings are printed
set -u
cd "$(dirname "$0")/../.."

errors=0 warnings=0
error() { echo "error: $*"; errors=$((errors + 1)); }
warning() { echo "warning: $*"; warnings=$((warnings + 1)); }

mapfile -t sources < <(git ls-files '*.c' '*.h')

# Known violations: "FILE RULE  # the part that removes it".  Keep this
# short; a listed violation that no longer occurs is reported so the line
# goes too.
known=(
)
declare -A known_seen=()

is_known() {
	local entry
	for entry in "${known[@]}"; do
		if [ "$entry" = "$1 $2" ]; then
			known_seen["$entry"]=1
			return 0
		fi
	done
	return 1
}

# owner RULE OWNER_REGEX PATTERN WHAT: PATTERN (grep -E) may occur only in
# files matching OWNER_REGEX, or in tests/.
owner() {
	local rule=$1 owner_re=$2 pattern=$3 what=$4 hit file line text
	while IFS= read -r hit; do
		file=${hit%%:*} hit=${hit#*:}
		line=${hit%%:*} text=${hit#*:}
		[[ $file =~ $owner_re ]] && continue
		[[ $file == tests/* ]] && continue
		is_known "$file" "$rule" && continue
		text=${text#"${text%%[![:space:]]*}"}
		error "$file:$line: $what: ${text:0:100}"
	done < <(grep -nE -- "$pattern" "${sources[@]}" /dev/null)
}

owner fanotify-mark '^kmod-free/' 'fanotify_mark\(' \
	"fanotify marks are kmod-free/'s (kmod-free/fanotify.h)"
owner proc '^kmod-free/' '"/proc/' \
	"/proc is read only by kmod-free/ (kmod-free/procfd.h)"
owner iconv '^classify/charset\.[ch]$' '\biconv(_open|_close)?\(|\biconv_t\b|<iconv\.h>' \
	"character set conversion is classify/charset.c's"
owner base64 '^common/b64\.c$' 'EVP_(Encode|Decode)(Block|Init|Update|Final)|ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' \
	"base64 is common/b64's"
owner ed25519 '^common/ed25519\.c$' 'EVP_PKEY_ED25519|PEM_(read|write)_(bio_)?(PUBKEY|PrivateKey)|EVP_Digest(Sign|Verify)|\bcrypto_sign_' \
	"Ed25519 keys and signatures are common/ed25519's"
owner json-load '^common/json\.c$' '\bjson_load(s|b|f|fd|_file|_callback)\(' \
	"JSON is parsed through common/json (wjson_parse: limits, duplicate keys)"
owner json-scanner '^common/json' 'strstr\([^;]*"\\"|\\"%s\\":' \
	"no hand-made JSON field scanners: parse with common/json"
owner whole-file '^common/util\.c$' 'SEEK_END|st_size *\+' \
	"whole files are read through read_file (common/util.h: O_NOFOLLOW, O_NONBLOCK, size checked)"
owner closedir '^common/cleanup\.h$' '\bclosedir\(' \
	"directories are closed by _cleanup_closedir_ (common/cleanup.h)"

# Every file that marks text for translation is in the catalogue's list.
while IFS= read -r file; do
	grep -qxF "$file" po/POTFILES || error "$file: marks text with _() or N_() but is not in po/POTFILES"
done < <(grep -lE '\bN?_\("' "${sources[@]}" /dev/null | grep -v '^common/i18n\.h$')
while IFS= read -r file; do
	[ -f "$file" ] || error "po/POTFILES: $file does not exist"
done < <(grep -v '^#' po/POTFILES | grep .)

# Every part says what it owns.
for dir in */; do
	dir=${dir%/}
	case $dir in build | docs) continue ;; esac
	git ls-files --error-unmatch "$dir" >/dev/null 2>&1 || continue
	[ -f "$dir/README.md" ] || error "$dir/: no README.md saying what it owns"
done

# Sizes.
for file in "${sources[@]}"; do
	lines=$(wc -l <"$file")
	if [ "$lines" -gt 1200 ]; then
		error "$file: $lines lines (at most 1,200; split it along its sections)"
	elif [ "$lines" -gt 800 ]; then
		warning "$file: $lines lines (aim for 800 at most)"
	fi
done
# A function runs from a '{' in column 0 to the next '}' in column 0 (the
# project's clang-format style); its name is on the line before.
long_functions() {
	awk '
		FNR == 1 { start = 0 }
		/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { sig = $0; sigline = FNR }
		/^\{/ { start = FNR; name = sig; line = sigline }
		/^\}/ && start {
			n = FNR - start + 1
			if (n > 120 && match(name, /[A-Za-z_][A-Za-z_0-9]*\(/))
				printf "%s:%d: %s: %d lines\n", FILENAME, line,
				    substr(name, RSTART, RLENGTH - 1), n
			start = 0
		}' "$@"
}
mapfile -t long < <(long_functions $(printf '%s\n' "${sources[@]}" | grep '\.c$'))
for fn in "${long[@]}"; do
	warning "$fn (functions: aim for 120 lines at most)"
done

for entry in "${known[@]}"; do
	[ -n "${known_seen[$entry]:-}" ] ||
		echo "note: known violation '$entry' no longer occurs: remove it from tests/lint/layout.sh"
done

echo "layout: $errors error(s), $warnings warning(s)"
[ "$errors" -eq 0 ]
