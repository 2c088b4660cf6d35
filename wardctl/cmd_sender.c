/* wardctl's delivery commands: enroll (this desk with the ethics office's
 * collector, CA pinned) and spool (what waits to be delivered, since when,
 * the last acknowledgement, whether the collector answers). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/config.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/util.h"
#include "report/chain.h"
#include "report/segment.h"
#include "sender/enroll.h"
#include "sender/spool.h"
#include "wardctl/commands.h"

/* --state-dir, else wardd's configuration, else the default. */
static bool state_dir_of(const char *given, char out[PATH_MAX])
{
	struct agent_config cfg;
	char err[512];

	if (given)
		return str_copy(out, PATH_MAX, given);
	config_defaults(&cfg);
	if (access(WARDD_DEFAULT_CONFIG, F_OK) == 0 &&
	    config_load(WARDD_DEFAULT_CONFIG, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "wardctl: %s\n", err);
		return false;
	}
	return str_copy(out, PATH_MAX, cfg.state_dir);
}

static int enroll_usage(void)
{
	fputs(_("usage: wardctl enroll URL TOKEN --ca-file PEM|--ca-sha256 HEX [--user NAME] "
		"[--state-dir DIR]\n"),
	      stderr);
	return 2;
}

int cmd_enroll(int argc, char **argv)
{
	static const struct option opts[] = {{"ca-file", required_argument, NULL, 'c'},
					     {"ca-sha256", required_argument, NULL, 's'},
					     {"user", required_argument, NULL, 'u'},
					     {"state-dir", required_argument, NULL, 'd'},
					     {NULL, 0, NULL, 0}};
	struct enroll_request req = {.user = "ward-sender"};
	char state[PATH_MAX], agent_id[AGENT_ID_CHARS + 1], err[512];
	const char *dir = NULL;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'c')
			req.ca_file = optarg;
		else if (opt == 's')
			req.ca_sha256 = optarg;
		else if (opt == 'u')
			req.user = optarg;
		else if (opt == 'd')
			dir = optarg;
		else
			return enroll_usage();
	}
	if (optind != argc - 2 || !req.ca_file == !req.ca_sha256)
		return enroll_usage();
	if (!state_dir_of(dir, state))
		return 1;
	req.state_dir = state;
	req.url = argv[optind];
	req.token = argv[optind + 1];
	r = enroll(&req, agent_id, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, _("wardctl: enrollment failed: %s\n"), err);
		return 1;
	}
	printf(_("enrolled with %s as agent %s\n"), req.url, agent_id);
	return 0;
}

struct spool_view {
	struct chain_head durable, acked;
	uint64_t waiting, waiting_bytes;
	char oldest[RFC3339_MAX];
	struct sender_status st;
	struct collector_config cfg;
	bool enrolled, have_status;
	uint64_t alerts;
	char last_alert[512];
};

/* Counts what waits past the acknowledgement and finds the oldest. */
static void scan_waiting(const struct spool_paths *p, struct spool_view *v)
{
	struct log_reader lr;
	const char *line;
	ssize_t n;

	if (log_reader_open_at(&lr, p->log, v->acked.seq + 1) < 0)
		return;
	while ((n = log_reader_next(&lr, &line, NULL)) > 0 || n == -EINVAL || n == -E2BIG) {
		struct record_info info;
		const char *why;
		json_t *payload;

		if (n < 0 || record_parse(line, (size_t)n, &info, &why) < 0)
			continue;
		if (info.seq > v->acked.seq && info.seq <= v->durable.seq) {
			if (v->waiting++ == 0) {
				payload =
				    wjson_parse(info.jws.payload, info.jws.payload_len, NULL, 0);
				str_copy(v->oldest, sizeof(v->oldest),
					 wjson_str(payload, "observed_at") ?: "");
				json_decref(payload);
			}
			v->waiting_bytes += (uint64_t)n + 1;
		}
		record_info_free(&info);
	}
	log_reader_close(&lr);
}

static void read_alerts(const struct spool_paths *p, struct spool_view *v)
{
	_cleanup_free_ char *text = NULL;
	char path[SPOOL_PATH_MAX + 16], *line, *save = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/alerts", p->spool);
	if (read_file(AT_FDCWD, path, 1 << 20, &text, &n) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		v->alerts++;
		str_copy(v->last_alert, sizeof(v->last_alert), line);
	}
}

static void local_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) || strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		str_copy(out, size, "-");
}

static void print_view(const struct spool_view *v)
{
	char last[64], tried[64];

	local_time(v->st.last_success, last, sizeof(last));
	local_time(v->st.last_attempt, tried, sizeof(tried));
	if (v->enrolled)
		printf(_("collector:            %s (agent %s)\n"), v->cfg.url, v->cfg.agent_id);
	else
		printf(_("collector:            not enrolled (wardctl enroll)\n"));
	if (v->waiting) {
		printf(_("waiting:              %llu records, %llu bytes (seq %llu to %llu)\n"),
		       (unsigned long long)v->waiting, (unsigned long long)v->waiting_bytes,
		       (unsigned long long)v->acked.seq + 1, (unsigned long long)v->durable.seq);
		printf(_("oldest waiting since: %s\n"), v->oldest);
	} else {
		printf(_("waiting:              nothing\n"));
	}
	printf(_("last acknowledged:    seq %llu, last delivery %s\n"),
	       (unsigned long long)v->acked.seq, last);
	if (v->have_status)
		printf(_("collector reachable:  %s (last attempt %s)%s%s\n"),
		       v->st.reachable ? _("yes") : _("no"), tried,
		       v->st.last_error[0] ? " — " : "", v->st.last_error);
	printf(_("checkpoint:           %llu records in the collector's log\n"),
	       (unsigned long long)v->st.tree_size);
	if (v->alerts)
		printf(_("alerts:               %llu, the last: %s\n"),
		       (unsigned long long)v->alerts, v->last_alert);
}

static int print_json(const struct spool_view *v)
{
	json_t *o = json_object();
	int r;

	r = wjson_set_int(o, "durable_seq", (int64_t)v->durable.seq) |
	    wjson_set_int(o, "acked_seq", (int64_t)v->acked.seq) |
	    wjson_set_int(o, "waiting", (int64_t)v->waiting) |
	    wjson_set_int(o, "waiting_bytes", (int64_t)v->waiting_bytes) |
	    wjson_set_str(o, "oldest", v->waiting ? v->oldest : NULL) |
	    json_object_set_new(o, "enrolled", json_boolean(v->enrolled)) |
	    json_object_set_new(o, "reachable", json_boolean(v->st.reachable)) |
	    wjson_set_int(o, "last_success", v->st.last_success) |
	    wjson_set_int(o, "last_attempt", v->st.last_attempt) |
	    wjson_set_str(o, "last_error", v->st.last_error) |
	    wjson_set_int(o, "tree_size", (int64_t)v->st.tree_size) |
	    wjson_set_int(o, "alerts", (int64_t)v->alerts);
	if (r == 0)
		r = wjson_print(stdout, o, false);
	json_decref(o);
	return r < 0 ? 1 : 0;
}

static int spool_usage(void)
{
	fputs(_("usage: wardctl spool [--state-dir DIR] [--json]\n"), stderr);
	return 2;
}

int cmd_spool(int argc, char **argv)
{
	static const struct option opts[] = {{"state-dir", required_argument, NULL, 'd'},
					     {"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	struct spool_view v = {0};
	struct spool_paths p;
	char state[PATH_MAX], err[512];
	const char *dir = NULL;
	bool json = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd')
			dir = optarg;
		else if (opt == 'j')
			json = true;
		else
			return spool_usage();
	}
	if (optind != argc)
		return spool_usage();
	if (!state_dir_of(dir, state) || spool_paths_init(&p, state) < 0)
		return 1;
	if (head_file_read(p.log, DURABLE_NAME, &v.durable) < 0) {
		fprintf(stderr, _("wardctl: no record log in %s\n"), state);
		return 1;
	}
	if (spool_acked_load(&p, &v.acked) < 0)
		memset(&v.acked, 0, sizeof(v.acked));
	v.enrolled = collector_config_load(&p, &v.cfg, err, sizeof(err)) == 0;
	v.have_status = spool_status_load(&p, &v.st) == 0;
	scan_waiting(&p, &v);
	read_alerts(&p, &v);
	if (json)
		return print_json(&v);
	print_view(&v);
	return 0;
}
