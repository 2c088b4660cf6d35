/* ward-collector: the ethics office's collector.
 *
 *   ward-collector serve [options]     the agent listener (HTTPS, client certificates) and
 *                                      the review console's (collector/console/)
 *   ward-collector admin [options] COMMAND ...   see admin.c
 *
 * Options (both):
 *   --state-dir DIR     keys, certificates, the SQLite database (/var/lib/ward-collector)
 *   --db URL            sqlite:PATH (default sqlite:STATE/collector.db) or postgresql://...
 *   --user NAME         started as root: files and the service run as NAME
 *   --origin NAME       the log's name in checkpoints (ward-collector/<host name>)
 * serve only:
 *   --listen ADDR:PORT  (127.0.0.1:8443)   --names LIST  extra server certificate names
 *   --console ADDR:PORT the review console (127.0.0.1:8444), or "off"
 *   --session-idle SEC  a console session unused this long ends (1800)
 *   --pool N            PostgreSQL connections (8)     --max-connections N (256)
 *   --rate R --burst B  requests per second per agent (50, 200)
 *   --dark-after SEC    silent this long: a dark desk (900)
 *   -v                  debug logging */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/collector.h"
#include "collector/console/console.h"
#include "collector/http.h"
#include "collector/main.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/util.h"

static void usage(void)
{
	fprintf(stderr, "%s",
		_("usage: ward-collector serve|admin [options] (see ward-collector(8))\n"));
	exit(2);
}

/* Runs as opts->user from here on (permanently when permanent; else only
 * the effective ids, so root can bind a port afterwards). */
int collector_become(const struct collector_opts *o, bool permanent)
{
	struct passwd *pw;

	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if (!o->user)
		return permanent ? 0 : 0;
	pw = getpwnam(o->user);
	if (!pw) {
		log_warnx("no user %s (create it, or leave --user out)", o->user);
		return -ENOENT;
	}
	if (!permanent) {
		if (mkdir(o->state_dir, 0750) == 0 || errno == EEXIST)
			if (chown(o->state_dir, pw->pw_uid, pw->pw_gid) < 0)
				log_warn("chown %s", o->state_dir);
		if (setegid(pw->pw_gid) < 0 || seteuid(pw->pw_uid) < 0)
			return -errno;
		return 0;
	}
	if ((geteuid() != 0 && seteuid(0) < 0) || setgroups(0, NULL) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return -errno;
	if (setuid(0) == 0) {
		log_warnx("could regain root after dropping privileges");
		return -EPERM;
	}
	return 0;
}

/* Back to root's effective ids (to bind), after collector_become(false). */
static int collector_unbecome(const struct collector_opts *o)
{
	if (getuid() != 0 || !o->user)
		return 0;
	return seteuid(0) == 0 && setegid(0) == 0 ? 0 : -errno;
}

int collector_open(struct collector *c, const struct collector_opts *o, bool with_pki)
{
	char err[512], target[4096];
	enum db_kind kind = DB_SQLITE;

	memset(c, 0, sizeof(*c));
	c->dark_after_ms = o->dark_after_s * 1000;
	c->token_ttl_ms = 7 * 24 * 3600 * 1000LL;
	if (mkdir(o->state_dir, 0750) < 0 && errno != EEXIST) {
		log_warn("%s", o->state_dir);
		return -errno;
	}
	if (o->db && strncmp(o->db, "sqlite:", 7) != 0)
		kind = DB_POSTGRES;
	snprintf(target, sizeof(target), "%s",
		 kind == DB_POSTGRES ? o->db
		 : o->db	     ? o->db + 7
				     : "");
	if (!o->db)
		snprintf(target, sizeof(target), "%s/collector.db", o->state_dir);
	if (with_pki && pki_load(&c->pki, o->state_dir, o->names, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -EIO;
	}
	if (collector_log_key(c, o->state_dir, o->origin) < 0) {
		log_warnx("%s/checkpoint.key: cannot load or create", o->state_dir);
		return -EIO;
	}
	c->store = store_open(kind, target, o->pool, err, sizeof(err));
	if (!c->store) {
		log_warnx("database: %s", err);
		return -EIO;
	}
	if (with_pki) {
		struct db *db = store_acquire(c->store);
		int r = tlog_first_checkpoint(db, &c->log, collector_now_ms());

		store_release(c->store, db);
		if (r < 0) {
			log_warnx("database: cannot sign the first checkpoint");
			return r;
		}
	}
	return 0;
}

void collector_close(struct collector *c)
{
	store_close(c->store);
	pki_free(&c->pki);
	ed25519_free(&c->log.key);
}

static const struct http_route AGENT_ROUTES[] = {
    {"POST", "/v1/enroll", api_enroll, false, 64 * 1024},
    {"POST", "/v1/records", api_records, true, MAX_BATCH_BYTES},
    {"POST", "/v1/heartbeat", api_heartbeat, true, 64 * 1024},
};

/* The review console's listener, when asked for. */
static struct console *console_open(struct collector *c, const struct collector_opts *o, char *err,
				    size_t errsize)
{
	struct console_conf cc = {.address = o->console_address,
				  .port = o->console_port,
				  .max_connections = o->max_connections,
				  .idle_ms = o->session_idle_s * 1000,
				  .lifetime_ms = 12 * 3600 * 1000,
				  .timezone = "Asia/Taipei"};

	return o->console_address ? console_start(c, &cc, err, errsize) : NULL;
}

static int serve(const struct collector_opts *o)
{
	struct collector c;
	struct http_listener *agents;
	struct console *console = NULL;
	struct http_conf hc;
	sigset_t set;
	char err[256];
	int sig = 0;

	if (collector_become(o, false) < 0 || collector_open(&c, o, true) < 0 ||
	    collector_unbecome(o) < 0)
		return 1;
	hc = (struct http_conf){.address = o->address,
				.port = o->port,
				.cert_pem = c.pki.server_chain_pem,
				.key_pem = c.pki.server_key_pem,
				.trust_pem = c.pki.ca_pem,
				.routes = AGENT_ROUTES,
				.n_routes = ARRAY_SIZE(AGENT_ROUTES),
				.ctx = &c,
				.max_connections = o->max_connections,
				.rate = o->rate,
				.burst = o->burst};
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	agents = http_listen(&hc, err, sizeof(err));
	if (agents && o->console_address && !(console = console_open(&c, o, err, sizeof(err)))) {
		http_stop(agents);
		agents = NULL;
	}
	if (!agents || collector_become(o, true) < 0) {
		log_warnx("%s", agents ? "cannot drop privileges" : err);
		console_stop(console);
		http_stop(agents);
		collector_close(&c);
		return 1;
	}
	log_info("agents: https://%s:%u/v1/ (CA sha256 %s, checkpoint key %s)", o->address, o->port,
		 c.pki.ca_sha256, c.vkey);
	if (console)
		log_info("console: https://%s%s%s:%u/", strchr(o->console_address, ':') ? "[" : "",
			 o->console_address, strchr(o->console_address, ':') ? "]" : "",
			 o->console_port);
	while (sig != SIGINT && sig != SIGTERM) {
		struct timespec tick = {.tv_sec = o->dark_after_s < 60 ? 1 : 30};

		sig = sigtimedwait(&set, NULL, &tick);
		if (sig < 0 && collector_dark_sweep(&c) < 0)
			log_warnx("dark-desk sweep failed");
		if (sig < 0 && console)
			console_tick(console);
	}
	log_info("stopping");
	console_stop(console);
	http_stop(agents);
	collector_close(&c);
	return 0;
}

/* ADDR:PORT ([v6]:PORT) into addr (64 bytes) and *port. */
static int parse_listen(const char *arg, char addr[64], unsigned *port)
{
	const char *colon = strrchr(arg, ':');

	if (!colon || (size_t)(colon - arg) >= 64)
		return -EINVAL;
	memcpy(addr, arg, (size_t)(colon - arg));
	addr[colon - arg] = '\0';
	if (addr[0] == '[') {
		memmove(addr, addr + 1, strlen(addr));
		addr[strcspn(addr, "]")] = '\0';
	}
	*port = (unsigned)strtoul(colon + 1, NULL, 10);
	return *port > 0 && *port < 65536 ? 0 : -EINVAL;
}

int collector_parse(int argc, char **argv, struct collector_opts *o)
{
	static const struct option longopts[] = {
	    {"state-dir", required_argument, NULL, 's'},
	    {"db", required_argument, NULL, 'd'},
	    {"user", required_argument, NULL, 'u'},
	    {"origin", required_argument, NULL, 'o'},
	    {"listen", required_argument, NULL, 'l'},
	    {"names", required_argument, NULL, 'n'},
	    {"pool", required_argument, NULL, 'p'},
	    {"rate", required_argument, NULL, 'r'},
	    {"burst", required_argument, NULL, 'b'},
	    {"dark-after", required_argument, NULL, 'k'},
	    {"max-connections", required_argument, NULL, 'm'},
	    {"console", required_argument, NULL, 'c'},
	    {"session-idle", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	static char origin[NOTE_NAME_MAX];
	int ch;

	gethostname(origin + 64, sizeof(origin) - 65);
	snprintf(origin, 64, "ward-collector/");
	memmove(origin + strlen(origin), origin + 64, strlen(origin + 64) + 1);
	*o = (struct collector_opts){.state_dir = "/var/lib/ward-collector",
				     .origin = origin,
				     .address = "127.0.0.1",
				     .port = 8443,
				     .console_address = "127.0.0.1",
				     .console_port = 8444,
				     .pool = 8,
				     .max_connections = 256,
				     .rate = 50,
				     .burst = 200,
				     .dark_after_s = 900,
				     .session_idle_s = 1800};
	while ((ch = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->state_dir = optarg;
			break;
		case 'd':
			o->db = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'o':
			o->origin = optarg;
			break;
		case 'l':
			if (parse_listen(optarg, o->address_buf, &o->port) < 0)
				return -EINVAL;
			o->address = o->address_buf;
			break;
		case 'c':
			if (strcmp(optarg, "off") == 0)
				o->console_address = NULL;
			else if (parse_listen(optarg, o->console_buf, &o->console_port) < 0)
				return -EINVAL;
			else
				o->console_address = o->console_buf;
			break;
		case 'n':
			o->names = optarg;
			break;
		case 'p':
			o->pool = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o->rate = strtod(optarg, NULL);
			break;
		case 'b':
			o->burst = strtod(optarg, NULL);
			break;
		case 'k':
			o->dark_after_s = strtoll(optarg, NULL, 10);
			break;
		case 'm':
			o->max_connections = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			o->session_idle_s = strtoll(optarg, NULL, 10);
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			return -EINVAL;
		}
	}
	return note_name_valid(o->origin) ? optind : -EINVAL;
}

int main(int argc, char **argv)
{
	struct collector_opts o;
	int first;

	i18n_init();
	if (argc < 2)
		usage();
	first = collector_parse(argc - 1, argv + 1, &o);
	if (first < 0)
		usage();
	log_init("ward-collector", LOG_TO_STDERR, o.verbose);
	umask(027);
	if (strcmp(argv[1], "serve") == 0)
		return serve(&o);
	if (strcmp(argv[1], "admin") == 0)
		return admin_main(&o, argc - 1 - first, argv + 1 + first);
	usage();
}
