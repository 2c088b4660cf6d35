# The tests' JavaScript dependencies: tests/js/package.json, pinned by
# tests/js/package-lock.json, installed with `npm ci` (never `npm install`,
# so what runs is exactly what the lock names).  Source, then call
# js_deps; it installs once per lock file and is safe when several test
# scripts call it at once (flock).
#   . tests/lib/npm.sh; js_deps || exit 1; node tests/js/some-check.js
js_deps() {
	local dir=${WARD_ROOT:-$PWD}/tests/js stamp
	stamp=$dir/node_modules/.ward-lock.sha256
	command -v node >/dev/null && command -v npm >/dev/null || {
		echo "js_deps: node and npm are needed (packaging/deps.sh)" >&2
		return 1
	}
	(
		flock -x 9
		want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
		[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
		npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2 || exit 1
		echo "$want" >"$stamp"
	) 9>"${TMPDIR:-/tmp}/ward-js-deps.lock"
}
