/* log/anchor: where a log starts once its first segments were deleted
 * (every record in them acknowledged by the collector, the local retention
 * passed).  It names the first record left, the hash of the one before it
 * and the ratchet key in force for it, so `wardctl verify` checks what is
 * left from its first record on.  One JSON line:
 *   {"key":<JWK>,"prev":"<hex>","ratchet":<index>,"seq":<first seq left>}
 * The desk writes it, so it is trusted only as far as the desk is: the
 * records before it are at the collector, which verified them. */
#ifndef WARD_REPORT_ANCHOR_H
#define WARD_REPORT_ANCHOR_H

#include <stdint.h>
#include <sys/types.h>

#include "common/ed25519.h"

#define ANCHOR_NAME "anchor"

struct anchor {
	uint64_t seq;
	unsigned char prev[32];
	uint64_t key_index;
	unsigned char key[ED25519_KEY_BYTES];
};

/* Returns 0, -ENOENT or -EBADMSG. */
int anchor_read(const char *log_dir, struct anchor *a);
int anchor_write(int log_dir_fd, const struct anchor *a, gid_t gid);

#endif
