#!/usr/bin/env bash
# `make rpm`: Ward's RPMs (ward-agent, ward-collector) from this tree with
# rpmbuild and packaging/ward.spec, under OUT (never in the tree itself).
#   packaging/rpm.sh VERSION OUT
# On a Debian build host the rpm database knows none of the -devel
# packages the spec names, so BuildRequires are not checked (--nodeps):
# deps.sh installs their Debian equivalents.  The objects stay in
# OUT/objects between builds (only those its own builds made:
# packaging/own-objects.sh).
set -eu
cd "$(dirname "$0")/.."
version=$1
out=$(realpath -m "$2")
top=$out/rpmbuild

rm -rf "$top"
packaging/own-objects.sh "$out/objects"
mkdir -p "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read --transform "s|^|ward-$version/|" \
		-czf "$top/SOURCES/ward-$version.tar.gz" 2>/dev/null
cp packaging/ward.spec "$top/SPECS/"
rpmbuild -bb --nodeps --define "_topdir $top" --define "ward_version $version" \
	--define "ward_objects $out/objects" \
	--define "_smp_mflags -j${WARD_RPM_JOBS:-2}" "$top/SPECS/ward.spec"
find "$top/RPMS" -name '*.rpm' | sort
