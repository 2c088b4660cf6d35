# policy_version_becomes READER VERSION: within 10 s, the command READER
# (a function printing the policy version wardctl status shows) prints
# VERSION, or, for !VERSION, any other non-empty version.  For the tests of
# the watched policy directory (50-agent-robust, 80-packaging-deb).
policy_version_becomes() {
	local i v
	for i in $(seq 1 50); do
		v=$("$1")
		case $2 in
		!*) [ -n "$v" ] && [ "$v" != "${2#!}" ] && return 0 ;;
		*) [ "$v" = "$2" ] && return 0 ;;
		esac
		sleep 0.2
	done
	diag "policy version: $v"
	return 1
}
