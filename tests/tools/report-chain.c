/* report-chain: writes N signed decision records into a record log, the
 * way wardd's workers do (T threads, group commit), for tests of the log,
 * the verifier, the sender and the collector, and for the benchmark.
 *
 *   report-chain --state DIR --count N [--threads T] [--durable]
 *                [--segment-bytes B] [--seed-out FILE] [--host NAME]
 *                [--group NAME] [--heartbeat] [--prebuild] [--user NAME] [--file NAME]
 *   report-chain --sign-only --count N
 *
 * --seed-out writes seed_1 (hex) before the first record, so a test can
 * derive the ratchet independently (only on a new state directory).
 * --group gives the log to a reader group (the sender's); --heartbeat
 * leaves a heartbeat for the head in log/heartbeat.jws, as wardd does;
 * --prebuild builds every payload (the decision stage's work) before the
 * clock starts, so the time is the log's alone (the benchmark); --user and
 * --file set the copier and the file name of every record (the review
 * console's tests: names that must only ever be shown as text).
 * Prints one line: records, head seq, ratchet index, groups, syncs, the
 * wall-clock and CPU time of the appends (ns), up to the last append's
 * return and the closing sync (the threads' exit is not counted).
 * --sign-only: N Ed25519 signatures (common/ed25519, what the log signs
 * with) of a record-sized signing input (1,400 bytes), no log; prints
 * "signs N cpu_ns T", the benchmark's second reference. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/ed25519.h"
#include "common/util.h"
#include "report/decision.h"
#include "report/heartbeat.h"
#include "report/log.h"
#include "report/ratchet.h"
#include "report/segment.h"

struct job {
	struct rlog *lg;
	uint64_t count;
	unsigned thread;
	bool durable;
	int error;
	json_t **prebuilt; /* --prebuild: the payloads, made before the clock starts */
	const char *user, *file;
	pthread_barrier_t *appended; /* every worker's appends returned: the clock stops */
};

static void fill_decision(const struct job *job, uint64_t i, struct classify_result *c,
			  struct ward_device *dev, struct report_decision *d, char *path,
			  size_t size)
{
	unsigned thread = job->thread;

	static const char *const users[] = {"alice", "bob", "王小明"};

	memset(c, 0, sizeof(*c));
	memset(dev, 0, sizeof(*dev));
	memset(d, 0, sizeof(*d));
	c->level = (enum ward_level)(i % 5);
	c->size = 1000 + i;
	for (int k = 0; k < 32; k++)
		c->sha256[k] = (unsigned char)(i * 31 + (uint64_t)k);
	snprintf(c->mime, sizeof(c->mime), "application/vnd.oasis.opendocument.text");
	if (c->level) {
		c->n_reasons = 1;
		snprintf(c->reasons[0].rule, sizeof(c->reasons[0].rule), "header-standalone-level");
		snprintf(c->reasons[0].where, sizeof(c->reasons[0].where), "styles.xml header");
		snprintf(c->reasons[0].text, sizeof(c->reasons[0].text), "%s",
			 level_name(c->level));
	}
	dev->bus = DEVICE_BUS_USB;
	dev->vendor_id = 0x0781;
	dev->product_id = 0x5567;
	snprintf(dev->serial, sizeof(dev->serial), "4C530001");
	snprintf(dev->vendor, sizeof(dev->vendor), "SanDisk");
	snprintf(dev->model, sizeof(dev->model), "Cruzer");
	snprintf(dev->fs_type, sizeof(dev->fs_type), "exfat");
	snprintf(path, size, "/media/ward/STICK/報告-%u-%" PRIu64 ".odt", thread, i);
	d->event = "copy-destination";
	d->action = c->level ? "block" : "audit";
	d->outcome = c->level ? "denied" : "allowed";
	d->rule_file = "50-copy.rules";
	d->rule_line = 7;
	d->rule_reason = "公務機密非經核准不得複製攜出";
	d->uid = 1000 + thread % 3;
	d->user = job->user ? job->user : users[thread % 3];
	d->loginuid = d->uid;
	d->pid = (pid_t)(4000 + thread);
	d->exe = "/usr/bin/cp";
	d->path = path;
	d->content = c;
	d->device = dev;
}

static json_t *build(struct job *job, uint64_t i)
{
	struct classify_result c;
	struct ward_device dev;
	struct report_decision d;
	char path[256];
	json_t *p = rlog_record_new(job->lg, "decision", NULL);

	fill_decision(job, i, &c, &dev, &d, path, sizeof(path));
	if (p && decision_members(p, &d, NULL) < 0) {
		json_decref(p);
		p = NULL;
	}
	/* Any name a record may carry, '/' and all (a path could not). */
	if (p && job->file)
		json_object_set_new(json_object_get(p, "file"), "name", json_string(job->file));
	return p;
}

static void *worker(void *arg)
{
	struct job *job = arg;

	for (uint64_t i = 0; i < job->count && !job->error; i++) {
		json_t *p = job->prebuilt ? job->prebuilt[i] : build(job, i);
		int64_t seq;

		if (!p) {
			job->error = -ENOMEM;
			break;
		}
		seq = rlog_append(job->lg, p, job->durable ? RLOG_DURABLE : 0);
		if (job->prebuilt)
			job->prebuilt[i] = NULL;
		if (seq < 0)
			job->error = (int)seq;
	}
	pthread_barrier_wait(job->appended);
	return NULL;
}

/* --prebuild: every job's payloads, before the clock starts. */
static int prebuild(struct job *job)
{
	job->prebuilt = calloc(job->count ? job->count : 1, sizeof(*job->prebuilt));
	if (!job->prebuilt)
		return -ENOMEM;
	for (uint64_t i = 0; i < job->count; i++)
		if (!(job->prebuilt[i] = build(job, i)))
			return -ENOMEM;
	return 0;
}

static void job_free(struct job *job)
{
	for (uint64_t i = 0; job->prebuilt && i < job->count; i++)
		json_decref(job->prebuilt[i]);
	free(job->prebuilt);
}

static int write_seed(const char *state_dir, const char *out)
{
	unsigned char seed[RATCHET_SEED_BYTES];
	char path[4096], hex[2 * RATCHET_SEED_BYTES + 1];
	uint64_t index;
	FILE *f;
	int fd = -1, r;

	snprintf(path, sizeof(path), "%s/keys/ratchet.state", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ratchet_state_read(fd, &index, seed);
	close(fd);
	if (r < 0)
		return r;
	if (index != 1)
		return -EEXIST;
	hex_encode(seed, sizeof(seed), hex);
	f = fopen(out, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", hex);
	return fclose(f) == 0 ? 0 : -EIO;
}

/* What wardd does every minute: a heartbeat for the durable head. */
static int write_heartbeat(struct rlog *lg, const struct rlog_options *opt)
{
	char keys[4096], logdir[4096];
	struct rlog_stats st;
	struct chain_head head = {0};
	struct identity id;
	struct timespec at;
	int fd, r;

	snprintf(keys, sizeof(keys), "%s/keys", opt->state_dir);
	snprintf(logdir, sizeof(logdir), "%s/log", opt->state_dir);
	r = rlog_heartbeat_head(lg, &head, &at);
	rlog_get_stats(lg, &st);
	if (r < 0 || (r = identity_load_or_create(keys, &id)) < 0)
		return r;
	fd = open(logdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? -errno
		   : heartbeat_write(fd, &id, rlog_origin(lg), &head, &at, st.head_seq, NULL,
				     opt->reader_gid);
	if (fd >= 0)
		close(fd);
	identity_free(&id);
	return r;
}

struct run_options {
	uint64_t count;
	unsigned threads;
	bool durable, heartbeat, prebuild, sign_only;
	const char *seed_out, *user, *file;
};

/* CPU time of the whole process (user + system), in ns. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

/* --sign-only: the signature alone, as the log makes it, per CPU second. */
static int sign_only(uint64_t count)
{
	unsigned char seed[ED25519_KEY_BYTES] = {1}, sig[ED25519_SIG_BYTES];
	static char input[1400];
	struct ed25519_key key;
	uint64_t c0;
	int r = ed25519_from_seed(seed, &key);

	memset(input, 'e', sizeof(input));
	c0 = cpu_ns();
	for (uint64_t i = 0; r == 0 && i < count; i++) {
		input[i % sizeof(input)]++;
		r = ed25519_sign(&key, input, sizeof(input), sig);
	}
	printf("signs %" PRIu64 " cpu_ns %" PRIu64 "\n", count, cpu_ns() - c0);
	ed25519_free(&key);
	return r < 0;
}

static int run(const struct rlog_options *opt, const struct run_options *ro)
{
	struct job jobs[256];
	pthread_t tids[256];
	pthread_barrier_t appended;
	struct rlog_stats st;
	struct rlog *lg;
	char err[512];
	uint64_t t0, ns, c0, cpu;
	int r = rlog_open(opt, &lg, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "report-chain: %s\n", err);
		return 1;
	}
	if (ro->seed_out && (r = write_seed(opt->state_dir, ro->seed_out)) < 0) {
		fprintf(stderr, "report-chain: cannot write the seed: %s\n", strerror(-r));
		rlog_close(lg);
		return 1;
	}
	for (unsigned t = 0; t < ro->threads; t++) {
		jobs[t] =
		    (struct job){lg,	   ro->count / ro->threads + (t < ro->count % ro->threads),
				 t,	   ro->durable,
				 0,	   NULL,
				 ro->user, ro->file,
				 &appended};
		if (ro->prebuild && r == 0)
			r = prebuild(&jobs[t]);
	}
	if (r == 0)
		r = -pthread_barrier_init(&appended, NULL, ro->threads + 1);
	if (r < 0) {
		fprintf(stderr, "report-chain: %s\n", strerror(-r));
		for (unsigned t = 0; t < ro->threads; t++)
			job_free(&jobs[t]);
		rlog_close(lg);
		return 1;
	}
	t0 = monotonic_ns();
	c0 = cpu_ns();
	for (unsigned t = 0; t < ro->threads; t++)
		pthread_create(&tids[t], NULL, worker, &jobs[t]);
	/* The clock stops once every append has returned, before the threads
	 * exit: wardd's workers live on, their exit is no record's cost. */
	pthread_barrier_wait(&appended);
	for (unsigned t = 0; t < ro->threads; t++)
		if (jobs[t].error)
			r = jobs[t].error;
	if (r == 0)
		r = rlog_sync(lg);
	ns = monotonic_ns() - t0;
	cpu = cpu_ns() - c0;
	for (unsigned t = 0; t < ro->threads; t++)
		pthread_join(tids[t], NULL);
	pthread_barrier_destroy(&appended);
	if (r == 0 && ro->heartbeat)
		r = write_heartbeat(lg, opt);
	rlog_get_stats(lg, &st);
	printf("records %" PRIu64 " head %" PRIu64 " ratchet %" PRIu64 " groups %" PRIu64
	       " syncs %" PRIu64 " ns %" PRIu64 " cpu_ns %" PRIu64 "\n",
	       ro->count, st.head_seq, st.ratchet_index, st.groups, st.syncs, ns, cpu);
	for (unsigned t = 0; t < ro->threads; t++)
		job_free(&jobs[t]);
	rlog_close(lg);
	if (r < 0)
		fprintf(stderr, "report-chain: %s\n", strerror(-r));
	return r < 0 ? 1 : 0;
}

/* Applies one option; returns false on a bad one. */
static bool option(int c, struct rlog_options *opt, struct run_options *ro)
{
	struct group *gr;

	switch (c) {
	case 's':
		opt->state_dir = optarg;
		return true;
	case 'n':
		ro->count = strtoull(optarg, NULL, 10);
		return true;
	case 't':
		ro->threads = (unsigned)strtoul(optarg, NULL, 10);
		return true;
	case 'd':
		ro->durable = true;
		return true;
	case 'b':
		opt->segment_max_bytes = strtoull(optarg, NULL, 10);
		return true;
	case 'o':
		ro->seed_out = optarg;
		return true;
	case 'h':
		opt->host = optarg;
		return true;
	case 'g':
		gr = getgrnam(optarg);
		if (!gr)
			fprintf(stderr, "report-chain: no group %s\n", optarg);
		else
			opt->reader_gid = gr->gr_gid;
		return gr != NULL;
	case 'H':
		ro->heartbeat = true;
		return true;
	case 'p':
		ro->prebuild = true;
		return true;
	case 'u':
		ro->user = optarg;
		return true;
	case 'f':
		ro->file = optarg;
		return true;
	case 'S':
		ro->sign_only = true;
		return true;
	default:
		return false;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"count", required_argument, NULL, 'n'},
					     {"threads", required_argument, NULL, 't'},
					     {"durable", no_argument, NULL, 'd'},
					     {"segment-bytes", required_argument, NULL, 'b'},
					     {"seed-out", required_argument, NULL, 'o'},
					     {"host", required_argument, NULL, 'h'},
					     {"group", required_argument, NULL, 'g'},
					     {"heartbeat", no_argument, NULL, 'H'},
					     {"prebuild", no_argument, NULL, 'p'},
					     {"user", required_argument, NULL, 'u'},
					     {"file", required_argument, NULL, 'f'},
					     {"sign-only", no_argument, NULL, 'S'},
					     {NULL, 0, NULL, 0}};
	struct rlog_options opt = {.reader_gid = (gid_t)-1};
	struct run_options ro = {.count = 10, .threads = 1};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!option(c, &opt, &ro))
			return 2;
	if (ro.sign_only)
		return sign_only(ro.count);
	if (!opt.state_dir || ro.threads == 0 || ro.threads > 256) {
		fprintf(stderr, "usage: report-chain --state DIR --count N [--threads 1..256] "
				"[--durable] [--prebuild] [--segment-bytes B] [--seed-out FILE] "
				"[--host NAME] [--group NAME] [--heartbeat] [--user NAME] "
				"[--file NAME]\n       report-chain --sign-only --count N\n");
		return 2;
	}
	return run(&opt, &ro);
}
