# in_fresh_etc SETUP COMMAND...: runs COMMAND as on a machine where Ward was
# never installed: /etc is this machine's, but without /etc/ward, and SETUP
# (shell code) runs first to put there what the case needs.  Done in a
# private mount namespace over an overlay of /etc, so this machine's /etc
# (and other tests' view of it) never changes.  Needs root and unshare.
# Returns COMMAND's status (98: SETUP failed, 99: no overlay).
in_fresh_etc() {
	local setup=$1 dir status
	shift
	dir=$(mktemp -d) || return 99
	mkdir "$dir/upper" "$dir/work"
	unshare --mount --propagation private bash -c '
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || exit 99
		rm -rf /etc/ward
		eval "$3" || exit 98
		shift 3
		exec "$@"' in_fresh_etc "$dir/upper" "$dir/work" "$setup" "$@"
	status=$?
	rm -rf "$dir"
	return $status
}
