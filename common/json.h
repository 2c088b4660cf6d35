/* Ward's one door to JSON parsing: jansson, with the limits and flags every
 * caller wants, so no part reads JSON by hand.  Status replies, records,
 * reports and the collector's API all go through here.
 *
 * Serialisation for signatures is canonical in Ward's sense: keys sorted
 * by their UTF-8 bytes, no insignificant white space, UTF-8 kept as is.
 * What was signed is stored and sent as those exact bytes and never
 * serialised again, so the form only has to be deterministic. */
#ifndef WARD_JSON_H
#define WARD_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Parses len bytes as one JSON value (object or array), rejecting
 * duplicate keys, NUL bytes and trailing data.  On error returns NULL and
 * writes "line L column C: why" into err (may be NULL). */
json_t *wjson_parse(const char *text, size_t len, char *err, size_t errsize);

struct buf;

/* The canonical compact form of v (sorted keys, no spaces; the bytes of
 * jansson's JSON_COMPACT | JSON_SORT_KEYS), heap, NUL-terminated; *len gets
 * its length.  NULL on no memory or a string that is not UTF-8. */
char *wjson_canonical(const json_t *v, size_t *len);
/* The same appended to out (an object or array only).  Returns 0, -ENOMEM,
 * -EILSEQ (not UTF-8), -ELOOP (nested too deep) or -EINVAL; out is left
 * as it was on error.  (common/json_canon.c) */
int wjson_canonical_buf(const json_t *v, struct buf *out);
/* A member given as its canonical JSON text (json, len), or to be left out
 * (json NULL). */
struct wjson_member {
	const char *key;
	const char *json;
	size_t len;
};
/* The canonical form of the object v with the members given in place of
 * its own of the same names, as if they had been set in v (without the
 * allocations and frees of setting them), appended to out.  The texts must
 * be canonical themselves.  Returns as wjson_canonical_buf. */
int wjson_canonical_with(const json_t *v, const struct wjson_member *given, size_t n_given,
			 struct buf *out);

/* Writes v on one line to out (canonical form, then '\n'); or indented
 * for people when pretty.  Returns 0 or -EIO. */
int wjson_print(FILE *out, const json_t *v, bool pretty);

/* Typed getters: NULL / false when the key is absent or of another type. */
const char *wjson_str(const json_t *obj, const char *key);
bool wjson_int(const json_t *obj, const char *key, int64_t *out);
bool wjson_bool(const json_t *obj, const char *key, bool *out);

/* Sets key to a string only when value is non-NULL (records leave unknown
 * facts out rather than writing null).  Returns 0 or -ENOMEM. */
int wjson_set_str(json_t *obj, const char *key, const char *value);
int wjson_set_int(json_t *obj, const char *key, int64_t value);

/* Hashes (32 bytes each: Merkle proofs) as a JSON array of lower-case
 * hex strings, and back: false unless every element is 64 hex digits and
 * there are at most max. */
json_t *wjson_hash_array(const unsigned char (*hashes)[32], size_t count);
bool wjson_hash_array_parse(const json_t *array, unsigned char (*out)[32], size_t max,
			    size_t *count);

/* A JSON string from text that may not be valid UTF-8 (a file name on a
 * stick written by another system): every invalid byte becomes U+FFFD, so
 * the fact is kept rather than the value refused.  NULL on no memory. */
json_t *wjson_string_lossy(const char *s);
/* Sets key to wjson_string_lossy(value) when value is non-NULL.  Returns 0
 * or -ENOMEM. */
int wjson_set_text(json_t *obj, const char *key, const char *value);

#endif
