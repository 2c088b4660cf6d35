/* The record log: group commit across threads, recovery after crashes
 * (torn tails, a lagging ratchet state), rotation, forward security of
 * the state left on disk, and the verifier's verdicts on damaged logs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "report/chain.h"
#include "report/log.h"
#include "report/ratchet.h"
#include "report/segment.h"
#include "report/verify.h"
#include "tests/unit/report_fixture.h"

static struct rlog *open_log(struct fixture *f)
{
	struct rlog *lg = NULL;
	char err[512];
	int r = rlog_open(&f->opt, &lg, err, sizeof(err));

	if (r < 0)
		print_error("rlog_open: %s\n", err);
	assert_int_equal(r, 0);
	return lg;
}

static int64_t append_one(struct rlog *lg, unsigned flags, int n)
{
	json_t *p = rlog_record_new(lg, "decision", NULL);

	assert_non_null(p);
	assert_int_equal(wjson_set_int(p, "n", n), 0);
	return rlog_append(lg, p, flags);
}

struct collected {
	struct verify_break first;
	char why[160];
	unsigned n;
};

static void collect(void *ctx, const struct verify_break *b)
{
	struct collected *c = ctx;

	if (c->n++ == 0) {
		c->first = *b;
		str_copy(c->why, sizeof(c->why), b->why);
	}
}

/* Verifies the log with ratchet key 1 from keys/ratchet-1.pub. */
static void verify_dir(struct fixture *f, struct collected *c, uint64_t *records)
{
	unsigned char key1[32];
	char path[128];
	struct verifier v;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/keys/ratchet-1.pub", f->dir);
	assert_int_equal(public_key_file_load(path, key1), 0);
	verifier_init(&v, NULL, key1, 1, collect, c);
	assert_int_equal(verify_path(&v, f->log), 0);
	verifier_finish(&v);
	if (records)
		*records = v.records;
	assert_int_equal(v.unverified, c->n ? v.unverified : 0);
	verifier_free(&v);
}

static void assert_clean(struct fixture *f, uint64_t want_records)
{
	struct collected c;
	uint64_t n;

	verify_dir(f, &c, &n);
	if (c.n)
		print_error("first break: %s seq %llu: %s [%s]\n", verify_kind_name(c.first.kind),
			    (unsigned long long)c.first.seq, c.why,
			    c.first.where ? c.first.where : "");
	assert_int_equal(c.n, 0);
	assert_int_equal(n, want_records);
}

struct worker {
	struct rlog *lg;
	int count, id;
	int64_t max_seq;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->count; i++) {
		json_t *p = rlog_record_new(w->lg, "decision", NULL);
		int64_t seq;

		wjson_set_int(p, "worker", w->id);
		seq = rlog_append(w->lg, p, RLOG_DURABLE);
		if (seq <= 0)
			return (void *)1;
		if (seq > w->max_seq)
			w->max_seq = seq;
	}
	return NULL;
}

static void group_commit_across_threads(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f);
	struct worker w[8];
	pthread_t t[8];
	struct rlog_stats st;
	struct chain_head durable;

	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){lg, 200, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	rlog_get_stats(lg, &st);
	assert_int_equal(st.head_seq, 1600);
	assert_int_equal(st.durable_seq, 1600);
	/* Workers shared flushes: fewer fdatasyncs than records. */
	assert_true(st.syncs < 1600);
	assert_int_equal(st.failures, 0);
	/* The marker may lag the last flushes (moved at most every 50 ms),
	 * never lead them; wardd's timer (rlog_sync) brings it up. */
	assert_int_equal(head_file_read(f->log, DURABLE_NAME, &durable), 0);
	assert_true(durable.seq > 0 && durable.seq <= 1600);
	assert_int_equal(rlog_sync(lg), 0);
	assert_int_equal(head_file_read(f->log, DURABLE_NAME, &durable), 0);
	assert_int_equal(durable.seq, 1600);
	rlog_close(lg);
	assert_clean(f, 1600);
}

struct timer {
	struct rlog *lg;
	_Atomic bool stop;
	int error;
};

/* What wardd's timer thread does meanwhile: heartbeats, syncs, upkeep. */
static void *timer_run(void *arg)
{
	struct timer *t = arg;
	struct chain_head head;
	struct timespec at;

	while (!atomic_load(&t->stop) && !t->error) {
		t->error = rlog_heartbeat_head(t->lg, &head, &at);
		if (!t->error)
			t->error = rlog_sync(t->lg);
		if (!t->error)
			t->error = rlog_maintain(t->lg);
		usleep(2000);
	}
	return NULL;
}

static void *mixed_worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->count; i++) {
		json_t *p = rlog_record_new(w->lg, "decision", NULL);
		int64_t seq = rlog_append(w->lg, p, i % 3 ? RLOG_DURABLE : 0);

		if (seq <= 0)
			return (void *)1;
	}
	return NULL;
}

/* Workers waiting for their records, some durable and some not, while the
 * timer syncs and states heartbeats: every caller comes back (a lost
 * wake-up would hang here: the child is killed after 60 s). */
static void appends_and_the_timer_never_stall(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlog *lg = open_log(f);
		struct timer t = {.lg = lg};
		struct worker w[6];
		pthread_t tt, wt[6];
		void *ret;
		int bad = 0;

		alarm(60);
		pthread_create(&tt, NULL, timer_run, &t);
		for (int i = 0; i < 6; i++) {
			w[i] = (struct worker){lg, 300, i, 0};
			pthread_create(&wt[i], NULL, mixed_worker_run, &w[i]);
		}
		for (int i = 0; i < 6; i++) {
			pthread_join(wt[i], &ret);
			bad |= ret != NULL;
		}
		atomic_store(&t.stop, true);
		pthread_join(tt, NULL);
		bad |= t.error != 0 || rlog_sync(lg) != 0;
		rlog_close(lg);
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void reopen_continues_the_chain(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f);
	struct rlog_stats st;

	for (int i = 0; i < 10; i++)
		assert_int_equal(append_one(lg, 0, i), i + 1);
	/* Nobody waited for those: they share key 1 until closing the log
	 * closes their group with a key-rotation record (11, key 2 next). */
	rlog_close(lg);
	lg = open_log(f);
	assert_int_equal(append_one(lg, RLOG_DURABLE, 10), 12);
	rlog_get_stats(lg, &st);
	/* A record its caller waits to see durable closes its group. */
	assert_int_equal(st.ratchet_index, 3);
	rlog_close(lg);
	assert_clean(f, 12);
}

/* A process that dies with a group open: its records were written, no
 * record closed them.  The next open closes it with a key-rotation record. */
static void a_group_left_open_is_closed_at_open(void **state)
{
	struct fixture *f = *state;
	struct segment_reader sr;
	struct record_info info;
	const char *line, *why, *last = NULL;
	char *copy = NULL;
	struct rlog *lg;
	ssize_t n;
	pid_t pid = fork();

	if (pid == 0) {
		lg = open_log(f);
		for (int i = 0; i < 3; i++)
			append_one(lg, RLOG_DURABLE, i);
		append_one(lg, 0, 3);
		append_one(lg, 0, 4);
		_exit(0); /* no rlog_close */
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	lg = open_log(f);
	rlog_close(lg);
	assert_clean(f, 6);
	assert_int_equal(segment_reader_open(&sr, f->log, 1), 0);
	while ((n = segment_reader_next(&sr, &line, NULL)) > 0) {
		free(copy);
		copy = strndup(line, (size_t)n);
		last = copy;
	}
	segment_reader_close(&sr);
	assert_non_null(last);
	assert_int_equal(record_parse(last, strlen(last), &info, &why), 0);
	assert_string_equal(info.kind, "key-rotation");
	assert_true(info.has_next);
	assert_int_equal(info.seq, 6);
	record_info_free(&info);
	free(copy);
}

/* A heartbeat's head speaks for an instant: what was given to the log
 * before it is made durable first, and a record stamped before the instant
 * but given to the log after it takes the instant as its observed_at. */
static void heartbeat_head_speaks_for_an_instant(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f);
	struct segment_reader sr;
	struct record_info info;
	struct chain_head head;
	struct timespec at, early;
	char want[RFC3339_MAX];
	const char *line, *why;
	int64_t audited, late;
	unsigned seen = 0;
	ssize_t n;

	audited = append_one(lg, 0, 1); /* nobody waits for it: not durable yet */
	assert_true(audited > 0);
	assert_int_equal(rlog_heartbeat_head(lg, &head, &at), 0);
	assert_true(head.seq > (uint64_t)audited);
	early = at;
	early.tv_sec -= 5;
	late = rlog_append(lg, rlog_record_new(lg, "decision", &early), RLOG_DURABLE);
	assert_true(late > (int64_t)head.seq);
	rlog_close(lg);
	rfc3339_ms(&at, want);
	assert_int_equal(segment_reader_open(&sr, f->log, 1), 0);
	while ((n = segment_reader_next(&sr, &line, NULL)) > 0) {
		json_t *payload;

		assert_int_equal(record_parse(line, (size_t)n, &info, &why), 0);
		payload = wjson_parse(info.jws.payload, info.jws.payload_len, NULL, 0);
		assert_non_null(payload);
		if (info.seq == (uint64_t)late) {
			assert_string_equal(wjson_str(payload, "observed_at"), want);
			seen++;
		} else if (info.seq <= head.seq) {
			assert_true(strcmp(wjson_str(payload, "observed_at"), want) <= 0);
		}
		json_decref(payload);
		record_info_free(&info);
	}
	segment_reader_close(&sr);
	assert_int_equal(seen, 1);
	assert_clean(f, (uint64_t)late);
}

static void append_bytes(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	close(fd);
}

static void torn_tail_is_cut(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f);
	struct stat before, after;

	for (int i = 0; i < 5; i++)
		append_one(lg, RLOG_DURABLE, i);
	rlog_close(lg);
	assert_int_equal(stat(f->seg1, &before), 0);
	/* A crash in the middle of a write: half a record, no newline. */
	append_bytes(f->seg1, "eyJhbGciOiJFZERTQSIsImtpZCI6I");
	lg = open_log(f);
	assert_int_equal(stat(f->seg1, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(append_one(lg, RLOG_DURABLE, 5), 6);
	rlog_close(lg);
	assert_clean(f, 6);
}

static void garbage_after_durable_is_cut_damage_before_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f);
	char err[512];
	struct chain_head keep;

	for (int i = 0; i < 5; i++)
		append_one(lg, RLOG_DURABLE, i);
	rlog_close(lg);
	/* Whole lines that are not records, after the last durable one (a
	 * file system that kept the size but not the data): cut. */
	append_bytes(f->seg1, "\n\n\n");
	lg = open_log(f);
	assert_int_equal(append_one(lg, 0, 5), 6);
	rlog_close(lg); /* + a key-rotation record: 7 */
	assert_clean(f, 7);

	/* Damage in the middle, with whole records after it: refused. */
	{
		int fd = open(f->seg1, O_WRONLY);

		assert_int_equal(pwrite(fd, "!!!!", 4, 100), 4);
		close(fd);
	}
	assert_int_equal(rlog_open(&f->opt, &lg, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "damaged"));
	/* The marker says record 7 is durable: damage to it is not a torn
	 * tail either, even when nothing follows it. */
	assert_int_equal(head_file_read(f->log, DURABLE_NAME, &keep), 0);
	assert_int_equal(keep.seq, 7);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void lagging_state_is_walked_forward(void **state)
{
	struct fixture *f = *state;
	char st_path[128], saved[140];
	struct rlog *lg = open_log(f);
	struct rlog_stats st;

	snprintf(st_path, sizeof(st_path), "%s/keys/ratchet.state", f->dir);
	snprintf(saved, sizeof(saved), "%s.saved", st_path);
	append_one(lg, RLOG_DURABLE, 0);
	rlog_close(lg);
	copy_file(st_path, saved);
	lg = open_log(f);
	for (int i = 1; i < 20; i++)
		append_one(lg, RLOG_DURABLE, i);
	rlog_close(lg);
	/* The state writes after record 1 were lost (a crash before the page
	 * cache reached the disk): the log's announcements carry it forward. */
	copy_file(saved, st_path);
	lg = open_log(f);
	rlog_get_stats(lg, &st);
	assert_int_equal(st.ratchet_index, 21);
	assert_int_equal(append_one(lg, RLOG_DURABLE, 20), 21);
	rlog_close(lg);
	assert_clean(f, 21);
}

static void state_ahead_of_log_is_refused(void **state)
{
	struct fixture *f = *state;
	char st_path[128], saved[140], seg_saved[200], err[512];
	struct rlog *lg = open_log(f);

	snprintf(st_path, sizeof(st_path), "%s/keys/ratchet.state", f->dir);
	snprintf(saved, sizeof(saved), "%s.saved", st_path);
	snprintf(seg_saved, sizeof(seg_saved), "%s.saved", f->seg1);
	append_one(lg, RLOG_DURABLE, 0);
	rlog_close(lg);
	copy_file(f->seg1, seg_saved);
	lg = open_log(f);
	for (int i = 1; i < 5; i++)
		append_one(lg, RLOG_DURABLE, i);
	rlog_close(lg);
	/* Records that were durable are gone but the state moved on:
	 * signing again at seq 2 would fork the chain. */
	copy_file(seg_saved, f->seg1);
	unlink(seg_saved);
	assert_int_equal(rlog_open(&f->opt, &lg, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "ratchet state"));
}

static void rotation_keeps_one_chain(void **state)
{
	struct fixture *f = *state;
	uint64_t *firsts;
	size_t n;
	struct rlog *lg;

	f->opt.segment_max_bytes = 4096;
	lg = open_log(f);
	for (int i = 0; i < 60; i++)
		append_one(lg, i % 7 == 0 ? RLOG_DURABLE : 0, i);
	rlog_close(lg);
	lg = open_log(f);
	for (int i = 60; i < 80; i++)
		append_one(lg, 0, i);
	rlog_close(lg);
	assert_int_equal(segment_list(f->log, &firsts, &n), 0);
	assert_true(n > 5);
	assert_int_equal(firsts[0], 1);
	for (size_t i = 1; i < n; i++)
		assert_true(firsts[i] > firsts[i - 1]);
	free(firsts);
	/* 80 records and the two key-rotation records that closed the log. */
	assert_clean(f, 82);
}

/* What root finds on the desk after a group is durable cannot sign any
 * record of that group or before it. */
static void state_on_disk_cannot_sign_the_past(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f);
	unsigned char seed[32], pub[32];
	struct segment_reader sr;
	uint64_t index;
	char path[128];
	int fd;

	for (int i = 0; i < 30; i++)
		append_one(lg, RLOG_DURABLE, i);
	snprintf(path, sizeof(path), "%s/keys/ratchet.state", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(ratchet_state_read(fd, &index, seed), 0);
	close(fd);
	assert_int_equal(ratchet_public(seed, pub), 0);
	assert_int_equal(segment_reader_open(&sr, f->log, 1), 0);
	for (;;) {
		struct record_info info;
		const char *line, *why;
		ssize_t len = segment_reader_next(&sr, &line, NULL);

		if (len <= 0)
			break;
		assert_int_equal(record_parse(line, (size_t)len, &info, &why), 0);
		/* Every record was signed with an earlier key than the state's. */
		assert_true(info.ratchet < index);
		assert_false(ed25519_verify_raw(pub, info.jws.signing_input, info.jws.signing_len,
						info.jws.sig));
		record_info_free(&info);
	}
	segment_reader_close(&sr);
	rlog_close(lg);
}

/* Rewrites line `no` (1-based) of the segment with text, or deletes it
 * when text is NULL, or swaps it with the next when swap. */
static void edit_line(const char *path, int no, const char *text, bool swap)
{
	FILE *in = fopen(path, "r");
	char *lines[512], *line = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *out;

	assert_non_null(in);
	while (getline(&line, &cap, in) > 0 && n < 512)
		lines[n++] = strdup(line);
	fclose(in);
	free(line);
	if (swap) {
		char *t = lines[no - 1];

		lines[no - 1] = lines[no];
		lines[no] = t;
	}
	out = fopen(path, "w");
	for (int i = 0; i < n; i++) {
		if (i == no - 1 && !swap) {
			if (text)
				fprintf(out, "%s\n", text);
		} else {
			fputs(lines[i], out);
		}
		free(lines[i]);
	}
	fclose(out);
}

static void make_chain(struct fixture *f, int n)
{
	struct rlog *lg = open_log(f);

	for (int i = 0; i < n; i++)
		append_one(lg, i % 3 == 2 ? RLOG_DURABLE : 0, i);
	rlog_close(lg);
}

static void expect_first_break(struct fixture *f, enum verify_kind kind, uint64_t seq)
{
	struct collected c;

	verify_dir(f, &c, NULL);
	if (c.n == 0 || c.first.kind != kind || c.first.seq != seq)
		print_error("wanted %s at %llu, got %s at %llu (%u breaks)\n",
			    verify_kind_name(kind), (unsigned long long)seq,
			    c.n ? verify_kind_name(c.first.kind) : "none",
			    (unsigned long long)c.first.seq, c.n);
	assert_true(c.n > 0);
	assert_int_equal(c.first.kind, kind);
	assert_int_equal(c.first.seq, seq);
}

static void verifier_names_each_break(void **state)
{
	struct fixture *f = *state;
	char saved[200], *line = NULL, *dot;
	size_t cap = 0;
	FILE *in;

	make_chain(f, 20);
	snprintf(saved, sizeof(saved), "%s.orig", f->log);
	copy_file(f->seg1, saved);

	edit_line(f->seg1, 7, NULL, false);
	expect_first_break(f, VERIFY_GAP, 7);
	copy_file(saved, f->seg1);

	edit_line(f->seg1, 9, NULL, true);
	expect_first_break(f, VERIFY_REORDER, 9);
	copy_file(saved, f->seg1);

	/* Record 12's bytes again in place of record 11... */
	in = fopen(saved, "r");
	for (int i = 0; i < 12; i++)
		assert_true(getline(&line, &cap, in) > 0);
	fclose(in);
	line[strcspn(line, "\n")] = '\0';
	edit_line(f->seg1, 11, line, false);
	expect_first_break(f, VERIFY_GAP, 11);
	copy_file(saved, f->seg1);

	/* ... one bit of record 5's signature ... */
	in = fopen(saved, "r");
	for (int i = 0; i < 5; i++)
		assert_true(getline(&line, &cap, in) > 0);
	fclose(in);
	line[strcspn(line, "\n")] = '\0';
	dot = strrchr(line, '.');
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	edit_line(f->seg1, 5, line, false);
	expect_first_break(f, VERIFY_FORGERY, 5);
	copy_file(saved, f->seg1);

	/* ... and a line that is no record. */
	edit_line(f->seg1, 3, "not.a.record", false);
	expect_first_break(f, VERIFY_MALFORMED, 3);
	copy_file(saved, f->seg1);
	free(line);
	assert_clean(f, 21); /* 20 and the key-rotation record of the close */
}

/* A different record at a seq, signed with a key the attacker really
 * holds (the current one, from ratchet.state): a fork, not a record. */
static void fork_with_the_current_key(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg;
	struct rlog_options other;
	char cmd[512], dir2[80];

	make_chain(f, 10);
	/* A copy of the whole state directory continues on its own. */
	snprintf(dir2, sizeof(dir2), "%s.copy", f->dir);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", f->dir, dir2);
	assert_int_equal(system(cmd), 0);
	other = f->opt;
	other.state_dir = dir2;
	assert_int_equal(rlog_open(&other, &lg, NULL, 0), 0);
	append_one(lg, RLOG_DURABLE, 99);
	rlog_close(lg);
	lg = open_log(f);
	append_one(lg, RLOG_DURABLE, 10);
	append_one(lg, RLOG_DURABLE, 11);
	rlog_close(lg);
	/* Record 12 of the copy after record 13 of the original (10 records
	 * and the close's key-rotation, then each appended its own 12). */
	snprintf(cmd, sizeof(cmd), "sed -n 12p '%s/log/seg-00000000000000000001.jws' >> '%s'", dir2,
		 f->seg1);
	assert_int_equal(system(cmd), 0);
	expect_first_break(f, VERIFY_FORK, 12);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir2);
	assert_int_equal(system(cmd), 0);
}

/* The per-record check the collector uses. */
static void chain_check_for_ingestion(void **state)
{
	struct fixture *f = *state;
	struct segment_reader sr;
	struct chain_state st;
	unsigned char key1[32];
	char path[128];
	struct record_info recs[6];
	char *texts[6];
	const char *why;

	make_chain(f, 6);
	snprintf(path, sizeof(path), "%s/keys/ratchet-1.pub", f->dir);
	assert_int_equal(public_key_file_load(path, key1), 0);
	assert_int_equal(segment_reader_open(&sr, f->log, 1), 0);
	for (int i = 0; i < 6; i++) {
		const char *line;
		ssize_t n = segment_reader_next(&sr, &line, NULL);

		assert_true(n > 0);
		texts[i] = strndup(line, (size_t)n);
		assert_int_equal(record_parse(texts[i], (size_t)n, &recs[i], &why), 0);
	}
	segment_reader_close(&sr);
	chain_start(&st, recs[0].agent_id, key1);
	assert_int_equal(chain_check(&st, &recs[1], &why), CHAIN_GAP);
	assert_int_equal(chain_check(&st, &recs[0], &why), CHAIN_NEXT);
	chain_advance(&st, &recs[0]);
	assert_int_equal(chain_check(&st, &recs[0], &why), CHAIN_OLD);
	assert_int_equal(chain_check(&st, &recs[1], &why), CHAIN_NEXT);
	chain_advance(&st, &recs[1]);
	/* A wrong key in force: forged. */
	st.key[0] ^= 1;
	assert_int_equal(chain_check(&st, &recs[2], &why), CHAIN_FORGED);
	st.key[0] ^= 1;
	st.head.hash[0] ^= 1;
	assert_int_equal(chain_check(&st, &recs[2], &why), CHAIN_FORK);
	st.head.hash[0] ^= 1;
	assert_int_equal(chain_check(&st, &recs[2], &why), CHAIN_NEXT);
	st.agent_id[0] = st.agent_id[0] == 'a' ? 'b' : 'a';
	assert_int_equal(chain_check(&st, &recs[2], &why), CHAIN_FOREIGN);
	for (int i = 0; i < 6; i++) {
		record_info_free(&recs[i]);
		free(texts[i]);
	}
}

/* A second writer on the same log (two wardd on one state directory)
 * would fork the chain: it is refused until the first one is gone. */
static void one_writer_at_a_time(void **state)
{
	struct fixture *f = *state;
	struct rlog *lg = open_log(f), *second = NULL;
	char err[256];

	assert_true(append_one(lg, RLOG_DURABLE, 1) > 0);
	assert_int_equal(rlog_open(&f->opt, &second, err, sizeof(err)), -EBUSY);
	assert_null(second);
	assert_non_null(strstr(err, "in use"));
	rlog_close(lg);
	lg = open_log(f);
	assert_true(append_one(lg, RLOG_DURABLE, 2) > 0);
	rlog_close(lg);
	assert_clean(f, 2);
}

/* wardd runs under umask 0077; the sender reads log/ through its group. */
static void files_are_the_reader_groups_whatever_the_umask(void **state)
{
	static const char *const names[] = {"seg-00000000000000000001.jws", DURABLE_NAME};
	struct fixture *f = *state;
	mode_t old = umask(0077);
	struct rlog *lg;
	struct stat st;
	char path[192];

	f->opt.reader_gid = getegid();
	lg = open_log(f);
	assert_true(append_one(lg, RLOG_DURABLE, 1) > 0);
	rlog_close(lg);
	umask(old);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->log, names[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_gid, getegid());
		assert_true(st.st_mode & S_IRGRP);
		assert_false(st.st_mode & (S_IWGRP | S_IROTH));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(group_commit_across_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(appends_and_the_timer_never_stall, setup, teardown),
	    cmocka_unit_test_setup_teardown(files_are_the_reader_groups_whatever_the_umask, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(reopen_continues_the_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(one_writer_at_a_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_group_left_open_is_closed_at_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(heartbeat_head_speaks_for_an_instant, setup, teardown),
	    cmocka_unit_test_setup_teardown(torn_tail_is_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(garbage_after_durable_is_cut_damage_before_is_refused,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(lagging_state_is_walked_forward, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_ahead_of_log_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(rotation_keeps_one_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_on_disk_cannot_sign_the_past, setup, teardown),
	    cmocka_unit_test_setup_teardown(verifier_names_each_break, setup, teardown),
	    cmocka_unit_test_setup_teardown(fork_with_the_current_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(chain_check_for_ingestion, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
