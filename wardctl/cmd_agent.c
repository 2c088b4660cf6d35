/* wardctl's agent commands: status (the control socket), devices (the
 * inventory), events (the decision journal).  Where to look comes from
 * wardd's config (--config FILE, $WARDD_CONFIG, or /etc/ward/wardd.conf
 * when present), or --state-dir / --socket directly. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/control.h"
#include "agent/inventory.h"
#include "agent/notify.h"
#include "agent/status.h"
#include "wardctl/events.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/i18n.h"
#include "common/util.h"
#include "wardctl/commands.h"

struct agent_opts {
	struct agent_config cfg;
	char socket_path[PATH_MAX];
	bool json, follow, verify, mine;
	char **args; /* what follows the options, when the command takes any */
	int n_args;
};

enum { OPT_CONFIG = 1000, OPT_STATE_DIR, OPT_SOCKET, OPT_JSON, OPT_FOLLOW, OPT_VERIFY, OPT_MINE };

static int parse_opts(int argc, char **argv, struct agent_opts *o, const char *usage)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"follow", no_argument, NULL, OPT_FOLLOW},
	    {"verify", no_argument, NULL, OPT_VERIFY},
	    {"mine", no_argument, NULL, OPT_MINE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = getenv("WARDD_CONFIG");
	const char *state_dir = NULL, *socket_path = NULL;
	char err[512];
	int opt;

	memset(o, 0, sizeof(*o));
	config_defaults(&o->cfg);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_STATE_DIR:
			state_dir = optarg;
			break;
		case OPT_SOCKET:
			socket_path = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'f':
		case OPT_FOLLOW:
			o->follow = true;
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_MINE:
			o->mine = true;
			break;
		case 'h':
			printf("usage: wardctl %s\n", usage);
			exit(0);
		default:
			fprintf(stderr, "usage: wardctl %s\n", usage);
			return -1;
		}
	}
	o->args = argv + optind;
	o->n_args = argc - optind;
	if (o->n_args > 0 && !strstr(usage, "FILE")) {
		fprintf(stderr, "usage: wardctl %s\n", usage);
		return -1;
	}
	if (!config && access(WARDD_DEFAULT_CONFIG, F_OK) == 0)
		config = WARDD_DEFAULT_CONFIG;
	if (config && config_load(config, &o->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "wardctl: %s\n", err);
		return -1;
	}
	if (state_dir)
		str_copy(o->cfg.state_dir, sizeof(o->cfg.state_dir), state_dir);
	if (socket_path)
		str_copy(o->socket_path, sizeof(o->socket_path), socket_path);
	else
		snprintf(o->socket_path, sizeof(o->socket_path), "%.4000s/%s", o->cfg.runtime_dir,
			 WARDD_SOCKET_NAME);
	return 0;
}

#define COMMON_OPTS "[--config FILE] [--state-dir DIR]"

/* What people see of the status, in this order. */
static const struct {
	const char *key, *label;
} status_labels[] = {
    {"media", "監控中的可攜式媒體 / removable media watched"},
    {"workers", "工作執行緒 / workers"},
    {"deadline_ms", "判定期限 (ms) / deadline (ms)"},
    {"events", "事件 / events"},
    {"denied", "已拒絕 / denied"},
    {"quarantined", "已隔離 / quarantined"},
    {"answered_by_deadline", "逾時依失效模式處理 / fail mode at deadline"},
    {"answered_queue_full", "佇列滿依失效模式處理 / fail mode at a full queue"},
    {"queue_overflows", "fanotify 佇列溢位 / fanotify queue overflows"},
    {"events_without_fd", "無描述子事件 / events without a descriptor"},
    {"proc_failures", "/proc 讀取失敗 / /proc scans that failed"},
    {"effect_failures", "處置失敗 / side effects that failed"},
    {"scanner_restarts", "檢查程序重啟 / scanner restarts"},
    {"journal_seq", "紀錄序號 / records in the log"},
    {"log_durable", "已寫入磁碟 / records durable"},
    {"log_acked", "收集伺服器已確認 / acknowledged by the collector"},
    {"journal_failures", "紀錄失敗 / records that failed"},
    {"record_failure_denials", "因無法紀錄而拒絕 / denied: record not written"},
    {"log_dropped_over_cap", "超過上限未紀錄 / audit records dropped over the cap"},
    {"policy_reload_failures", "政策重新載入失敗 / policy reload failures"},
    {"notify_clients", "彈出視窗連線 / pop-up sessions connected"},
    {"notices_dropped", "未送達的通知 / notices dropped"},
};

static void print_status(const struct agent_status *st)
{
	printf("wardd %s (pid %lld)\n",
	       st->ready ? "運作中，已就緒 / running and ready"
			 : "啟動中，尚未就緒 / starting, not ready",
	       (long long)st->pid);
	if (st->policy_version[0])
		printf("  %-44s %s\n", "政策版本 / policy version", st->policy_version);
	for (size_t i = 0; i < ARRAY_SIZE(status_labels); i++)
		for (size_t k = 0; k < status_n_counters; k++)
			if (strcmp(status_counters[k].key, status_labels[i].key) == 0)
				printf("  %-44s %llu\n", status_labels[i].label,
				       (unsigned long long)status_get(st, &status_counters[k]));
	for (size_t i = 0; i < st->n_watched; i++)
		printf("  %s %s (%s): %s\n", st->watched[i].mount, st->watched[i].device,
		       st->watched[i].serial, st->watched[i].action);
}

int cmd_status(int argc, char **argv)
{
	struct agent_opts o;
	struct agent_status st;
	char reply[CONTROL_MAX_MSG], err[256];
	int r;

	if (parse_opts(argc, argv, &o, "status [--json] [--config FILE] [--socket PATH]") < 0)
		return 2;
	r = control_query(o.socket_path, "status", reply, sizeof(reply), 2000);
	if (r < 0) {
		fprintf(stderr,
			"wardctl: wardd 未執行 / wardd is not running: cannot reach %s: %s\n",
			o.socket_path, strerror(-r));
		return 1;
	}
	if (status_parse(reply, (size_t)r, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "wardctl: wardd answered what is not a status: %s\n", err);
		return 1;
	}
	if (o.json)
		printf("%s\n", reply);
	else
		print_status(&st);
	r = st.ready ? 0 : 1;
	status_free(&st);
	return r;
}

/* One file: "known PATH" to wardd, its answer printed.  Returns 0 known,
 * 1 not known, -1 no answer. */
static int known_one(const struct agent_opts *o, const char *file)
{
	char request[256], reply[CONTROL_MAX_MSG], path[PATH_MAX], err[128];
	json_t *j;
	bool known = false;
	int r;

	if (!realpath(file, path) ||
	    snprintf(request, sizeof(request), "known %s", path) >= (int)sizeof(request)) {
		fprintf(stderr, _("wardctl: %s: %s\n"), file,
			errno ? strerror(errno) : _("path too long"));
		return -1;
	}
	r = control_query(o->socket_path, request, reply, sizeof(reply), 2000);
	if (r < 0) {
		fprintf(stderr, _("wardctl: wardd is not running: cannot reach %s: %s\n"),
			o->socket_path, strerror(-r));
		return -1;
	}
	j = wjson_parse(reply, (size_t)r, err, sizeof(err));
	if (!j || !wjson_bool(j, "known", &known)) {
		fprintf(stderr, _("wardctl: wardd answered what is not a classification: %s\n"),
			j ? _("no \"known\"") : err);
		json_decref(j);
		return -1;
	}
	if (o->json) {
		printf("%s\n", reply);
	} else if (known) {
		const char *level = wjson_str(j, "level");

		printf(_("%s: known: %s\n"), file, level && level[0] ? level : _("unmarked"));
	} else {
		const char *why = wjson_str(j, "why");

		printf(_("%s: not known (%s)\n"), file, why ? _(why) : "?");
	}
	json_decref(j);
	return known ? 0 : 1;
}

int cmd_known(int argc, char **argv)
{
	struct agent_opts o;
	int status = 0;

	if (parse_opts(argc, argv, &o, "known [--json] [--config FILE] [--socket PATH] FILE...") <
	    0)
		return 2;
	if (o.n_args == 0) {
		fprintf(stderr, "usage: wardctl known [--json] [--config FILE] FILE...\n");
		return 2;
	}
	for (int i = 0; i < o.n_args; i++) {
		int r = known_one(&o, o.args[i]);

		if (r < 0)
			return 1;
		if (r > 0)
			status = 1;
	}
	return status;
}

int cmd_devices(int argc, char **argv)
{
	struct agent_opts o;
	struct inventory *inv = NULL;
	int r;

	if (parse_opts(argc, argv, &o, "devices [--json] " COMMON_OPTS) < 0)
		return 2;
	r = inventory_open(o.cfg.state_dir, &inv);
	if (r < 0) {
		fprintf(stderr, "wardctl: cannot read the device inventory in %s: %s\n",
			o.cfg.state_dir, strerror(-r));
		return 1;
	}
	r = inventory_print(inv, stdout, o.json);
	inventory_free(inv);
	if (r < 0) {
		fprintf(stderr, "wardctl: cannot print the inventory: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

int cmd_events(int argc, char **argv)
{
	struct agent_opts o;

	if (parse_opts(argc, argv, &o,
		       "events [--follow] [--json] [--verify] [--mine] " COMMON_OPTS) < 0)
		return 2;
	if (o.mine) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%.3900s/%s", o.cfg.runtime_dir, NOTIFY_SOCKET_NAME);
		return cmd_events_mine(path, o.json);
	}
	if (o.verify) {
		char *args[] = {"verify", o.cfg.state_dir, NULL};

		return cmd_verify(2, args);
	}
	return events_print(o.cfg.state_dir, o.json, o.follow);
}
