/* wardctl policy check|explain.
 *
 *   wardctl policy check [DIR|FILE]          (default /etc/ward/policy.d)
 *   wardctl policy explain [--policy P] [--json] [--event copy|close-write|device]
 *        [--level L] [--pii TYPE=N]... [--mime M] [--sha256 H] [--size N]
 *        [--declassified] [--uninspectable]
 *        [--device VID:PID[:SERIAL]] [--device-id VID:PID] [--serial S] [--bus B]
 *        [--fs T] [--label L] [--uuid U] [--vendor V] [--model M] [--interfaces I]
 *        [--user U] [--uid N] [--group G]... [--exe PATH] [--time T] [--token FILE]...
 *        [--file DOCUMENT]
 *
 * `explain` builds one event from its options (explain_args.c), decides it
 * with the policy and prints the decision (explain_print.c).  Exit status:
 * 0 done (policy valid), 1 failed, 2 usage. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/i18n.h"
#include "common/util.h"
#include "policy/policy.h"
#include "wardctl/commands.h"
#include "wardctl/explain.h"

#define DEFAULT_POLICY "/etc/ward/policy.d"

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
	const char *path = argc > 1 ? argv[1] : DEFAULT_POLICY;
	struct policy *p;
	char summary[512];

	if (argc > 2)
		return policy_usage();
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
	char why[2048];
	int rc = explain_parse_args(argc, argv, &a);

	if (rc == EXPLAIN_USAGE)
		return policy_usage();
	if (rc != 0)
		return rc;
	p = load_or_report(a.policy_path ? a.policy_path : DEFAULT_POLICY);
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
