/* wardd: Ward's agent.  Watches removable storage (libudev), marks its
 * filesystems in one fanotify group, and decides every open and every
 * close-after-write there against the policy, with a deadline; journals
 * every decision.  See agent/README.md.
 *
 * Threads: main (poll loop: signals, udev, mountinfo, control socket,
 * watchdog), one fanotify reader, N workers each with its own sandboxed
 * scanner process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/control.h"
#include "agent/devices.h"
#include "agent/inventory.h"
#include "agent/mounts.h"
#include "agent/privs.h"
#include "agent/quarantine.h"
#include "common/cleanup.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/util.h"
#include "kmod-free/blockdev.h"
#include "kmod-free/usbauth.h"

#define QUEUE_LEN 1024
#define CACHE_SLOTS 4096
#define MAX_KNOWN 64
#define MAX_INTERNAL 64

/* The one piece of global state: the fanotify fd for the crash handler,
 * which cannot be handed a context.  Closing the group makes the kernel
 * allow every pending event, so a crash never hangs the machine. */
static volatile int crash_fan_fd = -1;
static volatile int crash_fan_src_fd = -1;

struct known_device {
	dev_t devnum;
	struct ward_device dev;
	char syspath[256];
	enum policy_device_action action;
	char rule[96];
};

struct internal_mark {
	dev_t dev;
	char mount_point[PATH_MAX];
};

/* The main thread's own state, around the shared struct agent. */
struct daemon {
	struct agent a;
	struct devices *devices;
	struct mounts *mounts;
	struct inventory *inventory;
	struct known_device known[MAX_KNOWN];
	size_t n_known;
	struct internal_mark internal[MAX_INTERNAL];
	size_t n_internal;
	pthread_t reader;
	int reader_stop; /* eventfd */
	atomic_uint_fast64_t reader_heartbeat;
	uint64_t watchdog_seen;
	char exe[PATH_MAX];
	char scanner_exe[PATH_MAX]; /* wardd-scanner, beside exe */
	char socket_path[PATH_MAX];
	bool foreground;
};

static void crash_handler(int sig)
{
	if (crash_fan_fd >= 0)
		close(crash_fan_fd);
	if (crash_fan_src_fd >= 0)
		close(crash_fan_src_fd);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- the reader thread ---- */

static bool is_helper(struct daemon *d, pid_t pid)
{
	if (pid == d->a.self_pid)
		return true;
	for (unsigned i = 0; i < d->a.cfg.workers; i++)
		if (d->a.scanners[i] && scanner_pid(d->a.scanners[i]) == pid)
			return true;
	return false;
}

/* Drain one group.  source: it is the internal-filesystems group. */
static void reader_drain(struct daemon *d, const struct fan_group *g, bool source, void *buf)
{
	struct agent *a = &d->a;
	struct fan_batch batch;
	struct fan_event ev;
	uint64_t now;
	ssize_t n;

	n = fan_read(g, buf, FAN_READ_BUFSZ);
	if (n <= 0)
		return;
	now = monotonic_ms();
	fan_batch_init(&batch, buf, (size_t)n);
	while (fan_batch_next(&batch, &ev)) {
		bool perm = fan_event_is_perm(&ev);
		uint64_t mask = ev.mask | (source ? AGENT_EV_SOURCE : 0);

		atomic_fetch_add(&a->n.events, 1);
		if (ev.fd < 0)
			continue;
		if (is_helper(d, ev.pid)) {
			/* Our own opens (and our scanners') are answered at
			 * once: a worker waiting on one must never wait on
			 * itself. */
			if (perm)
				fan_respond(g, ev.fd, FAN_VERDICT_ALLOW, false);
			close(ev.fd);
			atomic_fetch_add(&a->n.own, 1);
			continue;
		}
		if (!perm && !fan_event_is_close_write(&ev)) {
			close(ev.fd);
			continue;
		}
		if (!source && perm) {
			/* An open on a medium: whoever did it may now hold a
			 * writer there, so cached "holds none" answers end. */
			pidcache_bump(&a->pidcache);
		} else if (source && perm && pidcache_clean(&a->pidcache, ev.pid, now)) {
			/* Seen within the last second holding nothing on any
			 * medium, and no medium opened since: allow now, learn
			 * in the background. */
			fan_respond(g, ev.fd, FAN_VERDICT_ALLOW, false);
			atomic_fetch_add(&a->n.fast, 1);
			if (agent_learn_inline(a, ev.fd))
				close(ev.fd);
			else
				pool_submit(a->pool, ev.fd, ev.pid, mask | AGENT_EV_LEARN, false,
					    now, 0);
			continue;
		}
		pool_submit(a->pool, ev.fd, ev.pid, mask, perm, now,
			    now + atomic_load(&a->deadline_ms));
	}
	if (batch.error)
		log_warnx("reader: malformed fanotify record skipped: %s", strerror(-batch.error));
}

static void *reader_main(void *arg)
{
	struct daemon *d = arg;
	struct agent *a = &d->a;
	uint64_t *buf = malloc(FAN_READ_BUFSZ);

	if (!buf)
		fatalx("reader: out of memory");
	for (;;) {
		struct pollfd pfd[3] = {{a->fan.fd, POLLIN, 0},
					{a->fan_src.fd, POLLIN, 0},
					{d->reader_stop, POLLIN, 0}};
		int t = pool_expire(a->pool, monotonic_ms());

		atomic_fetch_add(&d->reader_heartbeat, 1);
		if (poll(pfd, 3, (t < 0 || t > 1000) ? 1000 : t) < 0 && errno != EINTR)
			log_warn("reader: poll");
		if (pfd[2].revents)
			break;
		if (pfd[0].revents & POLLIN)
			reader_drain(d, &a->fan, false, buf);
		if (pfd[1].revents & POLLIN)
			reader_drain(d, &a->fan_src, true, buf);
	}
	free(buf);
	return NULL;
}

/* ---- devices and mounts (main thread) ---- */

static struct known_device *known_find(struct daemon *d, dev_t devnum)
{
	for (size_t i = 0; i < d->n_known; i++)
		if (d->known[i].devnum == devnum)
			return &d->known[i];
	return NULL;
}

static const struct known_device *known_for_mount(struct daemon *d, const struct mount_entry *m)
{
	for (size_t i = 0; i < d->n_known; i++)
		if (mount_entry_on_device(m, d->known[i].devnum, d->known[i].dev.devnode))
			return &d->known[i];
	return NULL;
}

static void mark_internals(struct daemon *d)
{
	const struct mount_table *t = mounts_table(d->mounts);

	for (size_t i = 0; i < t->n; i++) {
		const struct mount_entry *m = &t->entries[i];
		bool have = false;
		int r;

		if (!fan_fstype_is_internal(m->fstype) || known_for_mount(d, m))
			continue;
		for (size_t k = 0; k < d->n_internal && !have; k++)
			have = d->internal[k].dev == m->dev;
		if (have || d->n_internal == MAX_INTERNAL)
			continue;
		r = fan_mark_internal(&d->a.fan_src, m->mount_point);
		if (r < 0) {
			log_warnx("cannot mark %s (%s) for source-side checks: %s", m->mount_point,
				  m->fstype, strerror(-r));
			continue;
		}
		d->internal[d->n_internal].dev = m->dev;
		str_copy(d->internal[d->n_internal].mount_point,
			 sizeof(d->internal[d->n_internal].mount_point), m->mount_point);
		d->n_internal++;
		log_debug("source side: marked %s (%s)", m->mount_point, m->fstype);
	}
}

static void unmark_internals(struct daemon *d)
{
	for (size_t k = 0; k < d->n_internal; k++)
		fan_unmark_internal(&d->a.fan_src, d->internal[k].mount_point);
	d->n_internal = 0;
	log_debug("source side: no removable medium left, internal marks removed");
}

static void medium_mounted(struct daemon *d, const struct mount_entry *m,
			   const struct known_device *k)
{
	struct medium med;
	int r;

	memset(&med, 0, sizeof(med));
	if (k->action == POLICY_DEVICE_READ_ONLY && !m->read_only) {
		r = mount_make_ro(m->mount_point);
		if (r < 0)
			log_warnx("cannot make %s read-only as device rule %s says: %s",
				  m->mount_point, k->rule, strerror(-r));
	}
	r = fan_mark_medium(&d->a.fan, m->mount_point, &med.scope);
	if (r < 0) {
		log_warnx("cannot watch %s on %s: %s; copies to it are not checked", m->mount_point,
			  k->dev.devnode, strerror(-r));
		return;
	}
	med.st_dev = m->dev;
	med.devnum = k->devnum;
	med.mount_id = m->mount_id;
	str_copy(med.mount_point, sizeof(med.mount_point), m->mount_point);
	med.device = k->dev;
	med.action = k->action;
	str_copy(med.rule, sizeof(med.rule), k->rule);
	r = media_add(d->a.media, &med);
	if (r < 0) {
		if (r != -EEXIST)
			log_warnx("cannot track %s: %s", m->mount_point, strerror(-r));
		return;
	}
	log_info("watching %s (%s %s, %s) mounted at %s: %s", k->dev.devnode, k->dev.vendor,
		 k->dev.model, m->fstype, m->mount_point, policy_device_action_name(k->action));
	if (media_count(d->a.media) == 1)
		mark_internals(d);
}

static void on_mount(enum mounts_action action, const struct mount_entry *m, void *arg)
{
	struct daemon *d = arg;
	const struct known_device *k;
	struct medium gone;

	if (action == MOUNTS_REMOVED) {
		if (media_remove(d->a.media, m->mount_id, &gone)) {
			fan_unmark_medium(&d->a.fan, gone.mount_point, gone.scope);
			log_info("%s unmounted from %s", gone.device.devnode, gone.mount_point);
			if (media_count(d->a.media) == 0)
				unmark_internals(d);
		}
		return;
	}
	k = known_for_mount(d, m);
	if (k) {
		if (action == MOUNTS_CHANGED && k->action == POLICY_DEVICE_READ_ONLY &&
		    !m->read_only)
			mount_make_ro(m->mount_point); /* remounted rw: not on our watch */
		medium_mounted(d, m, k);
		return;
	}
	if (action == MOUNTS_ADDED && media_count(d->a.media) > 0 &&
	    fan_fstype_is_internal(m->fstype))
		mark_internals(d);
}

static void device_decide(struct daemon *d, struct known_device *k)
{
	struct policy *p = decide_acquire(d->a.decide);
	struct policy_event pe = {.kind = POLICY_EVENT_DEVICE, .device = &k->dev};
	struct policy_decision dec;

	pe.uid = (uid_t)-1;
	pe.gid = (gid_t)-1;
	pe.time = time(NULL);
	if (policy_decide(p, &pe, &dec) == 0) {
		k->action = dec.device_action;
		snprintf(k->rule, sizeof(k->rule), "%s:%u", dec.rule_file ? dec.rule_file : "",
			 dec.rule_line);
	} else {
		k->action = POLICY_DEVICE_ALLOW;
		str_copy(k->rule, sizeof(k->rule), "(invalid event)");
	}
	policy_unref(p);
}

static void on_device(const struct devices_event *ev, void *arg)
{
	struct daemon *d = arg;
	struct known_device *k = known_find(d, ev->devnum);
	const char *outcome = "allowed";
	char detail[512] = "";
	int r;

	if (ev->action == DEVICES_REMOVED) {
		if (k) {
			log_info("%s (%s %s) removed", k->dev.devnode, k->dev.vendor, k->dev.model);
			/* A loop device (or a card reader's slot) keeps its node:
			 * the next medium there must not inherit read-only. */
			if (k->action == POLICY_DEVICE_READ_ONLY)
				blockdev_set_ro(k->dev.devnode, false);
			*k = d->known[--d->n_known];
		}
		return;
	}
	if (!k) {
		if (d->n_known == MAX_KNOWN) {
			log_warnx("too many removable media at once; %s is not tracked",
				  ev->device.devnode);
			return;
		}
		k = &d->known[d->n_known++];
		memset(k, 0, sizeof(*k));
	}
	k->devnum = ev->devnum;
	k->dev = ev->device;
	str_copy(k->syspath, sizeof(k->syspath), ev->syspath);
	device_decide(d, k);

	switch (k->action) {
	case POLICY_DEVICE_READ_ONLY:
		r = blockdev_set_ro(k->dev.devnode, true);
		outcome = r < 0 ? "read-only (mount only)" : "read-only";
		if (r < 0)
			snprintf(detail, sizeof(detail), "BLKROSET on %s: %s", k->dev.devnode,
				 strerror(-r));
		break;
	case POLICY_DEVICE_BLOCK: {
		char usb[256] = "";

		r = usbauth_deauthorize_block(devices_udev(d->devices), k->syspath, usb,
					      sizeof(usb));
		outcome = r == 0 ? "blocked (deauthorized)" : "blocked (opens denied)";
		if (r == 0)
			snprintf(detail, sizeof(detail), "USB device %s deauthorized", usb);
		else if (r != -ENODEV)
			snprintf(detail, sizeof(detail), "cannot deauthorize: %s", strerror(-r));
		break;
	}
	default:
		break;
	}
	log_info("medium %s (%04x:%04x %s %s, serial %s, %s): %s by %s", k->dev.devnode,
		 k->dev.vendor_id, k->dev.product_id, k->dev.vendor, k->dev.model, k->dev.serial,
		 k->dev.fs_type, outcome, k->rule);
	agent_journal_device(&d->a, &k->dev, policy_device_action_name(k->action), k->rule, outcome,
			     detail[0] ? detail : NULL);
	if (d->inventory) {
		inventory_record(d->inventory, &k->dev, policy_device_action_name(k->action),
				 k->rule, time(NULL));
		r = inventory_save(d->inventory);
		if (r < 0)
			log_warnx("cannot save the device inventory in %s: %s", d->a.cfg.state_dir,
				  strerror(-r));
	}
	/* Mounted before we heard of it (at start, or a fast automounter). */
	if (d->mounts) {
		const struct mount_table *t = mounts_table(d->mounts);

		for (size_t i = 0; i < t->n; i++)
			if (mount_entry_on_device(&t->entries[i], k->devnum, k->dev.devnode))
				medium_mounted(d, &t->entries[i], k);
	}
}

/* ---- control socket and status ---- */

/* Adds "watched":[{"mount":...,"device":...,"serial":...,"action":...}]
 * before the closing brace of reply. */
static void append_watched(struct agent *a, char *reply, size_t size)
{
	struct medium *list = calloc(MEDIA_MAX, sizeof(*list));
	size_t n = list ? media_list(a->media, list, MEDIA_MAX) : 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t at = strlen(reply);

	if (!f || at == 0) {
		free(list);
		return;
	}
	fputs(",\"watched\":[", f);
	for (size_t i = 0; i < n; i++) {
		bool first = true;

		fputs(i ? ",{" : "{", f);
		json_write_key(f, &first, "mount");
		json_write_cstr(f, list[i].mount_point);
		json_write_key(f, &first, "device");
		json_write_cstr(f, list[i].device.devnode);
		json_write_key(f, &first, "serial");
		json_write_cstr(f, list[i].device.serial);
		json_write_key(f, &first, "action");
		json_write_cstr(f, policy_device_action_name(list[i].action));
		fputc('}', f);
	}
	fputs("]}", f);
	fclose(f);
	if (buf && at + len < size)
		memcpy(reply + at - 1, buf, len + 1); /* over the closing brace */
	free(buf);
	free(list);
}

static void answer_control(const char *req, char *reply, size_t size, void *arg)
{
	struct daemon *d = arg;
	struct agent *a = &d->a;
	struct pool_stats ps;
	uint64_t restarts = 0;
	unsigned ok, failed;

	if (strcmp(req, "status") != 0) {
		snprintf(reply, size, "{\"error\":\"unknown request\"}");
		return;
	}
	pool_get_stats(a->pool, &ps);
	for (unsigned i = 0; i < a->cfg.workers; i++)
		restarts += scanner_restarts(a->scanners[i]);
	decide_reload_counts(a->decide, &ok, &failed);
	snprintf(reply, size,
		 "{\"ready\":%s,\"pid\":%d,\"media\":%zu,\"internal_marks\":%zu,"
		 "\"workers\":%u,\"deadline_ms\":%u,\"events\":%" PRIu64 ",\"own_events\":%" PRIu64
		 ",\"fast_allowed\":%" PRIu64 ",\"denied\":%" PRIu64 ",\"quarantined\":%" PRIu64
		 ",\"ignore_marks\":%" PRIu64 ",\"classified\":%" PRIu64 ",\"cache_hits\":%" PRIu64
		 ",\"answered_by_deadline\":%" PRIu64 ",\"answered_queue_full\":%" PRIu64
		 ",\"dropped_notifications\":%" PRIu64 ",\"scanner_restarts\":%" PRIu64
		 ",\"journal_seq\":%" PRIu64 ",\"journal_failures\":%" PRIu64
		 ",\"policy_reloads\":%u,\"policy_reload_failures\":%u}",
		 atomic_load(&a->ready) ? "true" : "false", (int)a->self_pid, media_count(a->media),
		 d->n_internal, a->cfg.workers, atomic_load(&a->deadline_ms),
		 (uint64_t)atomic_load(&a->n.events), (uint64_t)atomic_load(&a->n.own),
		 (uint64_t)atomic_load(&a->n.fast), (uint64_t)atomic_load(&a->n.denied),
		 (uint64_t)atomic_load(&a->n.quarantined), (uint64_t)atomic_load(&a->n.ignored),
		 (uint64_t)atomic_load(&a->n.classified), (uint64_t)atomic_load(&a->n.cache_hits),
		 ps.by_deadline, ps.by_queue_full, ps.dropped_notifications, restarts,
		 journal_last_seq(a->journal), journal_failures(a->journal), ok, failed);
	append_watched(a, reply, size);
}

/* ---- setup ---- */

static void usage(FILE *out)
{
	fprintf(out, "usage: wardd [--foreground] [--config FILE] [--verbose]\n"
		     "  --foreground   stay attached, log to stderr (systemd runs it so)\n"
		     "  --config FILE  default " WARDD_DEFAULT_CONFIG " (if it exists)\n");
}

static uint32_t effective_deadline(struct agent *a)
{
	struct policy *p = decide_acquire(a->decide);
	uint32_t ms = policy_deadline_ms(p);

	policy_unref(p);
	/* The config's deadline is a ceiling; the policy may ask for less. */
	if (ms == 0 || ms > a->cfg.deadline_ms)
		ms = a->cfg.deadline_ms;
	return ms;
}

/* dir/name into out; a path that does not fit is a configuration error. */
static void path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		fatalx("path %s/%s is too long", dir, name);
}

static void make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		fatal("cannot create %s", path);
}

static void reload(struct daemon *d)
{
	struct journal_record rec = {0};
	int r = decide_reload(d->a.decide);

	clock_gettime(CLOCK_REALTIME, &rec.time);
	rec.event = "policy-reload";
	rec.uid = rec.loginuid = (uid_t)-1;
	rec.path = d->a.cfg.policy_dir;
	rec.outcome = r == 0 ? "loaded" : "rejected: old policy kept";
	journal_append(d->a.journal, &rec, true);
	if (r == 0)
		atomic_store(&d->a.deadline_ms, effective_deadline(&d->a));
}

static void watchdog_tick(struct daemon *d)
{
	uint64_t hb = atomic_load(&d->reader_heartbeat);

	/* Pet the watchdog only while the reader thread is alive: a stuck
	 * reader means unanswered opens, and a restart is better. */
	if (hb != d->watchdog_seen)
		sd_notify(0, "WATCHDOG=1");
	else
		log_warnx("fanotify reader made no progress since the last watchdog tick");
	d->watchdog_seen = hb;
}

/* wardd only checks what its scanners answer; classifying is
 * wardd-scanner's, so the document parsers are not linked in here. */
static const struct scanner_ops scanner_parent_ops = {.sane = classify_result_sane};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct pool_ops pool_ops = {agent_handle, agent_respond, agent_fail_verdict};
	static struct daemon the_daemon; /* large; lives for the whole run */
	struct daemon *d = &the_daemon;
	struct agent *a = &d->a;
	const char *config_path = NULL;
	bool verbose = false;
	char err[512], path[PATH_MAX];
	sigset_t mask;
	int sfd, ctl, wdt = -1, r, opt;
	uint64_t wd_usec = 0;
	ssize_t len;

	while ((opt = getopt_long(argc, argv, "fc:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			d->foreground = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	config_defaults(&a->cfg);
	if (!config_path && access(WARDD_DEFAULT_CONFIG, F_OK) == 0)
		config_path = WARDD_DEFAULT_CONFIG;
	if (config_path && config_load(config_path, &a->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "wardd: %s\n", err);
		return 1;
	}
	if (verbose)
		a->cfg.verbose = true;
	log_init("wardd", d->foreground ? a->cfg.log_target : LOG_TO_SYSLOG, a->cfg.verbose);
	if (!d->foreground && daemon(0, 0) < 0)
		fatal("cannot go to the background");

	len = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
	if (len <= 0)
		fatal("cannot find my own executable in /proc/self/exe");
	d->exe[len] = '\0';
	/* The scanner is installed beside wardd (build/, or /usr/sbin). */
	if (snprintf(d->scanner_exe, sizeof(d->scanner_exe), "%.*s/wardd-scanner",
		     (int)(strrchr(d->exe, '/') - d->exe), d->exe) >= (int)sizeof(d->scanner_exe))
		fatalx("the path of wardd-scanner is too long");
	if (access(d->scanner_exe, X_OK) < 0)
		fatal("cannot run the classifier process %s (install it beside wardd)",
		      d->scanner_exe);
	a->self_pid = getpid();
	signal(SIGPIPE, SIG_IGN);
	umask(0077);

	/* Directories and the policy. */
	make_dir(a->cfg.state_dir, 0700);
	make_dir(a->cfg.runtime_dir, 0755);
	path_join(path, sizeof(path), a->cfg.state_dir, WARDD_JOURNAL_SUBDIR);
	r = journal_open(path, &a->journal);
	if (r < 0)
		fatalx("cannot open the decision journal in %s: %s", path, strerror(-r));
	path_join(a->quarantine_dir, sizeof(a->quarantine_dir), a->cfg.state_dir,
		  WARDD_QUARANTINE_SUBDIR);
	r = quarantine_prepare(a->quarantine_dir);
	if (r < 0)
		fatalx("cannot prepare the evidence store %s: %s", a->quarantine_dir, strerror(-r));
	r = decide_open(a->cfg.policy_dir, &a->decide);
	if (r < 0)
		fatalx("cannot load the policy from %s; fix it (wardctl policy check %s)",
		       a->cfg.policy_dir, a->cfg.policy_dir);
	atomic_store(&a->deadline_ms, effective_deadline(a));
	if (media_new(&a->media) < 0 || class_cache_new(CACHE_SLOTS, &a->cache) < 0)
		fatalx("out of memory");

	/* Scanners first: they are exec'd, but fork before threads is tidier. */
	for (unsigned i = 0; i < a->cfg.workers; i++) {
		struct scanner_options so = {.exec_path = d->scanner_exe, .sandbox = true};

		r = scanner_start(&scanner_parent_ops, &so, &a->scanners[i]);
		if (r < 0)
			fatalx("cannot start scanner %u: %s", i, strerror(-r));
	}

	/* Signals go to the signalfd, in every thread. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fatal("signalfd");

	r = fan_group_open(&a->fan);
	if (r == 0) {
		r = fan_group_open(&a->fan_src);
		if (r < 0)
			fan_group_close(&a->fan);
	}
	if (r < 0)
		fatalx("cannot open a fanotify group: %s (wardd needs CAP_SYS_ADMIN)",
		       strerror(-r));
	crash_fan_fd = a->fan.fd;
	crash_fan_src_fd = a->fan_src.fd;
	install_crash_handlers();

	r = pool_start(a->cfg.workers, QUEUE_LEN, &pool_ops, a, &a->pool);
	if (r < 0)
		fatalx("cannot start the workers: %s", strerror(-r));
	d->reader_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->reader_stop < 0)
		fatal("eventfd");
	r = pthread_create(&d->reader, NULL, reader_main, d);
	if (r)
		fatalx("cannot start the fanotify reader: %s", strerror(r));

	/* Devices, then mounts: marks go in place. */
	r = devices_open(&d->devices);
	if (r < 0)
		fatalx("cannot watch udev: %s", strerror(-r));
	r = inventory_open(a->cfg.state_dir, &d->inventory);
	if (r < 0) {
		log_warnx("cannot read the device inventory in %s: %s; starting a new one",
			  a->cfg.state_dir, strerror(-r));
		d->inventory = NULL;
	}
	r = mounts_open(NULL, &d->mounts);
	if (r < 0)
		fatalx("cannot watch /proc/self/mountinfo: %s", strerror(-r));
	r = mounts_refresh(d->mounts, on_mount, d);
	if (r < 0)
		fatalx("cannot read the mount table: %s", strerror(-r));
	r = devices_enumerate(d->devices, on_device, d);
	if (r < 0)
		log_warnx("cannot enumerate removable media present at start: %s", strerror(-r));

	path_join(d->socket_path, sizeof(d->socket_path), a->cfg.runtime_dir, WARDD_SOCKET_NAME);
	ctl = control_listen(d->socket_path);
	if (ctl < 0)
		fatalx("cannot listen on %s: %s", d->socket_path, strerror(-ctl));

	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
		struct itimerspec its = {0};
		uint64_t half = wd_usec / 2;

		its.it_interval.tv_sec = (time_t)(half / 1000000);
		its.it_interval.tv_nsec = (long)(half % 1000000) * 1000;
		its.it_value = its.it_interval;
		wdt = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (wdt >= 0)
			timerfd_settime(wdt, 0, &its, NULL);
	}

	r = privs_drop();
	if (r < 0)
		log_warnx("cannot drop unneeded capabilities: %s", strerror(-r));

	atomic_store(&a->ready, true);
	sd_notify(0, "READY=1");
	log_info("ready: policy %s, %u workers, deadline %u ms, %zu removable media watched",
		 a->cfg.policy_dir, a->cfg.workers, atomic_load(&a->deadline_ms),
		 media_count(a->media));

	for (bool running = true; running;) {
		struct pollfd pfd[5] = {
		    {sfd, POLLIN, 0},
		    {devices_fd(d->devices), POLLIN, 0},
		    {mounts_fd(d->mounts), POLLPRI, 0},
		    {ctl, POLLIN, 0},
		    {wdt, POLLIN, 0},
		};

		if (poll(pfd, wdt >= 0 ? 5 : 4, -1) < 0) {
			if (errno != EINTR)
				log_warn("poll");
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					sd_notify(0, "RELOADING=1");
					reload(d);
					sd_notify(0, "READY=1");
				} else {
					log_info("signal %d: stopping", (int)si.ssi_signo);
					running = false;
				}
			}
		}
		if (pfd[1].revents & POLLIN)
			devices_dispatch(d->devices, on_device, d);
		if (pfd[2].revents & (POLLPRI | POLLERR))
			mounts_refresh(d->mounts, on_mount, d);
		if (pfd[3].revents & POLLIN)
			control_serve_one(ctl, answer_control, d);
		if (wdt >= 0 && (pfd[4].revents & POLLIN)) {
			uint64_t ticks;

			if (read(wdt, &ticks, sizeof(ticks)) > 0)
				watchdog_tick(d);
		}
	}

	/* Stop: the reader first (so nobody reads a closed fd), then the
	 * group (the kernel allows whatever is pending), then the workers. */
	sd_notify(0, "STOPPING=1");
	atomic_store(&a->ready, false);
	if (eventfd_write(d->reader_stop, 1) == 0)
		pthread_join(d->reader, NULL);
	crash_fan_fd = -1;
	crash_fan_src_fd = -1;
	fan_group_close(&a->fan_src);
	fan_group_close(&a->fan);
	pool_stop(a->pool);
	for (unsigned i = 0; i < a->cfg.workers; i++)
		scanner_stop(a->scanners[i]);
	close(ctl);
	unlink(d->socket_path);
	mounts_free(d->mounts);
	devices_free(d->devices);
	inventory_free(d->inventory);
	journal_close(a->journal);
	decide_free(a->decide);
	class_cache_free(a->cache);
	media_free(a->media);
	log_info("stopped");
	return 0;
}
