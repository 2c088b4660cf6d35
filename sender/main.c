/* ward-sender: carries the record log to the collector.
 *
 *   ward-sender [--state-dir DIR] [--user NAME] [--once] [--heartbeat SEC]
 *               [--backoff-max SEC] [--batch N] [-v]
 *
 * Started as root it drops to NAME (ward-sender) before touching the
 * network; under systemd the unit starts it as that user.  It waits on the
 * log's durable marker (inotify), delivers, retries with capped exponential
 * backoff and jitter (1 s doubling to --backoff-max, 60 s), and posts wardd's
 * heartbeat every --heartbeat seconds.  New durable records, or a heartbeat
 * the collector answers, end a backoff: delivery never waits out a long
 * delay earned while the log was unreadable or the collector away.
 * --once delivers until nothing waits (exit 0) or an attempt fails (exit 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "report/segment.h"
#include "sender/sender.h"

#define DEFAULT_STATE_DIR "/var/lib/ward"
#define DEFAULT_USER "ward-sender"

struct options {
	const char *state_dir;
	const char *user;
	bool once, verbose;
	uint64_t heartbeat_ms, backoff_min_ms, backoff_max_ms;
	size_t batch;
};

/* Drops every privilege for good: supplementary groups of user, its gid
 * and uid (real, effective, saved). */
static void drop_to(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw)
		fatalx("no user %s to run as (create it, or pass --user)", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		fatal("cannot become %s", user);
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0))
		fatalx("could regain root after dropping to %s", user);
}

static int sender_open(struct sender *s, const struct options *o)
{
	char err[512], ca_path[SPOOL_PATH_MAX + 32], cert[SPOOL_PATH_MAX + 32],
	    key[SPOOL_PATH_MAX + 32];
	struct http_tls tls = {0};
	char *ca = NULL;
	size_t n;
	int r;

	memset(s, 0, sizeof(*s));
	s->batch_records = o->batch;
	if ((r = spool_paths_init(&s->paths, o->state_dir)) < 0 ||
	    (r = collector_config_load(&s->paths, &s->cfg, err, sizeof(err))) < 0)
		fatalx("%s", r == -ENAMETOOLONG ? "state directory path too long" : err);
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", s->paths.sender);
	snprintf(cert, sizeof(cert), "%s/tls.crt", s->paths.sender);
	snprintf(key, sizeof(key), "%s/tls.key", s->paths.sender);
	if ((r = read_file(AT_FDCWD, ca_path, 64 * 1024, &ca, &n)) < 0)
		fatalx("cannot read the pinned CA %s: %s", ca_path, strerror(-r));
	tls.ca_pem = ca;
	tls.cert_file = cert;
	tls.key_file = key;
	s->http = http_client_new(s->cfg.url, &tls, err, sizeof(err));
	free(ca);
	if (!s->http)
		fatalx("%s", err);
	if ((r = spool_acked_load(&s->paths, &s->acked)) < 0)
		fatalx("%s/acked is damaged: %s", s->paths.spool, strerror(-r));
	if ((r = spool_checkpoint_load(&s->paths, &s->cfg, &s->kept)) < 0)
		fatalx("%s/checkpoint does not verify with the collector's key: %s", s->paths.spool,
		       strerror(-r));
	spool_status_load(&s->paths, &s->status);
	return 0;
}

static void sender_close(struct sender *s)
{
	http_client_free(s->http);
	kept_checkpoint_free(&s->kept);
}

/* Equal jitter: half the delay fixed, half random, so desks that lost the
 * collector together do not come back together. */
static uint64_t jittered(uint64_t delay)
{
	return delay / 2 + (delay >= 2 ? arc4random_uniform((uint32_t)(delay / 2)) : 0);
}

static void save_status(struct sender *s)
{
	int r = spool_status_save(&s->paths, &s->status);

	if (r < 0)
		log_warnx("cannot write %s/status.json: %s", s->paths.spool, strerror(-r));
}

/* Delivers until nothing waits or an attempt fails.  Returns 0 or -errno;
 * the caller saves the status. */
static int deliver_all(struct sender *s)
{
	char err[512];
	bool more = true;
	int r = 0;

	while (more) {
		r = deliver_once(s, &more, err, sizeof(err));
		if (r < 0) {
			str_copy(s->status.last_error, sizeof(s->status.last_error), err);
			log_warnx("delivery failed: %s", err);
			break;
		}
		if (r > 0) {
			s->status.last_error[0] = '\0';
			log_debug("delivered up to seq %llu", (unsigned long long)s->acked.seq);
		}
	}
	return r < 0 ? r : 0;
}

/* When the daemon next delivers and posts a heartbeat (monotonic ms). */
struct schedule {
	bool failing;	   /* the last delivery failed */
	uint64_t backoff;  /* the wait that failure earned; doubles per failure */
	uint64_t last_try; /* when the last delivery started */
	uint64_t next_try; /* UINT64_MAX: nothing to do until the log moves */
	uint64_t next_beat;
};

static void delivered(struct schedule *t, int r, uint64_t now, const struct options *o)
{
	t->failing = r < 0;
	t->last_try = now;
	if (t->failing) {
		t->backoff = t->backoff ? t->backoff * 2 : o->backoff_min_ms;
		if (t->backoff > o->backoff_max_ms)
			t->backoff = o->backoff_max_ms;
		t->next_try = now + jittered(t->backoff);
	} else {
		t->backoff = 0;
		t->next_try = UINT64_MAX;
	}
}

/* New durable records (or the collector answered a heartbeat): whatever
 * made the last delivery fail may be gone (the log readable again, the
 * network back), so the backoff starts over and the next try comes at
 * once, or while failing no later than backoff_min after the last (and no
 * sooner than the shortest backoff already set): a busy desk whose
 * collector is down tries about as often as it would deliver, at most two
 * times a second. */
static void wake(struct schedule *t, const struct options *o)
{
	uint64_t soon = t->failing ? t->last_try + o->backoff_min_ms : 0;

	t->backoff = 0;
	if (soon < t->next_try)
		t->next_try = soon;
}

static int heartbeat(struct sender *s)
{
	char err[512];
	int r = heartbeat_once(s, err, sizeof(err));

	if (r < 0) {
		log_warnx("heartbeat: %s", err);
		str_copy(s->status.last_error, sizeof(s->status.last_error), err);
	}
	save_status(s);
	return r;
}

static int watch_log(const struct sender *s)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0 || inotify_add_watch(fd, s->paths.log, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		fatal("cannot watch %s", s->paths.log);
	return fd;
}

static int signals_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		fatal("signalfd");
	return fd;
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int poll_timeout(const struct schedule *t, uint64_t now)
{
	uint64_t at = t->next_try < t->next_beat ? t->next_try : t->next_beat;

	if (at <= now)
		return 0;
	return at - now > 3600000 ? 3600000 : (int)(at - now);
}

static void run(struct sender *s, const struct options *o)
{
	int ino = watch_log(s), sig = signals_fd();
	struct schedule t = {.next_try = 0, .next_beat = 0};

	for (;;) {
		uint64_t now = monotonic_ms();
		struct pollfd fds[2] = {{ino, POLLIN, 0}, {sig, POLLIN, 0}};

		if (now >= t.next_try) {
			delivered(&t, deliver_all(s), now, o);
			s->status.backoff_ms = t.backoff;
			save_status(s);
		}
		if (now >= t.next_beat) {
			if (heartbeat(s) == 0 && t.failing)
				wake(&t, o); /* the collector answers again */
			t.next_beat = now + o->heartbeat_ms;
		}
		if (poll(fds, 2, poll_timeout(&t, monotonic_ms())) < 0 && errno != EINTR)
			fatal("poll");
		if (fds[1].revents & POLLIN)
			break;
		if (fds[0].revents & POLLIN) {
			drain(ino);
			wake(&t, o);
		}
	}
	close(ino);
	close(sig);
}

static void usage(void)
{
	fprintf(stderr, "usage: ward-sender [--state-dir DIR] [--user NAME] [--once] "
			"[--heartbeat SEC] [--backoff-max SEC] [--batch N] [-v]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {{"state-dir", required_argument, NULL, 's'},
					     {"user", required_argument, NULL, 'u'},
					     {"once", no_argument, NULL, '1'},
					     {"heartbeat", required_argument, NULL, 'h'},
					     {"backoff-max", required_argument, NULL, 'm'},
					     {"batch", required_argument, NULL, 'b'},
					     {"verbose", no_argument, NULL, 'v'},
					     {NULL, 0, NULL, 0}};
	int c;

	*o = (struct options){DEFAULT_STATE_DIR, DEFAULT_USER, false, false, 60000, 1000, 60000,
			      BATCH_MAX_RECORDS};
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->state_dir = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case '1':
			o->once = true;
			break;
		case 'h':
			o->heartbeat_ms = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'm':
			o->backoff_max_ms = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'b':
			o->batch = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->heartbeat_ms == 0 || o->batch == 0 ||
	    o->batch > BATCH_MAX_RECORDS || o->backoff_max_ms < o->backoff_min_ms)
		usage();
}

int main(int argc, char **argv)
{
	struct options o;
	struct sender s;
	int r = 0;

	parse(argc, argv, &o);
	/* stderr: a terminal, a test's log, or the journal under systemd. */
	log_init("ward-sender", LOG_TO_STDERR, o.verbose);
	if (geteuid() == 0)
		drop_to(o.user);
	sender_open(&s, &o);
	if (o.once) {
		r = deliver_all(&s);
		save_status(&s);
		if (r == 0)
			heartbeat(&s);
	} else {
		log_info("delivering to %s as agent %s", s.cfg.url, s.cfg.agent_id);
		run(&s, &o);
	}
	sender_close(&s);
	return r < 0 ? 1 : 0;
}
