# A throw-away Debian 12 machine for the package tests (80-packaging-deb,
# 81-packaging-rpm): this machine's own root
# filesystem under a tmpfs overlay, booted with systemd by systemd-nspawn.
# Everything written inside (packages installed, users, state) lands in the
# overlay and is gone when the box stops; the host's / is never written.
# The box shares the host's network namespace (it sees udev's events and the
# loopback), has /run/udev bound read-only, and BOX_BINDS bound as they are.
#
#   box_start NAME        boot; returns once systemd is running
#   box_run CMD...        a command inside (all the box's namespaces)
#   box_stop              power off, unmount, remove (the test bed's exit hook)
#   box_collector_up PORT the box's ward-collector made its CA and listens (20 s)
#   box_enroll_conf PORT TOKEN  /etc/ward/enroll.conf for that collector (its CA pinned)
#   box_watched MOUNT     the box's wardd watches MOUNT (20 s)
#   box_eperm CMD...      CMD fails in the box with "not permitted"
#   box_collector_has N   the box's collector holds at least N block records (30 s)
#   $BOX_ROOT             the box's / seen from the host (writes go to the overlay)
#   $BOX_UPPER            what the box changed: the overlay's upper directory
BOX_DIR=
BOX_ROOT=
BOX_UPPER=
BOX_NSPAWN_PID=
BOX_LEADER=
BOX_BINDS=()

box_start() {
	local name=$1 i state bind args=()
	BOX_DIR=$(mktemp -d /run/ward-box.XXXXXX) || return 1
	mount -t tmpfs -o mode=0755 ward-box "$BOX_DIR" || return 1
	mkdir "$BOX_DIR/upper" "$BOX_DIR/work" "$BOX_DIR/root"
	BOX_UPPER=$BOX_DIR/upper
	BOX_ROOT=$BOX_DIR/root
	mount -t overlay ward-box -o "lowerdir=/,upperdir=$BOX_UPPER,workdir=$BOX_DIR/work" \
		"$BOX_ROOT" || return 1
	for bind in "${BOX_BINDS[@]}"; do args+=("--bind=$bind"); done
	# No machined or system bus on the host: no registration, no scope.
	# systemd.unit=basic.target: the host's own services stay down.
	setsid systemd-nspawn -q -D "$BOX_ROOT" -M "$name" --register=no --keep-unit \
		--link-journal=no --bind-ro=/run/udev "${args[@]}" \
		--system-call-filter='fanotify_init fanotify_mark mount_setattr open_tree move_mount' \
		-b -- systemd.unit=basic.target </dev/null >"$BOX_DIR.log" 2>&1 &
	BOX_NSPAWN_PID=$!
	for i in $(seq 1 300); do
		BOX_LEADER=$(pgrep -P "$BOX_NSPAWN_PID" -x systemd | head -n 1)
		if [ -n "$BOX_LEADER" ]; then
			state=$(box_run systemctl is-system-running 2>/dev/null)
			case $state in running | degraded) return 0 ;; esac
		fi
		kill -0 "$BOX_NSPAWN_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "# the box did not boot (state ${state:-none}); nspawn said:" >&2
	sed 's/^/#   /' "$BOX_DIR.log" | tail -20 >&2
	return 1
}

box_run() {
	[ -n "$BOX_LEADER" ] || return 1
	nsenter -t "$BOX_LEADER" -a -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"
}

box_stop() {
	local i
	if [ -n "$BOX_NSPAWN_PID" ]; then
		# SIGTERM: nspawn asks the box's systemd to power off.
		kill -TERM "$BOX_NSPAWN_PID" 2>/dev/null
		for i in $(seq 1 150); do
			kill -0 "$BOX_NSPAWN_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$BOX_NSPAWN_PID" 2>/dev/null
		wait "$BOX_NSPAWN_PID" 2>/dev/null
		BOX_NSPAWN_PID=
		BOX_LEADER=
	fi
	[ -n "$BOX_DIR" ] || return 0
	mountpoint -q "$BOX_ROOT" && umount -l "$BOX_ROOT"
	mountpoint -q "$BOX_DIR" && umount -l "$BOX_DIR"
	rmdir "$BOX_DIR" 2>/dev/null
	rm -f "$BOX_DIR.log"
	BOX_DIR=
}

box_collector_up() {
	local i
	for i in $(seq 1 100); do
		[ -f "$BOX_ROOT/var/lib/ward-collector/ca.pem" ] &&
			(: </dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.2
	done
	box_run journalctl -u ward-collector --no-pager | tail -20 | sed 's/^/# /'
	return 1
}

box_enroll_conf() {
	local ca
	ca=$(openssl x509 -in "$BOX_ROOT/var/lib/ward-collector/ca.pem" -outform DER |
		sha256sum | cut -d' ' -f1)
	mkdir -p "$BOX_ROOT/etc/ward" &&
		printf 'url = https://127.0.0.1:%s\ntoken = %s\nca_sha256 = %s\n' "$1" "$2" "$ca" \
			>"$BOX_ROOT/etc/ward/enroll.conf" &&
		chmod 0600 "$BOX_ROOT/etc/ward/enroll.conf"
}

box_watched() {
	local i
	for i in $(seq 1 100); do
		box_run wardctl status --json 2>/dev/null | grep -qF "\"mount\":\"$1\"" && return 0
		sleep 0.2
	done
	box_run journalctl -u wardd --no-pager | tail -20 | sed 's/^/# /'
	return 1
}

box_eperm() {
	local out
	out=$(box_run "$@" 2>&1) && return 1
	[[ $out == *"not permitted"* ]]
}

# The records at the collector (docs/protocol.md §3).
box_collector_has() {
	local i n
	for i in $(seq 1 150); do
		n=$(box_run sqlite3 /var/lib/ward-collector/collector.db \
			"SELECT count(*) FROM leaves WHERE action = 'block'" 2>/dev/null)
		[ "$n" -ge "$1" ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
