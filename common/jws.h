/* Compact JWS (RFC 7515 §7.1) with alg EdDSA (RFC 8037): the form of every
 * record, heartbeat and review action Ward signs.  The signed bytes are
 * the stored bytes; nothing here ever serialises a payload again.
 *
 *   BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)
 *   header: {"alg":"EdDSA","kid":"<kid>"}   (sorted, compact)
 */
#ifndef WARD_JWS_H
#define WARD_JWS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ed25519.h"

struct buf;

/* Longest compact JWS Ward accepts anywhere (a record with many reasons is
 * a few KiB; this leaves room and bounds every reader). */
#define JWS_MAX_BYTES (64 * 1024)
#define JWS_KID_MAX 128

/* Signs payload (len bytes, already canonical JSON) under kid.  *out is a
 * heap NUL-terminated compact JWS, *outlen its length.  Returns 0, -EINVAL
 * (kid with a quote or backslash, or too long) or -ENOMEM / -EIO. */
int jws_sign(const struct ed25519_key *key, const char *kid, const char *payload, size_t len,
	     char **out, size_t *outlen);
/* The same appended to out (no newline): signing many records into one
 * buffer costs no allocation each.  On error out is left as it was. */
int jws_sign_buf(const struct ed25519_key *key, const char *kid, const char *payload, size_t len,
		 struct buf *out);

/* A parsed compact JWS.  payload is the decoded payload (heap, NUL-
 * terminated); signing_input/signing_len point into the text given to
 * jws_parse, which must outlive the struct. */
struct jws {
	char kid[JWS_KID_MAX];
	char *payload;
	size_t payload_len;
	const char *signing_input;
	size_t signing_len;
	unsigned char sig[ED25519_SIG_BYTES];
};

/* Splits and decodes text; checks the header is exactly an object with
 * alg EdDSA (and optionally kid, nothing critical).  Does NOT check the
 * signature.  Returns 0 or -EINVAL with why set to a short reason. */
int jws_parse(const char *text, size_t len, struct jws *out, const char **why);
void jws_free(struct jws *j);

/* Checks the signature of a parsed JWS. */
bool jws_verify(const struct jws *j, const struct ed25519_key *key);

#endif
