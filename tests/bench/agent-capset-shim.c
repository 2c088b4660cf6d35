/* LD_PRELOAD shim for running fapolicyd as a benchmark peer on a host whose
 * capability bounding set lacks CAP_SYS_RESOURCE: fapolicyd (libcap-ng)
 * asks capset(2) for it and gives up when refused.  This clears that one
 * bit from every set it asks for; nothing else changes. */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

int capset(cap_user_header_t hdrp, const cap_user_data_t datap);

int capset(cap_user_header_t hdrp, const cap_user_data_t datap)
{
	if (datap && hdrp && hdrp->version != _LINUX_CAPABILITY_VERSION_1) {
		unsigned int bit = 1u << (CAP_SYS_RESOURCE % 32);
		struct __user_cap_data_struct *d = &datap[CAP_SYS_RESOURCE / 32];

		d->effective &= ~bit;
		d->permitted &= ~bit;
		d->inheritable &= ~bit;
	}
	return (int)syscall(SYS_capset, hdrp, datap);
}
