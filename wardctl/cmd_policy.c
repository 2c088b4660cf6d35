/* wardctl policy check|explain.
 *
 *   wardctl policy check [DIR|FILE]
 *   wardctl policy explain [--policy P] [--json] [--event copy|close-write|device]
 *        [--level L] [--pii TYPE=N]... [--mime M] [--sha256 H] [--size N]
 *        [--declassified] [--uninspectable] [--derived LEVEL]
 *        [--device VID:PID[:SERIAL]] [--device-id VID:PID] [--serial S] [--bus B]
 *        [--fs T] [--label L] [--uuid U] [--vendor V] [--model M] [--interfaces I]
 *        [--user U] [--uid N] [--group G]... [--exe PATH] [--time T] [--token FILE]...
 *        [--file DOCUMENT]
 *
 * Without a policy named, both read the agent's (/etc/ward/policy.d), or on
 * a machine without one the default policy that came with wardctl.
 * `explain` builds one event from its options (explain_args.c), decides it
 * with the policy and prints the decision (explain_print.c).  Exit status:
 * 0 done (policy valid), 1 failed, 2 usage. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/config.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/util.h"
#include "kmod-free/procfd.h"
#include "policy/policy.h"
#include "ward-paths.h"
#include "wardctl/commands.h"
#include "wardctl/explain.h"

static int policy_usage(void)
{
	fputs(
	    _("usage: wardctl policy check [DIR|FILE]\n"
	      "       wardctl policy explain [--policy DIR|FILE] [--json]\n"
	      "           [--event copy|close-write|device] [--level L] [--pii TYPE=N]\n"
	      "           [--mime M] [--sha256 HEX] [--size BYTES] [--declassified] [--uninspectable]\n"
	      "           [--device VID:PID[:SERIAL]] [--device-id VID:PID] [--serial S]\n"
	      "           [--bus usb|mmc|other|internal] [--fs TYPE] [--label L] [--uuid U]\n"
	      "           [--vendor V] [--model M] [--interfaces :080650:]\n"
	      "           [--user U] [--uid N] [--group G] [--exe PATH]\n"
	      "           [--time 2022-01-25T10:00] [--token FILE] [--file DOCUMENT]\n"
	      "  --file classifies DOCUMENT as the agent would; options after it override\n"),
	    stderr);
	return 2;
}

/* Whether dir holds a .rules file: a policy directory in use (the test
 * `make run` makes too). */
static bool holds_rules(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' && len > 6 && strcmp(de->d_name + len - 6, ".rules") == 0)
			return true;
	}
	return false;
}

/* The default policy that came with this wardctl: policy/default/ of the
 * source tree it was built in (it runs as build/wardctl or
 * build/san/wardctl), else the copy `make install` put in the data
 * directory. */
static bool shipped_policy(char *out, size_t size)
{
	char dir[PATH_MAX];

	if (procfd_self_exe(dir, sizeof(dir)) == 0) {
		/* up == 0 leaves wardctl's own directory: the tree is above it */
		for (int up = 0; up < 3; up++) {
			char *slash = strrchr(dir, '/');

			if (!slash || slash == dir)
				break;
			*slash = '\0';
			if (up > 0 && snprintf(out, size, "%s/policy/default", dir) < (int)size &&
			    holds_rules(out))
				return true;
		}
	}
	return snprintf(out, size, "%s/policy.d", WARD_DATADIR) < (int)size && holds_rules(out);
}

/* The policy check and explain read when the command line names none: the
 * agent's when it holds rules, as `make run` decides; otherwise the one
 * shipped with wardctl.  Says on stderr which it took (it may not be the
 * one a running wardd was given).  NULL when there is none. */
static const char *default_policy(char *buf, size_t size)
{
	const char *agents = WARDD_DEFAULT_POLICY_DIR;

	if (holds_rules(agents)) {
		fprintf(stderr, _("wardctl: the policy in %s\n"), agents);
		return agents;
	}
	if (shipped_policy(buf, size)) {
		fprintf(stderr,
			_("wardctl: %s holds no policy rules: the default policy shipped with "
			  "wardctl, %s\n"),
			agents, buf);
		return buf;
	}
	fprintf(stderr,
		_("wardctl: %s holds no policy rules and wardctl's default policy is not "
		  "installed: name a policy\n"),
		agents);
	return NULL;
}

static struct policy *load_or_report(const char *path)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load(path, &diag);

	if (!p) {
		policy_diag_print(&diag, stderr);
		fprintf(stderr,
			P_("%s: %zu error; policy not valid\n",
			   "%s: %zu errors; policy not valid\n", diag.n_errors),
			path, diag.n_errors);
	} else {
		const struct policy_token_problem *problems;
		size_t n = policy_token_problems(p, &problems);

		/* refused approvals do not make the policy invalid, but the
		 * administrator should know they will not count */
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, _("%s: approval token refused (%s): %s\n"),
				problems[i].path, policy_token_status_name(problems[i].status),
				problems[i].detail);
	}
	policy_diag_free(&diag);
	return p;
}

static int policy_check(int argc, char **argv)
{
	char shipped[PATH_MAX], summary[512];
	const char *path;
	struct policy *p;

	if (argc > 2)
		return policy_usage();
	path = argc > 1 ? argv[1] : default_policy(shipped, sizeof(shipped));
	if (!path)
		return 1;
	p = load_or_report(path);
	if (!p)
		return 1;
	policy_summary(p, summary, sizeof(summary));
	printf("%s: %s\n", path, summary);
	policy_unref(p);
	return 0;
}

/* Reads the tokens the command line offers and attaches each to the
 * policy: good ones are offered to the decision, the others listed with
 * why they were refused. */
static void offer_tokens(const struct policy *p, const struct explain_args *a,
			 struct explain_tokens *t)
{
	for (size_t i = 0; i < a->n_token_paths; i++) {
		struct rejected_token *rej = &t->rejected[t->n_rejected];
		char err[256];
		struct policy_token *tok = policy_token_read(a->token_paths[i], err, sizeof(err));
		enum policy_token_status st;

		if (!tok) {
			rej->path = a->token_paths[i];
			rej->status = policy_token_status_name(POLICY_TOKEN_MALFORMED);
			str_copy(rej->text, sizeof(rej->text), err);
			t->n_rejected++;
			continue;
		}
		st = policy_token_attach(p, tok);
		if (st != POLICY_TOKEN_APPLIED) {
			rej->path = a->token_paths[i];
			rej->status = policy_token_status_name(st);
			snprintf(rej->text, sizeof(rej->text), "%s: %s",
				 policy_token_get_fields(tok)->approver,
				 policy_token_status_text(st));
			t->n_rejected++;
			policy_token_free(tok);
			continue;
		}
		t->held[t->n_held] = tok;
		t->offered[t->n_held++] = tok;
	}
}

/* Completes the event from the options and the loaded policy (the time is
 * read in the policy's zone).  Returns 0 or 2 for a bad --time. */
static int finish_event(const struct policy *p, struct explain_args *a)
{
	struct policy_event *ev = &a->ev;

	ev->time = time(NULL);
	if (a->time_arg && !policy_parse_time(p, a->time_arg, &ev->time)) {
		fprintf(
		    stderr,
		    _("wardctl policy explain: bad --time '%s' (expected e.g. 2022-01-25T10:00, in the policy's time zone, or with +08:00)\n"),
		    a->time_arg);
		return 2;
	}
	ev->content = ev->kind != POLICY_EVENT_DEVICE && a->have_content ? &a->content : NULL;
	/* without device options the destination is an unnamed USB stick */
	ev->device = &a->dev;
	ev->group_names = a->group_names;
	ev->n_group_names = a->n_groups;
	return 0;
}

static int policy_explain_cmd(int argc, char **argv)
{
	struct explain_args a;
	struct explain_tokens tokens = {0};
	struct policy_decision d;
	struct policy *p;
	char why[2048], shipped[PATH_MAX];
	int rc = explain_parse_args(argc, argv, &a);

	if (rc == EXPLAIN_USAGE)
		return policy_usage();
	if (rc != 0)
		return rc;
	if (!a.policy_path && !(a.policy_path = default_policy(shipped, sizeof(shipped))))
		return 1;
	p = load_or_report(a.policy_path);
	if (!p)
		return 1;
	rc = finish_event(p, &a);
	if (rc != 0) {
		policy_unref(p);
		return rc;
	}
	offer_tokens(p, &a, &tokens);
	a.ev.tokens = tokens.offered;
	a.ev.n_tokens = tokens.n_held;
	if (policy_decide(p, &a.ev, &d) < 0)
		fputs(_("wardctl policy explain: malformed event: fail mode applied\n"), stderr);
	policy_explain(p, &a.ev, &d, why, sizeof(why));
	if (a.json)
		rc = explain_print_json(p, &a.ev, &d, why, &tokens);
	else
		explain_print_text(&a.ev, &d, why, &tokens);
	for (size_t i = 0; i < tokens.n_held; i++)
		policy_token_free(tokens.held[i]);
	policy_unref(p);
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2)
		return policy_usage();
	if (strcmp(argv[1], "check") == 0)
		return policy_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return policy_explain_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0) {
		policy_usage();
		return 0;
	}
	fprintf(stderr, _("wardctl policy: unknown sub-command '%s'\n"), argv[1]);
	return policy_usage();
}
