/* Sessions: a random 256-bit id in a __Host- cookie (Secure, HttpOnly,
 * SameSite=Strict, Path=/), kept in the database only as its SHA-256, so
 * a copy of the database opens no session.  A new id at every sign-in
 * (whatever cookie the browser brought: no fixation), ended at sign-out,
 * after idle_ms without use and after lifetime_ms in any case.  Each
 * session has its own CSRF token, required in every form; before
 * sign-in the sign-in form's token is a double-submitted cookie of its
 * own. */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "collector/console/users.h"
#include "collector/console/web.h"
#include "common/cleanup.h"
#include "common/b64.h"
#include "common/util.h"

#define SESSION_COOKIE "__Host-ward_session"
#define PRE_COOKIE "__Host-ward_pre"

int session_random_token(char out[TOKEN_TEXT_MAX])
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	b64_encode(B64_URL, raw, sizeof(raw), out);
	return 0;
}

static void cookie(struct page *pg, const char *name, const char *value, int64_t max_age_s)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%lld", name, value,
		 (long long)max_age_s);
	http_reply_header(pg->reply, "Set-Cookie", text);
}

/* A cookie's value if it has the form of one of our tokens. */
static const char *token_cookie(struct page *pg, const char *name)
{
	const char *v = http_cookie(pg->req, name);
	size_t len = v ? strlen(v) : 0;

	if (len != 43)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_'))
			return NULL;
	return v;
}

static int write_one(struct db *db, const char *sql, const struct db_val *p, size_t n)
{
	int r = db_begin(db, true);

	if (r == 0)
		r = db_exec(db, sql, p, n, NULL);
	if (r == 0)
		return db_commit(db);
	db_rollback(db);
	return r;
}

bool session_load(struct page *pg)
{
	static const char sql[] = "SELECT username, csrf, created_ms, seen_ms FROM sessions"
				  " WHERE id_hash = ?";
	static const char touch[] = "UPDATE sessions SET seen_ms = ? WHERE id_hash = ?";
	const char *id = token_cookie(pg, SESSION_COOKIE);
	int64_t now = page_now(), created, seen;
	char name[USER_NAME_MAX];
	struct db_rows *rows;
	bool found = false;

	if (!id)
		return false;
	sha256_hex(id, strlen(id), pg->session);
	{
		struct db_val p[] = {DBV_TEXT(pg->session)};

		rows = db_query(pg->db, sql, p, 1);
	}
	if (rows && db_next(rows)) {
		str_copy(name, sizeof(name), db_col_text(rows, 0, NULL));
		str_copy(pg->csrf, sizeof(pg->csrf), db_col_text(rows, 1, NULL));
		created = db_col_int(rows, 2);
		seen = db_col_int(rows, 3);
		found =
		    now - seen < pg->con->conf.idle_ms && now - created < pg->con->conf.lifetime_ms;
	}
	db_rows_free(rows);
	if (!found || users_get(pg->db, name, &pg->user) < 0 || pg->user.disabled) {
		pg->session[0] = '\0';
		pg->csrf[0] = '\0';
		return false;
	}
	/* Touched at most once a minute: reads stay reads. */
	if (now - seen > 60 * 1000) {
		struct db_val p[] = {DBV_INT(now), DBV_TEXT(pg->session)};

		write_one(pg->db, touch, p, 2);
	}
	pg->signed_in = true;
	return true;
}

int session_start(struct page *pg, const char *name)
{
	static const char sql[] = "INSERT INTO sessions (id_hash, username, csrf, created_ms,"
				  " seen_ms, addr) VALUES (?, ?, ?, ?, ?, ?)";
	char id[TOKEN_TEXT_MAX], hash[HASH_HEX_LEN + 1], csrf[TOKEN_TEXT_MAX];
	int64_t now = page_now();
	int r;

	session_end(pg);
	if (session_random_token(id) < 0 || session_random_token(csrf) < 0)
		return -EIO;
	sha256_hex(id, strlen(id), hash);
	{
		struct db_val p[] = {DBV_TEXT(hash), DBV_TEXT(name), DBV_TEXT(csrf),
				     DBV_INT(now),   DBV_INT(now),   DBV_TEXT(pg->req->peer_addr)};

		r = write_one(pg->db, sql, p, ARRAY_SIZE(p));
	}
	if (r < 0)
		return r;
	cookie(pg, SESSION_COOKIE, id, pg->con->conf.lifetime_ms / 1000);
	str_copy(pg->session, sizeof(pg->session), hash);
	str_copy(pg->csrf, sizeof(pg->csrf), csrf);
	return 0;
}

void session_end(struct page *pg)
{
	static const char sql[] = "DELETE FROM sessions WHERE id_hash = ?";
	const char *id = token_cookie(pg, SESSION_COOKIE);
	char hash[HASH_HEX_LEN + 1];

	if (id) {
		struct db_val p[] = {DBV_TEXT(hash)};

		sha256_hex(id, strlen(id), hash);
		write_one(pg->db, sql, p, 1);
		cookie(pg, SESSION_COOKIE, "", 0);
	}
	pg->signed_in = false;
	pg->session[0] = '\0';
	pg->csrf[0] = '\0';
}

int session_end_user(struct db *db, const char *name, const char *keep_hash)
{
	static const char sql[] = "DELETE FROM sessions WHERE username = ? AND id_hash <> ?";
	struct db_val p[] = {DBV_TEXT(name), DBV_TEXT(keep_hash ? keep_hash : "")};

	return write_one(db, sql, p, 2);
}

/* The Origin header, when a browser sends one, names this console; and
 * a browser that says where a request comes from does not say another
 * site. */
static bool origin_ok(struct page *pg)
{
	const char *origin = http_header(pg->req, "Origin");
	const char *host = http_header(pg->req, "Host");
	const char *site = http_header(pg->req, "Sec-Fetch-Site");
	char want[300];

	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	if (!origin)
		return true;
	if (!host)
		return false;
	snprintf(want, sizeof(want), "https://%s", host);
	return strcmp(origin, want) == 0;
}

static bool same_token(const char *a, const char *b)
{
	size_t len = a ? strlen(a) : 0;

	return len == 43 && b && strlen(b) == len && CRYPTO_memcmp(a, b, len) == 0;
}

bool session_csrf_ok(struct page *pg)
{
	const char *sent = http_field(pg->req, "csrf");

	if (!origin_ok(pg))
		return false;
	if (pg->signed_in)
		return same_token(sent, pg->csrf);
	return same_token(sent, token_cookie(pg, PRE_COOKIE));
}

void session_pre_token(struct page *pg, char out[TOKEN_TEXT_MAX])
{
	const char *have = token_cookie(pg, PRE_COOKIE);

	if (have) {
		str_copy(out, TOKEN_TEXT_MAX, have);
		return;
	}
	if (session_random_token(out) < 0) {
		out[0] = '\0';
		return;
	}
	cookie(pg, PRE_COOKIE, out, 3600);
}
