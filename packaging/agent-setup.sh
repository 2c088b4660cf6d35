#!/bin/sh
# What installing ward-agent does on a desk, for both kinds of package (the
# .deb's postinst and the RPM's %post run it): the sender's user, the state
# directory, and, when the office left /etc/ward/enroll.conf, this desk's
# enrollment with the collector, so that 500 desks install unattended.
# The desk's keys are made by that enrollment (wardctl enroll) or by wardd
# on its first start: never shipped.
#   agent-setup [STATE_DIR]
# enroll.conf: "key = value" lines (url, token, ca_sha256); # comments.
# Exit status: 0 enrolled just now (the caller starts ward-sender); 1 not
# enrolled now (no enroll.conf, enrolled before, or the collector out of
# reach: said on stderr, and running this again retries); 2 the user or
# the state directory could not be made.
set -u

ENROLL_CONF=/etc/ward/enroll.conf
STATE=${1:-/var/lib/ward}

enroll_value() {
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([^[:space:]]*\)[[:space:]]*$/\1/p" \
		"$ENROLL_CONF" | tail -n 1
}

systemd-sysusers ward-sender.conf || exit 2
# wardd's unit has no StateDirectory= (systemd would take sender/ and
# spool/ from ward-sender); the sender reaches log/ and spool/ through
# this directory's group (0710).
if [ ! -d "$STATE" ]; then
	mkdir -m 0710 "$STATE" && chgrp ward-sender "$STATE" || exit 2
fi

[ -f "$ENROLL_CONF" ] || exit 1
[ -f "$STATE/sender/collector.json" ] && exit 1
url=$(enroll_value url)
token=$(enroll_value token)
ca=$(enroll_value ca_sha256)
if [ -z "$url" ] || [ -z "$token" ] || [ -z "$ca" ]; then
	echo "ward-agent: $ENROLL_CONF needs url, token and ca_sha256; not enrolled" >&2
	exit 1
fi
if ! /usr/bin/wardctl enroll "$url" "$token" --ca-sha256 "$ca" --user ward-sender \
	--state-dir "$STATE"; then
	echo "ward-agent: enrollment with $url failed; $0 tries again" >&2
	exit 1
fi
exit 0
