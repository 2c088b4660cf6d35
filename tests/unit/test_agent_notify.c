/* The agent's side of pop-ups (agent/notify*.c): packets, the hub over a
 * real socket (one user; two users are tests/integration/60-notify-*.sh),
 * folding and dropping with counts, "events" answers, media announced
 * once, and the terminal line (escaping, bursts, rate limit). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/notice.h"
#include "agent/notify.h"
#include "agent/notify_msg.h"
#include "agent/notify_tty.h"
#include "common/json.h"
#include "common/record_id.h"
#include "common/termsafe.h"
#include "common/util.h"

static struct notice sample(uid_t uid, const char *file, const char *device_key)
{
	struct notice n = {
	    .kind = NOTICE_EVENT,
	    .uid = uid,
	    .loginuid = (uid_t)-1,
	    .action = "block",
	    .outcome = "denied",
	    .ref = "K7F3-9QX2",
	    .level = "機密",
	    .file = file,
	    .device = "SanDisk Cruzer",
	    .device_key = device_key,
	    .reason = "公務機密非經核准不得複製攜出",
	    .message_zh = "已阻擋：此檔案（機密）不得複製至可攜式媒體。洽詢：政風處 (089)320247。",
	    .message_en = "Blocked: this file (confidential) may not be copied. Contact: 政風處.",
	    .contact = "政風處 (089)320247",
	};

	return n;
}

/* ---- packets ---- */

static void event_packet_carries_what_the_popup_needs(void **state)
{
	struct notice n = sample(1000, "報告.odt", "0781:5567:4C530001");
	struct notify_msg *m = notify_msg_new(&n, 1);
	char buf[NOTIFY_MAX_PACKET + 1];
	int len;
	json_t *o;
	int64_t v;

	(void)state;
	assert_non_null(m);
	len = notify_msg_encode(m, 300, 2, false, buf, sizeof(buf));
	assert_true(len > 0);
	o = wjson_parse(buf, (size_t)len, NULL, 0);
	assert_non_null(o);
	assert_string_equal(wjson_str(o, "type"), "event");
	assert_string_equal(wjson_str(o, "ref"), "K7F3-9QX2");
	assert_string_equal(wjson_str(o, "action"), "block");
	assert_string_equal(wjson_str(o, "level"), "機密");
	assert_string_equal(wjson_str(o, "file"), "報告.odt");
	assert_string_equal(wjson_str(o, "device"), "SanDisk Cruzer");
	assert_string_equal(wjson_str(o, "contact"), "政風處 (089)320247");
	assert_string_equal(wjson_str(o, "burst"), "1000:block:0781:5567:4C530001");
	assert_non_null(strstr(wjson_str(o, "message_zh"), "已阻擋"));
	assert_true(wjson_int(o, "count", &v) && v == 300);
	assert_true(wjson_int(o, "dropped", &v) && v == 2);
	assert_non_null(wjson_str(o, "observed_at"));
	json_decref(o);
	notify_msg_unref(m);
}

static void hostile_names_still_fit_one_packet(void **state)
{
	char name[1024], msg[4000], buf[NOTIFY_MAX_PACKET + 1];
	struct notice n = sample(1000, name, "k");
	struct notify_msg *m;
	json_t *o;
	int len;

	(void)state;
	memset(name, 0x01, sizeof(name) - 1); /* escapes to \u0001: six bytes each */
	name[sizeof(name) - 1] = '\0';
	memset(msg, 0x02, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	n.message_zh = n.message_en = n.reason = msg;
	m = notify_msg_new(&n, 1);
	assert_non_null(m);
	assert_int_equal(strlen(m->file), 255);
	len = notify_msg_encode(m, 1, 0, false, buf, sizeof(buf));
	assert_true(len > 0 && len <= NOTIFY_MAX_PACKET);
	o = wjson_parse(buf, (size_t)len, NULL, 0);
	assert_non_null(o);
	assert_string_equal(wjson_str(o, "ref"), "K7F3-9QX2");
	assert_int_equal(strlen(wjson_str(o, "file")), 255);
	json_decref(o);
	notify_msg_unref(m);
}

static void strings_are_cut_on_character_boundaries(void **state)
{
	char name[410] = "";
	struct notice n = sample(1000, name, "k");
	struct notify_msg *m;

	(void)state;
	while (strlen(name) + 3 < 400)
		strcat(name, "機"); /* three bytes: 255 is a multiple, 256 would not be */
	strcat(name, "x");
	m = notify_msg_new(&n, 1);
	assert_non_null(m);
	assert_int_equal(strlen(m->file), 255);
	n.file = name + 1; /* now a cut at 255 lands inside a character */
	notify_msg_unref(m);
	m = notify_msg_new(&n, 1);
	assert_int_equal(strlen(m->file) % 3, 2); /* the two bytes left of the first */
	assert_int_equal(strlen(m->file), 254);
	notify_msg_unref(m);
}

static void requests_are_parsed_and_bad_ones_refused(void **state)
{
	struct notify_hello h;
	static const char *const bad[] = {
	    "",
	    "{",
	    "[]",
	    "{\"v\":2,\"type\":\"hello\"}",
	    "{\"type\":\"hello\"}",
	    "{\"v\":1,\"type\":\"subscribe\",\"uid\":0}",
	    "{\"v\":1,\"type\":\"hello\"} x",
	};

	(void)state;
#define REQ(s) notify_parse_request(s, strlen(s), &h)
	assert_int_equal(
	    REQ("{\"v\":1,\"type\":\"hello\",\"session\":\"x11\",\"locale\":\"en_US.UTF-8\"}"),
	    NOTIFY_REQ_HELLO);
	assert_true(h.graphical);
	assert_string_equal(h.locale, "en_US.UTF-8");
	assert_int_equal(REQ("{\"v\":1,\"type\":\"hello\",\"session\":\"wayland\"}"),
			 NOTIFY_REQ_HELLO);
	assert_true(h.graphical);
	assert_int_equal(REQ("{\"v\":1,\"type\":\"hello\",\"session\":\"tty\"}"), NOTIFY_REQ_HELLO);
	assert_false(h.graphical);
	assert_int_equal(REQ("{\"v\":1,\"type\":\"events\"}"), NOTIFY_REQ_EVENTS);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(REQ(bad[i]), NOTIFY_REQ_BAD);
#undef REQ
}

static void who_may_see_what(void **state)
{
	struct notice n = sample(0, "a", "k");
	struct notify_msg *m;

	(void)state;
	n.loginuid = 1000; /* sudo cp by uid 1000 */
	m = notify_msg_new(&n, 1);
	assert_true(notify_msg_for(m, 1000));
	assert_true(notify_msg_for(m, 0));
	assert_false(notify_msg_for(m, 1001));
	assert_int_equal(notify_msg_person(m), 1000);
	notify_msg_unref(m);
	n.uid = 1000;
	n.loginuid = (uid_t)-1;
	m = notify_msg_new(&n, 1);
	assert_false(notify_msg_for(m, (uid_t)-1));
	assert_false(notify_msg_for(m, 0));
	notify_msg_unref(m);
}

/* ---- the hub over a real socket ---- */

struct hub_fixture {
	char dir[64];
	char path[128];
	struct notify_hub *hub;
};

static int hub_setup(void **state)
{
	struct hub_fixture *f = calloc(1, sizeof(*f));
	struct notify_options o = {0};

	strcpy(f->dir, "/tmp/ward-notify-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, NOTIFY_SOCKET_NAME);
	o.socket_path = f->path;
	o.tty_dir = f->dir; /* no terminals here */
	o.queue_len = 16;
	assert_int_equal(notify_start(&o, &f->hub), 0);
	*state = f;
	return 0;
}

static int hub_teardown(void **state)
{
	struct hub_fixture *f = *state;

	notify_stop(f->hub);
	assert_int_equal(access(f->path, F_OK), -1); /* removed */
	rmdir(f->dir);
	free(f);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	str_copy(sa.sun_path, sizeof(sa.sun_path), path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The next packet as JSON, or NULL after timeout_ms. */
static json_t *next_packet(int fd, int timeout_ms)
{
	char buf[NOTIFY_MAX_PACKET + 1];
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return NULL;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return NULL;
	return wjson_parse(buf, (size_t)n, NULL, 0);
}

static const char *type_of(json_t *o)
{
	return o ? wjson_str(o, "type") : "(none)";
}

static void send_text(int fd, const char *text)
{
	assert_int_equal(send(fd, text, strlen(text), 0), (ssize_t)strlen(text));
}

/* Connects, reads the hello, says hello; waits until the hub counts it. */
static int client(struct hub_fixture *f, const char *session)
{
	char hello[128];
	int fd = connect_to(f->path);
	json_t *o = next_packet(fd, 2000);
	struct notify_stats st;

	assert_string_equal(type_of(o), "hello");
	json_decref(o);
	snprintf(hello, sizeof(hello), "{\"v\":1,\"type\":\"hello\",\"session\":\"%s\"}", session);
	send_text(fd, hello);
	for (int i = 0; i < 200; i++) {
		notify_get_stats(f->hub, &st);
		if (st.clients > 0)
			break;
		usleep(10000);
	}
	usleep(20000); /* the hello read */
	return fd;
}

static void the_socket_is_open_to_everyone(void **state)
{
	struct hub_fixture *f = *state;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
}

static void own_events_arrive_others_do_not(void **state)
{
	struct hub_fixture *f = *state;
	int fd = client(f, "x11");
	struct notice mine = sample(getuid(), "mine.odt", "k1");
	struct notice theirs = sample(getuid() + 1, "theirs.odt", "k1");
	struct notice sudo = sample(getuid() + 2, "sudo.odt", "k2");
	json_t *o;

	sudo.loginuid = getuid();
	notify_publish(f->hub, &theirs);
	notify_publish(f->hub, &mine);
	notify_publish(f->hub, &sudo);
	o = next_packet(fd, 2000);
	assert_string_equal(type_of(o), "event");
	assert_string_equal(wjson_str(o, "file"), "mine.odt");
	json_decref(o);
	o = next_packet(fd, 2000);
	assert_string_equal(type_of(o), "event");
	assert_string_equal(wjson_str(o, "file"), "sudo.odt");
	json_decref(o);
	assert_null(next_packet(fd, 200));
	close(fd);
}

/* Reads until nothing comes for quiet_ms: the sum of counts and drops. */
static void drain_counts(int fd, int quiet_ms, int64_t *events, int64_t *dropped, unsigned *packets)
{
	json_t *o;

	*events = *dropped = 0;
	*packets = 0;
	while ((o = next_packet(fd, quiet_ms))) {
		int64_t c = 1, d = 0;

		wjson_int(o, "count", &c);
		wjson_int(o, "dropped", &d);
		*events += c;
		*dropped += d;
		(*packets)++;
		json_decref(o);
	}
}

static void a_burst_folds_and_nothing_is_lost_unsaid(void **state)
{
	struct hub_fixture *f = *state;
	int fd = client(f, "x11");
	struct notice n = sample(getuid(), "x.odt", "burst-key");
	int64_t events, dropped;
	unsigned packets;
	struct notify_stats st;

	/* Not read while 300 arrive: the queue folds them. */
	for (int i = 0; i < 300; i++)
		notify_publish(f->hub, &n);
	usleep(300000);
	drain_counts(fd, 300, &events, &dropped, &packets);
	notify_get_stats(f->hub, &st);
	assert_int_equal(events + dropped + (int64_t)st.inbox_dropped, 300);
	assert_int_equal(st.inbox_dropped, 0);
	assert_int_equal(events, 300);
	assert_true(packets < 300);
	close(fd);
}

static void a_slow_client_loses_the_oldest_and_is_told(void **state)
{
	struct hub_fixture *f = *state;
	int fd = client(f, "x11");
	char key[32];
	int64_t events, dropped;
	unsigned packets;
	struct notify_stats st;

	/* 3,000 different media: nothing folds, the socket buffer and the
	 * 16-entry queue overflow. */
	for (int i = 0; i < 3000; i++) {
		struct notice n = sample(getuid(), "x.odt", key);

		snprintf(key, sizeof(key), "dev-%d", i);
		notify_publish(f->hub, &n);
		if (i % 500 == 0)
			usleep(50000); /* let the hub keep up with its inbox */
	}
	usleep(300000);
	drain_counts(fd, 300, &events, &dropped, &packets);
	notify_get_stats(f->hub, &st);
	assert_true(dropped > 0);
	assert_int_equal(st.client_dropped, (uint64_t)dropped);
	assert_int_equal(events + dropped + (int64_t)st.inbox_dropped, 3000);
	assert_int_equal(st.published, 3000);
	close(fd);
}

static void events_request_answers_the_recent_ones(void **state)
{
	struct hub_fixture *f = *state;
	int fd, seen = 0;
	int64_t count = -1;
	bool recent = false;
	json_t *o;

	for (int i = 0; i < 3; i++) {
		char name[32];
		struct notice n = sample(getuid(), name, "k");

		snprintf(name, sizeof(name), "f%d.odt", i);
		notify_publish(f->hub, &n);
	}
	{
		struct notice other = sample(getuid() + 1, "other.odt", "k");

		notify_publish(f->hub, &other);
	}
	usleep(100000);
	fd = connect_to(f->path);
	o = next_packet(fd, 2000);
	assert_string_equal(type_of(o), "hello");
	json_decref(o);
	send_text(fd, "{\"v\":1,\"type\":\"events\"}");
	while ((o = next_packet(fd, 2000))) {
		if (strcmp(type_of(o), "end") == 0) {
			wjson_int(o, "count", &count);
			json_decref(o);
			break;
		}
		assert_string_equal(type_of(o), "event");
		assert_true(wjson_bool(o, "recent", &recent) && recent);
		assert_string_not_equal(wjson_str(o, "file"), "other.odt");
		seen++;
		json_decref(o);
	}
	assert_int_equal(seen, 3);
	assert_int_equal(count, 3);
	close(fd);
}

static void a_medium_is_announced_once_per_insertion(void **state)
{
	struct hub_fixture *f = *state;
	int fd = client(f, "x11");
	struct notice d = {.kind = NOTICE_DEVICE,
			   .action = "read-only",
			   .device = "SanDisk",
			   .device_key = "0781:5567:S1",
			   .message_zh = "唯讀"};
	json_t *o;

	d.uid = d.loginuid = (uid_t)-1;
	notify_publish(f->hub, &d);
	notify_publish(f->hub, &d); /* udev's change event: same insertion */
	o = next_packet(fd, 2000);
	assert_string_equal(type_of(o), "device");
	assert_string_equal(wjson_str(o, "action"), "read-only");
	json_decref(o);
	assert_null(next_packet(fd, 200));
	notify_device_gone(f->hub, "0781:5567:S1");
	notify_publish(f->hub, &d);
	o = next_packet(fd, 2000);
	assert_string_equal(type_of(o), "device");
	json_decref(o);
	close(fd);
}

static void garbage_from_a_client_is_ignored(void **state)
{
	struct hub_fixture *f = *state;
	int fd = client(f, "x11");
	struct notice n = sample(getuid(), "after.odt", "k");
	char junk[NOTIFY_MAX_PACKET];
	json_t *o;

	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(send(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	send_text(fd, "{\"v\":1,\"type\":\"hello\",\"session\":\"x11\",\"uid\":0}");
	notify_publish(f->hub, &n);
	o = next_packet(fd, 2000);
	assert_string_equal(type_of(o), "event");
	assert_string_equal(wjson_str(o, "file"), "after.odt");
	json_decref(o);
	close(fd);
}

/* ---- act's outcomes as notices (notice.c) ---- */

static struct act_outcome outcome(enum policy_notice notice, const char *event,
				  const struct ward_device *dev, const struct classify_result *c)
{
	struct act_outcome o = {
	    .stage = ACT_STAGE_DECISION,
	    .record_id = "01234567-89ab-4cde-8f01-23456789abcd",
	    .event = event,
	    .action = "block",
	    .file_action = POLICY_BLOCK,
	    .outcome = "denied",
	    .content = c,
	    .rule_reason = "公務機密非經核准不得複製攜出",
	    .has_notice = true,
	    .notice = notice,
	    .message_zh = "已阻擋：……",
	    .message_en = "Blocked: ...",
	    .contact = "政風處 (089)320247",
	    .uid = getuid(),
	    .loginuid = (uid_t)-1,
	    .pid = 4242,
	    .name = "報告.odt",
	    .device = dev,
	};

	clock_gettime(CLOCK_REALTIME, &o.time);
	return o;
}

static void outcomes_become_the_right_notices(void **state)
{
	struct hub_fixture *f = *state;
	struct ward_device dev = {.vendor_id = 0x0781,
				  .product_id = 0x5567,
				  .serial = "S1",
				  .vendor = "SanDisk",
				  .model = "Cruzer",
				  .devnode = "/dev/sdb1"};
	struct classify_result c = {.level = WARD_LEVEL_CONFIDENTIAL};
	struct act_outcome o = outcome(POLICY_NOTICE_BLOCK, ACT_EVENT_COPY_DESTINATION, &dev, &c);
	int fd = client(f, "x11");
	char ref[RECORD_REF_LEN];
	json_t *p;

	notice_outcome(f->hub, &o);
	p = next_packet(fd, 2000);
	assert_string_equal(type_of(p), "event");
	assert_string_equal(wjson_str(p, "action"), "block");
	assert_string_equal(wjson_str(p, "ref"), "04HM-ASW9"); /* record_ref of the id */
	assert_string_equal(wjson_str(p, "file"), "報告.odt");
	assert_string_equal(wjson_str(p, "level"), "機密");
	assert_string_equal(wjson_str(p, "device"), "SanDisk Cruzer");
	assert_string_equal(wjson_str(p, "message_zh"), "已阻擋：……");
	json_decref(p);

	/* An outcome record: the code is the decision's, not its own. */
	o.stage = ACT_STAGE_OUTCOME;
	strcpy(o.decision_id, "d41d8cd9-8f00-4204-a980-0998ecf8427e");
	strcpy(o.record_id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	notice_outcome(f->hub, &o);
	p = next_packet(fd, 2000);
	assert_int_equal(record_ref(o.decision_id, ref), 0);
	assert_string_equal(wjson_str(p, "ref"), ref);
	json_decref(p);

	/* The fail mode's denial is a refused copy to the person. */
	o = outcome(POLICY_NOTICE_FAIL, ACT_EVENT_COPY_DESTINATION, &dev, NULL);
	o.action = "fail-mode";
	notice_outcome(f->hub, &o);
	p = next_packet(fd, 2000);
	assert_string_equal(wjson_str(p, "action"), "block");
	assert_null(wjson_str(p, "level"));
	json_decref(p);

	/* Not told: an exemption (an audit), no notice, each open on a
	 * blocked medium (its insertion was announced). */
	o = outcome(POLICY_NOTICE_EXEMPTED, ACT_EVENT_COPY_DESTINATION, &dev, &c);
	notice_outcome(f->hub, &o);
	o = outcome(POLICY_NOTICE_BLOCK, ACT_EVENT_COPY_DESTINATION, &dev, &c);
	o.has_notice = false;
	notice_outcome(f->hub, &o);
	o = outcome(POLICY_NOTICE_DEVICE_BLOCK, ACT_EVENT_DEVICE_BLOCK, &dev, NULL);
	notice_outcome(f->hub, &o);
	assert_null(next_packet(fd, 300));

	/* A medium: to every session, whoever the record names. */
	o = outcome(POLICY_NOTICE_DEVICE_READ_ONLY, ACT_EVENT_DEVICE, &dev, NULL);
	o.uid = getuid() + 1;
	notice_outcome(f->hub, &o);
	p = next_packet(fd, 2000);
	assert_string_equal(type_of(p), "device");
	assert_string_equal(wjson_str(p, "action"), "read-only");
	assert_null(wjson_str(p, "file"));
	json_decref(p);
	/* Announced once; again after it was taken out. */
	notice_outcome(f->hub, &o);
	assert_null(next_packet(fd, 300));
	notice_device_removed(f->hub, &dev);
	notice_outcome(f->hub, &o);
	p = next_packet(fd, 2000);
	assert_string_equal(type_of(p), "device");
	json_decref(p);
	close(fd);
}

static void listening_needs_a_directory_nobody_else_writes(void **state)
{
	char dir[] = "/tmp/ward-notify-dir.XXXXXX", path[64];
	struct notify_options o = {0};
	struct notify_hub *hub = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify.sock", dir);
	o.socket_path = path;
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(notify_start(&o, &hub), -EPERM);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(notify_start(&o, &hub), 0);
	notify_stop(hub);
	rmdir(dir);
}

/* ---- the terminal line ---- */

static void escape_keeps_text_and_defuses_controls(void **state)
{
	char out[256];

	(void)state;
	term_escape("報告.odt", out, sizeof(out));
	assert_string_equal(out, "報告.odt");
	term_escape("a\x1b[2Jb\r\nc\x7f", out, sizeof(out));
	assert_string_equal(out, "a^[[2Jb^M^Jc^?");
	term_escape("x\xc2\x9by", out, sizeof(out)); /* C1 CSI */
	assert_string_equal(out, "x<U+009B>y");
	term_escape("\xe2\x80\xaetxt.exe", out, sizeof(out)); /* right-to-left override */
	assert_string_equal(out, "<U+202E>txt.exe");
	term_escape("bad\xff\xc0\xafz", out, sizeof(out)); /* not UTF-8, overlong */
	assert_string_equal(out, "bad???z");
	term_escape("\xe6\xa9", out, sizeof(out)); /* a cut character */
	assert_string_equal(out, "??");
	assert_int_equal(term_escape("機密文件", out, 7), 6); /* never half a character */
	assert_string_equal(out, "機密");
}

static void line_uses_the_persons_language(void **state)
{
	struct notice n = sample(1000, "報\x1b]0;pwned\x07.odt", "k");
	struct notify_msg *m;
	char line[1024];

	(void)state;
	m = notify_msg_new(&n, 1);
	tty_line(m, 1, line, sizeof(line));
	assert_non_null(strstr(line, "[Ward K7F3-9QX2] 已阻擋"));
	assert_non_null(strstr(line, "報^[]0;pwned^G.odt"));
	assert_non_null(strstr(line, "機密"));
	assert_non_null(strstr(line, "SanDisk Cruzer"));
	assert_non_null(strstr(line, "wardctl events --mine"));
	assert_null(strchr(line, '\x1b'));
	assert_null(strchr(line, '\n'));
	tty_line(m, 300, line, sizeof(line));
	assert_non_null(strstr(line, "[Ward K7F3-9QX2 \u00d7300]"));
	notify_msg_unref(m);
	n.english = true;
	m = notify_msg_new(&n, 1);
	tty_line(m, 1, line, sizeof(line));
	assert_non_null(strstr(line, "Blocked: this file"));
	notify_msg_unref(m);
}

static void terminal_bursts_fold_and_are_rate_limited(void **state)
{
	struct tty_writer *w;
	struct tty_counts c;
	char dir[] = "/tmp/ward-notify-tty.XXXXXX";
	uint64_t t = 1000000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tty_writer_new(dir, 10000, &w), 0);
	/* 300 in a burst: one line at once, the rest in the next one. */
	for (int i = 0; i < 300; i++) {
		struct notice n = sample(1000, "x", "k");
		struct notify_msg *m = notify_msg_new(&n, t);

		tty_writer_push(w, m, t + (uint64_t)i);
		notify_msg_unref(m);
	}
	tty_writer_counts(w, &c);
	assert_int_equal(c.lines, 1);
	assert_int_equal(c.held, 299);
	assert_int_equal(c.written, 0); /* no terminal in dir */
	assert_true(tty_writer_tick(w, t + 1000) > 0);
	tty_writer_counts(w, &c);
	assert_int_equal(c.lines, 1);
	tty_writer_tick(w, t + TTY_REPEAT_MS);
	tty_writer_counts(w, &c);
	assert_int_equal(c.lines, 2);
	/* The burst ends after its quiet time; nothing is due any more. */
	assert_int_equal(tty_writer_tick(w, t + TTY_REPEAT_MS + 20000), -1);
	/* Ten different media in the same second: the person's budget. */
	t += 100000;
	for (int i = 0; i < 10; i++) {
		char key[16];
		struct notice n = sample(1000, "x", key);
		struct notify_msg *m;

		snprintf(key, sizeof(key), "m%d", i);
		m = notify_msg_new(&n, t);
		tty_writer_push(w, m, t);
		notify_msg_unref(m);
	}
	tty_writer_counts(w, &c);
	assert_int_equal(c.lines, 2 + TTY_LINES_PER_MINUTE);
	/* Another person is not held back by the first one's budget. */
	{
		struct notice n = sample(1001, "x", "k");
		struct notify_msg *m = notify_msg_new(&n, t);

		tty_writer_push(w, m, t);
		notify_msg_unref(m);
	}
	tty_writer_counts(w, &c);
	assert_int_equal(c.lines, 3 + TTY_LINES_PER_MINUTE);
	/* A minute later the held ones have been told. */
	for (uint64_t s = 0; s <= 70; s++)
		tty_writer_tick(w, t + s * 1000);
	tty_writer_counts(w, &c);
	assert_int_equal(c.lines, 3 + 10);
	tty_writer_free(w);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(event_packet_carries_what_the_popup_needs),
	    cmocka_unit_test(hostile_names_still_fit_one_packet),
	    cmocka_unit_test(strings_are_cut_on_character_boundaries),
	    cmocka_unit_test(requests_are_parsed_and_bad_ones_refused),
	    cmocka_unit_test(who_may_see_what),
	    cmocka_unit_test_setup_teardown(the_socket_is_open_to_everyone, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(own_events_arrive_others_do_not, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(a_burst_folds_and_nothing_is_lost_unsaid, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(a_slow_client_loses_the_oldest_and_is_told, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(events_request_answers_the_recent_ones, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(a_medium_is_announced_once_per_insertion, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(garbage_from_a_client_is_ignored, hub_setup,
					    hub_teardown),
	    cmocka_unit_test_setup_teardown(outcomes_become_the_right_notices, hub_setup,
					    hub_teardown),
	    cmocka_unit_test(listening_needs_a_directory_nobody_else_writes),
	    cmocka_unit_test(escape_keeps_text_and_defuses_controls),
	    cmocka_unit_test(line_uses_the_persons_language),
	    cmocka_unit_test(terminal_bursts_fold_and_are_rate_limited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
