/* wardctl: the administrator's command line for Ward. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/i18n.h"
#include "wardctl/commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
    {"classify", cmd_classify,
     "classify [--json] PATH...      show each document's marking and personal data"},
    {"policy", cmd_policy,
     "policy check|explain ...       validate a policy, or explain a decision"},
    {"token", cmd_token, "token keygen|sign|verify ...   supervisor approval tokens"},
    {"status", cmd_status, "status                         is wardd running and ready"},
    {"devices", cmd_devices,
     "devices [--json]               removable media seen, and the decisions"},
    {"events", cmd_events, "events [--follow] [--json]     the local decision journal"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: wardctl COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  wardctl %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(WARD_TEXTDOMAIN, WARD_LOCALEDIR);

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
	fprintf(stderr, "wardctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
