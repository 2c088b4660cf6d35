#!/usr/bin/env bash
# packaging/own-objects.sh DIR: of the objects kept in DIR between package
# builds (the BUILD= of `make deb` and `make rpm`), keeps only those its own
# builds compiled.  make learns an object's headers from its .d file, which
# names the object by the path it was compiled at: an object copied in from
# another build directory (or left by a tree since moved) would never be
# compiled again when a header changes, and the package would link it with
# a stale layout of the structures that header defines.
set -eu
dir=$(realpath -m "$1")
[ -d "$dir/obj" ] || exit 0
find "$dir/obj" -name '*.o' -print0 | while IFS= read -r -d '' o; do
	d=${o%.o}.d
	if [ ! -f "$d" ] || [ "$(sed -n '1s/:.*//p' "$d")" != "$o" ]; then
		rm -f "$o" "$d"
	fi
done
