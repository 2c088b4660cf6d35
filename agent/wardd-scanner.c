/* wardd-scanner: the sandboxed classifier process.  wardd starts one per
 * worker (fork + exec, the socket as fd 3) and hands it descriptors of
 * documents to read.  It is a program of its own so that the document
 * parsers and their libraries (libmagic, libxml2, libarchive, poppler)
 * are loaded only here, never into the privileged daemon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/scanner.h"
#include "common/log.h"

int main(int argc, char **argv)
{
	char *end;
	long fd;

	if (argc != 3 || strcmp(argv[1], "--scanner") != 0) {
		fprintf(stderr,
			"usage: wardd-scanner --scanner FD (started by wardd, not by hand)\n");
		return 2;
	}
	fd = strtol(argv[2], &end, 10);
	if (*end != '\0' || fd < 0 || fd > 1024) {
		fprintf(stderr, "wardd-scanner: bad descriptor '%s'\n", argv[2]);
		return 2;
	}
	log_init("wardd-scanner", LOG_TO_STDERR, false);
	scanner_child_main((int)fd, &scanner_classify_ops, true);
}
