/* What ward-collector's commands share: options, opening the collector's
 * state, and running as its own user. */
#ifndef WARD_COLLECTOR_MAIN_H
#define WARD_COLLECTOR_MAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/collector.h"

struct collector_opts {
	const char *state_dir, *db, *user, *origin, *address, *names;
	const char *console_address; /* NULL: no console */
	unsigned port, console_port, pool, max_connections;
	char address_buf[64], console_buf[64];
	double rate, burst;
	int64_t dark_after_s, session_idle_s;
	bool verbose;
};

/* Parses the options; returns the index of the first operand or -EINVAL. */
int collector_parse(int argc, char **argv, struct collector_opts *o);
/* Started as root with --user: take that user's ids, permanently or only
 * the effective ones (root comes back to bind a port). */
int collector_become(const struct collector_opts *o, bool permanent);
/* Keys, certificates (with_pki) and the database. */
int collector_open(struct collector *c, const struct collector_opts *o, bool with_pki);
void collector_close(struct collector *c);

/* ward-collector admin COMMAND ... (admin.c). */
int admin_main(const struct collector_opts *o, int argc, char **argv);

#endif
