#!/usr/bin/env bash
# tests/lint/layout.sh (part of `make lint`) finds what it is for: run on a
# scratch repository with one break of each rule, it names each, and exits
# 0 again once they are gone.  Then it passes on this repository.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd git

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo/tests/lint" "$repo/po" "$repo/tests/unit"
cp tests/lint/layout.sh "$repo/tests/lint/"
# Known violations of the scratch tree's own, whatever the real list holds
# as parts land: one that occurs, one that no longer does.
sed -i "s|^known=(|known=(\n\t'agent/handle.c proc'\n\t'agent/mounts.c proc'|" "$repo/tests/lint/layout.sh"
for part in kmod-free agent classify common wardctl; do
	mkdir -p "$repo/$part"
	echo "# $part" >"$repo/$part/README.md"
done
echo wardctl/main.c >"$repo/po/POTFILES"
echo "# tests" >"$repo/tests/README.md"
echo "# po" >"$repo/po/README.md"

# lines FILE N: a C file of N lines
lines() { for ((i = 0; i < $2; i++)); do echo "int v$i;"; done >"$1"; }

cat >"$repo/kmod-free/fan.c" <<'C'
int mark(int fd) { return fanotify_mark(fd, 0, 0, 0, "/proc/self"); }
C
cat >"$repo/agent/react.c" <<'C'
int react(int fd) { return fanotify_mark(fd, 0, 0, 0, 0); }
const char *status = "/proc/%d/status";
C
cat >"$repo/agent/handle.c" <<'C'
const char *known = "/proc/self/fdinfo/%d";
C
cat >"$repo/classify/charset.c" <<'C'
#include <iconv.h>
C
cat >"$repo/classify/text.c" <<'C'
void *cd(void) { return iconv_open("UTF-8", "CP950"); }
C
cat >"$repo/common/sig.c" <<'C'
int enc(unsigned char *o, const unsigned char *i) { return EVP_EncodeBlock(o, i, 64); }
C
cat >"$repo/wardctl/main.c" <<'C'
const char *hello = _("hello");
C
cat >"$repo/wardctl/status.c" <<'C'
const char *bye = _("bye");
void *p(const char *t) { return json_loads(t, 0, 0); }
const char *f(const char *line) { return strstr(line, "\"seq\":"); }
C
cat >"$repo/common/util.c" <<'C'
long size(FILE *f) { fseek(f, 0, SEEK_END); return ftell(f); }
C
cat >"$repo/common/cleanup.h" <<'C'
static inline void cleanup_closedirp(DIR **d) { if (*d) closedir(*d); }
C
cat >"$repo/wardctl/keys.c" <<'C'
char *slurp(int fd, struct stat *st) { return malloc(st->st_size + 1); }
void done(DIR *d) { closedir(d); }
C
cat >"$repo/tests/unit/test_x.c" <<'C'
const char *fds = "/proc/self/fd";
C
mkdir "$repo/notes"
echo "int n;" >"$repo/notes/n.c"
lines "$repo/common/big.c" 1201
lines "$repo/common/long.c" 801
{
	echo "int long_one(void)"
	echo "{"
	for ((i = 0; i < 130; i++)); do echo "	(void)0;"; done
	echo "}"
} >>"$repo/common/long.c"
git -C "$repo" init -q && git -C "$repo" add -A

out=$(bash "$repo/tests/lint/layout.sh" 2>&1)
status=$?
echo "$out" | sed 's/^/# /' 
check_eq "a broken tree fails" 1 "$status"
has() { grep -qE -- "$1" <<<"$out"; }
check "fanotify_mark outside kmod-free/" has '^error: agent/react\.c:1: .*kmod-free/fanotify'
check "/proc outside kmod-free/" has '^error: agent/react\.c:2: .*kmod-free/procfd'
check "iconv outside classify/charset.c" has '^error: classify/text\.c:1: .*charset'
check "hand-made base64" has '^error: common/sig\.c:1: .*common/b64'
check "a jansson load outside common/json" has '^error: wardctl/status\.c:2: .*common/json'
check "a strstr JSON field scanner" has '^error: wardctl/status\.c:3: .*field scanners'
check "a whole file read by hand" has '^error: wardctl/keys\.c:1: .*read_file'
check "a closedir by hand" has '^error: wardctl/keys\.c:2: .*_cleanup_closedir_'
check "a translated file missing from po/POTFILES" has '^error: wardctl/status\.c: .*POTFILES'
check "a folder without README" has '^error: notes/: no README'
check "a file over 1,200 lines" has '^error: common/big\.c: 1201 lines'
check "a file over 800 lines is a warning" has '^warning: common/long\.c: 934 lines'
check "a function over 120 lines is reported" has '^warning: common/long\.c:802: long_one: 132 lines'
check_fails "the owners themselves pass" has '^error: (kmod-free/fan\.c|classify/charset\.c|common/(util\.c|cleanup\.h))'
check_fails "tests may read /proc" has '^error: tests/unit/test_x\.c'
check_fails "a listed known violation passes" has '^error: agent/handle\.c'
check "listed violations that are gone are named" has "^note: known violation 'agent/mounts\.c proc' no longer occurs"
check_eq "eleven errors in all" "layout: 11 error(s), 2 warning(s)" "$(tail -1 <<<"$out")"

# mend it all
git -C "$repo" rm -qf agent/react.c classify/text.c common/sig.c common/big.c wardctl/keys.c
printf '%s\n' wardctl/main.c wardctl/status.c >"$repo/po/POTFILES"
sed -i '2,3d' "$repo/wardctl/status.c"
echo "# notes" >"$repo/notes/README.md"
git -C "$repo" add -A
out=$(bash "$repo/tests/lint/layout.sh" 2>&1)
check_eq "a mended tree passes" 0 $?
check_eq "with its warnings" "layout: 0 error(s), 2 warning(s)" "$(tail -1 <<<"$out")"

out=$(bash tests/lint/layout.sh 2>&1)
check_eq "this repository passes" 0 $?
grep '^error' <<<"$out" | while IFS= read -r line; do diag "$line"; done
done_testing
