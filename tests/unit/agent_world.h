/* The world around wardd's decision and act stages, for unit tests that
 * run without root: every agent_ops call is answered here and written
 * into one ordered log that tests read.  What runs for real: the policy
 * engine, the classifier (in process, on corpus files in a temporary
 * directory), the pool's answer machinery, act.c, decide.c and
 * removable.c's table.  What stands in: /proc (who opened, what they
 * hold), the kernel's answer, the record log, the side effects and the
 * marks.
 *
 * The temporary directory plays both disks: "stick/" is declared a
 * removable medium (a fuseblk mount of /dev/loop99, serial WORLD0001);
 * "home/" is the internal disk.  Included by one test program each. */
#ifndef TEST_AGENT_WORLD_H
#define TEST_AGENT_WORLD_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/decide.h"
#include "agent/removable.h"
#include "agent/scanner.h"
#include "common/util.h"

#define WORLD_MAX_CALLS 128
#define WORLD_MAX_RECORDS 32
#define WORLD_DEVNUM makedev(7, 99)

/* One call to the world, in order. */
struct world_call {
	char what[24]; /* "record", "respond", "remove", "quarantine", "notify", ... */
	char arg[PATH_MAX + 64];
};

/* A copy of what the record step or a subscriber was given. */
struct world_record {
	enum act_stage stage;
	bool sync;
	uint64_t seq;
	char event[32], action[32], outcome[96], detail[PATH_MAX + 256], path[PATH_MAX];
	char rule_file[96], rule_reason[256], message_zh[1024], message_en[1024], contact[128];
	char record_id[37], decision_id[37], ref[16], user[64];
	unsigned rule_line;
	bool answered, has_notice;
	enum pool_verdict verdict;
	enum pool_answerer by;
	enum policy_notice notice;
	enum ward_level level;
	int effect_result;
	pid_t pid;
};

struct world {
	struct agent a;
	pthread_mutex_t lock;
	struct world_call calls[WORLD_MAX_CALLS];
	size_t n_calls;
	struct world_record records[WORLD_MAX_RECORDS]; /* by the record step */
	size_t n_records;
	struct world_record notices[WORLD_MAX_RECORDS]; /* by the subscriber */
	size_t n_notices;
	uint64_t seq;
	/* How the world behaves. */
	bool opener_gone;
	int held_error;		    /* held_files fails with it */
	struct procfd_file held[4]; /* what the opener holds */
	char held_path[4][PATH_MAX];
	size_t n_held;
	int record_error, remove_error, quarantine_error, set_ro_error, remount_error;
	int deauth_error;
	void (*on_record)(void); /* runs inside the record step */
	pthread_mutex_t gate;	 /* held by a test: classification waits on it */
	atomic_bool gated;
	void *classifier;
	/* The two disks. */
	char dir[64], stick[96], home[96];
	dev_t st_dev;
	int mount_id; /* of the temporary directory: the stick's, as wardd sees it */
};

static struct world *W; /* the stand-ins' world: one per test */

static void world_log(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void world_log(const char *what, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&W->lock);
	if (W->n_calls < WORLD_MAX_CALLS) {
		struct world_call *c = &W->calls[W->n_calls++];

		snprintf(c->what, sizeof(c->what), "%s", what);
		va_start(ap, fmt);
		vsnprintf(c->arg, sizeof(c->arg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&W->lock);
}

/* Index of the first call named what (with arg containing needle, when
 * given) at or after from; -1 when none. */
static inline int world_find(const char *what, const char *needle, int from)
{
	for (size_t i = (size_t)from; i < W->n_calls; i++)
		if (strcmp(W->calls[i].what, what) == 0 &&
		    (!needle || strstr(W->calls[i].arg, needle)))
			return (int)i;
	return -1;
}

static inline int world_count(const char *what)
{
	int n = 0;

	for (size_t i = 0; i < W->n_calls; i++)
		n += strcmp(W->calls[i].what, what) == 0;
	return n;
}

static inline void world_forget(void)
{
	pthread_mutex_lock(&W->lock);
	W->n_calls = 0;
	W->n_records = 0;
	W->n_notices = 0;
	pthread_mutex_unlock(&W->lock);
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

static void copy_outcome(const struct act_outcome *o, struct world_record *r)
{
	memset(r, 0, sizeof(*r));
	r->stage = o->stage;
	r->seq = o->seq;
	COPY(r->event, o->event);
	COPY(r->action, o->action);
	COPY(r->outcome, o->outcome);
	COPY(r->detail, o->detail);
	COPY(r->path, o->path);
	COPY(r->rule_file, o->rule_file);
	COPY(r->rule_reason, o->rule_reason);
	COPY(r->message_zh, o->message_zh);
	COPY(r->message_en, o->message_en);
	COPY(r->contact, o->contact);
	COPY(r->record_id, o->record_id);
	COPY(r->decision_id, o->decision_id);
	COPY(r->ref, o->ref);
	COPY(r->user, o->user);
	r->rule_line = o->rule_line;
	r->answered = o->answered;
	r->verdict = o->verdict;
	r->by = o->by;
	r->has_notice = o->has_notice;
	r->notice = o->notice;
	r->level = o->content ? o->content->level : WARD_LEVEL_NONE;
	r->effect_result = o->effect_result;
	r->pid = o->pid;
}

/* ---- the stand-ins ---- */

static int w_opener(pid_t pid, struct fan_opener *out)
{
	if (W->opener_gone)
		return -ESRCH;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->uid = out->euid = getuid();
	out->gid = getgid();
	out->loginuid = getuid();
	snprintf(out->exe, sizeof(out->exe), "/usr/bin/cp");
	return 0;
}

static int w_held_files(pid_t pid, const struct procfd_query *q, struct procfd_file *out,
			size_t max_out, size_t *n_out, bool *truncated)
{
	(void)pid;
	*n_out = 0;
	if (truncated)
		*truncated = false;
	world_log("held_files", "want %u", q->want);
	if (W->held_error)
		return W->held_error;
	for (size_t i = 0; i < W->n_held && *n_out < max_out; i++)
		if (W->held[i].kind & q->want)
			out[(*n_out)++] = W->held[i];
	return 0;
}

static int w_open_held(pid_t pid, const struct procfd_file *file)
{
	(void)pid;
	for (size_t i = 0; i < W->n_held; i++)
		if (W->held[i].fd == file->fd)
			return open(W->held_path[i], O_RDONLY | O_CLOEXEC);
	return -ESTALE;
}

static int w_held_path(pid_t pid, int fd, char *buf, size_t size)
{
	(void)pid;
	for (size_t i = 0; i < W->n_held; i++)
		if (W->held[i].fd == fd)
			return snprintf(buf, size, "%s", W->held_path[i]) < (int)size
				   ? 0
				   : -ENAMETOOLONG;
	return -ESRCH;
}

static int w_classify(struct agent *a, unsigned worker, int fd, const char *name_hint,
		      const struct classify_budget *budget, uint32_t timeout_ms,
		      struct classify_result *out)
{
	(void)a;
	(void)worker;
	(void)timeout_ms;
	world_log("classify", "%s", name_hint ? name_hint : "");
	if (atomic_load(&W->gated)) {
		pthread_mutex_lock(&W->gate);
		pthread_mutex_unlock(&W->gate);
	}
	return scanner_classify_ops.classify(W->classifier, fd, name_hint, budget, out);
}

static int w_respond(struct agent *a, const struct pool_event *ev, enum pool_verdict verdict,
		     bool audit)
{
	(void)a;
	world_log("respond", "%s%s by %d", verdict == POOL_DENY ? "deny" : "allow",
		  audit ? " audit" : "", (int)ev->answered_by);
	return 0;
}

static int w_record(struct agent *a, const struct act_outcome *o, bool sync,
		    struct act_receipt *out)
{
	(void)a;
	world_log("record", "%s %s %s %s", o->stage == ACT_STAGE_DECISION ? "decision" : "outcome",
		  o->event, o->action ? o->action : "-", o->outcome ? o->outcome : "-");
	if (W->on_record)
		W->on_record();
	if (W->record_error)
		return W->record_error;
	pthread_mutex_lock(&W->lock);
	out->seq = ++W->seq;
	if (W->n_records < WORLD_MAX_RECORDS) {
		copy_outcome(o, &W->records[W->n_records]);
		W->records[W->n_records].seq = out->seq;
		W->records[W->n_records++].sync = sync;
	}
	pthread_mutex_unlock(&W->lock);
	return 0;
}

static int w_remove_file(int fd, const char *path)
{
	world_log("remove", "%s", path ? path : "");
	if (W->remove_error)
		return W->remove_error;
	return quarantine_remove_original(fd, path);
}

/* The real eviction, from the stick directory as the medium's root. */
static int w_evict(struct agent *a, int fd, struct evict_result *out)
{
	int root, r;

	(void)a;
	world_log("evict", "%s", W->stick);
	if (W->remove_error) {
		memset(out, 0, sizeof(*out));
		out->nlink_after = 1;
		out->unlink_error = W->remove_error;
		return W->remove_error;
	}
	root = open(W->stick, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = evict_file(fd, root, out);
	close(root);
	return r;
}

static int w_quarantine(struct agent *a, int fd, const struct act_outcome *o,
			char id[QUARANTINE_ID_LEN])
{
	(void)a;
	(void)fd;
	world_log("quarantine", "%s", o->path ? o->path : "");
	snprintf(id, QUARANTINE_ID_LEN, "20220125T020000Z-world");
	return W->quarantine_error;
}

static int w_set_read_only(const char *devnode, bool read_only)
{
	world_log("set_read_only", "%s %d", devnode, read_only);
	return W->set_ro_error;
}

static int w_remount(const char *mount_point)
{
	world_log("remount", "%s", mount_point);
	return W->remount_error;
}

static int w_deauthorize(struct agent *a, const char *syspath, char *usb, size_t size)
{
	(void)a;
	world_log("deauthorize", "%s", syspath);
	snprintf(usb, size, "/sys/devices/usb1/1-1");
	return W->deauth_error;
}

static int w_fd_op(struct agent *a, int fd)
{
	(void)a;
	(void)fd;
	world_log("ignore", "%d", fd);
	return 0;
}

static int w_unignore(struct agent *a, int fd)
{
	(void)a;
	world_log("unignore", "%d", fd);
	return 0;
}

static int w_mark_medium(struct agent *a, const char *mount_point, enum fan_scope *scope)
{
	(void)a;
	world_log("mark_medium", "%s", mount_point);
	*scope = FAN_SCOPE_FILESYSTEM;
	return 0;
}

static int w_unmark_medium(struct agent *a, const char *mount_point, enum fan_scope scope)
{
	(void)a;
	(void)scope;
	world_log("unmark_medium", "%s", mount_point);
	return 0;
}

static int w_mark_internal(struct agent *a, const char *mount_point)
{
	(void)a;
	world_log("mark_internal", "%s", mount_point);
	return 0;
}

static const struct agent_ops world_ops = {
    .opener = w_opener,
    .held_files = w_held_files,
    .open_held = w_open_held,
    .held_path = w_held_path,
    .fd_path = fan_fd_path,
    .fd_mount_id = fan_fd_mount_id,
    .classify = w_classify,
    .respond = w_respond,
    .record = w_record,
    .remove_file = w_remove_file,
    .evict = w_evict,
    .quarantine = w_quarantine,
    .set_read_only = w_set_read_only,
    .remount_read_only = w_remount,
    .deauthorize = w_deauthorize,
    .ignore = w_fd_op,
    .unignore = w_unignore,
    .mark_medium = w_mark_medium,
    .unmark_medium = w_unmark_medium,
    .mark_internal = w_mark_internal,
    .unmark_internal = w_mark_internal,
};

static void w_notify(void *arg, const struct act_outcome *o)
{
	(void)arg;
	world_log("notify", "%s %s %s", o->event, o->action ? o->action : "-",
		  o->outcome ? o->outcome : "-");
	pthread_mutex_lock(&W->lock);
	if (W->n_notices < WORLD_MAX_RECORDS)
		copy_outcome(o, &W->notices[W->n_notices++]);
	pthread_mutex_unlock(&W->lock);
}

/* The policy every test decides with. */
static const char world_policy[] =
    "fail-mode removable block\n"
    "fail-mode internal allow\n"
    "contact \"政風處 (089)320247\"\n"
    "message block zh-TW \"已阻擋：此檔案（{level}）不得複製（{reason}）。洽詢：{contact}。\"\n"
    "message block en \"Blocked: this file ({level}) may not be copied ({reason}). Contact: "
    "{contact}.\"\n"
    "device read-only serial \"WORLDRO1\"  # 唯讀\n"
    "device block serial \"WORLDBLK1\"     # 封鎖\n"
    "device allow *\n"
    "copy block level >= 密 to removable  # 公務機密非經核准不得複製攜出\n"
    "copy audit * to removable            # 複製至可攜式媒體，記錄備查\n"
    "copy allow *\n";

static inline struct devices_event world_device(const char *serial, dev_t devnum, const char *node)
{
	struct devices_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.action = DEVICES_ADDED;
	ev.devnum = ev.parent_devnum = devnum;
	ev.device.bus = DEVICE_BUS_USB;
	ev.device.removable = true;
	ev.device.vendor_id = 0x0781;
	ev.device.product_id = 0x5567;
	snprintf(ev.device.serial, sizeof(ev.device.serial), "%s", serial);
	snprintf(ev.device.vendor, sizeof(ev.device.vendor), "SanDisk");
	snprintf(ev.device.model, sizeof(ev.device.model), "Cruzer");
	snprintf(ev.device.fs_type, sizeof(ev.device.fs_type), "exfat");
	snprintf(ev.device.devnode, sizeof(ev.device.devnode), "%s", node);
	snprintf(ev.syspath, sizeof(ev.syspath), "/sys/devices/usb1/1-1/block/%s", node + 5);
	return ev;
}

/* A mount of that device at mount_point (fuseblk: matched by source). */
static inline void world_mount(enum mounts_action action, int mount_id, const char *node,
			       char *mount_point, bool read_only)
{
	struct mount_entry m;
	char opts[8];

	memset(&m, 0, sizeof(m));
	snprintf(opts, sizeof(opts), "%s", read_only ? "ro" : "rw");
	m.mount_id = mount_id;
	m.dev = W->st_dev;
	m.mount_point = mount_point;
	m.fstype = (char *)"fuseblk";
	m.source = (char *)node;
	m.mount_opts = opts;
	m.read_only = read_only;
	removable_mount_event(action, &m, W->a.removable);
}

static inline void world_copy(const char *corpus_name, const char *to)
{
	const char *corpus = getenv("WARD_CORPUS");
	char from[PATH_MAX], cmd[3 * PATH_MAX];

	snprintf(from, sizeof(from), "%s/text/%s", corpus ? corpus : "tests/corpus", corpus_name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	if (system(cmd) != 0) {
		fprintf(stderr, "world: cannot copy %s\n", from);
		abort();
	}
}

static const struct pool_ops world_pool_ops = {decide_event, act_respond, decide_fail_verdict};

/* A world with the stick mounted and nothing logged yet. */
static int world_setup(void **state)
{
	static const struct act_subscriber sub = {"world", w_notify, NULL};
	struct devices_event stick;
	struct policy_diag diag = {0};
	struct policy *p;
	struct stat st;
	const char *err = NULL;

	W = calloc(1, sizeof(*W));
	pthread_mutex_init(&W->lock, NULL);
	pthread_mutex_init(&W->gate, NULL);
	snprintf(W->dir, sizeof(W->dir), "/tmp/ward-world.XXXXXX");
	if (!mkdtemp(W->dir))
		return -1;
	snprintf(W->stick, sizeof(W->stick), "%s/stick", W->dir);
	snprintf(W->home, sizeof(W->home), "%s/home", W->dir);
	if (mkdir(W->stick, 0700) < 0 || mkdir(W->home, 0700) < 0 || stat(W->dir, &st) < 0)
		return -1;
	W->st_dev = st.st_dev;
	{
		int fd = open(W->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		W->mount_id = fan_fd_mount_id(fd);
		close(fd);
	}
	W->classifier = scanner_classify_ops.init(&err);
	p = policy_load_buffer("world.rules", world_policy, sizeof(world_policy) - 1, NULL, &diag);
	if (!p || !W->classifier) {
		policy_diag_print(&diag, stderr);
		return -1;
	}
	policy_diag_free(&diag);

	W->a.ops = &world_ops;
	W->a.cfg.workers = 1;
	W->a.self_pid = getpid();
	atomic_store(&W->a.deadline_ms, 2000);
	snprintf(W->a.quarantine_dir, sizeof(W->a.quarantine_dir), "%s/quarantine", W->dir);
	W->a.policy = policy_current_new(p);
	if (!W->a.policy || act_new(&W->a.act) < 0 || removable_new(&W->a, &W->a.removable) < 0 ||
	    class_cache_new(64, &W->a.cache) < 0 || act_subscribe(W->a.act, &sub) < 0 ||
	    pool_start(1, 2, &world_pool_ops, &W->a, &W->a.pool) < 0)
		return -1;
	stick = world_device("WORLD0001", WORLD_DEVNUM, "/dev/loop99");
	removable_device_event(&stick, W->a.removable);
	world_mount(MOUNTS_ADDED, W->mount_id, "/dev/loop99", W->stick, false);
	if (removable_media_count(W->a.removable) != 1)
		return -1;
	world_forget();
	*state = W;
	return 0;
}

static int world_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (W->gated) /* a test failed with the gate shut */
		pthread_mutex_unlock(&W->gate);
	W->gated = false;
	pool_stop(W->a.pool);
	removable_free(W->a.removable);
	class_cache_free(W->a.cache);
	act_free(W->a.act);
	policy_current_free(W->a.policy);
	classify_free(W->classifier);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", W->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "world: cannot remove %s\n", W->dir);
	free(W);
	W = NULL;
	return 0;
}

/* The opener holds path open: for reading (a source) or for writing on
 * the stick (a media writer). */
static inline void world_holds(const char *path, enum procfd_kind kind)
{
	struct stat st;
	size_t i = W->n_held++;

	if (stat(path, &st) < 0)
		abort();
	memset(&W->held[i], 0, sizeof(W->held[i]));
	W->held[i].fd = 10 + (int)i;
	W->held[i].kind = kind;
	W->held[i].flags = kind == PROCFD_MEDIA_WRITER ? O_WRONLY : O_RDONLY;
	W->held[i].dev = st.st_dev;
	W->held[i].ino = st.st_ino;
	W->held[i].size = st.st_size;
	snprintf(W->held_path[i], sizeof(W->held_path[i]), "%s", path);
}

/* A permission event for an open of path by pid, as the reader builds it. */
static inline struct pool_event world_event(const char *path, int flags, uint64_t mask, bool perm)
{
	struct pool_event ev;
	int fd = open(path, flags | O_CLOEXEC, 0600);
	uint64_t now = monotonic_ms();

	if (fd < 0)
		abort();
	memset(&ev, 0, sizeof(ev));
	pool_event_init(&ev, fd, 4242, mask, perm, now, now + 5000);
	return ev;
}

#endif
