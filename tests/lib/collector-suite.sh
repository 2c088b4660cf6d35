# The collector's ingest suite, one script for both databases: sourced by
# tests/integration/70-collector-sqlite.sh and 71-collector-postgres.sh
# with COLL_BACKEND set.  Real HTTPS on loopback, real record logs
# (report-chain), real client certificates.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tests/lib/tap.sh
. tests/lib/collector.sh

leaves() { coll_sql "SELECT count(*) FROM leaves"; }
alerts() { coll_sql "SELECT count(*) FROM alerts WHERE kind = '$1'"; }
contiguous() { jq -r .contiguous_seq "$COLL_DIR/reply"; }
receipts_ok() {
	"$COLL_CLIENT" receipts "$COLL_DIR/reply" "$COLL_DIR/sent" "$COLL_VKEY" "$@" >/dev/null
}

coll_init "$COLL_BACKEND" || { not_ok "set up $COLL_BACKEND"; done_testing; exit 1; }
check "the collector starts on $COLL_BACKEND and creates its CA and keys" coll_start
check "its CA is ECDSA P-256" bash -c "openssl x509 -in '$COLL_CA' -noout -text | grep -q 'NIST CURVE: P-256'"
check "its checkpoint key is a signed-note verifier key" grep -q '^ward-collector/.*+[0-9a-f]\{8\}+' <<<"$COLL_VKEY"

# Enrollment: the token is one-time and checked.
check "an agent with a fresh token enrolls" coll_agent alice 12
# A twin of alice's state directory after record 12 (an attacker's copy:
# the same ratchet seed) goes its own way: records 13'-21'.
cp -a "$COLL_DIR/agents/alice/state" "$COLL_DIR/twin"
# The log may end with a record closing the last group (key rotation):
# the twin's own records start after the copy's durable head.
twin_first=$(($(cut -d' ' -f1 "$COLL_DIR/twin/log/durable") + 1))
"$COLL_CHAIN" --state "$COLL_DIR/agents/alice/state" --count 28 >/dev/null
"$COLL_CHAIN" --state "$COLL_DIR/twin" --count 9 >/dev/null
twin() { cat "$COLL_DIR/twin"/log/seg-*.jws | sed -n "$1p"; }
check "its client certificate names the agent" \
	bash -c "openssl x509 -in '$COLL_DIR/agents/alice/agent/client.pem' -noout -subject | grep -q \"\$(jq -r .agent_id '$COLL_DIR/agents/alice/agent/enroll.json')\""
mkdir -p "$COLL_DIR/agents/mallory/agent"
"$COLL_CHAIN" --state "$COLL_DIR/agents/mallory/state" --count 3 >/dev/null
check_fails "a made-up token is refused" "$COLL_CLIENT" enroll "$COLL_URL" "0011223344556677.bad" \
	"$COLL_DIR/agents/mallory/state" "$COLL_DIR/agents/mallory/agent" "$COLL_CA"
tok=$(coll_admin token create)
check_fails "an identity enrolled already cannot enroll again" "$COLL_CLIENT" enroll "$COLL_URL" \
	"$tok" "$COLL_DIR/agents/alice/state" "$COLL_DIR/agents/mallory/agent" "$COLL_CA"
check "the token that enrollment did not use still works" "$COLL_CLIENT" enroll "$COLL_URL" \
	"$tok" "$COLL_DIR/agents/mallory/state" "$COLL_DIR/agents/mallory/agent" "$COLL_CA"
"$COLL_CHAIN" --state "$COLL_DIR/agents/eve" --count 1 >/dev/null
check_fails "a used token is refused" "$COLL_CLIENT" enroll "$COLL_URL" "$tok" \
	"$COLL_DIR/agents/eve" "$COLL_DIR/agents/mallory" "$COLL_CA"
expired=$(coll_admin token create --ttl 0)
check_fails "an expired token is refused" "$COLL_CLIENT" enroll "$COLL_URL" "$expired" \
	"$COLL_DIR/agents/eve" "$COLL_DIR/agents/mallory" "$COLL_CA"
check "tokens are kept only as hashes" test -z "$(coll_sql "SELECT token_id FROM tokens WHERE secret_hash = '${expired#*.}'")"
check_eq "only the two good enrollments created agents" 2 "$(coll_sql 'SELECT count(*) FROM agents')"

# Records 1-5: stored, with receipts the client checks.
coll_post alice 1 5
check_eq "records 1-5 are stored" "stored,stored,stored,stored,stored" "$(coll_statuses)"
check_eq "contiguous_seq is 5" 5 "$(contiguous)"
check "every receipt verifies (inclusion, checkpoint signature)" receipts_ok
jq -j .checkpoint "$COLL_DIR/reply" >"$COLL_DIR/cp5"
check_eq "five leaves kept" 5 "$(leaves)"

# Replay: the same records again are duplicates, nothing stored twice.
coll_post alice 1 5 5
check_eq "a replayed batch is acknowledged as duplicates" "duplicate,duplicate,duplicate,duplicate,duplicate" "$(coll_statuses)"
check "duplicates carry receipts too, consistent with the old checkpoint" receipts_ok "$COLL_DIR/cp5"
check_eq "nothing stored twice" 5 "$(leaves)"

# Forged signature: record 6 with one signature character changed (in
# the middle, so the base64url stays canonical).
rec6=$(coll_records alice | sed -n 6p)
c=${rec6: -20:1}
[ "$c" = A ] && c=B || c=A
printf '%s%s%s\n' "${rec6:0:${#rec6}-20}" "$c" "${rec6: -19}" >"$COLL_DIR/forged"
jq -R -s -c '{records: split("\n") | map(select(length > 0))}' "$COLL_DIR/forged" >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check_eq "a forged record is rejected" rejected "$(coll_statuses)"
check "with the reason forgery" grep -q "^forgery" <(jq -r '.results[0].reason' "$COLL_DIR/reply")
check_eq "and not stored" 5 "$(leaves)"
check_eq "a forgery alert is raised" 1 "$(alerts forgery)"

# Reorder: 8, 7, 6 in one batch end stored in order.
coll_records alice | sed -n '6,8p' | tac >"$COLL_DIR/sent"
jq -R -s -c '{records: split("\n") | map(select(length > 0))}' "$COLL_DIR/sent" >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check_eq "a reordered batch: later seqs held, then all verified" "held,held,stored" "$(coll_statuses)"
check_eq "contiguous_seq is 8 after the reorder" 8 "$(contiguous)"
check_eq "held records became stored once verified" 0 "$(coll_sql "SELECT count(*) FROM chain WHERE status <> 'stored'")"
check "receipts of held records verify" receipts_ok

# Gap: 10 before 9.
coll_post alice 10 10
check_eq "a record after a gap is held" held "$(coll_statuses)"
check_eq "the chain still ends at 8" 8 "$(contiguous)"
check_eq "a gap alert is raised (a reorder within a batch raises none)" 1 "$(alerts gap)"
coll_post alice 9 9
check_eq "the missing record fills the gap; the chain reaches 10" 10 "$(contiguous)"

# A forged record held past a gap fails when the gap closes; it does not
# keep the real record from its seq.
rec12=$(coll_records alice | sed -n 12p)
c=${rec12: -20:1}
[ "$c" = A ] && c=B || c=A
printf '%s%s%s\n' "${rec12:0:${#rec12}-20}" "$c" "${rec12: -19}" >"$COLL_DIR/sent"
jq -R -s -c '{records: split("\n") | map(select(length > 0))}' "$COLL_DIR/sent" >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check_eq "a forged record past a gap is held (not yet verifiable)" held "$(coll_statuses)"
coll_post alice 11 11
check_eq "when the gap closes it fails: an invalid-held alert" 1 "$(alerts invalid-held)"
check_eq "the chain stops before it" 11 "$(contiguous)"
coll_post alice 12 12
check_eq "the real record takes its seq" stored "$(coll_statuses)"
check_eq "and the chain goes on" 12 "$(contiguous)"

# Fork: the twin's records.  13' at a seq already kept is a conflict
# (both kept); 21' at head + 1 with another prev is a fork (rejected).
# (13 and 21 when the copy ended at 12: twin_first and 21 in general.)
coll_post alice 11 20
check_eq "records 11-20 are stored" 20 "$(contiguous)"
post_lines() {
	printf '%s\n' "$@" >"$COLL_DIR/sent"
	jq -R -s -c '{records: split("\n") | map(select(length > 0))}' "$COLL_DIR/sent" >"$COLL_DIR/body"
	coll_post_body alice "$COLL_DIR/body"
}
before=$(leaves)
post_lines "$(twin "$twin_first")"
check_eq "a different record at a kept seq is a conflict" conflict "$(coll_statuses)"
check_eq "the second version is kept as evidence beside the first" $((before + 1)) "$(leaves)"
check_eq "a conflict alert is raised" 1 "$(alerts conflict)"
check "the conflict's receipt verifies" receipts_ok
post_lines "$(twin 21)"
check_eq "a record at head + 1 whose prev is another chain's is rejected" rejected "$(coll_statuses)"
check "with the reason fork" grep -q fork <(jq -r '.results[0].reason' "$COLL_DIR/reply")
check_eq "a fork alert is raised" 1 "$(alerts fork)"
check_eq "the fork is not stored" $((before + 1)) "$(leaves)"
check_eq "the chain still ends at 20" 20 "$(contiguous)"

# Malformed and oversized input: clear errors, nothing stored.
before=$(leaves)
echo '{"records": [' >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check "malformed JSON is a 400 with a reason" grep -q '"malformed"' "$COLL_DIR/reply"
echo '{"records": ["not.a.jws", "x"]}' >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check_eq "records that are not JWS are rejected one by one" "rejected,rejected" "$(coll_statuses)"
jq -n -c '{records: [range(501) | "x"]}' >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check "a batch of 501 records is refused (413)" grep -q '"batch-too-large"' "$COLL_DIR/reply"
head -c 5000000 /dev/zero | tr '\0' 'a' | jq -R -s -c '{records: [.]}' >"$COLL_DIR/body"
coll_post_body alice "$COLL_DIR/body"
check "a body over 4 MiB is refused (413)" grep -q "HTTP 413" "$COLL_DIR/reply.err"
check_eq "nothing was stored from bad input" "$before" "$(leaves)"

# Unknown agents: no certificate, or one from another CA.
echo '{"records": []}' >"$COLL_DIR/body"
check_fails "a batch without a client certificate is refused" "$COLL_CLIENT" post "$COLL_URL" /v1/records "$COLL_DIR/none" "$COLL_CA" "$COLL_DIR/body"
mkdir -p "$COLL_DIR/other"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=$(jq -r .agent_id "$COLL_DIR/agents/alice/agent/enroll.json")" \
	-keyout "$COLL_DIR/other/client.key" -out "$COLL_DIR/other/client.pem" 2>/dev/null
check_fails "a certificate from another CA (an unknown agent) is refused" "$COLL_CLIENT" post "$COLL_URL" /v1/records "$COLL_DIR/other" "$COLL_CA" "$COLL_DIR/body"
check "the refusal says a certificate is required" grep -q certificate <("$COLL_CLIENT" post "$COLL_URL" /v1/records "$COLL_DIR/other" "$COLL_CA" "$COLL_DIR/body" 2>&1)

# Heartbeats: a consistent one, then one whose head contradicts the records.
head_hash=$(coll_sql "SELECT hash FROM chain WHERE seq = 20")
agent_id=$(jq -r .agent_id "$COLL_DIR/agents/alice/agent/enroll.json")
hb=$("$COLL_CLIENT" heartbeat "$COLL_DIR/agents/alice/state" 20 "$head_hash" boot1 "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)")
jq -n -c --arg h "$hb" '{heartbeat: $h, known_size: 0}' >"$COLL_DIR/body"
check "a heartbeat is accepted" "$COLL_CLIENT" post "$COLL_URL" /v1/heartbeat "$COLL_DIR/agents/alice/agent" "$COLL_CA" "$COLL_DIR/body"
check_eq "no contradiction for a true heartbeat" 0 "$(alerts contradiction)"
hb=$("$COLL_CLIENT" heartbeat "$COLL_DIR/agents/alice/state" 3 "$head_hash" boot1 "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)")
jq -n -c --arg h "$hb" '{heartbeat: $h}' >"$COLL_DIR/body"
"$COLL_CLIENT" post "$COLL_URL" /v1/heartbeat "$COLL_DIR/agents/alice/agent" "$COLL_CA" "$COLL_DIR/body" >/dev/null 2>&1
check "a heartbeat claiming a shorter chain is a contradiction alert" test "$(alerts contradiction)" -ge 1

# One chain's batches over two connections at once (a sender retrying
# while its first post is still in flight, or a load balancer): a batch
# that overtakes its predecessor is held, then stored by whichever
# transaction closes the gap; the chain ends gap-free and fully
# acknowledged, nothing left held.
check "an agent for concurrent batches enrolls" coll_agent carol 200
carol_id=$(jq -r .agent_id "$COLL_DIR/agents/carol/agent/enroll.json")
coll_post_batches carol "$COLL_URL" 0 2 200 5 &
even=$!
coll_post_batches carol "$COLL_URL" 1 2 200 5
odd=$?
wait "$even"
check_eq "both connections' batches were answered" "0 0" "$? $odd"
check_eq "seqs 1..200 stored, each once, nothing held" "200 1 200 0" \
	"$(coll_sql "SELECT count(DISTINCT seq) FILTER (WHERE status = 'stored') || ' ' || min(seq) || ' ' || max(seq) || ' ' || count(*) FILTER (WHERE status <> 'stored') FROM chain WHERE agent_id = '$carol_id'")"
check_eq "its head is its last record" 200 "$(coll_sql "SELECT head_seq FROM agents WHERE agent_id = '$carol_id'")"
check_eq "acknowledged up to its last seq" 200 "$(coll_acked carol)"
check_eq "one leaf per record" 200 "$(coll_sql "SELECT count(*) FROM leaves WHERE agent_id = '$carol_id'")"

# admin verify: clean, then a row changed behind the collector's back.
check "admin verify finds nothing in an honest database" coll_admin verify
mkdir -p "$COLL_DIR/bundle"
check "an evidence bundle is exported" coll_admin export "$COLL_DIR/bundle" --agent "$agent_id"
. tests/lib/npm.sh
if js_deps; then
	ln -s "$PWD/tests/js/node_modules" "$COLL_DIR/bundle/node_modules"
	check "the bundle verifies with jose (node verify.mjs)" node "$COLL_DIR/bundle/verify.mjs"
else
	not_ok "npm ci for the bundle check"
fi

# The console's first administrator: a one-time password printed once,
# kept as an Argon2id hash.
otp=$(coll_admin first-admin 政風處管理員)
check "the first administrator gets a one-time password" test -n "$otp"
check_eq "kept as an Argon2id hash, not as the password" 1 \
	"$(coll_sql "SELECT count(*) FROM users WHERE role = 'administrator' AND pw_hash LIKE '\$argon2id\$%' AND pw_hash NOT LIKE '%$otp%'")"
coll_admin first-admin other >/dev/null
check_eq "a second first administrator is refused" 3 "$?"

# Revocation: the next batch is refused with its reason.
check "admin revoke" coll_admin revoke "$agent_id"
coll_post alice 21 22
check "a revoked agent's batch is refused" grep -q '"revoked"' "$COLL_DIR/reply"
check_eq "and nothing of it stored" 0 "$(coll_sql "SELECT count(*) FROM chain WHERE agent_id = '$agent_id' AND seq > 20")"

if [ "$COLL_BACKEND" = postgres ]; then
	coll_sql "ALTER TABLE leaves DISABLE TRIGGER ALL; UPDATE leaves SET raw = raw || ' ' WHERE leaf_idx = 3" >/dev/null
else
	coll_sql "DROP TRIGGER leaves_no_update; UPDATE leaves SET raw = raw || ' ' WHERE leaf_idx = 3"
fi
coll_admin verify >"$COLL_DIR/verify.out"
check_eq "admin verify fails on a tampered row" 1 "$?"
check "and names the leaf" grep -q "^leaf 3: stored bytes do not match" "$COLL_DIR/verify.out"
check "and the checkpoints it breaks" grep -q "^checkpoint .*: root differs" "$COLL_DIR/verify.out"

# A CA key that is a symlink is not read (read_file: O_NOFOLLOW) and not
# replaced by a new CA: the collector refuses to start and says why.
coll_stop
mv "$COLL_STATE/ca.key" "$COLL_DIR/ca.key.real"
ln -s "$COLL_DIR/ca.key.real" "$COLL_STATE/ca.key"
timeout 20 "$COLL_BUILD/ward-collector" serve --state-dir "$COLL_STATE" "${COLL_DB_ARGS[@]}" \
	--listen "127.0.0.1:$COLL_PORT" >"$COLL_DIR/refused.log" 2>&1
check_eq "a CA key that is a symlink: the collector does not start" 1 "$?"
check "and says why" grep -q "ca.pem: cannot load or create the CA: Too many levels of symbolic links" "$COLL_DIR/refused.log"
check "and keeps the key it has" bash -c "test -L '$COLL_STATE/ca.key' && test -s '$COLL_DIR/ca.key.real'"
done_testing
