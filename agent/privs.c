#include "agent/privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/* What the daemon keeps (permitted and effective):
 *   SYS_ADMIN        fanotify marks, mount_setattr (read-only media), BLKROSET
 *   DAC_READ_SEARCH  /proc/PID/fd of other users' processes, their files
 *   SYS_PTRACE       the same /proc/PID/fd links (ptrace access mode check)
 *   DAC_OVERRIDE     remove a quarantined file from a medium the user owns;
 *                    the state directory
 *   FOWNER           the same, on sticky directories
 *   KILL             kill a hung scanner, which runs as another user
 *   AUDIT_WRITE      FAN_AUDIT on denials (the kernel audit log)
 * SETUID and SETGID stay permitted but not effective: a scanner is exec'd
 * as root and needs them only to become `nobody` (under no_new_privs an
 * exec keeps at most the parent's permitted set). */
static const int keep[] = {
    CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_DAC_OVERRIDE, CAP_FOWNER,
    CAP_KILL,	   CAP_AUDIT_WRITE,
};
static const int keep_permitted_only[] = {CAP_SETUID, CAP_SETGID};

static bool in(const int *set, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == cap)
			return true;
	return false;
}

int privs_drop(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	int last = CAP_LAST_CAP;

	/* The running kernel may know more capabilities than our headers. */
	while (prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	for (int cap = 0; cap <= last; cap++) {
		if (in(keep, ARRAY_SIZE(keep), cap) ||
		    in(keep_permitted_only, ARRAY_SIZE(keep_permitted_only), cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			/* No CAP_SETPCAP: the bounding set is someone else's
			 * (a unit's CapabilityBoundingSet=), and stays; the
			 * permitted and effective sets below still shrink. */
			if (errno != EPERM)
				return -errno;
			break;
		}
	}
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		int cap = keep[i];

		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue; /* not ours to keep (e.g. a container) */
		data[cap / 32].permitted |= 1u << (cap % 32);
		data[cap / 32].effective |= 1u << (cap % 32);
	}
	for (size_t i = 0; i < ARRAY_SIZE(keep_permitted_only); i++) {
		int cap = keep_permitted_only[i];

		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			data[cap / 32].permitted |= 1u << (cap % 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
