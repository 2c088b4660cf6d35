#include "collector/console/users.h"

#include <errno.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/b64.h"
#include "common/util.h"

_Static_assert(sizeof(((struct console *)0)->decoy) == crypto_pwhash_STRBYTES,
	       "the decoy holds one password hash");

#define SEED_BYTES ED25519_KEY_BYTES
#define BOX_BYTES (SEED_BYTES + crypto_secretbox_MACBYTES)
/* Argon2id computations at once: each takes 64 MiB. */
#define HASHING_MAX 2

static const char USER_COLS[] =
    "SELECT name, display, role, must_change, disabled, failed, locked_until,"
    " key_pub IS NOT NULL FROM users WHERE name = ?";

static void user_from_row(struct db_rows *rows, struct user *u)
{
	memset(u, 0, sizeof(*u));
	str_copy(u->name, sizeof(u->name), db_col_text(rows, 0, NULL));
	str_copy(u->display, sizeof(u->display), db_col_text(rows, 1, NULL));
	if (!role_parse(db_col_text(rows, 2, NULL), &u->role))
		u->role = ROLE_AUDITOR;
	u->must_change = db_col_int(rows, 3) != 0;
	u->disabled = db_col_int(rows, 4) != 0;
	u->failed = db_col_int(rows, 5);
	u->locked_until = db_col_int(rows, 6);
	u->has_key = db_col_int(rows, 7) != 0;
}

int users_get(struct db *db, const char *name, struct user *u)
{
	struct db_val p[] = {DBV_TEXT(name)};
	struct db_rows *rows = db_query(db, USER_COLS, p, 1);
	int r = -ENOENT;

	if (!rows)
		return -EIO;
	if (db_next(rows)) {
		user_from_row(rows, u);
		r = 0;
	}
	db_rows_free(rows);
	return r;
}

bool users_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= USER_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x80 && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				   (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return false;
	return true;
}

bool users_display_ok(const char *display)
{
	size_t len = strlen(display);

	if (len == 0 || len >= USER_DISPLAY_MAX || display[0] == ' ' || display[len - 1] == ' ')
		return false;
	for (const unsigned char *p = (const unsigned char *)display; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return false;
	return true;
}

const char *users_password_problem(const char *name, const char *password)
{
	size_t len = strlen(password);

	if (len < PASSWORD_MIN)
		return "at least 12 characters";
	if (len > PASSWORD_MAX)
		return "at most 256 characters";
	if (strcmp(name, password) == 0)
		return "not the account's name";
	return NULL;
}

/* At most HASHING_MAX Argon2id computations at once (memory-hard:
 * sign-in storms must not exhaust the collector's memory). */
static void hashing_enter(struct console *con)
{
	if (!con)
		return;
	pthread_mutex_lock(&con->lock);
	while (con->hashing >= HASHING_MAX)
		pthread_cond_wait(&con->hashed, &con->lock);
	con->hashing++;
	pthread_mutex_unlock(&con->lock);
}

static void hashing_leave(struct console *con)
{
	if (!con)
		return;
	pthread_mutex_lock(&con->lock);
	con->hashing--;
	pthread_cond_signal(&con->hashed);
	pthread_mutex_unlock(&con->lock);
}

int users_decoy(struct console *con)
{
	unsigned char raw[32];
	char secret[48];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	b64_encode(B64_URL, raw, sizeof(raw), secret);
	return crypto_pwhash_str(con->decoy, secret, strlen(secret),
				 crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		   ? 0
		   : -ENOMEM;
}

static int hash_password(struct console *con, const char *password,
			 char hash[crypto_pwhash_STRBYTES])
{
	int r;

	if (sodium_init() < 0)
		return -EIO;
	hashing_enter(con);
	r = crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE);
	hashing_leave(con);
	return r == 0 ? 0 : -ENOMEM;
}

static int new_otp(char otp[OTP_CHARS])
{
	unsigned char raw[15];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	b64_encode(B64_URL, raw, sizeof(raw), otp);
	return 0;
}

int users_add(struct db *db, const char *name, const char *display, enum role role, bool only_first,
	      char otp[OTP_CHARS])
{
	static const char add[] =
	    "INSERT INTO users (name, display, role, pw_hash, must_change, created_ms)"
	    " VALUES (?, ?, ?, ?, 1, ?)";
	static const char first[] =
	    "INSERT INTO users (name, display, role, pw_hash, must_change, created_ms)"
	    " SELECT ?, ?, ?, ?, 1, ? WHERE NOT EXISTS"
	    " (SELECT 1 FROM users WHERE role = 'administrator')";
	char hash[crypto_pwhash_STRBYTES];
	struct db_val p[5];
	int64_t changes = 0;
	int r;

	if (!users_name_ok(name) || !users_display_ok(display))
		return -EINVAL;
	r = new_otp(otp);
	if (r == 0)
		r = hash_password(NULL, otp, hash);
	if (r < 0)
		return r;
	p[0] = DBV_TEXT(name);
	p[1] = DBV_TEXT(display);
	p[2] = DBV_TEXT(role_code(role));
	p[3] = DBV_TEXT(hash);
	p[4] = DBV_INT(page_now());
	r = db_begin(db, true);
	if (r == 0)
		r = db_exec(db, only_first ? first : add, p, 5, &changes);
	if (r == 0 && changes == 0)
		r = -EEXIST;
	if (r == 0)
		return db_commit(db);
	db_rollback(db);
	return r;
}

/* One statement in its own write transaction; -ENOENT when it changed
 * no row. */
static int write_one(struct db *db, const char *sql, const struct db_val *p, size_t n)
{
	int64_t changes = 0;
	int r = db_begin(db, true);

	if (r == 0)
		r = db_exec(db, sql, p, n, &changes);
	if (r == 0 && changes == 0)
		r = -ENOENT;
	if (r == 0)
		return db_commit(db);
	db_rollback(db);
	return r;
}

int users_reset(struct db *db, const char *name, char otp[OTP_CHARS])
{
	static const char sql[] =
	    "UPDATE users SET pw_hash = ?, must_change = 1, failed = 0, locked_until = 0,"
	    " key_pub = NULL, key_salt = NULL, key_nonce = NULL, key_box = NULL WHERE name = ?";
	char hash[crypto_pwhash_STRBYTES];
	struct db_val p[2];
	int r = new_otp(otp);

	if (r == 0)
		r = hash_password(NULL, otp, hash);
	if (r < 0)
		return r;
	p[0] = DBV_TEXT(hash);
	p[1] = DBV_TEXT(name);
	r = write_one(db, sql, p, 2);
	return r == 0 ? session_end_user(db, name, NULL) : r;
}

int users_set_role(struct db *db, const char *name, enum role role)
{
	/* A new supervisor makes their signing key with their next password. */
	static const char sql[] =
	    "UPDATE users SET role = ?, must_change = CASE WHEN ? = 'supervisor' AND"
	    " key_pub IS NULL THEN 1 ELSE must_change END WHERE name = ?";
	struct db_val p[] = {DBV_TEXT(role_code(role)), DBV_TEXT(role_code(role)), DBV_TEXT(name)};

	return write_one(db, sql, p, 3);
}

int users_set_disabled(struct db *db, const char *name, bool disabled)
{
	static const char sql[] = "UPDATE users SET disabled = ? WHERE name = ?";
	struct db_val p[] = {DBV_INT(disabled), DBV_TEXT(name)};
	int r = write_one(db, sql, p, 2);

	return r == 0 && disabled ? session_end_user(db, name, NULL) : r;
}

int users_unlock(struct db *db, const char *name)
{
	static const char sql[] = "UPDATE users SET failed = 0, locked_until = 0 WHERE name = ?";
	struct db_val p[] = {DBV_TEXT(name)};

	return write_one(db, sql, p, 1);
}

static int stored_hash(struct db *db, const char *name, char hash[crypto_pwhash_STRBYTES])
{
	static const char sql[] = "SELECT pw_hash FROM users WHERE name = ?";
	struct db_val p[] = {DBV_TEXT(name)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	int r = -ENOENT;

	if (!rows)
		return -EIO;
	if (db_next(rows) && str_copy(hash, crypto_pwhash_STRBYTES, db_col_text(rows, 0, NULL)))
		r = 0;
	db_rows_free(rows);
	return r;
}

static bool verify_hash(struct console *con, const char *hash, const char *password)
{
	bool ok;

	if (sodium_init() < 0)
		return false;
	hashing_enter(con);
	ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	hashing_leave(con);
	return ok;
}

static int count_failure(struct db *db, const char *name, int64_t now)
{
	static const char sql[] =
	    "UPDATE users SET failed = failed + 1, locked_until = CASE WHEN failed + 1 >= ?"
	    " THEN ? ELSE locked_until END WHERE name = ?";
	struct db_val p[] = {DBV_INT(LOCKOUT_FAILURES), DBV_INT(now + LOCKOUT_MS), DBV_TEXT(name)};
	int r = write_one(db, sql, p, 3);

	return r == -ENOENT ? 0 : r;
}

int users_check_password(struct console *con, struct db *db, const char *name, const char *password,
			 struct user *u)
{
	static const char clear[] = "UPDATE users SET failed = 0, locked_until = 0 WHERE name = ?";
	char hash[crypto_pwhash_STRBYTES];
	int64_t now = page_now();
	int r = stored_hash(db, name, hash);
	bool match;

	if (r == -EIO)
		return r;
	/* An unknown name costs the same work as a known one. */
	if (r == -ENOENT)
		str_copy(hash, sizeof(hash), con->decoy);
	match = verify_hash(con, hash, password) && r == 0;
	if (r == 0 && users_get(db, name, u) < 0)
		return -EIO;
	if (!match || u->disabled || u->locked_until > now) {
		if (r == 0 && !match)
			count_failure(db, name, now);
		return -EACCES;
	}
	if (u->failed > 0) {
		struct db_val p[] = {DBV_TEXT(name)};

		if (write_one(db, clear, p, 1) < 0)
			return -EIO;
	}
	return 0;
}

/* The secretbox key for a supervisor's seed: Argon2id of the password. */
static int box_key(struct console *con, const char *password, const unsigned char *salt,
		   unsigned char key[crypto_secretbox_KEYBYTES])
{
	int r;

	hashing_enter(con);
	r = crypto_pwhash(key, crypto_secretbox_KEYBYTES, password, strlen(password), salt,
			  crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
			  crypto_pwhash_ALG_ARGON2ID13);
	hashing_leave(con);
	return r == 0 ? 0 : -ENOMEM;
}

struct sealed {
	unsigned char pub[ED25519_KEY_BYTES], salt[crypto_pwhash_SALTBYTES];
	unsigned char nonce[crypto_secretbox_NONCEBYTES], box[BOX_BYTES];
};

static int seal_seed(struct console *con, const unsigned char seed[SEED_BYTES],
		     const char *password, struct sealed *s)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	struct ed25519_key ek;
	int r = ed25519_from_seed(seed, &ek);

	if (r < 0)
		return r;
	memcpy(s->pub, ek.pub, sizeof(s->pub));
	ed25519_free(&ek);
	randombytes_buf(s->salt, sizeof(s->salt));
	randombytes_buf(s->nonce, sizeof(s->nonce));
	r = box_key(con, password, s->salt, key);
	if (r == 0)
		crypto_secretbox_easy(s->box, seed, SEED_BYTES, s->nonce, key);
	sodium_memzero(key, sizeof(key));
	return r;
}

static int read_sealed(struct db *db, const char *name, struct sealed *s)
{
	static const char sql[] =
	    "SELECT key_pub, key_salt, key_nonce, key_box FROM users WHERE name = ?"
	    " AND key_pub IS NOT NULL";
	struct db_val p[] = {DBV_TEXT(name)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	int r = -ENOENT;

	if (!rows)
		return -EIO;
	if (db_next(rows))
		r = db_col_blob(rows, 0, s->pub, sizeof(s->pub)) == sizeof(s->pub) &&
			    db_col_blob(rows, 1, s->salt, sizeof(s->salt)) == sizeof(s->salt) &&
			    db_col_blob(rows, 2, s->nonce, sizeof(s->nonce)) == sizeof(s->nonce) &&
			    db_col_blob(rows, 3, s->box, sizeof(s->box)) == sizeof(s->box)
			? 0
			: -EIO;
	db_rows_free(rows);
	return r;
}

/* The seed behind a sealed key, with the password. */
static int open_seed(struct console *con, const struct sealed *s, const char *password,
		     unsigned char seed[SEED_BYTES])
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	int r = box_key(con, password, s->salt, key);

	if (r == 0 && crypto_secretbox_open_easy(seed, s->box, sizeof(s->box), s->nonce, key) != 0)
		r = -EACCES;
	sodium_memzero(key, sizeof(key));
	return r;
}

int users_open_key(struct console *con, struct db *db, const char *name, const char *password,
		   struct ed25519_key *key)
{
	unsigned char seed[SEED_BYTES];
	struct sealed s;
	int r = read_sealed(db, name, &s);

	if (r == 0)
		r = open_seed(con, &s, password, seed);
	if (r == 0)
		r = ed25519_from_seed(seed, key);
	sodium_memzero(seed, sizeof(seed));
	return r;
}

/* The seed to seal under the new password: the old key's (opened with
 * the old password) or, for a supervisor without one, a new key. */
static int seed_for(struct console *con, struct db *db, const struct user *u, const char *old,
		    unsigned char seed[SEED_BYTES], bool *have)
{
	struct sealed s;
	int r = read_sealed(db, u->name, &s);

	*have = false;
	if (r == 0 && old) {
		r = open_seed(con, &s, old, seed);
		*have = r == 0;
		return r;
	}
	if (r == -ENOENT && u->role == ROLE_SUPERVISOR) {
		randombytes_buf(seed, SEED_BYTES);
		*have = true;
		return 0;
	}
	return r == -EIO ? r : 0;
}

int users_set_password(struct console *con, struct db *db, const char *name, const char *old,
		       const char *password)
{
	static const char set[] =
	    "UPDATE users SET pw_hash = ?, must_change = 0, key_pub = ?, key_salt = ?,"
	    " key_nonce = ?, key_box = ? WHERE name = ?";
	char hash[crypto_pwhash_STRBYTES], stored[crypto_pwhash_STRBYTES];
	unsigned char seed[SEED_BYTES];
	struct sealed s;
	struct user u;
	bool have = false;
	int r = users_get(db, name, &u);

	if (r == 0 && users_password_problem(name, password))
		return -EINVAL;
	if (r == 0 && old && (stored_hash(db, name, stored) < 0 || !verify_hash(con, stored, old)))
		return -EACCES;
	if (r == 0)
		r = seed_for(con, db, &u, old, seed, &have);
	if (r == 0 && have)
		r = seal_seed(con, seed, password, &s);
	sodium_memzero(seed, sizeof(seed));
	if (r == 0)
		r = hash_password(con, password, hash);
	if (r == 0) {
		struct db_val p[] = {DBV_TEXT(hash),
				     have ? DBV_BLOB(s.pub, sizeof(s.pub)) : DBV_NULL,
				     have ? DBV_BLOB(s.salt, sizeof(s.salt)) : DBV_NULL,
				     have ? DBV_BLOB(s.nonce, sizeof(s.nonce)) : DBV_NULL,
				     have ? DBV_BLOB(s.box, sizeof(s.box)) : DBV_NULL,
				     DBV_TEXT(name)};

		r = write_one(db, set, p, 6);
	}
	return r;
}

int users_supervisors(struct db *db,
		      void (*fn)(void *ctx, const char *name, const char *display,
				 const unsigned char pub[ED25519_KEY_BYTES]),
		      void *ctx)
{
	static const char sql[] = "SELECT name, display, key_pub FROM users WHERE role ="
				  " 'supervisor' AND disabled = 0 AND key_pub IS NOT NULL"
				  " ORDER BY name";
	struct db_rows *rows = db_query(db, sql, NULL, 0);

	if (!rows)
		return -EIO;
	while (db_next(rows)) {
		unsigned char pub[ED25519_KEY_BYTES];

		if (db_col_blob(rows, 2, pub, sizeof(pub)) == sizeof(pub))
			fn(ctx, db_col_text(rows, 0, NULL), db_col_text(rows, 1, NULL), pub);
	}
	db_rows_free(rows);
	return 0;
}
