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
#include "agent/status.h"
#include "common/cleanup.h"
#include "common/json.h"
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
    {"journal_seq", "紀錄序號 / journal records"},
    {"journal_failures", "紀錄失敗 / journal failures"},
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

/* A member as text: a string as it is, an integer in decimal, "" when
 * absent. */
static const char *member(const json_t *o, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return "";
}

/* One readable line per record. */
static void print_event(const char *line, size_t len)
{
	char err[128], seq[24], uid[24], num[24], when[40];
	json_t *o = wjson_parse(line, len, err, sizeof(err));
	const char *event, *action, *outcome, *level, *user, *uid_text, *exe, *path, *source, *vid,
	    *rule, *detail;

	if (!o) {
		printf("#? 無法解讀的紀錄 / not a record: %s\n", err);
		return;
	}
	str_copy(when, sizeof(when), member(o, "time", num, sizeof(num)));
	if (when[10] == 'T')
		when[10] = ' ';
	event = member(o, "event", num, sizeof(num));
	printf("#%s %s %s/%s", member(o, "seq", seq, sizeof(seq)), when, event_zh(event), event);
	if ((action = member(o, "action", num, sizeof(num)))[0])
		printf(" %s/%s", action_zh(action), action);
	if ((outcome = member(o, "outcome", num, sizeof(num)))[0])
		printf(" → %s", outcome);
	if ((level = member(o, "level", num, sizeof(num)))[0])
		printf(" 密等/level %s", level);
	user = member(o, "user", num, sizeof(num));
	uid_text = member(o, "uid", uid, sizeof(uid));
	if (user[0] || uid_text[0])
		printf(" 使用者/user %s(%s)", user[0] ? user : "?", uid_text);
	if ((exe = member(o, "exe", num, sizeof(num)))[0])
		printf(" %s", exe);
	if ((path = member(o, "path", num, sizeof(num)))[0])
		printf(" 檔案/file %s", path);
	source = member(o, "source", num, sizeof(num));
	if (source[0] && strcmp(source, path) != 0)
		printf(" ← %s", source);
	if ((vid = member(o, "device_vendor_id", num, sizeof(num)))[0])
		printf(" 媒體/device %s %s %s:%s %s", wjson_str(o, "device_vendor") ?: "",
		       wjson_str(o, "device_model") ?: "", vid,
		       wjson_str(o, "device_product_id") ?: "",
		       wjson_str(o, "device_serial") ?: "");
	if ((rule = member(o, "rule", num, sizeof(num)))[0])
		printf(" 規則/rule %s", rule);
	if ((detail = member(o, "detail", num, sizeof(num)))[0])
		printf(" (%s)", detail);
	if (wjson_str(o, "ref"))
		printf(" 參考編號/ref %s", wjson_str(o, "ref"));
	putchar('\n');
	json_decref(o);
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
			print_event(line, (size_t)n);
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
