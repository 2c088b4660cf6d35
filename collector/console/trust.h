/* The supervisors' trust as policy files (trust.c). */
#ifndef WARD_CONSOLE_TRUST_H
#define WARD_CONSOLE_TRUST_H

#include <stddef.h>

#include "collector/db.h"

typedef int (*trust_put)(void *ctx, const char *name, const char *data, size_t len);

/* "25-supervisors.rules" and "supervisors/<user>.pub" through put.
 * Returns 0 or the first error. */
int trust_files(struct db *db, trust_put put, void *ctx);

#endif
