/* A small JSON writer for machine-readable output (wardctl --json, the
 * decision journal).  It only writes; it never parses. */
#ifndef WARD_JSONW_H
#define WARD_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Write s (UTF-8, len bytes) as a quoted JSON string, escaping control
 * characters and replacing invalid UTF-8 with U+FFFD. */
void json_write_string(FILE *out, const char *s, size_t len);
void json_write_cstr(FILE *out, const char *s);

/* Writes "key": with a leading comma unless first is true (then clears it). */
void json_write_key(FILE *out, bool *first, const char *key);

#endif
