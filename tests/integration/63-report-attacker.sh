#!/usr/bin/env bash
# The attacker: root on the desk after record n is durable, with a copy of
# the whole state directory (identity key, ratchet state, log) and nothing
# else (tests/lib/report-attack.py, written without Ward's code).  Whatever
# they do to records <= n, `wardctl verify` names it, with the seq, and the
# collector (stand-in) refuses or flags it:
#   alter, forge with the current ratchet key (old index or its own), sign
#   with the identity key  -> forgery; the collector rejects it
#   drop                   -> gap; the collector holds what follows
#   reorder                -> reorder; the collector sees it arrive out of order
#   alter a record already delivered and make the sender send it again
#                          -> the collector keeps both: a conflict
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report.sh
report_needs

report_init wsna
n=300
k=150

check "a user of its own for the sender" report_user "$user"
check "a CA and a server certificate" report_pki "$work/pki" 127.0.0.1
check "the desk writes $n records in many groups (many ratchet keys)" \
	"$chain" --state "$work/desk" --count $n --threads 4 --durable --group "$user" --heartbeat
cp -a "$work/desk" "$work/stolen"
state_index=$(python3 -c "import struct,sys; print(struct.unpack('<Q', open(sys.argv[1],'rb').read()[8:16])[0])" \
	"$work/stolen/keys/ratchet.state")
diag "the stolen ratchet state holds key $state_index"
check "the stolen state's key signed none of the records" \
	test "$state_index" -gt "$(sed -n '$p' "$work/stolen/log"/seg-* | cut -d. -f1 |
		python3 -c "import base64,json,sys; t=sys.stdin.read().strip(); print(json.loads(base64.urlsafe_b64decode(t+'='*(-len(t)%4)))['kid'].split('/r')[1])")"

# A collector of its own for one case: the stand-in on a fresh store.
case_collector() {
	local dir=$work/col-$1
	mkdir -p "$dir" && cp "$work/pki"/{ca.pem,ca.key,server.pem,server.key} "$dir/" &&
		port=$((port + 1)) && standin_start "$dir" "$port" tok-$$ &&
		"$wardctl" enroll "https://127.0.0.1:$port" tok-$$ --ca-file "$dir/ca.pem" \
			--user "$user" --state-dir "$work/$1" >/dev/null
}
# What the collector answered for one seq, each time it was sent.
results() { sqlite3 "$work/col-$1/store.db" "SELECT status FROM results WHERE seq=$2" | tr '\n' ' '; }
# The same, each answer once.
verdicts() { sqlite3 "$work/col-$1/store.db" "SELECT DISTINCT status FROM results WHERE seq=$2" | tr '\n' ' '; }
stored() { sqlite3 "$work/col-$1/store.db" 'SELECT count(*) FROM records'; }

# attack NAME KIND VERIFY_KIND: the attack on record k of a copy.
attack() {
	local name=$1 kind=$2 want=$3 first
	cp -a "$work/stolen" "$work/$name"
	check "$name: the attacker rewrites the log" python3 tests/lib/report-attack.py "$work/$name" "$kind" $k
	check_fails "$name: wardctl verify fails" "$wardctl" verify "$work/$name"
	first=$("$wardctl" verify "$work/$name" | head -1 | cut -d: -f1)
	check_eq "$name: wardctl verify names it" "$want seq $k" "$first"
	check "$name: a collector" case_collector "$name"
	REPORT_STATE=$work/$name "$sender" --once --state-dir "$work/$name" --user "$user" 2>/dev/null
}

for kind in alter forge forge-now identity; do
	attack "$kind" "$kind" forgery
	check_eq "$kind: the collector rejects record $k, each time" "rejected " "$(verdicts "$kind" $k)"
	check_eq "$kind: and stores only what came before it" $((k - 1)) "$(stored "$kind")"
	check "$kind: the sender reports the rejection" grep -q "rejected seq $k" "$work/$kind/spool/alerts"
	check_eq "$kind: nothing past it is acknowledged" $((k - 1)) "$(cut -d' ' -f1 "$work/$kind/spool/acked")"
done

attack drop drop gap
check_eq "drop: the collector holds the record after the gap" "held " "$(verdicts drop $((k + 1)))"
check_eq "drop: and stores only what came before it" $((k - 1)) "$(stored drop)"
check_eq "drop: nothing past the gap is acknowledged" $((k - 1)) "$(cut -d' ' -f1 "$work/drop/spool/acked")"

attack reorder reorder reorder
check_eq "reorder: the collector first holds the record that came too early" "held stored " \
	"$(results reorder $((k + 1)))"
check "reorder: the sender reports the local log out of order" grep -q "out of order" \
	"$work/reorder/spool/alerts"

# A record already at the collector, altered, sent again.
cp -a "$work/stolen" "$work/redo"
check "redo: a collector" case_collector redo
check "redo: everything delivered" "$sender" --once --state-dir "$work/redo" --user "$user"
check_eq "redo: $n stored" $n "$(stored redo)"
check "redo: the attacker alters record $k" python3 tests/lib/report-attack.py "$work/redo" alter $k
prev=$(sed -n "$((k - 1))p" "$work/redo/log"/seg-* | tr -d '\n' | sha256sum | cut -d' ' -f1)
echo "$((k - 1)) $prev" >"$work/redo/spool/acked"
"$sender" --once --state-dir "$work/redo" --user "$user" 2>/dev/null
check_eq "redo: the collector keeps both versions: a conflict" "stored conflict " "$(results redo $k)"
check_eq "redo: the altered version is kept as evidence" 1 \
	"$(sqlite3 "$work/col-redo/store.db" "SELECT count(*) FROM conflicts WHERE seq=$k")"
check_eq "redo: the stored record is still the original" \
	"$(sed -n "${k}p" "$work/stolen/log"/seg-* | tr -d '\n' | sha256sum | cut -d' ' -f1)" \
	"$(sqlite3 "$work/col-redo/store.db" "SELECT hex(hash) FROM records WHERE seq=$k" | tr A-F a-f)"

check "the untouched copy still verifies" "$wardctl" verify "$work/stolen"
done_testing
