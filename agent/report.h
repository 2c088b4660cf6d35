/* The agent's side of the signed record log (report/, docs/protocol.md):
 * opening it with the keys at start, the records wardd writes of itself
 * (agent-start, agent-stop, policy-change, report-failure,
 * collector-alert), and once a second on the main thread: closing the
 * windows of coalesced repeats, maintaining the log (the cap, the
 * acknowledged segments), heartbeats for ward-sender, the collector's
 * alerts as records.  The record step of each decision is record.c. */
#ifndef WARD_AGENT_REPORT_H
#define WARD_AGENT_REPORT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "report/coalesce.h"
#include "report/identity.h"
#include "report/log.h"

struct agent;

struct agent_report {
	struct rlog *log;
	struct identity id; /* signs heartbeats */
	unsigned char names_key[NAMES_KEY_BYTES];
	struct coalescer *coalesce;
	gid_t sender_gid; /* -1: no sender group */
	int log_dir_fd;
	uint64_t next_heartbeat_ms;
	pthread_mutex_t failures_lock; /* the three below; workers fail, the main thread reports */
	uint64_t failures_reported;    /* rlog failures already in a report-failure record */
	struct timespec first_failure, last_failure;
	char alerts_path[4096 + 32];
	uint64_t alerts_offset; /* bytes of spool/alerts already recorded */
};

/* Opens the log in the state directory and writes agent-start.  Returns 0
 * or -errno with err for people. */
int agent_report_open(struct agent *a, char *err, size_t errsize);
/* Main thread, once a second. */
void agent_report_tick(struct agent *a);
/* Writes agent-stop, closes the coalesced windows, makes it all durable. */
void agent_report_close(struct agent *a);

/* A failed append (record.c), for the report-failure record. */
void agent_report_failed(struct agent *a, int err);

/* Appends payload (the log takes it); logs a failure.  Returns the seq or
 * -errno. */
int64_t agent_report_append(struct agent *a, json_t *payload, unsigned flags);

#endif
