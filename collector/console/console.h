/* The review console: a second HTTPS listener of ward-collector where the
 * ethics office reviews every leak attempt, approves exceptions, watches
 * the desks and manages its own users (collector/console/README.md).
 * What the rest of the collector calls. */
#ifndef WARD_CONSOLE_CONSOLE_H
#define WARD_CONSOLE_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector/db.h"

struct collector;

struct console_conf {
	const char *address; /* IPv4 or IPv6 literal */
	unsigned port;
	unsigned max_connections;
	int64_t idle_ms;      /* a session unused this long ends */
	int64_t lifetime_ms;  /* and any session after this long */
	const char *timezone; /* for the times people read (Asia/Taipei) */
};

struct console;

/* Starts the listener (the collector's server certificate, no client
 * certificates).  NULL with why in err. */
struct console *console_start(struct collector *c, const struct console_conf *conf, char *err,
			      size_t errsize);
void console_stop(struct console *con);
/* The serve loop's tick: new decision records become incidents, ended
 * sessions go. */
void console_tick(struct console *con);

/* The console's tables, in the dialect of db (inside the collector's
 * schema transaction). */
int console_schema(struct db *db);

/* The approvals to hand an agent with an acknowledgement (protocol §4):
 * "approvals" (token texts in force) and "revoked_approvals" (SHA-256 of
 * revoked tokens not yet expired) set on obj; the approvals' first
 * delivery noted.  In the caller's write transaction.  Returns 0 or -EIO. */
int console_approvals_deliver(struct db *db, const char *agent_id, int64_t now_ms, json_t *obj);

/* ward-collector admin user|first-admin|supervisors ... (cli.c).  Returns
 * the exit status; -1 when argv is none of its commands. */
int console_admin(struct collector *c, int argc, char **argv);

#endif
