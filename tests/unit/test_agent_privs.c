/* agent/privs.c: after setup wardd keeps exactly the capabilities it names,
 * also when it cannot change its bounding set (no CAP_SETPCAP: a systemd
 * unit's CapabilityBoundingSet= already bounded it).  Needs root: each case
 * runs in a child that starts with a root's capabilities. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/privs.h"

#define BIT(c) (UINT64_C(1) << (c))
/* What privs.c keeps, effective; SETUID and SETGID permitted only. */
#define KEPT_EFFECTIVE                                                                             \
	(BIT(CAP_SYS_ADMIN) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE) |                     \
	 BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE))
#define KEPT_PERMITTED (KEPT_EFFECTIVE | BIT(CAP_SETUID) | BIT(CAP_SETGID))

/* "CapEff:\t0000..." of this process. */
static uint64_t status_caps(const char *field)
{
	char line[256];
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtoull(line + strlen(field), NULL, 16);
	fclose(f);
	return v;
}

/* Gives up CAP_SETPCAP (permitted and effective) and nothing else. */
static int drop_setpcap(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	data[0].permitted &= ~(1u << CAP_SETPCAP);
	data[0].effective &= ~(1u << CAP_SETPCAP);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Exit status of a child: 0 when privs_drop() left exactly the kept sets,
 * 1 when it failed, 2 when the sets are not those. */
static int child(bool without_setpcap)
{
	if (without_setpcap && drop_setpcap() < 0)
		return 3;
	if (privs_drop() < 0)
		return 1;
	if (status_caps("CapEff:") != KEPT_EFFECTIVE || status_caps("CapPrm:") != KEPT_PERMITTED)
		return 2;
	return 0;
}

static int run_child(bool without_setpcap)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child(without_setpcap));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void as_root(void **state)
{
	(void)state;
	assert_int_equal(geteuid(), 0);
	assert_int_equal(run_child(false), 0);
}

static void bounding_set_not_ours(void **state)
{
	(void)state;
	assert_int_equal(geteuid(), 0);
	assert_int_equal(run_child(true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(as_root),
	    cmocka_unit_test(bounding_set_not_ours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
