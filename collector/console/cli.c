/* The console's accounts at the collector's command line:
 *
 *   ward-collector admin first-admin NAME [--display TEXT]   the first administrator (exit 3
 *                                                            when one exists)
 *   ward-collector admin user add NAME ROLE [--display TEXT]  a one-time password printed once
 *   ward-collector admin user list | role NAME ROLE | reset NAME | disable NAME |
 *                        enable NAME | unlock NAME
 *   ward-collector admin supervisors DIR      the supervisors' trust as policy files in DIR
 *
 * Changes are review actions in the log, by "admin-cli". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/console/review.h"
#include "collector/console/trust.h"
#include "collector/console/users.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/log.h"

static void logged(struct collector *c, struct db *db, const char *action, const char *target,
		   json_t *body)
{
	struct review_actor who = {c, db, "admin-cli", "ward-collector admin", "administrator"};

	if (!body)
		body = json_object();
	if (body)
		json_object_set_new(body, "target", json_string(target));
	if (review_append_as(&who, -1, action, body, NULL, NULL, NULL) < 0)
		log_warnx("%s: %s of %s is not in the log", "console", action, target);
}

static const char *display_opt(int argc, char **argv, int from, const char *fallback)
{
	for (int i = from; i + 1 < argc; i++)
		if (strcmp(argv[i], "--display") == 0)
			return argv[i + 1];
	return fallback;
}

static int add(struct collector *c, struct db *db, const char *name, const char *display,
	       enum role role, bool first)
{
	char otp[OTP_CHARS];
	int r = users_add(db, name, display, role, first, otp);

	if (r == -EEXIST)
		return first ? 3 : (log_warnx(_("%s: the name is taken"), name), 1);
	if (r == -EINVAL) {
		log_warnx("%s",
			  _("a name is letters, digits, '.', '_' or '-'; the name shown has no "
			    "quotes, backslashes or line breaks"));
		return 2;
	}
	if (r < 0)
		return 1;
	logged(c, db, "user-create", name,
	       json_pack("{ssss}", "display", display, "role", role_code(role)));
	printf("%s\n", otp);
	return 0;
}

static int list(struct db *db)
{
	static const char sql[] = "SELECT name, role, display, disabled, must_change FROM users"
				  " ORDER BY name";
	struct db_rows *rows = db_query(db, sql, NULL, 0);

	while (rows && db_next(rows))
		printf("%s\t%s\t%s\t%s\n", db_col_text(rows, 0, NULL), db_col_text(rows, 1, NULL),
		       db_col_text(rows, 2, NULL),
		       db_col_int(rows, 3)   ? "disabled"
		       : db_col_int(rows, 4) ? "must-change"
					     : "active");
	db_rows_free(rows);
	return rows ? 0 : 1;
}

static int change(struct collector *c, struct db *db, const char *what, const char *name,
		  const char *role_text)
{
	char otp[OTP_CHARS];
	enum role role;
	int r;

	if (strcmp(what, "role") == 0 && role_parse(role_text, &role))
		r = users_set_role(db, name, role);
	else if (strcmp(what, "reset") == 0)
		r = users_reset(db, name, otp);
	else if (strcmp(what, "disable") == 0 || strcmp(what, "enable") == 0)
		r = users_set_disabled(db, name, what[0] == 'd');
	else if (strcmp(what, "unlock") == 0)
		r = users_unlock(db, name);
	else
		return 2;
	if (r == -ENOENT)
		log_warnx(_("%s: no such user"), name);
	if (r < 0)
		return 1;
	logged(c, db, strcmp(what, "role") == 0 ? "user-role" : "user-change", name,
	       json_pack("{ss}", "change", what));
	if (strcmp(what, "reset") == 0)
		printf("%s\n", otp);
	return 0;
}

static int write_file(void *ctx, const char *name, const char *data, size_t len)
{
	char path[4096];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", (const char *)ctx, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fwrite(data, 1, len, f) != len)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static int supervisors(struct db *db, const char *dir)
{
	char sub[4096];
	int r;

	snprintf(sub, sizeof(sub), "%s/supervisors", dir);
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(sub, 0755) < 0 && errno != EEXIST)) {
		log_warn("%s", sub);
		return 1;
	}
	r = trust_files(db, write_file, (void *)dir);
	if (r < 0)
		log_warnx(_("%s: the policy files could not be written"), dir);
	return r < 0 ? 1 : 0;
}

static int user_command(struct collector *c, struct db *db, int argc, char **argv)
{
	enum role role;

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return list(db);
	if (argc >= 4 && strcmp(argv[1], "add") == 0) {
		if (!role_parse(argv[3], &role)) {
			log_warnx("%s", _("roles: auditor, reviewer, supervisor, administrator"));
			return 2;
		}
		return add(c, db, argv[2], display_opt(argc, argv, 4, argv[2]), role, false);
	}
	if (argc >= 3)
		return change(c, db, argv[1], argv[2], argc >= 4 ? argv[3] : NULL);
	return 2;
}

int console_admin(struct collector *c, int argc, char **argv)
{
	struct db *db;
	int status = -1;

	if (argc < 1)
		return -1;
	db = store_acquire(c->store);
	if (strcmp(argv[0], "first-admin") == 0 && argc >= 2)
		status = add(c, db, argv[1], display_opt(argc, argv, 2, argv[1]), ROLE_ADMIN, true);
	else if (strcmp(argv[0], "user") == 0)
		status = user_command(c, db, argc, argv);
	else if (strcmp(argv[0], "supervisors") == 0 && argc == 2)
		status = supervisors(db, argv[1]);
	store_release(c->store, db);
	return status;
}
