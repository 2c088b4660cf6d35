/* The console's local accounts.  Passwords are kept only as Argon2id
 * hashes (libsodium crypto_pwhash_str).  A supervisor's Ed25519 signing
 * key (for approval tokens) is kept sealed under their password: a key
 * derived by Argon2id from the password and a salt opens a secretbox
 * holding the key's 32-byte seed, so neither the database nor the
 * collector's files alone can sign an approval. */
#ifndef WARD_CONSOLE_USERS_H
#define WARD_CONSOLE_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/console/web.h"
#include "common/ed25519.h"

#define PASSWORD_MIN 12
#define PASSWORD_MAX 256
#define OTP_CHARS 24 /* a one-time password and its NUL */
#define LOCKOUT_FAILURES 5
#define LOCKOUT_MS (15 * 60 * 1000)

/* The console's decoy hash (a random password's), checked when a name
 * is unknown so that timing does not tell.  Returns 0 or -ENOMEM. */
int users_decoy(struct console *con);
/* Returns 0, -ENOENT or -EIO. */
int users_get(struct db *db, const char *name, struct user *u);
/* Whether name and display are acceptable (names: letters, digits,
 * . _ - and any non-ASCII letter; display: no control characters, quotes
 * or backslashes, so it can stand in a policy's `trust supervisor` line). */
bool users_name_ok(const char *name);
bool users_display_ok(const char *display);
/* Why a new password is refused (NULL: acceptable). */
const char *users_password_problem(const char *name, const char *password);

/* A new account with a one-time password (otp, printed or shown once;
 * the holder must choose their own at first sign-in).  Returns 0, -EEXIST
 * or -EIO / -ENOMEM.  only_first: only while no administrator exists
 * (-EEXIST otherwise). */
int users_add(struct db *db, const char *name, const char *display, enum role role, bool only_first,
	      char otp[OTP_CHARS]);
/* A new one-time password (and no signing key: it was sealed under the
 * old password). */
int users_reset(struct db *db, const char *name, char otp[OTP_CHARS]);
int users_set_role(struct db *db, const char *name, enum role role);
int users_set_disabled(struct db *db, const char *name, bool disabled);
int users_unlock(struct db *db, const char *name);

/* Checks a sign-in: the password against the hash (the same work when
 * the account does not exist), lockout and disabled accounts.  Counts a
 * failure, locking the account after LOCKOUT_FAILURES; clears them on
 * success.  Returns 0 (u filled), -EACCES, or -EIO. */
int users_check_password(struct console *con, struct db *db, const char *name, const char *password,
			 struct user *u);
/* Sets a new password (the old one checked when old is non-NULL): a
 * supervisor's key is resealed under it, or made when there is none.
 * Returns 0, -EACCES (old wrong), -EINVAL (new refused) or -EIO. */
int users_set_password(struct console *con, struct db *db, const char *name, const char *old,
		       const char *password);
/* A supervisor's signing key, opened with their password.  Returns 0,
 * -ENOENT (no key), -EACCES (wrong password) or -EIO. */
int users_open_key(struct console *con, struct db *db, const char *name, const char *password,
		   struct ed25519_key *key);

/* Every supervisor with a key: name, display and public key, through fn. */
int users_supervisors(struct db *db,
		      void (*fn)(void *ctx, const char *name, const char *display,
				 const unsigned char pub[ED25519_KEY_BYTES]),
		      void *ctx);

#endif
