# Helpers for tests of the review console (ward-collector's second
# listener), over real HTTPS with curl; on top of tests/lib/collector.sh.
#   . tests/lib/tap.sh; . tests/lib/collector.sh; . tests/lib/console.sh
#   console_init sqlite|postgres     coll_init, and CONSOLE_PORT, CONSOLE_URL
#   console_start [OPTIONS]          coll_start with the console listening
#   console_account NAME ROLE [SHOWN]   an account with its own password
#                                    (PW_<NAME>), signed in (jar $COLL_DIR/NAME.jar)
#   console_signin JAR NAME PASSWORD  prints the HTTP status of the sign-in
#   console_get JAR PATH [OUT]       prints the status; the body in OUT ($COLL_DIR/page)
#   console_post JAR FORM_PATH URL FIELD=VALUE...  the form's CSRF token taken
#                                    from FORM_PATH; prints the status
#   console_text FILE                the page as text (tags gone, entities kept)
CONSOLE_PORT=""
CONSOLE_URL=""

console_init() {
	coll_init "$1" || return 1
	CONSOLE_PORT=$((COLL_PORT + 20000))
	CONSOLE_URL=https://127.0.0.1:$CONSOLE_PORT
}

console_start() {
	# The catalogue as built (Traditional Chinese by default).
	export WARD_LOCALEDIR=$PWD/$COLL_BUILD/locale
	coll_start --console "127.0.0.1:$CONSOLE_PORT" "$@" || return 1
	grep -q "console: https://127.0.0.1:$CONSOLE_PORT/" "$COLL_DIR/collector.log"
}

# curl against the console: the collector's CA is the only one trusted.
console_curl() { curl -sS --cacert "$COLL_CA" "$@"; }

console_get() {
	console_curl -b "$1" -c "$1" -o "${3:-$COLL_DIR/page}" -w '%{http_code}' "$CONSOLE_URL$2"
}

# The first CSRF field of a page.
console_csrf() {
	grep -o 'name="csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="//; s/"$//'
}

console_post() {
	local jar=$1 form=$2 url=$3 csrf
	shift 3
	console_get "$jar" "$form" "$COLL_DIR/form" >/dev/null
	csrf=$(console_csrf "$COLL_DIR/form")
	local args=(--data-urlencode "csrf=$csrf")
	for kv in "$@"; do args+=(--data-urlencode "$kv"); done
	console_curl -b "$jar" -c "$jar" -o "$COLL_DIR/page" -w '%{http_code}' "${args[@]}" \
		"$CONSOLE_URL$url"
}

console_signin() {
	rm -f "$1"
	console_get "$1" /signin "$COLL_DIR/form" >/dev/null
	console_curl -b "$1" -c "$1" -o "$COLL_DIR/page" -D "$COLL_DIR/headers" -w '%{http_code}' \
		--data-urlencode "csrf=$(console_csrf "$COLL_DIR/form")" \
		--data-urlencode "name=$2" --data-urlencode "password=$3" "$CONSOLE_URL/signin"
}

# console_account NAME ROLE [SHOWN]: created with the admin command, then
# the one-time password exchanged for PW_NAME at first sign-in.
console_account() {
	local name=$1 jar=$COLL_DIR/$1.jar otp pw="$1-password-$$"
	if [ "$2" = administrator ]; then
		otp=$(coll_admin first-admin "$name" --display "${3:-$name}") || return 1
	else
		otp=$(coll_admin user add "$name" "$2" --display "${3:-$name}") || return 1
	fi
	[ "$(console_signin "$jar" "$name" "$otp")" = 303 ] || return 1
	grep -qi '^location: /password' "$COLL_DIR/headers" || return 1
	[ "$(console_post "$jar" /password /password "old=$otp" "new=$pw" "again=$pw")" = 303 ] ||
		return 1
	printf -v "PW_$name" '%s' "$pw"
}

console_text() {
	sed -e 's/<[^>]*>/ /g' -e 's/[[:space:]]\+/ /g' "$1"
}
