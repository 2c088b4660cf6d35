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
#include "agent/journal.h"
#include "agent/notify.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "wardctl/commands.h"

struct agent_opts {
	struct agent_config cfg;
	char socket_path[PATH_MAX];
	bool json, follow, verify, mine;
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
	if (optind != argc) {
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

static void print_status_field(const char *reply, const char *key, const char *label)
{
	char v[64];

	if (journal_field(reply, key, v, sizeof(v)))
		printf("  %-44s %s\n", label, v);
}

int cmd_status(int argc, char **argv)
{
	struct agent_opts o;
	char reply[CONTROL_MAX_MSG], ready[16] = "", pid[16] = "";
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
	journal_field(reply, "ready", ready, sizeof(ready));
	journal_field(reply, "pid", pid, sizeof(pid));
	if (o.json) {
		printf("%s\n", reply);
	} else {
		printf("wardd %s (pid %s)\n",
		       strcmp(ready, "true") == 0 ? "運作中，已就緒 / running and ready"
						  : "啟動中，尚未就緒 / starting, not ready",
		       pid);
		print_status_field(reply, "media", "監控中的可攜式媒體 / removable media watched");
		print_status_field(reply, "workers", "工作執行緒 / workers");
		print_status_field(reply, "deadline_ms", "判定期限 (ms) / deadline (ms)");
		print_status_field(reply, "events", "事件 / events");
		print_status_field(reply, "denied", "已拒絕 / denied");
		print_status_field(reply, "quarantined", "已隔離 / quarantined");
		print_status_field(reply, "answered_by_deadline",
				   "逾時依失效模式處理 / fail mode at deadline");
		print_status_field(reply, "scanner_restarts", "檢查程序重啟 / scanner restarts");
		print_status_field(reply, "journal_seq", "紀錄序號 / journal records");
		print_status_field(reply, "journal_failures", "紀錄失敗 / journal failures");
		print_status_field(reply, "policy_reload_failures",
				   "政策重新載入失敗 / policy reload failures");
		print_status_field(reply, "notify_clients",
				   "彈出視窗連線 / pop-up sessions connected");
		print_status_field(reply, "notices_dropped", "未送達的通知 / notices dropped");
	}
	return strcmp(ready, "true") == 0 ? 0 : 1;
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

static const char *action_zh(const char *action)
{
	static const struct {
		const char *en, *zh;
	} names[] = {
	    {"allow", "允許"}, {"audit", "記錄"},      {"warn", "警告"},
	    {"block", "阻擋"}, {"quarantine", "隔離"}, {"read-only", "唯讀"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(action, names[i].en) == 0)
			return names[i].zh;
	return action;
}

static const char *event_zh(const char *event)
{
	static const struct {
		const char *en, *zh;
	} names[] = {
	    {"copy-destination", "複製到媒體"}, {"copy-source", "讀取來源"},
	    {"close-write", "寫入媒體"},	{"device", "媒體插入"},
	    {"device-block", "封鎖媒體"},	{"policy-reload", "政策重載"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(event, names[i].en) == 0)
			return names[i].zh;
	return event;
}

/* One readable line per record. */
static void print_event(const char *line)
{
	char seq[24] = "", when[40] = "", event[32] = "", user[64] = "", uid[16] = "",
	     exe[256] = "", path[1024] = "", source[1024] = "", level[32] = "", action[24] = "",
	     outcome[96] = "", rule[128] = "", vendor[64] = "", model[64] = "", vid[8] = "",
	     pid_[8] = "", serial[64] = "", detail[256] = "";

	journal_field(line, "seq", seq, sizeof(seq));
	journal_field(line, "time", when, sizeof(when));
	journal_field(line, "event", event, sizeof(event));
	journal_field(line, "user", user, sizeof(user));
	journal_field(line, "uid", uid, sizeof(uid));
	journal_field(line, "exe", exe, sizeof(exe));
	journal_field(line, "path", path, sizeof(path));
	journal_field(line, "source", source, sizeof(source));
	journal_field(line, "level", level, sizeof(level));
	journal_field(line, "action", action, sizeof(action));
	journal_field(line, "outcome", outcome, sizeof(outcome));
	journal_field(line, "rule", rule, sizeof(rule));
	journal_field(line, "device_vendor", vendor, sizeof(vendor));
	journal_field(line, "device_model", model, sizeof(model));
	journal_field(line, "device_vendor_id", vid, sizeof(vid));
	journal_field(line, "device_product_id", pid_, sizeof(pid_));
	journal_field(line, "device_serial", serial, sizeof(serial));
	journal_field(line, "detail", detail, sizeof(detail));
	if (when[10] == 'T')
		when[10] = ' ';

	printf("#%s %s %s/%s", seq, when, event_zh(event), event);
	if (action[0])
		printf(" %s/%s", action_zh(action), action);
	if (outcome[0])
		printf(" → %s", outcome);
	if (level[0])
		printf(" 密等/level %s", level);
	if (user[0] || uid[0])
		printf(" 使用者/user %s(%s)", user[0] ? user : "?", uid);
	if (exe[0])
		printf(" %s", exe);
	if (path[0])
		printf(" 檔案/file %s", path);
	if (source[0] && strcmp(source, path) != 0)
		printf(" ← %s", source);
	if (vid[0])
		printf(" 媒體/device %s %s %s:%s %s", vendor, model, vid, pid_, serial);
	if (rule[0])
		printf(" 規則/rule %s", rule);
	if (detail[0])
		printf(" (%s)", detail);
	putchar('\n');
}

static int print_from(FILE *f, bool json)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long pos = ftell(f);

	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n') {
			/* A record being written: read it whole next time. */
			fseek(f, pos, SEEK_SET);
			break;
		}
		pos = ftell(f);
		if (json)
			fputs(line, stdout);
		else
			print_event(line);
	}
	clearerr(f);
	fflush(stdout);
	return 0;
}

int cmd_events(int argc, char **argv)
{
	struct agent_opts o;
	char path[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;

	if (parse_opts(argc, argv, &o,
		       "events [--follow] [--json] [--verify] [--mine] " COMMON_OPTS) < 0)
		return 2;
	if (o.mine) {
		snprintf(path, sizeof(path), "%.3900s/%s", o.cfg.runtime_dir, NOTIFY_SOCKET_NAME);
		return cmd_events_mine(path, o.json);
	}
	snprintf(path, sizeof(path), "%.3900s/%s/%s", o.cfg.state_dir, WARDD_JOURNAL_SUBDIR,
		 WARDD_JOURNAL_NAME);
	if (o.verify) {
		uint64_t bad = 0;
		int64_t n = journal_verify(path, &bad);

		if (n < 0) {
			if (n == -EBADMSG)
				fprintf(
				    stderr,
				    "wardctl: %s: 紀錄鏈在第 %llu 行斷裂 / the hash chain breaks at "
				    "line %llu\n",
				    path, (unsigned long long)bad, (unsigned long long)bad);
			else
				fprintf(stderr, "wardctl: cannot read %s: %s\n", path,
					strerror((int)-n));
			return 1;
		}
		printf("%s: %lld 筆紀錄，雜湊鏈完整 / %lld records, hash chain intact\n", path,
		       (long long)n, (long long)n);
		return 0;
	}
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "wardctl: cannot read the decision journal %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	print_from(f, o.json);
	if (!o.follow)
		return 0;
	{
		int in = inotify_init1(IN_CLOEXEC);
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.3900s/%s", o.cfg.state_dir, WARDD_JOURNAL_SUBDIR);
		if (in >= 0)
			inotify_add_watch(in, path, IN_MODIFY);
		for (;;) {
			struct pollfd pfd = {in, POLLIN, 0};
			char buf[4096];

			/* inotify wakes us at once; the timeout covers its absence. */
			if (poll(&pfd, in >= 0 ? 1 : 0, 1000) > 0)
				(void)!read(in, buf, sizeof(buf));
			print_from(f, o.json);
		}
	}
}
