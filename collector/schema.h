/* Creates or completes the collector's tables (idempotent; PostgreSQL:
 * under an advisory lock, so collectors starting together agree, and the
 * coming months' partitions). */
#ifndef WARD_COLLECTOR_SCHEMA_H
#define WARD_COLLECTOR_SCHEMA_H

#include <stdint.h>

#include "collector/db.h"

int schema_migrate(struct db *db, int64_t now_ms);

#endif
