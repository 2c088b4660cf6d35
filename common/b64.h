/* Base64 in its two alphabets: standard with padding (RFC 4648 §4: PEM,
 * signed notes, approval tokens) and URL-safe without padding (§5: JWS,
 * JWK).  Decoding is strict: no white space, no stray padding, no
 * non-zero trailing bits, so one value has exactly one encoding. */
#ifndef WARD_B64_H
#define WARD_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum b64_alphabet { B64_STD, B64_URL };

/* Characters b64_encode writes for len bytes, without the NUL. */
size_t b64_encoded_len(enum b64_alphabet alpha, size_t len);

/* Encodes len bytes into out (b64_encoded_len + 1 bytes, NUL-terminated).
 * Returns the length written. */
size_t b64_encode(enum b64_alphabet alpha, const void *in, size_t len, char *out);

/* Decodes text of length len into out (room for size bytes).  Returns the
 * bytes decoded, or -EINVAL (not canonical base64 of that alphabet) or
 * -ENOSPC. */
ssize_t b64_decode(enum b64_alphabet alpha, const char *text, size_t len, void *out, size_t size);

/* Decodes into a fresh heap buffer (NUL-terminated for convenience);
 * *outlen gets its length.  NULL on bad input or no memory. */
unsigned char *b64_decode_alloc(enum b64_alphabet alpha, const char *text, size_t len,
				size_t *outlen);

#endif
