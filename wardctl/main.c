/* wardctl: the administrator's command line for Ward. */
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/i18n.h"
#include "wardctl/commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *what; /* translated */
} commands[] = {
    {"classify", cmd_classify, "classify [--json] PATH...",
     N_("show each document's marking and personal data")},
    {"policy", cmd_policy, "policy check|explain ...",
     N_("validate a policy, or explain a decision")},
    {"token", cmd_token, "token keygen|sign|verify ...", N_("supervisor approval tokens")},
    {"status", cmd_status, "status", N_("is wardd running and ready")},
    {"devices", cmd_devices, "devices [--json]", N_("removable media seen, and the decisions")},
    {"known", cmd_known, "known [--json] FILE...",
     N_("what wardd already knows of each file's classification")},
    {"events", cmd_events, "events [--follow] [--json]", N_("the local decision journal")},
    {"events", cmd_events, "events --mine [--json]",
     N_("what Ward stopped or warned you of (any user)")},
    {"verify", cmd_verify, "verify FILE|DIR [--key PUB]",
     N_("check a record log's signatures, ratchet and chain")},
    {"enroll", cmd_enroll, "enroll URL TOKEN --ca-file|--ca-sha256 ...",
     N_("enroll this desk with the ethics office's collector")},
    {"spool", cmd_spool, "spool [--json]", N_("records waiting for the collector")},
};

static void usage(FILE *out)
{
	fputs(_("usage: wardctl COMMAND [ARGS]\n\n"), out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  wardctl %-30s %s\n", commands[i].synopsis, _(commands[i].what));
}

int main(int argc, char **argv)
{
	i18n_init();

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, _("wardctl: unknown command '%s'\n"), argv[1]);
	usage(stderr);
	return 2;
}
