#!/bin/sh
# Installs every Debian package Ward's build, tests and benchmarks need.
# Idempotent: when everything is present it does nothing; otherwise it runs
# `apt-get update` once and installs what is missing.  Usage: deps.sh [--print]
set -eu

BUILD="build-essential pkg-config clang llvm libclang-rt-14-dev gettext
 libudev-dev libmagic-dev libssl-dev libarchive-dev zlib1g-dev libxml2-dev
 libsqlite3-dev libjansson-dev libcmocka-dev libseccomp-dev libsystemd-dev libpoppler-glib-dev
 poppler-data libtesseract-dev libleptonica-dev tesseract-ocr-chi-tra
 libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libpq-dev libsodium-dev cppcheck clang-format
 libicu-dev libnotify-dev"
TEST="udev exfat-fuse exfatprogs e2fsprogs util-linux umockdev attr rsync zip
 unzip tar gzip bzip2 xz-utils file procps psmisc iproute2 sqlite3 openssl locales jq python3
 python3-cryptography postgresql-15 postgresql-client-15
 libreoffice-writer-nogui age p7zip-full cryptsetup-bin qpdf dunst xvfb dbus dbus-bin
 libnotify-bin fonts-noto-cjk fontconfig imagemagick tzdata systemd chromium libnss3-tools"
BENCH="fapolicyd odt2txt docx2txt poppler-utils hyperfine tesseract-ocr"
# make deb, make rpm and their tests (the box: systemd-nspawn).
PACKAGING="debhelper lintian rpm systemd-container"
ALL="$BUILD $TEST $BENCH $PACKAGING"

if [ "${1:-}" = "--print" ]; then
	echo $ALL
	exit 0
fi

# Node.js runs the tests' independent checks (tests/js, npm ci).  Only
# where node is missing: a machine may already have Node.js 20 with npm,
# and Debian's npm package conflicts with that one.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || ALL="$ALL nodejs npm"

missing=""
for pkg in $ALL; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root (sudo make deps)" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
# Packages such as fapolicyd must not start their daemons on install: a
# running fapolicyd would judge every open on this machine.  policy-rc.d is
# Debian's switch for that; ours is removed again on exit.
made_policy_rc=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy_rc=1
fi
cleanup() { [ -n "$made_policy_rc" ] && rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT INT TERM

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
