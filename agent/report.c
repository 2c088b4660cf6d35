#define _GNU_SOURCE
#include "agent/report.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "common/version.h"
#include "report/heartbeat.h"
#include "report/segment.h"

#define ALERTS_OFFSET_NAME "alerts.offset"
#define ALERTS_MAX (1u << 20)

int64_t agent_report_append(struct agent *a, json_t *payload, unsigned flags)
{
	int64_t r;

	if (!payload)
		return -ENOMEM;
	if (!a->report->log) {
		/* No log (it could not be opened): every record is a failure. */
		json_decref(payload);
		agent_report_failed(a, -EIO);
		return -EIO;
	}
	r = rlog_append(a->report->log, payload, flags);
	if (r < 0 && r != -ENOBUFS)
		agent_report_failed(a, (int)r);
	return r;
}

void agent_report_failed(struct agent *a, int err)
{
	struct agent_report *r = a->report;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&r->failures_lock);
	/* Logged once per burst: the report-failure record counts them all. */
	if (r->first_failure.tv_sec == 0) {
		r->first_failure = now;
		log_warnx("cannot write a record to the record log: %s (counted; reported once "
			  "records can be written again)",
			  strerror(-err));
	}
	r->last_failure = now;
	pthread_mutex_unlock(&r->failures_lock);
}

static gid_t sender_gid(const struct agent_config *cfg)
{
	struct group *gr;

	if (!cfg->sender_group[0])
		return (gid_t)-1;
	gr = getgrnam(cfg->sender_group);
	if (!gr) {
		log_warnx("no group %s: the record log stays root's alone and ward-sender cannot "
			  "read it",
			  cfg->sender_group);
		return (gid_t)-1;
	}
	return gr->gr_gid;
}

/* The sender reaches log/ and spool/ through the state directory, never
 * reading keys/ (0700): traverse-only for others. */
static void state_dir_traversable(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0 && (st.st_mode & 0011) != 0011 &&
	    chmod(dir, (st.st_mode & 07777) | 0011) < 0)
		log_warn("cannot let the sender through %s", dir);
}

static uint64_t alerts_offset_load(struct agent_report *r)
{
	_cleanup_free_ char *text = NULL;
	size_t n;

	if (read_file(r->log_dir_fd, ALERTS_OFFSET_NAME, 32, &text, &n) < 0)
		return UINT64_MAX; /* unknown: start from the end (see agent_report_open) */
	return strtoull(text, NULL, 10);
}

static json_t *start_record(struct agent *a)
{
	json_t *p = rlog_record_new(a->report->log, "agent-start", NULL);

	if (p && (wjson_set_str(p, "version", WARD_VERSION) < 0 ||
		  wjson_set_int(p, "pid", getpid()) < 0 ||
		  wjson_set_int(p, "workers", a->cfg.workers) < 0)) {
		json_decref(p);
		p = NULL;
	}
	return p;
}

int agent_report_open(struct agent *a, char *err, size_t errsize)
{
	struct agent_report *r = calloc(1, sizeof(*r));
	struct rlog_options opt = {.state_dir = a->cfg.state_dir, .rotate_daily = true};
	struct rlog_limits limits = {
	    .undelivered_cap = (uint64_t)a->cfg.report_cap_mb << 20,
	    .retention_s = a->cfg.report_retention_days * 86400u,
	};
	char path[4096 + 16];
	int e;

	if (!r)
		return errorf(err, errsize, -ENOMEM, "out of memory");
	a->report = r;
	pthread_mutex_init(&r->failures_lock, NULL);
	r->log_dir_fd = -1;
	opt.reader_gid = r->sender_gid = sender_gid(&a->cfg);
	if (r->sender_gid != (gid_t)-1)
		state_dir_traversable(a->cfg.state_dir);
	if ((e = rlog_open(&opt, &r->log, err, errsize)) < 0)
		return e;
	rlog_set_limits(r->log, &limits);
	snprintf(path, sizeof(path), "%s/keys", a->cfg.state_dir);
	if ((e = identity_load_or_create(path, &r->id)) < 0 ||
	    (e = names_key_load_or_create(path, r->names_key)) < 0)
		return errorf(err, errsize, e, "cannot load the keys in %s: %s", path,
			      strerror(-e));
	r->coalesce = coalescer_new(a->cfg.coalesce_ms);
	snprintf(path, sizeof(path), "%s/log", a->cfg.state_dir);
	r->log_dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!r->coalesce || r->log_dir_fd < 0)
		return errorf(err, errsize, -ENOMEM, "cannot set up the record log's helpers");
	snprintf(r->alerts_path, sizeof(r->alerts_path), "%s/spool/alerts", a->cfg.state_dir);
	r->alerts_offset = alerts_offset_load(r);
	if (r->alerts_offset == UINT64_MAX) {
		struct stat st;

		/* A desk that never recorded alerts: those before now were the
		 * sender's alone (logged there); record from here on. */
		r->alerts_offset = stat(r->alerts_path, &st) == 0 ? (uint64_t)st.st_size : 0;
	}
	e = (int)agent_report_append(a, start_record(a), RLOG_DURABLE);
	if (e < 0)
		log_warnx("cannot write the agent-start record: %s", strerror(-e));
	return 0;
}

void agent_report_close(struct agent *a)
{
	struct agent_report *r = a->report;
	struct timespec now;
	json_t *p;
	int64_t e;

	if (!r)
		return;
	if (r->log) {
		clock_gettime(CLOCK_REALTIME, &now);
		while (r->coalesce && (p = coalesce_next_due(r->coalesce, &now, true)))
			agent_report_append(a, p, 0);
		e = agent_report_append(a, rlog_record_new(r->log, "agent-stop", NULL),
					RLOG_DURABLE);
		if (e < 0)
			log_warnx("cannot write the agent-stop record: %s", strerror((int)-e));
		rlog_close(r->log);
	}
	coalescer_free(r->coalesce);
	identity_free(&r->id);
	if (r->log_dir_fd >= 0)
		close(r->log_dir_fd);
	pthread_mutex_destroy(&r->failures_lock);
	explicit_bzero(r->names_key, sizeof(r->names_key));
	free(r);
	a->report = NULL;
}

/* Failures since the last report-failure record, now that records can be
 * written again. */
static void report_failures(struct agent *a)
{
	struct agent_report *r = a->report;
	struct rlog_stats st;
	struct timespec first, last;
	char at[RFC3339_MAX];
	uint64_t n;
	json_t *p;

	rlog_get_stats(r->log, &st);
	pthread_mutex_lock(&r->failures_lock);
	n = st.failures - r->failures_reported;
	first = r->first_failure;
	last = r->last_failure;
	pthread_mutex_unlock(&r->failures_lock);
	if (n == 0 || st.broken)
		return;
	p = rlog_record_new(r->log, "report-failure", NULL);
	if (!p || wjson_set_int(p, "failures", (int64_t)n) < 0) {
		json_decref(p);
		return;
	}
	rfc3339_ms(&first, at);
	wjson_set_str(p, "first_at", at);
	rfc3339_ms(&last, at);
	wjson_set_str(p, "last_at", at);
	if (rlog_append(r->log, p, RLOG_DURABLE) < 0)
		return; /* still failing: counted, tried again next second */
	pthread_mutex_lock(&r->failures_lock);
	r->failures_reported += n;
	memset(&r->first_failure, 0, sizeof(r->first_failure));
	pthread_mutex_unlock(&r->failures_lock);
	log_info("record log writable again; %" PRIu64 " failed records reported", n);
}

/* New lines in the sender's spool/alerts (an inconsistent checkpoint, a
 * rejection) become signed collector-alert records. */
static void collector_alerts(struct agent *a)
{
	struct agent_report *r = a->report;
	_cleanup_free_ char *text = NULL;
	char offset[32];
	size_t n;
	char *line, *save = NULL;

	if (read_file(AT_FDCWD, r->alerts_path, ALERTS_MAX, &text, &n) < 0 || n <= r->alerts_offset)
		return;
	for (line = strtok_r(text + r->alerts_offset, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *p = rlog_record_new(r->log, "collector-alert", NULL);

		if (!p || wjson_set_str(p, "alert", line) < 0 ||
		    agent_report_append(a, p, RLOG_DURABLE) < 0)
			return; /* tried again next second, from this line */
		r->alerts_offset = (uint64_t)(line - text) + strlen(line) + 1;
		if (r->alerts_offset > n)
			r->alerts_offset = n;
		snprintf(offset, sizeof(offset), "%" PRIu64 "\n", r->alerts_offset);
		if (report_write_file(r->log_dir_fd, ALERTS_OFFSET_NAME, offset, strlen(offset),
				      0600, (gid_t)-1, false) < 0)
			log_warn("cannot keep how far the collector's alerts were recorded");
	}
}

/* wardd's signed statement of its head, for ward-sender to post: the head
 * as of an instant no record past it was observed before (in-flight
 * records made durable first). */
static void heartbeat(struct agent *a)
{
	struct agent_report *r = a->report;
	struct chain_head head;
	struct rlog_stats st;
	struct timespec at;
	int e;

	e = rlog_heartbeat_head(r->log, &head, &at);
	if (e < 0) {
		log_warnx("cannot state the log's head for the heartbeat: %s", strerror(-e));
		return;
	}
	rlog_get_stats(r->log, &st);
	e = heartbeat_write(r->log_dir_fd, &r->id, rlog_origin(r->log), &head, &at,
			    st.durable_seq > st.acked_seq ? st.durable_seq - st.acked_seq : 0, NULL,
			    r->sender_gid);
	if (e < 0)
		log_warnx("cannot write the heartbeat: %s", strerror(-e));
}

void agent_report_tick(struct agent *a)
{
	struct agent_report *r = a->report;
	struct timespec now;
	uint64_t now_ms = monotonic_ms();
	json_t *p;
	int e;

	if (!r || !r->log)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	while ((p = coalesce_next_due(r->coalesce, &now, false)))
		agent_report_append(a, p, 0);
	report_failures(a);
	collector_alerts(a);
	if ((e = rlog_maintain(r->log)) < 0)
		log_warnx("record log upkeep: %s", strerror(-e));
	if (now_ms >= r->next_heartbeat_ms) {
		heartbeat(a);
		r->next_heartbeat_ms = now_ms + (uint64_t)a->cfg.heartbeat_s * 1000;
	}
}
