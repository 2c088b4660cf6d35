# The review console's suite over real HTTPS (curl), one script for both
# databases: sourced by tests/integration/74-console-sqlite.sh and
# 75-console-postgres.sh with COLL_BACKEND set.  Desks report real signed
# records (report-chain, the collector's ingest); accounts of every role
# sign in with their own passwords.  What a browser does is
# 76-console-browser.sh's.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tests/lib/tap.sh
. tests/lib/collector.sh
. tests/lib/console.sh

leaves() { coll_sql "SELECT count(*) FROM leaves"; }
reviews() { coll_sql "SELECT count(*) FROM review_actions"; }
listed() { grep -o 'data-count="[0-9]*"' "$COLL_DIR/page" | head -1 | tr -dc 0-9; }
rows_shown() { grep -o '<tr><td><input type="checkbox" name="leaf"' "$COLL_DIR/page" | wc -l; }
has_next() { grep -q '<a rel="next"' "$COLL_DIR/page"; }
# post_all NAME FROM_LINE: every record of NAME's log from that line on.
post_all() { coll_post "$1" "${2:-1}" "$(coll_records "$1" | wc -l)"; }

console_init "$COLL_BACKEND" || { not_ok "set up $COLL_BACKEND"; done_testing; exit 1; }
check "the collector starts with its review console on $COLL_BACKEND" console_start

# Two desks: alice's 20 decisions, and one whose employee and file have
# names that must only ever be shown as text.
check "a desk enrolls and reports 20 decisions" coll_agent alice 20
post_all alice
odd=$COLL_DIR/agents/odd
mkdir -p "$odd/agent"
"$COLL_CHAIN" --state "$odd/state" --count 2 --user "o'brien \"the tester\"" \
	--file '<script>alert(1)</script>.odt' >/dev/null
"$COLL_CHAIN" --state "$odd/state" --count 1 --user mallory --file '=HYPERLINK("http://x").odt' \
	>/dev/null
tok=$(coll_admin token create --label odd)
check "a second desk enrolls" "$COLL_CLIENT" enroll "$COLL_URL" "$tok" "$odd/state" \
	"$odd/agent" "$COLL_CA"
post_all odd
decisions=$(coll_sql "SELECT count(*) FROM leaves WHERE kind = 'decision'")
check_eq "23 decision records at the collector" 23 "$decisions"

# Accounts of each role, each with a password of their own.
check "the first administrator signs in with the one-time password and chooses one" \
	console_account admin administrator 政風處管理員
check_eq "a second first administrator is refused (exit 3)" 3 \
	"$(coll_admin first-admin other >/dev/null; echo $?)"
check "a reviewer" console_account rev reviewer 陳調查員
check "a supervisor (王科長)" console_account sup supervisor 王科長
check "an auditor" console_account aud auditor 審計員
check "the supervisor's signing key is sealed under the password, not stored bare" \
	test "$(coll_sql "SELECT count(*) FROM users WHERE name = 'sup' AND key_box IS NOT NULL AND key_pub IS NOT NULL")" = 1
check_fails "a name shown with quotes is refused (it would break a policy's trust line)" \
	coll_admin user add q reviewer --display 'x"y'

# Anonymous requests get nothing.
anon=$COLL_DIR/anon.jar
rm -f "$anon"
for path in / /incidents /incidents.csv /incident/1 /incident/1/approve /approvals /agents \
	/dashboard /users /periods /password "/bundle?leaf=1" /supervisors.tar.gz; do
	status=$(console_get "$anon" "$path")
	check "anonymous GET $path is sent to sign in ($status), nothing shown" \
		bash -c "[ '$status' = 303 ] && ! grep -q 'alice\|4C530001' '$COLL_DIR/page'"
done
for path in /signout /password /incident/1/state /incident/1/assign /incident/1/comment \
	/incident/1/approve /approvals/x/revoke /agents/tokens /agents/x/department /users \
	/users/rev /periods /periods/1/delete; do
	check_eq "anonymous POST $path is refused" 403 \
		"$(console_curl -o /dev/null -w '%{http_code}' -d x=1 "$CONSOLE_URL$path")"
done
check_eq "the stylesheet is served to anyone" 200 "$(console_get "$anon" /static/console.css)"

# Cookies and headers.
hdr=$COLL_DIR/headers
console_signin "$COLL_DIR/r2.jar" rev "$PW_rev" >/dev/null
cookie=$(grep -i '^set-cookie: __Host-ward_session=' "$hdr")
check "the session cookie is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/" \
	bash -c "grep -q 'Secure' <<<\"$cookie\" && grep -q 'HttpOnly' <<<\"$cookie\" && grep -q 'SameSite=Strict' <<<\"$cookie\" && grep -q 'Path=/;' <<<\"$cookie\""
console_curl -D "$hdr" -o /dev/null -b "$COLL_DIR/rev.jar" "$CONSOLE_URL/incidents"
check "a strict Content-Security-Policy: no inline script or style" \
	bash -c "grep -qi \"^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'\" '$hdr' && ! grep -qi 'unsafe' '$hdr'"
check "frames refused, no referrer to other sites, HSTS, nosniff" \
	bash -c "grep -qi '^x-frame-options: DENY' '$hdr' && grep -qi '^referrer-policy: same-origin' '$hdr' && grep -qi '^strict-transport-security' '$hdr' && grep -qi '^x-content-type-options: nosniff' '$hdr'"
console_get "$COLL_DIR/rev.jar" /incidents >/dev/null
check "pages carry no inline script or style attribute" \
	bash -c "! grep -q '<script>\|<script [^s]\|style=\"\|onclick=' '$COLL_DIR/page'"

# Session fixation: a session id planted before sign-in is never the one
# signed in, and opens nothing.
fix=$COLL_DIR/fix.jar
planted=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
printf '127.0.0.1\tFALSE\t/\tTRUE\t0\t__Host-ward_session\t%s\n' "$planted" >"$fix"
console_get "$fix" /signin "$COLL_DIR/form" >/dev/null
console_curl -b "$fix" -c "$fix" -o /dev/null --data-urlencode "csrf=$(console_csrf "$COLL_DIR/form")" \
	--data-urlencode name=rev --data-urlencode "password=$PW_rev" "$CONSOLE_URL/signin"
check "sign-in gives a new session id, not the planted one" \
	bash -c "grep -q __Host-ward_session '$fix' && ! grep -q '$planted' '$fix'"
printf '127.0.0.1\tFALSE\t/\tTRUE\t0\t__Host-ward_session\t%s\n' "$planted" >"$COLL_DIR/planted.jar"
check_eq "the planted id opens nothing" 303 "$(console_get "$COLL_DIR/planted.jar" /incidents)"

# Traditional Chinese by default, English on request.
console_get "$COLL_DIR/rev.jar" /incidents >/dev/null
check "pages are in Traditional Chinese by default" grep -q '<h1>案件</h1>' "$COLL_DIR/page"
check "with dates in the ROC calendar, ISO 8601 on hover" \
	grep -q '<time datetime="20[0-9-]*T[0-9:]*+08:00" title="[^"]*">民國 1[0-9]* 年' "$COLL_DIR/page"
console_get "$COLL_DIR/rev.jar" "/lang?to=en&next=/incidents" >/dev/null
console_get "$COLL_DIR/rev.jar" /incidents >/dev/null
check "and in English after the switch" grep -q '<h1>Incidents</h1>' "$COLL_DIR/page"
console_get "$COLL_DIR/rev.jar" "/lang?to=zh&next=/incidents" >/dev/null

# The list, and names shown as text.
check_eq "the reviewer sees the incident list" 200 "$(console_get "$COLL_DIR/rev.jar" /incidents)"
check_eq "23 incidents" 23 "$(listed)"
console_get "$COLL_DIR/rev.jar" "/incidents?n=10" >/dev/null
check_eq "ten a page: the first page counts all 23" 23 "$(listed)"
console_get "$COLL_DIR/rev.jar" "/incidents?n=10&page=2" >/dev/null
check_eq "the second page shows ten" 10 "$(rows_shown)"
check "and links to a next one" has_next
console_get "$COLL_DIR/rev.jar" "/incidents?n=10&page=3" >/dev/null
check_eq "the third page shows the last three" 3 "$(rows_shown)"
check_eq "and, counted from them, says 23" 23 "$(listed)"
check_fails "and links to no next one" has_next
console_get "$COLL_DIR/rev.jar" "/incidents?n=23" >/dev/null
check_fails "23 a page: all on one page, no next one" has_next
check "a file named <script>alert(1)</script>.odt is shown as text" \
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;.odt' "$COLL_DIR/page"
check_fails "and never as markup" grep -q '<script>alert' "$COLL_DIR/page"
check "an employee named o'brien \"the tester\" is shown as text" \
	grep -q 'o&#39;brien &quot;the tester&quot;' "$COLL_DIR/page"
console_get "$COLL_DIR/rev.jar" "/incidents?level=4" >/dev/null
top=$(listed)
check "the level filter narrows the list (絕對機密: $top)" test "$top" -gt 0 -a "$top" -lt 23
console_get "$COLL_DIR/rev.jar" "/incidents?q=%3Cscript" >/dev/null
check_eq "search by part of a file name" 2 "$(listed)"
ref=$(coll_sql "SELECT ref FROM incidents WHERE username = 'mallory'")
console_get "$COLL_DIR/rev.jar" "/incidents?q=$ref" >/dev/null
check_eq "search by reference code ($ref)" 1 "$(listed)"
sha=$(coll_sql "SELECT file_sha256 FROM incidents WHERE username = 'mallory'")
console_get "$COLL_DIR/rev.jar" "/incidents?q=$(tr a-f A-F <<<"$sha")" >/dev/null
check_eq "search by SHA-256 (any case)" \
	"$(coll_sql "SELECT count(*) FROM incidents WHERE file_sha256 = '$sha'")" "$(listed)"

# SQL injection in every filter: a refusal or nothing, never more.
inject=("' OR '1'='1" "1 OR 1=1" "x'); DROP TABLE incidents;--" '%' "\\' OR 1=1 --"
	"1) UNION SELECT * FROM users--")
for f in from to period level action host dept user device state assignee q sort dir; do
	worst=0
	for v in "${inject[@]}"; do
		console_curl -b "$COLL_DIR/rev.jar" -o "$COLL_DIR/page" -G --data-urlencode "$f=$v" \
			"$CONSOLE_URL/incidents"
		n=$(listed)
		[ -n "$n" ] && [ "$n" -gt "$worst" ] && worst=$n
	done
	# '%' is a literal percent sign in a search, matching no file name.
	check_eq "filter $f: injections match nothing" 0 "$worst"
done
check_eq "the incidents table is whole after the injections" 23 \
	"$(coll_sql "SELECT count(*) FROM incidents")"
console_curl -b "$COLL_DIR/rev.jar" -o "$COLL_DIR/page" -G --data-urlencode "page=1 OR 1=1" \
	--data-urlencode "n=50; DROP TABLE users" "$CONSOLE_URL/incidents"
check_eq "paging takes numbers only" 23 "$(listed)"

# The incident page and its evidence.
leaf=$(coll_sql "SELECT leaf_idx FROM incidents WHERE action = 'block' ORDER BY leaf_idx LIMIT 1")
check_eq "the incident page" 200 "$(console_get "$COLL_DIR/rev.jar" "/incident/$leaf")"
check "evidence: signature ✓, chain ✓, receipt ✓, stored bytes ✓" \
	bash -c "[ \$(grep -o '<li class=\"ok\"><span class=\"mark\">✓</span>' '$COLL_DIR/page' | wc -l) = 4 ]"
check "who, what, device, rule and action are shown" \
	bash -c "grep -q '50-copy.rules' '$COLL_DIR/page' && grep -q '4C530001' '$COLL_DIR/page' && grep -q '/usr/bin/cp' '$COLL_DIR/page'"

# Triage, each step a leaf of the log.
before=$(leaves)
check_eq "new → investigating needs a reason" 400 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/state" from=new to=investigating reason=)"
check_eq "new → investigating with a reason" 303 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/state" from=new to=investigating "reason=當事人稱為出差簡報")"
check_eq "a comment" 303 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/comment" "text=已約談，待主管說明")"
check_eq "assigned to the supervisor" 303 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/assign" assignee=sup reason=需主管判斷)"
check_eq "closing needs a resolution" 400 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/state" from=investigating to=closed "reason=x")"
check_eq "investigating → closed (違規) with a reason" 303 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/state" from=investigating to=closed resolution=violation "reason=確認違規，移送人事")"
check_eq "a form from a state already left is refused (someone else acted)" 409 \
	"$(console_post "$COLL_DIR/rev.jar" "/incident/$leaf" "/incident/$leaf/state" from=investigating to=closed resolution=violation "reason=again")"
check_eq "four review actions, four new leaves of the log" "$((before + 4)) 4" \
	"$(leaves) $(coll_sql "SELECT count(*) FROM review_actions WHERE incident = $leaf")"
check_eq "the incident is closed as a violation, assigned to sup" "closed|violation|sup" \
	"$(coll_sql "SELECT state || '|' || resolution || '|' || assignee FROM incidents WHERE leaf_idx = $leaf")"
console_get "$COLL_DIR/rev.jar" "/incident/$leaf" >/dev/null
check_eq "the trail shows each action proven in the log" 4 \
	"$(grep -o 'class="logged ok"' "$COLL_DIR/page" | wc -l)"
header=$(coll_sql "SELECT raw FROM leaves WHERE kind = 'collector' ORDER BY leaf_idx DESC LIMIT 1" |
	cut -d. -f1 | tr -- '-_' '+/')
check "a review action is a JWS signed by the collector's key (kid collector/...)" \
	grep -q '"kid":"collector/' <<<"$(base64 -d 2>/dev/null <<<"$header==" || base64 -d 2>/dev/null <<<"$header=" || base64 -d 2>/dev/null <<<"$header")"
check "admin verify still finds the log whole" coll_admin verify

# CSRF.
n=$(reviews)
check_eq "a form without its CSRF token is refused" 403 \
	"$(console_curl -b "$COLL_DIR/rev.jar" -o /dev/null -w '%{http_code}' --data-urlencode text=x "$CONSOLE_URL/incident/$leaf/comment")"
console_get "$COLL_DIR/aud.jar" /incidents "$COLL_DIR/form" >/dev/null
check_eq "another session's token is refused" 403 \
	"$(console_curl -b "$COLL_DIR/rev.jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(console_csrf "$COLL_DIR/form")" --data-urlencode text=x "$CONSOLE_URL/incident/$leaf/comment")"
console_get "$COLL_DIR/rev.jar" "/incident/$leaf" "$COLL_DIR/form" >/dev/null
check_eq "a request from another origin is refused" 403 \
	"$(console_curl -b "$COLL_DIR/rev.jar" -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' --data-urlencode "csrf=$(console_csrf "$COLL_DIR/form")" --data-urlencode text=x "$CONSOLE_URL/incident/$leaf/comment")"
console_get "$COLL_DIR/rev.jar" "/incident/$leaf" "$COLL_DIR/form" >/dev/null
check_eq "a request a browser marks as from another site is refused" 403 \
	"$(console_curl -b "$COLL_DIR/rev.jar" -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' --data-urlencode "csrf=$(console_csrf "$COLL_DIR/form")" --data-urlencode text=x "$CONSOLE_URL/incident/$leaf/comment")"
check_eq "nothing was recorded" "$n" "$(reviews)"

# Roles: a reviewer is no administrator; an auditor changes nothing.
check_eq "a reviewer cannot open the users page" 403 "$(console_get "$COLL_DIR/rev.jar" /users)"
check_eq "nor create accounts" 403 \
	"$(console_post "$COLL_DIR/rev.jar" /incidents /users name=x display=x role=administrator)"
check_eq "nor enrollment tokens" 403 "$(console_post "$COLL_DIR/rev.jar" /agents /agents/tokens days=1)"
check_eq "nor approve" 403 "$(console_get "$COLL_DIR/rev.jar" "/incident/$leaf/approve")"
n=$(leaves)
other=$(coll_sql "SELECT leaf_idx FROM incidents WHERE state = 'new' ORDER BY leaf_idx LIMIT 1")
for post in "/incident/$other/state from=new to=investigating reason=x" \
	"/incident/$other/comment text=x" "/incident/$other/assign assignee=aud" \
	"/incident/$other/approve scope=level device=any level_max=4 reason=x password=x" \
	"/users name=x display=x role=reviewer" "/users/rev do=disable" "/periods name=x from=2022-01-01 to=2022-01-02" \
	"/agents/tokens days=1" "/agents/$(coll_sql 'SELECT agent_id FROM agents LIMIT 1')/department department=x"; do
	# shellcheck disable=SC2086
	check_eq "an auditor cannot POST ${post%% *}" 403 \
		"$(console_post "$COLL_DIR/aud.jar" /incidents $post)"
done
check_eq "the auditor left no leaf" "$n" "$(leaves)"
check_eq "but reads the list" 200 "$(console_get "$COLL_DIR/aud.jar" /incidents)"

# The approval desk.
block=$(coll_sql "SELECT leaf_idx FROM incidents WHERE action = 'block' AND state = 'new' AND username = 'alice' ORDER BY leaf_idx DESC LIMIT 1")
from=$(TZ=Asia/Taipei date +%Y-%m-%dT%H:%M)
until=$(TZ=Asia/Taipei date -d '+8 hours' +%Y-%m-%dT%H:%M)
check_eq "the supervisor's approval form" 200 "$(console_get "$COLL_DIR/sup.jar" "/incident/$block/approve")"
check_eq "a wrong password does not open the signing key" 400 \
	"$(console_post "$COLL_DIR/sup.jar" "/incident/$block/approve" "/incident/$block/approve" scope=file device=this level_max=4 "from=$from" "until=$until" reason=出差簡報 password=wrong)"
check_eq "an approval: this file, this stick, 8 hours" 303 \
	"$(console_post "$COLL_DIR/sup.jar" "/incident/$block/approve" "/incident/$block/approve" scope=file device=this level_max=4 "from=$from" "until=$until" reason=出差簡報 "password=$PW_sup")"
check_eq "one approval issued, for alice" "1|alice|4C530001" \
	"$(coll_sql "SELECT count(*) || '|' || max(username) || '|' || max(device_serial) FROM approvals")"
coll_sql "SELECT token FROM approvals" >"$COLL_DIR/approval.tok"
check "the supervisors' policy files are written" coll_admin supervisors "$COLL_DIR/trust"
check "the token verifies with the supervisor's public key (wardctl)" \
	"$COLL_BUILD/wardctl" token verify --pub "$COLL_DIR/trust/supervisors/sup.pub" "$COLL_DIR/approval.tok"
check "the policy files load with a default policy" bash -c \
	"cp -r policy/default '$COLL_DIR/pol' && cp -r '$COLL_DIR/trust/.' '$COLL_DIR/pol/' && '$COLL_BUILD/wardctl' policy check '$COLL_DIR/pol' | grep -q '1 trusted supervisor'"
echo '{"records":[],"known_size":0}' >"$COLL_DIR/empty"
coll_post_body alice "$COLL_DIR/empty"
check "the desk's next acknowledgement carries the token" \
	bash -c "[ \"\$(jq -r '.approvals[0]' '$COLL_DIR/reply')\" = \"\$(cat '$COLL_DIR/approval.tok')\" ]"
coll_post_body odd "$COLL_DIR/empty"
check_eq "another desk's does not" 0 "$(jq '.approvals | length' "$COLL_DIR/reply")"
id=$(coll_sql "SELECT id FROM approvals")
check_eq "the supervisor revokes it" 303 \
	"$(console_post "$COLL_DIR/sup.jar" "/incident/$block" "/approvals/$id/revoke" reason=行程取消)"
coll_post_body alice "$COLL_DIR/empty"
check_eq "the next acknowledgement says revoked, and no longer hands it out" "$id 0" \
	"$(jq -r '"\(.revoked_approvals[0]) \(.approvals | length)"' "$COLL_DIR/reply")"
check_eq "issue and revocation are leaves of the log" 2 \
	"$(coll_sql "SELECT count(*) FROM review_actions WHERE action IN ('approve', 'approval-revoke')")"

# Exports.
check_eq "CSV of a filtered list" 200 "$(console_get "$COLL_DIR/aud.jar" "/incidents.csv?level=4" "$COLL_DIR/list.csv")"
check_eq "UTF-8 with a byte-order mark" "efbbbf" "$(head -c 3 "$COLL_DIR/list.csv" | od -An -tx1 | tr -d ' \n')"
check_eq "a header and one line per listed incident" "$((top + 1))" "$(grep -c . "$COLL_DIR/list.csv")"
console_get "$COLL_DIR/aud.jar" "/incidents.csv?user=mallory" "$COLL_DIR/m.csv" >/dev/null
check "a file name a spreadsheet would run as a formula is defused" \
	grep -q "\"'=HYPERLINK(\"\"http://x\"\").odt\"" "$COLL_DIR/m.csv"
check_eq "the evidence bundle of two incidents" 200 \
	"$(console_get "$COLL_DIR/aud.jar" "/bundle?leaf=$leaf&leaf=$block" "$COLL_DIR/bundle.tgz")"
mkdir -p "$COLL_DIR/unpacked"
tar -xzf "$COLL_DIR/bundle.tgz" -C "$COLL_DIR/unpacked"
. tests/lib/npm.sh
if js_deps; then
	ln -s "$PWD/tests/js/node_modules" "$COLL_DIR/unpacked/ward-evidence/node_modules"
	check "the bundle verifies offline with jose (node verify.mjs)" \
		node "$COLL_DIR/unpacked/ward-evidence/verify.mjs"
else
	not_ok "npm ci for the bundle check"
fi
check "the bundle holds the review actions" test -f \
	"$COLL_DIR/unpacked/ward-evidence/records/$(coll_sql "SELECT max(leaf_idx) FROM review_actions WHERE incident = $leaf").jws"

# Desks, tokens, dashboard, periods.
check_eq "the desks page" 200 "$(console_get "$COLL_DIR/admin.jar" /agents)"
check_eq "shows both desks" 2 "$(grep -o '<code>[0-9a-f]\{32\}</code>' "$COLL_DIR/page" | sort -u | wc -l)"
check_eq "an administrator creates an enrollment token here" 200 \
	"$(console_post "$COLL_DIR/admin.jar" /agents /agents/tokens label=新桌機 days=2)"
token=$(grep -o '<pre class="token">[^<]*' "$COLL_DIR/page" | sed 's/.*>//')
mkdir -p "$COLL_DIR/agents/new/agent"
"$COLL_CHAIN" --state "$COLL_DIR/agents/new/state" --count 1 >/dev/null
check "a desk enrolls with it" "$COLL_CLIENT" enroll "$COLL_URL" "$token" \
	"$COLL_DIR/agents/new/state" "$COLL_DIR/agents/new/agent" "$COLL_CA"
console_post "$COLL_DIR/admin.jar" /agents /agents/tokens days=1 >/dev/null
token=$(grep -o '<pre class="token">[^<]*' "$COLL_DIR/page" | sed 's/.*>//')
check_eq "and revokes an unused one" 303 \
	"$(console_post "$COLL_DIR/admin.jar" /agents "/agents/tokens/${token%%.*}/revoke")"
check_fails "which then enrolls nobody" "$COLL_CLIENT" enroll "$COLL_URL" "$token" \
	"$COLL_DIR/agents/new/state" "$COLL_DIR/agents/new/agent" "$COLL_CA"
agent=$(jq -r .agent_id "$COLL_DIR/agents/alice/agent/enroll.json")
check_eq "a department for a desk" 303 \
	"$(console_post "$COLL_DIR/admin.jar" /agents "/agents/$agent/department" department=秘書處)"
console_get "$COLL_DIR/rev.jar" "/incidents?dept=%E7%A7%98%E6%9B%B8%E8%99%95" >/dev/null
check_eq "the department filter lists that desk's incidents" 20 "$(listed)"
check_eq "a named period" 303 \
	"$(console_post "$COLL_DIR/admin.jar" /periods /periods name=春節加強期 from=2022-01-24 to=2022-02-07)"
console_get "$COLL_DIR/rev.jar" "/incidents?period=%E6%98%A5%E7%AF%80%E5%8A%A0%E5%BC%B7%E6%9C%9F" >/dev/null
check_eq "nothing happened in 春節加強期 2022 on these desks" 0 "$(listed)"
check_eq "the dashboard" 200 "$(console_get "$COLL_DIR/aud.jar" /dashboard)"
check "draws its charts as SVG on the server" \
	bash -c "[ \$(grep -o '<svg' '$COLL_DIR/page' | wc -l) -ge 6 ] && grep -q 'class=\"bar a-block\"' '$COLL_DIR/page'"

# Accounts: lockout, the same message for every failure, unlocking.
console_signin "$COLL_DIR/x.jar" nobody-here wrong >/dev/null
console_text "$COLL_DIR/page" | grep -o 'class="error"[^<]*' >/dev/null
unknown=$(grep -o '<p class="error">[^<]*' "$COLL_DIR/page")
for _ in 1 2 3 4 5; do console_signin "$COLL_DIR/x.jar" rev wrong-password >/dev/null; done
check_eq "after five failures even the right password is refused" 401 \
	"$(console_signin "$COLL_DIR/x.jar" rev "$PW_rev")"
check_eq "with the very message an unknown name gets" "$unknown" \
	"$(grep -o '<p class="error">[^<]*' "$COLL_DIR/page")"
check_eq "an administrator unlocks the account" 303 \
	"$(console_post "$COLL_DIR/admin.jar" /users /users/rev do=unlock)"
check_eq "and it signs in again" 303 "$(console_signin "$COLL_DIR/rev.jar" rev "$PW_rev")"
check_eq "administrators cannot demote themselves" 400 \
	"$(console_post "$COLL_DIR/admin.jar" /users /users/admin do=role role=auditor)"
check_eq "a disabled account's session ends" 303 \
	"$(console_post "$COLL_DIR/admin.jar" /users /users/aud do=disable)"
check_eq "(the auditor is sent to sign in)" 303 "$(console_get "$COLL_DIR/aud.jar" /incidents)"

# Sign-out ends the session for good.
cp "$COLL_DIR/rev.jar" "$COLL_DIR/old.jar"
check_eq "sign-out" 303 "$(console_post "$COLL_DIR/rev.jar" /incidents /signout)"
check_eq "the old session cookie opens nothing" 303 "$(console_get "$COLL_DIR/old.jar" /incidents)"

# A record changed behind the collector's back is shown as such.
if [ "$COLL_BACKEND" = postgres ]; then
	coll_sql "ALTER TABLE leaves DISABLE TRIGGER ALL; UPDATE leaves SET raw = raw || ' ' WHERE leaf_idx = $block" >/dev/null
else
	coll_sql "DROP TRIGGER leaves_no_update; UPDATE leaves SET raw = raw || ' ' WHERE leaf_idx = $block"
fi
console_get "$COLL_DIR/sup.jar" "/incident/$block" >/dev/null
check "the tampered record's page says its bytes changed and its receipt fails" \
	bash -c "[ \$(grep -o '<li class=\"bad\"><span class=\"mark\">✗</span>' '$COLL_DIR/page' | wc -l) -ge 2 ]"

# Brute force from one address: throttled.
throttled=0
for _ in $(seq 40); do
	[ "$(console_signin "$COLL_DIR/x.jar" nobody-here wrong)" = 429 ] && { throttled=1; break; }
done
check_eq "repeated sign-ins from one address are throttled (429)" 1 "$throttled"

# A long list: an exact count up to 10,000; past it, PostgreSQL's planner
# estimate ("about") rather than reading 10,001 rows, SQLite "more than".
coll_sql "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30000)
  INSERT INTO incidents (leaf_idx, agent_id, observed_ms, host, username, level_rank, action,
  outcome, file_name, state) SELECT 1000000 + i, 'bulk', 1700000000000 + i * 1000, 'bulk-desk',
  'bulk-user', CASE WHEN i % 49 = 0 THEN 4 ELSE 0 END, 'audit', 'allowed', 'bulk-' || i || '.odt',
  CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'new' END FROM s" >/dev/null
[ "$COLL_BACKEND" = postgres ] && coll_sql "ANALYZE incidents" >/dev/null
console_get "$COLL_DIR/sup.jar" /incidents >/dev/null
if [ "$COLL_BACKEND" = postgres ]; then
	check "30,023 incidents: an estimate, said to be one" \
		grep -q 'data-estimated="true">約 [0-9]* 件' "$COLL_DIR/page"
	about=$(listed)
	check "of about 30,000 (two significant digits): $about" \
		bash -c "[ ${about:-0} -ge 25000 ] && [ ${about:-0} -le 35000 ] && [ $((${about:-1} % 1000)) = 0 ]"
else
	check "30,023 incidents: more than 10,000, not counted further" \
		grep -q 'data-count="10001">超過 10000 件' "$COLL_DIR/page"
fi
check_eq "the first page of them shows 50" 50 "$(rows_shown)"
check "and links to the next one" has_next
console_get "$COLL_DIR/sup.jar" "/incidents?q=bulk-7.odt" >/dev/null
check_eq "a search among them is counted exactly" 1 "$(listed)"
check_fails "and not estimated" grep -q 'data-estimated' "$COLL_DIR/page"
# Top-secret and closed among them: counted exactly, from the index of
# level, state and action, not by ANDing every closed incident's row.
console_get "$COLL_DIR/sup.jar" "/incidents?level=4&state=closed" >/dev/null
check_eq "top-secret and closed among them counted exactly" \
	"$(coll_sql "SELECT count(*) FROM incidents WHERE level_rank = 4 AND state = 'closed'")" "$(listed)"
count_sql="SELECT count(*) FROM (SELECT 1 FROM incidents WHERE level_rank = 4 AND state = 'closed' LIMIT 10001) t"
if [ "$COLL_BACKEND" = postgres ]; then
	plan=$(coll_sql "EXPLAIN $count_sql")
else
	plan=$(coll_sql "EXPLAIN QUERY PLAN $count_sql")
fi
check "its count reads the index of level, state and action" grep -q incidents_level_state <<<"$plan"
check_fails "and not the state's" grep -q incidents_state <<<"$plan"
grep -q incidents_level_state <<<"$plan" || diag "$plan"
done_testing
