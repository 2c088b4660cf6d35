/* Heartbeats (docs/protocol.md §3.3): wardd's signed statement "my log's
 * durable head is seq n with this hash, this much waits", signed with the
 * identity key (never the ratchet), left in <state>/log/heartbeat.jws for
 * ward-sender to post.  A later, shorter chain then contradicts a signed
 * statement; a desk that stops stating anything shows as dark. */
#ifndef WARD_REPORT_HEARTBEAT_H
#define WARD_REPORT_HEARTBEAT_H

#include <stdint.h>
#include <sys/types.h>

#include "report/identity.h"
#include "report/record.h"

#define HEARTBEAT_NAME "heartbeat.jws"

/* Signs the heartbeat for head at the instant at (rlog_heartbeat_head's;
 * NULL: now) and backlog (records not yet acknowledged), and replaces
 * log_dir/heartbeat.jws (0640, group gid unless -1).  policy_version may be
 * NULL.  Returns 0 or -errno. */
int heartbeat_write(int log_dir_fd, const struct identity *id, const struct record_origin *o,
		    const struct chain_head *head, const struct timespec *at, uint64_t backlog,
		    const char *policy_version, gid_t gid);

#endif
