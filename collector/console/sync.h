/* Incidents from the log: each decision record the collector kept
 * becomes a row of incidents (its facts copied for the filters, the
 * review's state beside them); the repeat summary a desk sends when a
 * coalescing window closes adds its count to the first attempt's row.
 * The log is read past a watermark (meta 'console_synced'), so several
 * collector processes on one PostgreSQL share the work and none repeats
 * it. */
#ifndef WARD_CONSOLE_SYNC_H
#define WARD_CONSOLE_SYNC_H

#include "collector/console/web.h"

/* Brings incidents up to the log's current size.  Returns 0 or -EIO. */
int sync_incidents(struct console *con, struct db *db);
/* What PostgreSQL may offer beyond the schema (the trigram index that
 * serves file-name search), tried once at start; its absence only makes
 * that search slower. */
void sync_extras(struct collector *c);

#endif
