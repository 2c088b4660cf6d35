#!/usr/bin/env bash
# `make run`: start wardd in the foreground with the default policy, and a
# local collector (ward-collector on SQLite, 127.0.0.1:8443, its review
# console on 127.0.0.1:8444) this desk is enrolled with, ward-sender
# delivering to it (packaging/run-collector.sh).
# make has built build/ already.  Uses /etc/ward/wardd.conf when it exists;
# otherwise writes a config into the runtime directory that points at
# /etc/ward/policy.d (when it holds rules) or the in-tree policy/default/,
# the state directory /var/lib/ward and the runtime directory /run/ward.
# Ctrl-C stops all three cleanly (wardd closes its fanotify group first).
# WARD_NO_COLLECTOR=1 starts wardd alone.
#   WARD_BUILD=build/san packaging/run.sh    run the sanitizer build
set -eu
cd "$(dirname "$0")/.."
build=${WARD_BUILD:-build}

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: wardd needs root (fanotify permission events, mounts); try: sudo make run" >&2
	exit 1
fi
for prog in wardd wardctl ward-collector ward-sender; do
	if [ ! -x "$build/$prog" ]; then
		echo "run.sh: $build/$prog is missing; run make first" >&2
		exit 1
	fi
done

state_dir=${WARD_STATE_DIR:-/var/lib/ward}
runtime_dir=${WARD_RUNTIME_DIR:-/run/ward}
install -d -m 0700 "$state_dir"
install -d -m 0755 "$runtime_dir"

if [ -f /etc/ward/wardd.conf ] && [ -z "${WARD_POLICY_DIR:-}" ]; then
	config=/etc/ward/wardd.conf
else
	policy_dir=${WARD_POLICY_DIR:-}
	if [ -z "$policy_dir" ]; then
		if compgen -G "/etc/ward/policy.d/*.rules" >/dev/null; then
			policy_dir=/etc/ward/policy.d
		else
			policy_dir=$PWD/policy/default
		fi
	fi
	"$build/wardctl" policy check "$policy_dir" >/dev/null || {
		echo "run.sh: the policy in $policy_dir does not load; see: $build/wardctl policy check $policy_dir" >&2
		exit 1
	}
	config=$runtime_dir/wardd.conf
	cat >"$config" <<CONF
# written by packaging/run.sh
policy_dir = $policy_dir
state_dir = $state_dir
runtime_dir = $runtime_dir
log = stderr
CONF
fi

if [ -n "${WARD_NO_COLLECTOR:-}" ]; then
	echo "run.sh: starting wardd (config $config); Ctrl-C stops it" >&2
	exec "$build/wardd" --foreground --config "$config"
fi

. packaging/run-collector.sh
wardd_pid=""
stop_all() {
	trap - INT TERM
	for pid in $wardd_pid $SENDER_PID $COLLECTOR_PID; do
		kill -TERM "$pid" 2>/dev/null
	done
	wait
}
trap stop_all INT TERM
collector_up || { stop_all; exit 1; }
collector_enroll_and_send || { stop_all; exit 1; }
echo "run.sh: starting wardd (config $config); Ctrl-C stops wardd, the sender and the collector" >&2
echo "run.sh: in another terminal: $build/wardctl status --config $config; $build/wardctl events --follow --config $config; $build/wardctl spool --state-dir $state_dir" >&2
"$build/wardd" --foreground --config "$config" &
wardd_pid=$!
wait "$wardd_pid"
stop_all
