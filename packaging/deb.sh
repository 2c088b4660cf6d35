#!/usr/bin/env bash
# `make deb`: Ward's Debian packages (ward-agent, ward-collector) from this
# tree, built with debhelper in a copy under OUT (never in the tree itself).
#   packaging/deb.sh VERSION OUT
# OUT/src is the copy (the tree's files with their times, so that make
# rebuilds only what changed), OUT/objects the build's objects (only those
# its own builds made: packaging/own-objects.sh), OUT/*.deb
# the packages; lintian checks them (errors fail the build; the warnings
# kept are explained in packaging/README.md).
set -eu
cd "$(dirname "$0")/.."
version=$1
out=$(realpath -m "$2")
jobs=${WARD_DEB_JOBS:-2}

mkdir -p "$out"
packaging/own-objects.sh "$out/objects"
rm -rf "$out/src" "$out"/*.deb "$out"/*.ddeb "$out"/*.changes "$out"/*.buildinfo
mkdir "$out/src"
# The files git knows (committed or not) as they are in the work tree.
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xpf - -C "$out/src"
cp -a packaging/debian "$out/src/debian"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
	echo "ward ($version) unstable; urgency=medium"
	echo
	echo "  * Built from the tree at $commit."
	echo
	echo " -- $(sed -n 's/^Maintainer: //p' packaging/debian/control)  $(date -R)"
} >"$out/src/debian/changelog"

(cd "$out/src" && WARD_DEB_BUILD="$out/objects" DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -us -uc --no-sign)
changes=$(ls "$out"/ward_"${version#*:}"_*.changes)
# WARD_DEB_LINT=0: no lintian (a test that only compares layouts).
if [ "${WARD_DEB_LINT:-1}" != 0 ]; then
	echo "deb.sh: lintian $changes"
	lintian --fail-on error,warning "$changes"
fi
ls "$out"/*.deb
