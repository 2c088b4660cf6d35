/* ward-collector admin: the office administrator's commands.
 *
 *   token create [--ttl SECONDS] [--label TEXT]   a one-time enrollment token (printed once)
 *   agents                                        every agent: id, host, head, last contact, state
 *   revoke AGENT_ID                               refuse the agent's batches from now on
 *   checkpoints [N]                               the latest N signed checkpoints (1)
 *   verify                                        recompute the log from the stored records and
 *                                                 re-verify every chain (exit 1 on any finding)
 *   export DIR (--agent ID | --ref CODE)...       an evidence bundle (evidence.c)
 *   first-admin NAME, user ..., supervisors DIR   the review console's accounts (console/cli.c) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/console/console.h"
#include "collector/main.h"
#include "collector/verify.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/util.h"

static int token_create(struct collector *c, int argc, char **argv)
{
	const char *label = NULL;
	int64_t ttl_ms = c->token_ttl_ms;
	char token[ENROLL_TOKEN_MAX];
	struct db *db;
	int r;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--ttl") == 0)
			ttl_ms = strtoll(argv[i + 1], NULL, 10) * 1000;
		else if (strcmp(argv[i], "--label") == 0)
			label = argv[i + 1];
	}
	db = store_acquire(c->store);
	r = enroll_token_new(db, ttl_ms, label, token);
	store_release(c->store, db);
	if (r < 0) {
		log_warnx("%s", _("the token could not be stored"));
		return 1;
	}
	printf("%s\n", token);
	return 0;
}

static int agents_list(struct collector *c)
{
	static const char sql[] =
	    "SELECT agent_id, hostname, head_seq, last_seen, revoked_at, dark_since, version"
	    " FROM agents ORDER BY hostname, agent_id";
	struct db *db = store_acquire(c->store);
	struct db_rows *rows = db_query(db, sql, NULL, 0);

	while (rows && db_next(rows)) {
		const char *state = !db_col_null(rows, 4)   ? _("revoked")
				    : !db_col_null(rows, 5) ? _("dark")
							    : _("ok");

		printf("%s\t%s\t%" PRId64 "\t%" PRId64 "\t%s\t%s\n", db_col_text(rows, 0, NULL),
		       db_col_text(rows, 1, NULL), db_col_int(rows, 2), db_col_int(rows, 3) / 1000,
		       state, db_col_text(rows, 6, NULL));
	}
	db_rows_free(rows);
	store_release(c->store, db);
	return rows ? 0 : 1;
}

static int agent_revoke(struct collector *c, const char *id)
{
	struct db *db = store_acquire(c->store);
	int r = store_agent_revoke(db, id, collector_now_ms());

	if (r == 0)
		r = store_alert(db, collector_now_ms(), id, "revoked", 0, "revoked by admin", -1);
	store_release(c->store, db);
	if (r < 0)
		log_warnx(_("%s: no such agent, or already revoked"), id);
	return r < 0 ? 1 : 0;
}

static int checkpoints_show(struct collector *c, int n)
{
	static const char sql[] = "SELECT note FROM checkpoints ORDER BY size DESC LIMIT ?";
	struct db_val p[] = {DBV_INT(n > 0 ? n : 1)};
	struct db *db = store_acquire(c->store);
	struct db_rows *rows = db_query(db, sql, p, 1);

	printf("%s\n", c->vkey);
	while (rows && db_next(rows))
		printf("\n%s", db_col_text(rows, 0, NULL));
	db_rows_free(rows);
	store_release(c->store, db);
	return rows ? 0 : 1;
}

int admin_main(const struct collector_opts *o, int argc, char **argv)
{
	struct collector c;
	int status = 2;

	if (argc < 1) {
		fprintf(stderr, "%s",
			_("usage: ward-collector admin token create|agents|revoke ID|"
			  "checkpoints [N]|verify|export DIR ...|first-admin NAME|user ...|"
			  "supervisors DIR\n"));
		return 2;
	}
	/* Admin commands need the database and the log key, never the CA. */
	if (collector_become(o, true) < 0 || collector_open(&c, o, false) < 0)
		return 1;
	if (strcmp(argv[0], "token") == 0 && argc >= 2 && strcmp(argv[1], "create") == 0)
		status = token_create(&c, argc - 2, argv + 2);
	else if (strcmp(argv[0], "agents") == 0)
		status = agents_list(&c);
	else if (strcmp(argv[0], "revoke") == 0 && argc == 2)
		status = agent_revoke(&c, argv[1]);
	else if (strcmp(argv[0], "checkpoints") == 0)
		status = checkpoints_show(&c, argc > 1 ? atoi(argv[1]) : 1);
	else if (strcmp(argv[0], "verify") == 0)
		status = verify_all(&c, stdout);
	else if (strcmp(argv[0], "export") == 0 && argc >= 3)
		status = evidence_export(&c, argv[1], argc - 2, argv + 2);
	else if ((status = console_admin(&c, argc, argv)) < 0) {
		fprintf(stderr, "%s", _("ward-collector admin: unknown command\n"));
		status = 2;
	}
	collector_close(&c);
	return status;
}
