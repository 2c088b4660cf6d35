/* wardd: Ward's agent.  Setup, the main loop and shutdown; each stage of
 * the pipeline is a file of its own (agent/agent.h lists them, and
 * docs/architecture.md says where things happen).
 *
 * Threads: main (poll loop: signals, udev, mountinfo, control socket,
 * watchdog, the policy directory), one fanotify reader, N workers each with its own sandboxed
 * scanner process. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/approvals.h"
#include "agent/cachefile.h"
#include "agent/control.h"
#include "agent/decide.h"
#include "agent/fpstore.h"
#include "agent/landing.h"
#include "agent/names.h"
#include "agent/notice.h"
#include "agent/policywatch.h"
#include "agent/preclass.h"
#include "agent/privs.h"
#include "agent/reader.h"
#include "agent/record.h"
#include "agent/removable.h"
#include "agent/report.h"
#include "agent/status.h"
#include "agent/written.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/util.h"
#include "kmod-free/procfd.h"

#define QUEUE_LEN 1024

/* The one piece of global state: the fanotify fds for the crash handler,
 * which cannot be handed a context.  Closing a group makes the kernel
 * allow every pending event, so a crash never hangs the machine. */
static volatile int crash_fan_fd = -1;
static volatile int crash_fan_src_fd = -1;

/* The main thread's own state, around the shared struct agent. */
struct daemon {
	struct agent a;
	struct reader *reader;
	uint64_t watchdog_seen;
	char exe[PATH_MAX];
	char socket_path[PATH_MAX];
	const char *config_path;
	bool foreground;
	bool verbose;
	int signals;		     /* signalfd */
	int control;		     /* listening socket */
	int watchdog;		     /* timerfd, -1 without a systemd watchdog */
	int approvals_timer;	     /* timerfd: the sender's approvals looked at */
	struct approvals *approvals; /* from the review console, via the sender */
	int report_timer;	     /* timerfd: the record log's upkeep, once a second */
	struct policy_watch policy_watch;
};

/* wardd only checks what its scanners answer; classifying is
 * wardd-scanner's, so the document parsers are not linked in here. */
static const struct scanner_ops scanner_parent_ops = {.sane = classify_result_sane};
static const struct pool_ops pool_ops = {decide_event, act_respond, decide_fail_verdict};

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

/* ---- the policy ---- */

/* Loads the policy at path, logging every error with file:line:col and
 * every approval token it refused. */
static struct policy *load_policy(const char *path)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load(path, &diag);

	if (p) {
		const struct policy_token_problem *probs = NULL;
		size_t n = policy_token_problems(p, &probs);

		/* A refused approval must not fail silently: the supervisor
		 * believes it is in force. */
		for (size_t i = 0; i < n; i++)
			log_warnx("approval token %s refused: %s (%s)", probs[i].path,
				  policy_token_status_text(probs[i].status),
				  probs[i].detail ? probs[i].detail : "");
		if (policy_tokens_dir(p))
			log_info("%zu approval token(s) in force from %s", policy_tokens_loaded(p),
				 policy_tokens_dir(p));
	} else {
		for (size_t i = 0; i < diag.n_errors; i++)
			log_warnx("policy %s:%u:%u: %s", diag.errors[i].file, diag.errors[i].line,
				  diag.errors[i].col, diag.errors[i].message);
		if (diag.n_errors == 0)
			log_warnx("policy %s: cannot be loaded", path);
	}
	policy_diag_free(&diag);
	return p;
}

static uint32_t effective_deadline(struct agent *a)
{
	struct policy *p = policy_current_get(a->policy);
	uint32_t ms = policy_deadline_ms(p);

	policy_unref(p);
	/* The config's deadline is a ceiling; the policy may ask for less. */
	if (ms == 0 || ms > a->cfg.deadline_ms)
		ms = a->cfg.deadline_ms;
	return ms;
}

/* SIGHUP, a saved edit, new approvals: a broken policy is logged and
 * recorded; the old one stays. */
static void reload(struct daemon *d)
{
	struct agent *a = &d->a;
	struct policy *next, *before;
	char summary[256], hex[POLICY_VERSION_CHARS + 1];

	policy_watch_covered(&d->policy_watch);
	next = load_policy(a->cfg.policy_dir);
	before = policy_current_get(a->policy);

	if (next) {
		/* The person an approval is for hears of it now. */
		notice_approvals(a->notify, before, next);
		unsigned char version[POLICY_VERSION_LEN];

		policy_version(next, version);
		preclass_policy(a->preclass, version);
		policy_current_set(a->policy, next);
		atomic_fetch_add(&a->n.reloads_ok, 1);
		policy_summary(next, summary, sizeof(summary));
		policy_version_hex(next, hex);
		log_info("policy reloaded from %s: %s (version %s)", a->cfg.policy_dir, summary,
			 hex);
		atomic_store(&a->deadline_ms, effective_deadline(a));
	} else {
		atomic_fetch_add(&a->n.reloads_failed, 1);
		log_warnx("policy reload from %s failed: keeping the policy in force",
			  a->cfg.policy_dir);
	}
	record_policy_reload(a, a->cfg.policy_dir, next != NULL);
	policy_unref(before);
}

/* ---- setup, one step each ---- */

static void usage(FILE *out)
{
	fprintf(out, "usage: wardd [--foreground] [--config FILE] [--verbose]\n"
		     "  --foreground   stay attached, log to stderr (systemd runs it so)\n"
		     "  --config FILE  default " WARDD_DEFAULT_CONFIG " (if it exists)\n");
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct daemon *d)
{
	static const struct option opts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "fc:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			d->foreground = true;
			break;
		case 'c':
			d->config_path = optarg;
			break;
		case 'v':
			d->verbose = true;
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
	return -1;
}

/* Files written to media wait for the workers with their descriptors
 * open (landing.h), and the pool's queues hold one per event: the soft
 * limit (1024 under systemd) is raised to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the open files limit");
	}
}

/* The configuration, logging, and the daemon's own process. */
static int configure(struct daemon *d)
{
	struct agent *a = &d->a;
	char err[512];

	config_defaults(&a->cfg);
	if (!d->config_path && access(WARDD_DEFAULT_CONFIG, F_OK) == 0)
		d->config_path = WARDD_DEFAULT_CONFIG;
	if (d->config_path && config_load(d->config_path, &a->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "wardd: %s\n", err);
		return -1;
	}
	if (d->verbose)
		a->cfg.verbose = true;
	log_init("wardd", d->foreground ? a->cfg.log_target : LOG_TO_SYSLOG, a->cfg.verbose);
	if (!d->foreground && daemon(0, 0) < 0)
		fatal("cannot go to the background");
	a->self_pid = getpid();
	a->ops = &agent_system_ops;
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	umask(0077);
	return 0;
}

/* The scanner is installed beside wardd (build/, or /usr/sbin). */
static void find_scanner(struct daemon *d)
{
	int r = procfd_self_exe(d->exe, sizeof(d->exe));

	if (r < 0)
		fatalx("cannot find my own executable: %s", strerror(-r));
	if (snprintf(d->a.scanner_exe, sizeof(d->a.scanner_exe), "%.*s/wardd-scanner",
		     (int)(strrchr(d->exe, '/') - d->exe), d->exe) >= (int)sizeof(d->a.scanner_exe))
		fatalx("the path of wardd-scanner is too long");
	if (access(d->a.scanner_exe, X_OK) < 0)
		fatal("cannot run the classifier process %s (install it beside wardd)",
		      d->a.scanner_exe);
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

/* Pre-classification and the cache's file, named by what its verdicts
 * depend on: this classifier and this policy. */
static void open_background(struct agent *a, const struct policy *p)
{
	struct cache_identity id;
	char dir[PATH_MAX], path[PATH_MAX];
	uint64_t size;
	int r;

	path_join(dir, sizeof(dir), a->cfg.state_dir, CACHEFILE_SUBDIR);
	make_dir(dir, 0700);
	path_join(path, sizeof(path), dir, CACHEFILE_NAME);
	r = digest_path(a->scanner_exe, id.classifier, &size);
	if (r < 0)
		fatalx("cannot read the classifier %s: %s", a->scanner_exe, strerror(-r));
	policy_version(p, id.policy);
	r = preclass_new(a, path, &id, &a->preclass);
	if (r == 0)
		r = preclass_subscribe(a->preclass, a->written);
	if (r < 0)
		fatalx("cannot prepare the background classifier: %s", strerror(-r));
}

/* State directories, the record log, the evidence store, the policy,
 * and the stages' own state. */
static void open_stores(struct daemon *d)
{
	struct agent *a = &d->a;
	char path[PATH_MAX];
	struct policy *p;
	int r;

	make_dir(a->cfg.state_dir, 0700);
	make_dir(a->cfg.runtime_dir, 0755);
	/* Without its record log wardd still enforces: every record then
	 * fails, and the policy's report-failure decides (block by default). */
	r = agent_report_open(a, path, sizeof(path));
	if (r < 0)
		log_warnx("THE RECORD LOG CANNOT BE OPENED, no decision will be recorded: %s",
			  path);
	path_join(a->quarantine_dir, sizeof(a->quarantine_dir), a->cfg.state_dir,
		  WARDD_QUARANTINE_SUBDIR);
	r = quarantine_prepare(a->quarantine_dir);
	if (r < 0)
		fatalx("cannot prepare the evidence store %s: %s", a->quarantine_dir, strerror(-r));
	/* Without it wardd enforces all the same: only derived documents
	 * (part of a marked one in an unmarked file) go unrecognised. */
	path_join(path, sizeof(path), a->cfg.state_dir, FPSTORE_FILE);
	r = fpstore_open(path, &a->fpstore);
	if (r < 0)
		log_warnx("cannot open %s: %s; documents derived from marked ones are not "
			  "recognised",
			  path, strerror(-r));
	else
		log_info("fingerprints of %u marked documents loaded", fpstore_count(a->fpstore));
	p = load_policy(a->cfg.policy_dir);
	if (!p)
		fatalx("cannot load the policy from %s; fix it (wardctl policy check %s)",
		       a->cfg.policy_dir, a->cfg.policy_dir);
	a->policy = policy_current_new(p);
	if (!a->policy || act_new(&a->act) < 0 || removable_new(a, &a->removable) < 0 ||
	    class_cache_new(a->cfg.cache_entries, &a->cache) < 0 ||
	    landing_new(a, &a->landing) < 0 || written_new(a->self_pid, &a->written) < 0 ||
	    names_new(a, &a->names) < 0)
		fatalx("out of memory");
	atomic_store(&a->deadline_ms, effective_deadline(a));
	open_background(a, p);
}

/* Pop-ups: the hub (its thread starts after the signal mask is set, so it
 * takes no signal) subscribed to the act stage before any worker acts.  A
 * courtesy to the person, not a control: without it wardd still decides
 * and records everything. */
static void start_notify(struct daemon *d)
{
	struct agent *a = &d->a;
	struct notify_options o = {0};
	struct act_subscriber sub = {.name = "pop-ups", .notify = notice_outcome};
	char path[PATH_MAX];
	int r;

	path_join(path, sizeof(path), a->cfg.runtime_dir, NOTIFY_SOCKET_NAME);
	o.socket_path = path;
	r = notify_start(&o, &a->notify);
	if (r == 0) {
		sub.arg = a->notify;
		r = act_subscribe(a->act, &sub);
	}
	if (r < 0)
		log_warnx("cannot listen on %s: %s; staff will see no pop-ups", path, strerror(-r));
}

/* Scanners first: they are exec'd, but fork before threads is tidier. */
static void start_scanners(struct daemon *d)
{
	struct agent *a = &d->a;

	for (unsigned i = 0; i < a->cfg.workers; i++) {
		struct scanner_options so = {.exec_path = d->a.scanner_exe, .sandbox = true};
		int r = scanner_start(&scanner_parent_ops, &so, &a->scanners[i]);

		if (r < 0)
			fatalx("cannot start scanner %u: %s", i, strerror(-r));
	}
}

/* Signals go to the signalfd, in every thread. */
static void take_signals(struct daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	d->signals = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->signals < 0)
		fatal("signalfd");
}

static void open_groups(struct daemon *d)
{
	struct agent *a = &d->a;
	int r = fan_group_open(&a->fan);

	if (r == 0) {
		r = fan_group_open(&a->fan_src);
		if (r < 0)
			fan_group_close(&a->fan);
	}
	if (r == 0)
		r = landing_open(a->landing);
	if (r < 0)
		fatalx("cannot open a fanotify group: %s (wardd needs CAP_SYS_ADMIN)",
		       strerror(-r));
	crash_fan_fd = a->fan.fd;
	crash_fan_src_fd = a->fan_src.fd;
	install_crash_handlers();
}

static void start_threads(struct daemon *d)
{
	struct agent *a = &d->a;
	int r = pool_start(a->cfg.workers, QUEUE_LEN, &pool_ops, a, &a->pool);

	if (r < 0)
		fatalx("cannot start the workers: %s", strerror(-r));
	r = reader_start(a, &d->reader);
	if (r < 0)
		fatalx("cannot start the fanotify reader: %s", strerror(-r));
	r = landing_start(a->landing);
	if (r < 0)
		fatalx("cannot follow what is written to removable media: %s", strerror(-r));
	r = written_start(a->written);
	if (r < 0)
		fatalx("cannot watch files written on internal filesystems: %s", strerror(-r));
	/* Names are a record, not a control: wardd enforces without them. */
	r = names_start(a->names);
	if (r < 0) {
		log_warnx("cannot follow names created on removable media: %s", strerror(-r));
		names_free(a->names);
		a->names = NULL;
	}
}

/* The control socket and, under systemd, the watchdog's timer. */
static void open_control(struct daemon *d)
{
	uint64_t wd_usec = 0;

	path_join(d->socket_path, sizeof(d->socket_path), d->a.cfg.runtime_dir, WARDD_SOCKET_NAME);
	d->control = control_listen(d->socket_path);
	if (d->control < 0)
		fatalx("cannot listen on %s: %s", d->socket_path, strerror(-d->control));
	d->watchdog = -1;
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
		struct itimerspec its = {0};
		uint64_t half = wd_usec / 2;

		its.it_interval.tv_sec = (time_t)(half / 1000000);
		its.it_interval.tv_nsec = (long)(half % 1000000) * 1000;
		its.it_value = its.it_interval;
		d->watchdog = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (d->watchdog >= 0 && timerfd_settime(d->watchdog, 0, &its, NULL) < 0)
			log_warn("cannot arm the watchdog timer");
	}
	{
		struct itimerspec second = {{1, 0}, {1, 0}};

		d->report_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (d->report_timer < 0 || timerfd_settime(d->report_timer, 0, &second, NULL) < 0)
			fatal("cannot arm the record log's timer");
	}
}

/* Every 2 s the approvals the sender received (agent/approvals.c). */
static void open_approvals(struct daemon *d)
{
	struct itimerspec its = {.it_interval = {.tv_sec = 2}, .it_value = {.tv_sec = 2}};

	d->approvals = approvals_new(d->a.cfg.state_dir);
	d->approvals_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!d->approvals || d->approvals_timer < 0 ||
	    timerfd_settime(d->approvals_timer, 0, &its, NULL) < 0)
		fatal("cannot watch for approvals");
}

/* A saved edit in the policy directory is applied like a SIGHUP. */
static void watch_policy(struct daemon *d)
{
	int r = policy_watch_open(&d->policy_watch, d->a.cfg.policy_dir);

	if (r < 0)
		log_warnx("cannot watch %s (%s): policy edits apply on reload only",
			  d->a.cfg.policy_dir, strerror(-r));
}

/* ---- the loop ---- */

static void approvals_tick(struct daemon *d)
{
	uint64_t ticks;

	if (read(d->approvals_timer, &ticks, sizeof(ticks)) > 0 &&
	    approvals_sync(d->approvals, d->a.policy))
		reload(d);
}

static void watchdog_tick(struct daemon *d)
{
	uint64_t hb = reader_heartbeat(d->reader);

	/* Pet the watchdog only while the reader thread is alive: a stuck
	 * reader means unanswered opens, and a restart is better. */
	if (hb != d->watchdog_seen)
		sd_notify(0, "WATCHDOG=1");
	else
		log_warnx("fanotify reader made no progress since the last watchdog tick");
	d->watchdog_seen = hb;
}

/* A reload as systemd sees it (systemctl reload, or a saved edit). */
static void reload_notified(struct daemon *d)
{
	sd_notify(0, "RELOADING=1");
	reload(d);
	sd_notify(0, "READY=1");
}

/* Returns false when a signal says stop. */
static bool on_signals(struct daemon *d)
{
	struct signalfd_siginfo si;
	bool running = true;

	while (read(d->signals, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload_notified(d);
		} else {
			log_info("signal %d: stopping", (int)si.ssi_signo);
			running = false;
		}
	}
	return running;
}

static void run(struct daemon *d)
{
	struct agent *a = &d->a;

	for (bool running = true; running;) {
		/* poll() skips the entries whose fd is -1. */
		struct pollfd pfd[8] = {
		    {d->signals, POLLIN, 0},
		    {removable_udev_fd(a->removable), POLLIN, 0},
		    {removable_mounts_fd(a->removable), POLLPRI, 0},
		    {d->control, POLLIN, 0},
		    {d->approvals_timer, POLLIN, 0},
		    {d->report_timer, POLLIN, 0},
		    {d->watchdog, POLLIN, 0},
		    {d->policy_watch.fd, POLLIN, 0},
		};
		uint64_t ticks;

		if (poll(pfd, ARRAY_SIZE(pfd), policy_watch_timeout_ms(&d->policy_watch)) < 0) {
			if (errno != EINTR)
				log_warn("poll");
			continue;
		}
		if (pfd[0].revents & POLLIN)
			running = on_signals(d);
		if (pfd[1].revents & POLLIN)
			removable_udev_ready(a->removable);
		if (pfd[2].revents & (POLLPRI | POLLERR))
			removable_mounts_changed(a->removable);
		if (pfd[3].revents & POLLIN)
			control_serve_one(d->control, status_answer, a);
		if (pfd[4].revents & POLLIN)
			approvals_tick(d);
		if ((pfd[5].revents & POLLIN) && read(d->report_timer, &ticks, sizeof(ticks)) > 0)
			agent_report_tick(a);
		if ((pfd[6].revents & POLLIN) && read(d->watchdog, &ticks, sizeof(ticks)) > 0)
			watchdog_tick(d);
		if (pfd[7].revents & POLLIN)
			policy_watch_read(&d->policy_watch);
		if (running && policy_watch_due(&d->policy_watch)) {
			log_info("policy directory %s changed: reloading", a->cfg.policy_dir);
			reload_notified(d);
		}
	}
}

/* The reader first (so nobody reads a closed fd), then the groups (the
 * kernel allows whatever is pending), then the workers. */
static void shut_down(struct daemon *d)
{
	struct agent *a = &d->a;

	sd_notify(0, "STOPPING=1");
	atomic_store(&a->ready, false);
	reader_stop(d->reader);
	/* It offers files to the workers: before they stop. */
	landing_free(a->landing);
	a->landing = NULL;
	written_stop(a->written);
	names_free(a->names);
	a->names = NULL;
	crash_fan_fd = -1;
	crash_fan_src_fd = -1;
	fan_group_close(&a->fan_src);
	fan_group_close(&a->fan);
	pool_stop(a->pool);
	preclass_free(a->preclass); /* saves the cache */
	a->preclass = NULL;
	for (unsigned i = 0; i < a->cfg.workers; i++)
		scanner_stop(a->scanners[i]);
	/* The main thread's own outcomes (devices) ended with the loop. */
	notify_stop(a->notify);
	scanner_stop(a->scanners[AGENT_BACKGROUND_SCANNER]);
	written_free(a->written);
	a->written = NULL;
	close(d->control);
	close(d->approvals_timer);
	approvals_free(d->approvals);
	unlink(d->socket_path);
	policy_watch_close(&d->policy_watch);
	removable_free(a->removable);
	agent_report_close(a);
	policy_current_free(a->policy);
	class_cache_free(a->cache);
	fpstore_free(a->fpstore);
	a->fpstore = NULL;
	act_free(a->act);
	log_info("stopped");
}

int main(int argc, char **argv)
{
	static struct daemon the_daemon; /* large; lives for the whole run */
	struct daemon *d = &the_daemon;
	struct agent *a = &d->a;
	int r = parse_args(argc, argv, d);

	if (r >= 0)
		return r;
	if (configure(d) < 0)
		return 1;
	find_scanner(d);
	open_stores(d);
	start_scanners(d);
	take_signals(d);
	open_groups(d);
	start_notify(d);
	start_threads(d);
	/* Devices, then mounts: marks go in place. */
	if (removable_watch(a->removable) < 0)
		fatalx("cannot watch removable media");
	/* The internal filesystems are watched now: the cache's file can
	 * tell them again. */
	r = preclass_start(a->preclass);
	if (r < 0)
		fatalx("cannot start the background classifier: %s", strerror(-r));
	open_control(d);
	open_approvals(d);
	watch_policy(d);
	r = privs_drop();
	if (r < 0)
		log_warnx("cannot drop unneeded capabilities: %s", strerror(-r));

	atomic_store(&a->ready, true);
	sd_notify(0, "READY=1");
	log_info("ready: policy %s, %u workers, deadline %u ms, %zu removable media watched",
		 a->cfg.policy_dir, a->cfg.workers, atomic_load(&a->deadline_ms),
		 removable_media_count(a->removable));
	run(d);
	shut_down(d);
	return 0;
}
