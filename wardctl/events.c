/* The record log as `wardctl events` shows it: each record's payload
 * flattened to the decision journal's fields (user, exe, path, level,
 * device_serial, rule "file:line", ...), so the lines people and scripts
 * read keep their shape; `--json` prints that flat object. */
#define _GNU_SOURCE
#include "wardctl/events.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "report/chain.h"
#include "report/segment.h"

/* Members of a record that are the chain's, not the event's. */
static const char *const CHAIN_MEMBERS[] = {"v",    "agent_id", "host",	    "boot_id",
					    "prev", "ratchet",	"next_key", "observed_at"};

static bool chain_member(const char *key)
{
	for (size_t i = 0; i < sizeof(CHAIN_MEMBERS) / sizeof(CHAIN_MEMBERS[0]); i++)
		if (strcmp(key, CHAIN_MEMBERS[i]) == 0)
			return true;
	return false;
}

/* Copies obj's members into v, each name prefixed (device_serial ...). */
static void flatten(json_t *v, const json_t *obj, const char *prefix)
{
	const char *key;
	json_t *m;
	char name[80];

	json_object_foreach((json_t *)obj, key, m)
	{
		snprintf(name, sizeof(name), "%s%s", prefix, key);
		json_object_set(v, name, m);
	}
}

/* content: level, reasons joined with "; ", pii as "type xN, ...". */
static void flatten_content(json_t *v, const json_t *c)
{
	const json_t *reasons = json_object_get(c, "reasons"), *pii = json_object_get(c, "pii");
	char text[1024] = "";
	const char *key;
	size_t i, o = 0;
	json_t *m;

	flatten(v, c, "");
	json_array_foreach(reasons, i, m)
	{
		if (o < sizeof(text))
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s", i ? "; " : "",
					      json_string_value(m) ?: "");
	}
	wjson_set_str(v, "reasons", text);
	text[0] = '\0';
	o = 0;
	i = 0;
	json_object_foreach((json_t *)pii, key, m)
	{
		if (o < sizeof(text))
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s x%lld",
					      i++ ? ", " : "", key,
					      (long long)json_integer_value(m));
	}
	wjson_set_str(v, "pii", text);
}

/* device: device_vendor_id/device_product_id from "id", the rest as named
 * in the journal (device_fs_type, device_fs_uuid, device_fs_label). */
static void flatten_device(json_t *v, const json_t *d)
{
	static const char *const renames[][2] = {
	    {"fs", "device_fs_type"}, {"uuid", "device_fs_uuid"}, {"label", "device_fs_label"}};
	const char *id = wjson_str(d, "id");
	char part[8];

	flatten(v, d, "device_");
	json_object_del(v, "device_id");
	for (size_t i = 0; i < 3; i++) {
		char old[32];
		json_t *m;

		snprintf(old, sizeof(old), "device_%s", renames[i][0]);
		m = json_object_get(v, old);
		if (m) {
			json_object_set(v, renames[i][1], m);
			json_object_del(v, old);
		}
	}
	if (id && strlen(id) == 9 && id[4] == ':') {
		str_copy_n(part, sizeof(part), id, 4);
		wjson_set_str(v, "device_vendor_id", part);
		wjson_set_str(v, "device_product_id", id + 5);
	}
}

static json_t *flat_view(const struct record_info *info, const json_t *p)
{
	json_t *v = json_object(), *rule = json_object_get(p, "rule");
	const char *key;
	char text[320];
	int64_t line;
	json_t *m;

	wjson_set_int(v, "seq", (int64_t)info->seq);
	wjson_set_str(v, "time", wjson_str(p, "observed_at"));
	json_object_foreach((json_t *)p, key, m)
	{
		if (chain_member(key))
			continue;
		if (strcmp(key, "subject") == 0 || strcmp(key, "file") == 0)
			flatten(v, m, "");
		else if (strcmp(key, "content") == 0)
			flatten_content(v, m);
		else if (strcmp(key, "device") == 0)
			flatten_device(v, m);
		else if (strcmp(key, "rule") != 0)
			json_object_set(v, key, m);
	}
	if (rule) {
		snprintf(text, sizeof(text), "%s", wjson_str(rule, "file") ?: "");
		if (wjson_int(rule, "line", &line))
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ":%lld",
				 (long long)line);
		wjson_set_str(v, "rule", text);
	}
	if (!json_object_get(v, "event"))
		wjson_set_str(v, "event", info->kind);
	return v;
}

static const char *zh_of(const char *en, const char *const (*names)[2], size_t n)
{
	for (size_t i = 0; en && i < n; i++)
		if (strcmp(en, names[i][0]) == 0)
			return names[i][1];
	return en ? en : "";
}

static const char *action_zh(const char *action)
{
	static const char *const names[][2] = {
	    {"allow", "允許"}, {"audit", "記錄"},      {"warn", "警告"},
	    {"block", "阻擋"}, {"quarantine", "隔離"}, {"read-only", "唯讀"},
	};

	return zh_of(action, names, sizeof(names) / sizeof(names[0]));
}

static const char *event_zh(const char *event)
{
	static const char *const names[][2] = {
	    {"copy-destination", "複製到媒體"}, {"copy-source", "讀取來源"},
	    {"close-write", "寫入媒體"},	{"device", "媒體插入"},
	    {"device-block", "封鎖媒體"},	{"mount", "掛載"},
	    {"policy-change", "政策變更"},	{"agent-start", "代理程式啟動"},
	    {"agent-stop", "代理程式停止"},	{"spool-overflow", "待送超過上限"},
	    {"report-failure", "紀錄失敗"},	{"collector-alert", "收集伺服器警示"},
	    {"key-rotation", "金鑰輪替"},
	};

	return zh_of(event, names, sizeof(names) / sizeof(names[0]));
}

static const char *s(const json_t *v, const char *key)
{
	return wjson_str(v, key) ?: "";
}

/* One readable line per record. */
static void print_line(const json_t *v)
{
	char when[40];
	int64_t seq = 0, uid = -1;
	const char *path = s(v, "path"), *source = s(v, "source");

	wjson_int(v, "seq", &seq);
	wjson_int(v, "uid", &uid);
	str_copy(when, sizeof(when), s(v, "time"));
	if (when[10] == 'T')
		when[10] = ' ';
	printf("#%lld %s %s/%s", (long long)seq, when, event_zh(s(v, "event")), s(v, "event"));
	if (*s(v, "action"))
		printf(" %s/%s", action_zh(s(v, "action")), s(v, "action"));
	if (*s(v, "outcome"))
		printf(" → %s", s(v, "outcome"));
	if (*s(v, "result"))
		printf(" → %s", s(v, "result"));
	if (*s(v, "level"))
		printf(" 密等/level %s", s(v, "level"));
	if (*s(v, "user") || uid >= 0)
		printf(" 使用者/user %s(%lld)", *s(v, "user") ? s(v, "user") : "?", (long long)uid);
	if (*s(v, "exe"))
		printf(" %s", s(v, "exe"));
	if (*path)
		printf(" 檔案/file %s", path);
	if (*source && strcmp(source, path) != 0)
		printf(" ← %s", source);
	if (*s(v, "device_vendor_id"))
		printf(" 媒體/device %s %s %s:%s %s", s(v, "device_vendor"), s(v, "device_model"),
		       s(v, "device_vendor_id"), s(v, "device_product_id"), s(v, "device_serial"));
	if (*s(v, "rule"))
		printf(" 規則/rule %s", s(v, "rule"));
	if (*s(v, "ref"))
		printf(" 案號/ref %s", s(v, "ref"));
	if (*s(v, "detail"))
		printf(" (%s)", s(v, "detail"));
	if (*s(v, "alert"))
		printf(" (%s)", s(v, "alert"));
	putchar('\n');
}

static void print_record(const char *line, size_t len, bool json)
{
	struct record_info info;
	const char *why;
	json_t *p, *v;

	if (record_parse(line, len, &info, &why) < 0) {
		fprintf(stderr, "wardctl: not a record (%s)\n", why);
		return;
	}
	p = wjson_parse(info.jws.payload, info.jws.payload_len, NULL, 0);
	v = p ? flat_view(&info, p) : NULL;
	if (v && json)
		wjson_print(stdout, v, false);
	else if (v)
		print_line(v);
	json_decref(v);
	json_decref(p);
	record_info_free(&info);
}

/* Where reading stands: a segment and the offset of its next line. */
struct cursor {
	char log[PATH_MAX];
	uint64_t segment; /* 0: none yet */
	long offset;
};

/* Prints the whole lines from the cursor on, across segments; a line still
 * being written is read next time. */
static int print_from(struct cursor *c, bool json)
{
	_cleanup_free_ uint64_t *firsts = NULL;
	size_t n, i = 0;
	int r = segment_list(c->log, &firsts, &n);

	if (r < 0)
		return r;
	while (i < n && c->segment && firsts[i] < c->segment)
		i++;
	for (; i < n; i++) {
		char path[PATH_MAX + SEGMENT_NAME_MAX], name[SEGMENT_NAME_MAX];
		_cleanup_fclose_ FILE *f = NULL;
		_cleanup_free_ char *line = NULL;
		size_t cap = 0;
		ssize_t len;

		if (firsts[i] != c->segment) {
			c->segment = firsts[i];
			c->offset = 0;
		}
		segment_name(c->segment, name);
		snprintf(path, sizeof(path), "%s/%s", c->log, name);
		f = fopen(path, "re");
		if (!f || fseek(f, c->offset, SEEK_SET) < 0)
			return -errno;
		while ((len = getline(&line, &cap, f)) > 0 && line[len - 1] == '\n') {
			c->offset += len;
			if (len > 1)
				print_record(line, (size_t)len - 1, json);
		}
	}
	fflush(stdout);
	return 0;
}

int events_print(const char *state_dir, bool json, bool follow)
{
	struct cursor c = {0};
	int in, r;

	if (snprintf(c.log, sizeof(c.log), "%s/log", state_dir) >= (int)sizeof(c.log))
		return 1;
	r = print_from(&c, json);
	if (r < 0) {
		fprintf(stderr, "wardctl: cannot read the record log %s: %s\n", c.log,
			strerror(-r));
		return 1;
	}
	if (!follow)
		return 0;
	in = inotify_init1(IN_CLOEXEC);
	if (in >= 0)
		inotify_add_watch(in, c.log, IN_MODIFY | IN_CREATE);
	for (;;) {
		struct pollfd pfd = {in, POLLIN, 0};
		char buf[4096];

		/* inotify wakes us at once; the timeout covers its absence. */
		if (poll(&pfd, in >= 0 ? 1 : 0, 1000) > 0 && read(in, buf, sizeof(buf)) < 0)
			break;
		if (print_from(&c, json) < 0)
			break;
	}
	return 1;
}
