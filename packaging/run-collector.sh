# The local collector of `make run` (sourced by run.sh): ward-collector on
# SQLite at a fixed loopback port, as its own user, and this desk enrolled
# with it (wardctl enroll, the CA pinned by fingerprint) with ward-sender
# delivering.  The first run creates the user, the CA and keys, the first
# administrator's one-time password and the enrollment; later runs reuse
# them.  The review console is the collector's second listener; its URL and
# the first administrator's one-time password (first run only: it must be
# changed at the first sign-in) are printed.  Sets COLLECTOR_PID and
# SENDER_PID.
#   WARD_COLLECTOR_DIR (/var/lib/ward-collector), WARD_COLLECTOR_PORT (8443),
#   WARD_CONSOLE_PORT (8444)
collector_dir=${WARD_COLLECTOR_DIR:-/var/lib/ward-collector}
collector_port=${WARD_COLLECTOR_PORT:-8443}
collector_url=https://127.0.0.1:$collector_port
console_port=${WARD_CONSOLE_PORT:-8444}
console_url=https://127.0.0.1:$console_port/
COLLECTOR_PID=""
SENDER_PID=""

system_user() {
	id -u "$1" >/dev/null 2>&1 ||
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$1"
}

collector_up() {
	local first=false i
	[ -f "$collector_dir/ca.pem" ] || first=true
	system_user ward-collector || return 1
	install -d -m 0750 -o ward-collector -g ward-collector "$collector_dir"
	"$build/ward-collector" serve --state-dir "$collector_dir" --user ward-collector \
		--listen "127.0.0.1:$collector_port" --console "127.0.0.1:$console_port" &
	COLLECTOR_PID=$!
	for i in $(seq 100); do
		[ -f "$collector_dir/ca.pem" ] && (: </dev/tcp/127.0.0.1/"$collector_port") 2>/dev/null &&
			(: </dev/tcp/127.0.0.1/"$console_port") 2>/dev/null && break
		kill -0 "$COLLECTOR_PID" 2>/dev/null || { echo "run.sh: the collector did not start" >&2; return 1; }
		sleep 0.1
	done
	collector_ca_sha256=$(openssl x509 -in "$collector_dir/ca.pem" -outform DER | sha256sum | cut -d' ' -f1)
	echo "run.sh: collector for agents: $collector_url/v1/ (SQLite, $collector_dir)" >&2
	echo "run.sh: collector CA SHA-256: $collector_ca_sha256" >&2
	echo "run.sh: review console: $console_url (a browser trusts it through $collector_dir/ca.pem)" >&2
	if $first; then
		otp=$("$build/ward-collector" admin --state-dir "$collector_dir" --user ward-collector \
			first-admin admin --display 系統管理者) || return 1
		echo "run.sh: first administrator 'admin', one-time password (shown once, to be changed" \
			"at the first sign-in): $otp" >&2
	else
		echo "run.sh: console administrator 'admin' (a new one-time password:" \
			"$build/ward-collector admin --state-dir $collector_dir --user ward-collector user reset admin)" >&2
	fi
}

# Enrolls this desk once (its identity and ratchet key 1 from state_dir),
# then starts the sender.
collector_enroll_and_send() {
	local token
	system_user ward-sender || return 1
	# The sender reads the log through the state directory (protocol §2).
	chgrp ward-sender "$state_dir" && chmod 0710 "$state_dir" || return 1
	if [ ! -f "$state_dir/sender/collector.json" ]; then
		token=$("$build/ward-collector" admin --state-dir "$collector_dir" --user ward-collector \
			token create --label "$(hostname)") || return 1
		"$build/wardctl" enroll "$collector_url" "$token" --ca-sha256 "$collector_ca_sha256" \
			--user ward-sender --state-dir "$state_dir" >&2 || return 1
	fi
	"$build/ward-sender" --state-dir "$state_dir" --user ward-sender &
	SENDER_PID=$!
}
