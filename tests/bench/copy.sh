#!/usr/bin/env bash
# Copying to an exFAT stick with wardd running, as ratios to the same copy
# with no agent, measured in the same run (tests/bench/run.sh runs it).
# Each copy is `cp -r` and the file manager's way (`gio copy`, a folder at
# a time), then synced; each figure is the best of BENCH_COPY_RUNS (2) runs,
# since other work on the machine only ever adds time.
#
#  1. office: about 1 GB of unique unmarked office documents (docx, odt,
#     xlsx, pdf, txt; 50 KB - 8 MB; tests/bench/copy-sets.py, made once by
#     LibreOffice into $BENCH_CACHE)
#       written while wardd runs (copied to the internal disk first), then
#       copied to the stick: target >= 90%; the same again: >= 95%;
#       never seen by wardd (written while it was stopped): >= 50%.
#     open() -> EPERM for a marked document while the set is copied
#     (median, p99 < 50 ms).
#  2. small: 2,000 files of 4-64 KB, written while wardd runs: >= 90%.
#  3. media: one 2 GB video file, written while wardd runs: >= 95%.
#  4. wardd's resident memory idle (<= 16 MB), and what the background
#     classifier costs a CPU-bound job (both cores) while it classifies the
#     office set: the job's slowdown (< 5%) and the classifier's CPU share.
#
# Every row copies from the page cache, none from the disk: a document a
# person copies was usually just made or just looked at, and a copy that
# reads the internal disk measures that disk (and whatever else the shared
# machine asks of it) rather than wardd.  The sets made once are read in
# full before each copy that uses them (`warm`), always while wardd is
# stopped (an open while it runs with a stick mounted teaches it the file);
# the rows with wardd running copy files written or copied a moment
# before.  Caches are not dropped: that would slow every other process
# on the machine and make the runs depend on them.  Each set ends with
# how much of its sources was resident after the copies (`fincore`).
# A copy that fails prints FAILED in its row and the script exits 1.
#
# Environment: BENCH_CACHE (build/bench-cache/copy-v1), BENCH_COPY_RUNS,
# BENCH_COPY_SETS (office small media background: one run each holds the
# test bed for less time), BENCH_IDLE_WAIT (s, 600: how long the set
# written may take to be known),
# BENCH_OFFICE_MB (the office set's first documents up to that many MB, for
# a shorter run on a busy machine; the whole set when unset).
set -u
cd "$(dirname "$0")/../.."
source tests/lib/usbstick.sh
source tests/bench/wardd.bash
# Each start with a state directory of its own: nothing known from before.
fresh_wardd() { WARDD_STATE_DIR=$(mktemp -d "$WORK/state.XXXXXX") start_wardd "$@"; }
WARD_BUILD=${WARD_BUILD:-build}
BIN=$WARD_BUILD/bench
CACHE=${BENCH_CACHE:-$WARD_BUILD/bench-cache/copy-v1}
RUNS=${BENCH_COPY_RUNS:-2}
SETS=${BENCH_COPY_SETS:-office small media background}
IDLE_WAIT=${BENCH_IDLE_WAIT:-600}
FAILED=0
mkdir -p "$BIN" "$CACHE"
cc -O2 -Wall -Wextra -Werror -o "$BIN/agent-openbench" tests/bench/agent-openbench.c || exit 1
command -v gio >/dev/null || { echo "copy.sh: gio (libglib2.0-bin) is missing" >&2; exit 1; }

# ---- the workloads, made once ----
# A set's revision, raised when copy-sets.py makes it differently (its
# .done file holds it; an empty one is revision 1): media 2 is the MP4
# whose boxes tile the file.
declare -A SET_REV=([office]=1 [small]=1 [media]=2)
set_rev() { local r; r=$(cat "$CACHE/$1.done" 2>/dev/null) || { echo none; return; }; echo "${r:-1}"; }
set_made() { [ "$(set_rev "$1")" = "${SET_REV[$1]}" ]; }
for set in $SETS; do
	[ "$set" = background ] || set_made "$set" && continue
	echo "# making the $set set in $CACHE/$set (once)"
	rm -rf "${CACHE:?}/$set" && mkdir -p "$CACHE/$set"
	python3 tests/bench/copy-sets.py "$set" "$CACHE/$set" || exit 1
	if [ "$set" = office ]; then
		marked=$(find "$CACHE/office" -type f -print0 | xargs -0 "$WARD_BUILD/wardctl" classify |
			grep -vc ': none; ')
		[ "$marked" = 0 ] || { echo "copy.sh: $marked generated documents are not plain unmarked" >&2; exit 1; }
	fi
	if [ "$set" = media ]; then # the default policy blocks what cannot be inspected
		verdict=$("$WARD_BUILD/wardctl" classify "$CACHE/media/video.mp4")
		case $verdict in
		*": none; video/mp4 "*) ;;
		*) echo "copy.sh: the video is not a plain unmarked MP4: $verdict" >&2; exit 1 ;;
		esac
	fi
	echo "${SET_REV[$set]}" >"$CACHE/$set.done"
done

# The work directory is on the internal disk (wardd watches it, tmpfs it
# would not), made once the bed is ours: nothing is left behind by a
# benchmark stopped while it waits.
testbed_init || exit 1
WORK=$(mktemp -d /var/tmp/ward-copybench.XXXXXX)
cleanup() {
	stop_wardd
	rm -rf "$WORK"
}
testbed_on_exit cleanup
stick_insert BENCH --fs exfat --size 3G --serial COPY0001 >/dev/null || exit 1
STICK=$(stick_mnt BENCH)
blockdev --setrw "$(stick_dev BENCH)" 2>/dev/null
# The stick's image is sparse: the first write to each of its blocks costs
# more than any later one, which would make whichever copy comes first (no
# agent) the slowest.  Written whole once, before anything is timed.
dd if=/dev/zero of="$STICK/fill" bs=1M count=2900 status=none 2>/dev/null
rm -f "$STICK/fill"
sync -f "$STICK"
# exfat-fuse gives the clusters back once the file's release is done, a
# moment after the unlink: no copy before they are free again.
for i in $(seq 1 600); do
	[ "$(df --output=pcent "$STICK" | tail -1 | tr -dc 0-9)" -le 5 ] && break
	sleep 0.1
done
[ "$(df --output=pcent "$STICK" | tail -1 | tr -dc 0-9)" -le 5 ] ||
	{ echo "copy.sh: the stick's space did not come back after it was written whole" >&2; exit 1; }

# Seconds until wardd knows every file of DIR by its version (the
# background classifier's work), or "timeout".  Not until that classifier
# is idle: wardd learns every file written on the machine, and on a shared
# one other people's builds keep it busy.
wait_known() {
	local t0=$SECONDS n
	n=$(find "$1" -type f | wc -l)
	while [ "$(find "$1" -type f -print0 |
		xargs -0 "$WARD_BUILD/wardctl" known --json --config "$WORK/wardd.conf" 2>/dev/null |
		grep -c '"known":true')" != "$n" ]; do
		[ $((SECONDS - t0)) -ge "$IDLE_WAIT" ] && { echo "timeout"; return; }
		sleep 1
	done
	echo $((SECONDS - t0))
}
now_ns() { date +%s%N; }

# warm DIR: every file of DIR read once, into the page cache (wardd stopped).
warm() {
	[ -z "$WARDD_PID" ] || { echo "copy.sh: warm while wardd runs" >&2; return 1; }
	find "$1" -type f -print0 | xargs -0 -r cat >/dev/null
}
# resident DIR...: the share of the files' bytes in the page cache.
resident() {
	find "$@" -type f -print0 | xargs -0 -r fincore -b -n -o RES,SIZE |
		awk '{ r += $1 < $2 ? $1 : $2; s += $2 } END { printf "%.1f%%", s ? 100 * r / s : 0 }'
}

file_bytes() { find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

# copy_once TOOL SRC: seconds for one copy of SRC to the stick, synced, or
# FAILED (and why on stderr) when any file was not copied whole.
copy_once() {
	local tool=$1 src=$2 t0 t1 d failed=$WORK/copy-failed
	rm -rf "$STICK/copy" "$failed"
	sync
	t0=$(now_ns)
	if [ "$tool" = cp ]; then
		cp -r "$src" "$STICK/copy" || : >"$failed"
	else # a file manager: each folder made, then its files copied by GIO
		(cd "$src" && find . -type d) | while IFS= read -r d; do mkdir -p "$STICK/copy/$d" || : >"$failed"; done
		(cd "$src" && find . -type d) | while IFS= read -r d; do
			find "$src/$d" -maxdepth 1 -type f -print0 |
				xargs -0 -r -n 200 sh -c 'gio copy "$@" "'"$STICK/copy/$d"'/"' gio ||
				: >"$failed"
		done
	fi
	sync -f "$STICK/copy" || : >"$failed"
	t1=$(now_ns)
	# What a quarantine took back after the copy counts as not copied.
	[ -e "$failed" ] || [ "$(file_bytes "$src")" = "$(file_bytes "$STICK/copy")" ] || : >"$failed"
	rm -rf "$STICK/copy"
	sync -f "$STICK"
	if [ -e "$failed" ]; then
		echo "copy.sh: $tool of $src failed" >&2
		echo FAILED
		return 1
	fi
	awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}
best() { # TOOL SRC: the best of RUNS copies, FAILED if any failed
	local b= s i
	for i in $(seq 1 "$RUNS"); do
		s=$(copy_once "$1" "$2") || { echo FAILED; return 1; }
		b=$(awk -v a="$b" -v s="$s" 'BEGIN { print (a == "" || s < a) ? s : a }')
	done
	echo "$b"
}
ok() { [ -n "$1" ] && [ "$1" != FAILED ]; }
pct() { if ok "$1" && ok "$2"; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; else echo FAILED; fi; }
mbps() { if ok "$2"; then awk -v mb="$1" -v s="$2" 'BEGIN { printf "%.0f", mb / s }'; else echo FAILED; fi; }
row() { printf '| %-44s | %8s | %8s | %8s | %8s | %6s |\n' "$@"; }
# figure LABEL CP_S GIO_S TARGET: a row against the no-agent copies $c0 and
# $g0 of $mb MB (the caller's); a failed copy fails the benchmark.
figure() {
	ok "$2" && { [ "$3" = - ] || ok "$3"; } || FAILED=1
	row "$1" "${2:-FAILED}" "$(mbps "$mb" "$2")" "$(pct "$c0" "$2")" \
		"$([ "$3" = - ] && echo - || pct "$g0" "$3")" "$4"
}
header() {
	row "$1" "cp s" "cp MB/s" "cp %" "gio %" "target"
	printf '|%s|\n' "----------------------------------------------|----------|----------|----------|----------|-------"
}

# office_source: the office set, or its first $BENCH_OFFICE_MB MB as hard
# links beside it (the same inodes: never seen by wardd either).
office_source() {
	local cap=${BENCH_OFFICE_MB:-} dir total=0 f size
	if [ -z "$cap" ]; then
		echo "$CACHE/office"
		return
	fi
	dir=$CACHE/office-$cap
	if [ ! -f "$dir.done" ]; then
		rm -rf "$dir" && mkdir -p "$dir" || return 1
		for f in $(cd "$CACHE/office" && ls | sort -t- -k2); do
			size=$(stat -c %s "$CACHE/office/$f")
			[ $((total + size)) -gt $((cap * 1024 * 1024)) ] && continue
			ln "$CACHE/office/$f" "$dir/$f" || return 1
			total=$((total + size))
		done
		touch "$dir.done"
	fi
	echo "$dir"
}

# ---- 1. office documents ----
office() {
	local src mb n c0 g0 c1 g1 c2 g2 c3 g3 w1 idle lat
	src=$(office_source) || return 1
	mb=$(du -sm "$src" | cut -f1)
	n=$(find "$src" -type f | wc -l)
	echo "# 1. office: $n documents, $mb MB ($(cd "$src" && ls | sed 's/.*\.//' | sort | uniq -c | tr '\n' ' '))"
	warm "$src" || return 1
	c0=$(best cp "$src") g0=$(best gio "$src")
	# Never seen: a fresh wardd, nothing crawled, the set written before.
	warm "$src" || return 1
	fresh_wardd || return 1
	c3=$(copy_once cp "$src")
	stop_wardd
	warm "$src" || return 1
	fresh_wardd || return 1
	g3=$(copy_once gio "$src")
	# Written while wardd runs: people copy what they made.
	cp -r "$src" "$WORK/office"
	idle=$(wait_known "$WORK/office")
	w1=$(wardd_field classified_for_copy)
	c1=$(copy_once cp "$WORK/office")
	w1=$(($(wardd_field classified_for_copy) - w1))
	c2=$(best cp "$WORK/office")
	g2=$(best gio "$WORK/office")
	stop_wardd
	fresh_wardd || return 1
	cp -r "$src" "$WORK/office2"
	wait_known "$WORK/office2" >/dev/null
	g1=$(copy_once gio "$WORK/office2")
	# open() -> EPERM while the set is copied (a separate, untimed copy).
	cp tests/corpus/office/header-mi.odt "$WORK/marked.odt"
	mkdir -p "$STICK/lat"
	"$BIN/agent-openbench" eperm-dest "$WORK/marked.odt" "$STICK/lat" 200 20 >"$WORK/lat" &
	local lp=$! l_med=FAILED l_p99=FAILED l_wrong=
	copy_once cp "$WORK/office" >/dev/null || FAILED=1
	wait $lp
	read -r l_med l_p99 l_wrong <"$WORK/lat"
	[ "${l_wrong:-1}" = 0 ] || FAILED=1
	stop_wardd
	local res
	res=$(resident "$src" "$WORK/office" "$WORK/office2")
	rm -rf "$WORK/office2" "$STICK/lat"

	header "office documents, $mb MB"
	figure "no agent" "$c0" "$g0" ""
	figure "wardd, written while it ran (known after ${idle}s)" "$c1" "$g1" ">= 90%"
	figure "wardd, the same again" "$c2" "$g2" ">= 95%"
	figure "wardd, never seen (written while stopped)" "$c3" "$g3" ">= 50%"
	echo "# documents classified while cp waited, written while wardd ran: $w1 of $n"
	echo "# sources resident in the page cache after the copies: $res"
	echo "# open() -> EPERM of a marked document during the copy (200 opens, 20 ms apart):" \
		"median $(awk -v u="$l_med" 'BEGIN{printf "%.1f", u/1000}') ms," \
		"p99 $(awk -v u="$l_p99" 'BEGIN{printf "%.1f", u/1000}') ms, not EPERM: $l_wrong (target p99 < 50 ms)"
	echo
	OFFICE_WORK=$WORK/office
}

# ---- 2. small files ----
small() {
	local src=$CACHE/small mb n c0 g0 c1 g1 c2 g2 idle
	mb=$(du -sm "$src" | cut -f1)
	n=$(find "$src" -type f | wc -l)
	warm "$src" || return 1
	c0=$(best cp "$src") g0=$(best gio "$src")
	fresh_wardd || return 1
	cp -r "$src" "$WORK/small"
	idle=$(wait_known "$WORK/small")
	c1=$(copy_once cp "$WORK/small")
	g1=$(copy_once gio "$WORK/small")
	c2=$(best cp "$WORK/small") g2=$(best gio "$WORK/small")
	stop_wardd
	local res
	res=$(resident "$src" "$WORK/small")
	rm -rf "$WORK/small"
	header "$n small files (4-64 KB), $mb MB"
	figure "no agent" "$c0" "$g0" ""
	figure "wardd, written while it ran (known after ${idle}s)" "$c1" "$g1" ">= 90%"
	figure "wardd, the same again" "$c2" "$g2" ""
	echo "# sources resident in the page cache after the copies: $res"
	echo
}

# ---- 3. one large video ----
media() {
	local src=$CACHE/media mb c0 g0 c1 g1 c3 idle
	mb=$(du -sm "$src" | cut -f1)
	warm "$src" || return 1
	c0=$(best cp "$src") g0=$(best gio "$src")
	warm "$src" || return 1
	fresh_wardd || return 1
	c3=$(copy_once cp "$src")
	cp -r "$src" "$WORK/media"
	idle=$(wait_known "$WORK/media")
	c1=$(best cp "$WORK/media") g1=$(best gio "$WORK/media")
	stop_wardd
	local res
	res=$(resident "$src" "$WORK/media")
	rm -rf "$WORK/media"
	header "one video file, $mb MB"
	figure "no agent" "$c0" "$g0" ""
	figure "wardd, written while it ran (known after ${idle}s)" "$c1" "$g1" ">= 95%"
	figure "wardd, never seen" "$c3" - ""
	echo "# sources resident in the page cache after the copies: $res"
	echo
}

# ---- 4. memory, and the background classifier beside a user's job ----
cpu_ticks() { # utime + stime of a process and its children's live ones
	local p t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo $t
}
spin_job() { # the work a CPU-bound job on both cores gets done in 10 s
	("$BIN/agent-openbench" spin 10 & "$BIN/agent-openbench" spin 10; wait) |
		awk '{s += $1} END {print s}'
}
background() {
	local rss job0 job0a job0b job1 t0 t1 share src=${OFFICE_WORK:-$(office_source)}
	fresh_wardd || return 1
	sleep 2
	rss=$(rss_kb "$WARDD_PID" VmRSS)
	# The job with the agent idle before and after the one while it
	# crawls the set, compared with their mean: the machine's other work
	# changes over a minute, and this way it weighs on both sides alike.
	job0a=$(spin_job)
	stop_wardd
	fresh_wardd "$src" || return 1
	sleep 6 # the crawl starts 5 s after start
	t0=$(cpu_ticks "$WARDD_PID" $(pgrep -P "$WARDD_PID"))
	job1=$(spin_job)
	t1=$(cpu_ticks "$WARDD_PID" $(pgrep -P "$WARDD_PID"))
	local crawled
	crawled=$(wardd_field crawled)
	stop_wardd
	fresh_wardd || return 1
	job0b=$(spin_job)
	stop_wardd
	job0=$(awk -v a="$job0a" -v b="$job0b" 'BEGIN { printf "%.0f", (a + b) / 2 }')
	share=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f%%", 100 * d / hz / (10 * 2) }')
	printf '| %-56s | %10s |\n' "wardd and the background classifier" "figure"
	printf '|%s|\n' "----------------------------------------------------------|-----------"
	printf '| %-56s | %10s |\n' "resident memory idle, stick mounted (MB; target <= 16)" \
		"$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')"
	printf '| %-56s | %10s |\n' "CPU-bound job on both cores, slowdown while it crawls" \
		"$(awk -v a="$job0" -v b="$job1" 'BEGIN { printf "%.1f%%", 100 * (a - b) / a }')"
	printf '| %-56s | %10s |\n' "background classifier's CPU share meanwhile (of 2 cores)" "$share"
	printf '| %-56s | %10s |\n' "documents it classified in those 10 s" "$crawled"
	echo "# the job idle before and after: $(awk -v a="$job0a" -v b="$job0b" 'BEGIN { printf "%.1f%%", 100 * (b - a) / a }') apart (the machine's own noise)"
	echo "# target: the job slows by < 5% (SCHED_IDLE and the idle I/O class)"
}

for set in $SETS; do
	"$set" || { FAILED=1; echo "copy.sh: the $set part FAILED" >&2; }
done
exit "$FAILED"
