/* wardctl policy commands: not yet built. */
#include <stdio.h>

#include "wardctl/commands.h"

int cmd_policy(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "wardctl: %s: not available in this build\n", argv[0]);
	return 2;
}

int cmd_token(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "wardctl: %s: not available in this build\n", argv[0]);
	return 2;
}
