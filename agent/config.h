/* wardd's configuration: a tiny "key = value" file, one setting a line,
 * '#' starts a comment.  Keys: policy_dir, state_dir, runtime_dir,
 * deadline_ms, workers, log (stderr | syslog), verbose (yes | no), and the
 * record log's: sender_group (the group that may read the log, "" for
 * none), report_cap_mb (what may wait for the collector before audit-level
 * records are dropped, 0: no cap), report_retention_days (how long an
 * acknowledged segment stays), heartbeat_s, coalesce_ms (the window in
 * which repeated attempts make one record),
 * crawl (a directory, one a line, or none), cache_entries, background
 * (idle | normal).
 * Unknown keys are errors, so a typo never silently weakens the agent. */
#ifndef WARD_AGENT_CONFIG_H
#define WARD_AGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

#define WARDD_DEFAULT_CONFIG "/etc/ward/wardd.conf"
#define WARDD_DEFAULT_POLICY_DIR "/etc/ward/policy.d"
#define WARDD_DEFAULT_STATE_DIR "/var/lib/ward"
#define WARDD_DEFAULT_RUNTIME_DIR "/run/ward"
#define WARDD_DEFAULT_DEADLINE_MS 2000
#define WARDD_DEFAULT_WORKERS 4
#define WARDD_MAX_WORKERS 32
#define WARDD_DEFAULT_SENDER_GROUP "ward-sender"
#define WARDD_DEFAULT_REPORT_CAP_MB 512
#define WARDD_DEFAULT_RETENTION_DAYS 30
#define WARDD_DEFAULT_HEARTBEAT_S 60
#define WARDD_DEFAULT_COALESCE_MS 10000
#define WARDD_MAX_CRAWL 8 /* crawl roots */
#define WARDD_DEFAULT_CRAWL "/home"
#define WARDD_DEFAULT_CACHE_ENTRIES 65536

struct agent_config {
	char policy_dir[PATH_MAX];
	char state_dir[PATH_MAX];
	char runtime_dir[PATH_MAX];
	uint32_t deadline_ms; /* every permission event is answered within this */
	uint32_t workers;     /* worker threads, each with its own scanner */
	enum log_target log_target;
	bool verbose;
	char sender_group[64];
	uint32_t report_cap_mb;
	uint32_t report_retention_days;
	uint32_t heartbeat_s;
	uint32_t coalesce_ms;
	/* Where the background classifier looks for documents written while
	 * wardd was stopped ("crawl = DIR", one a line; "crawl = none"). */
	char crawl[WARDD_MAX_CRAWL][PATH_MAX];
	size_t n_crawl;
	bool crawl_set;		/* the file named its own: the default is gone */
	uint32_t cache_entries; /* classifications remembered at most */
	/* The background classifier at SCHED_IDLE and the idle I/O class
	 * ("background = idle", the default), or as any process ("normal":
	 * a machine never idle, tests on a shared machine). */
	bool background_idle;
};

void config_defaults(struct agent_config *cfg);

/* Reads path over the defaults already in cfg.  Returns 0, or -1 with a
 * message naming the file, line and problem in err. */
int config_load(const char *path, struct agent_config *cfg, char *err, size_t errsize);

/* Parses one "key = value" setting (also used for --set on the command
 * line of tests).  Returns 0, or -1 with a message in err. */
int config_set(struct agent_config *cfg, const char *key, const char *value, char *err,
	       size_t errsize);

/* Paths derived from the directories. */
#define WARDD_SOCKET_NAME "wardd.sock"
#define WARDD_QUARANTINE_SUBDIR "quarantine"

#endif
