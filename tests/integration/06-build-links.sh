#!/usr/bin/env bash
# wardd, the privileged agent, links no document parser: its dynamic
# dependencies (readelf -d, NEEDED) are all on an allow list, and none is
# a parser or a network client (libmagic, libxml2, libarchive, poppler,
# glib, libcurl, tesseract, ...).  Those live in wardd-scanner, the
# sandboxed process; the same check run on it must fail, so the check
# itself is shown to see them.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
need_cmd readelf

build=${WARD_BUILD:-build}

# What wardd may load: libc, udev, OpenSSL's libcrypto, jansson, seccomp
# (the scanner's sandbox is set up by code wardd links), libsystemd
# (sd_notify), libsodium (Ed25519 signing of its records); under SAN=1 the
# sanitizer runtimes.
allowed='^(libc\.so\.6|libudev\.so\.1|libcrypto\.so\.3|libjansson\.so\.4|libseccomp\.so\.2|libsystemd\.so\.0|libsodium\.so\.[0-9]+|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+)$'
# Parsers of untrusted documents, their toolkits, and network clients.
parsers='^lib(magic|xml2|archive|poppler|glib|gobject|gio|cairo|z|bz2|lzma|zstd|lz4|curl|tesseract|lept|png|jpeg|tiff|openjp2|freetype|fontconfig|uchardet|icu|mupdf|gsf|ssl|gnutls|microhttpd|sqlite3|pq)'

needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# Prints the libraries of $1 that are not allowed; fails if there are any.
only_allowed() {
	local lib bad=0
	while read -r lib; do
		if ! [[ $lib =~ $allowed ]]; then
			echo "$lib"
			bad=1
		fi
	done < <(needed "$1")
	return $bad
}

check "wardd is built" test -x "$build/wardd"
libs=$(needed "$build/wardd")
diag "wardd NEEDED: $(echo $libs)"
check "wardd needs libc" grep -qx 'libc.so.6' <<<"$libs"
extra=$(only_allowed "$build/wardd")
check_eq "every library wardd needs is on the allow list" "" "$extra"
check_eq "wardd needs no document parser nor network client" "" \
	"$(grep -E "$parsers" <<<"$libs")"

# The same checks on the scanner, which must fail: they can see a parser.
check "wardd-scanner is built" test -x "$build/wardd-scanner"
check_fails "the allow list refuses wardd-scanner" eval 'only_allowed "$build/wardd-scanner" >/dev/null'
scanner_parsers=$(needed "$build/wardd-scanner" | grep -E "$parsers")
diag "wardd-scanner's parsers: $(echo $scanner_parsers)"
check "among them libmagic" grep -q '^libmagic' <<<"$scanner_parsers"
check "and libxml2" grep -q '^libxml2' <<<"$scanner_parsers"

done_testing
