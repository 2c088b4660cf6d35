/* wardctl agent commands: not yet built. */
#include <stdio.h>

#include "wardctl/commands.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "wardctl: %s: not available in this build\n", argv[0]);
	return 2;
}

int cmd_devices(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "wardctl: %s: not available in this build\n", argv[0]);
	return 2;
}

int cmd_events(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "wardctl: %s: not available in this build\n", argv[0]);
	return 2;
}
