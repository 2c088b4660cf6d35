/* The record-log unit tests' fixture: a fresh state directory under /tmp
 * for each test (cmocka setup/teardown), removed afterwards. */
#ifndef WARD_TESTS_REPORT_FIXTURE_H
#define WARD_TESTS_REPORT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "report/log.h"

struct fixture {
	char dir[64];
	char log[96];
	char seg1[160]; /* the first segment's path */
	struct rlog_options opt;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-report-test.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	snprintf(f->seg1, sizeof(f->seg1), "%s/seg-00000000000000000001.jws", f->log);
	f->opt.state_dir = f->dir;
	f->opt.reader_gid = (gid_t)-1;
	f->opt.host = "desk-01";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

#endif
