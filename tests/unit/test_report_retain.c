/* What the log keeps on the desk: over the cap audit-level records are
 * dropped (never the others) and a signed spool-overflow record counts
 * them; acknowledged segments past retention are deleted and what is left
 * still verifies from its anchor. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "report/anchor.h"
#include "report/chain.h"
#include "report/log.h"
#include "report/segment.h"
#include "report/verify.h"
#include "tests/unit/report_fixture.h"

static int64_t append_action(struct rlog *lg, const char *action, unsigned flags)
{
	json_t *p = rlog_record_new(lg, "decision", NULL);

	assert_non_null(p);
	assert_int_equal(wjson_set_str(p, "action", action), 0);
	/* A few hundred bytes, as a small decision record. */
	assert_int_equal(wjson_set_str(p, "detail",
				       "0123456789012345678901234567890123456789012345678901234567"
				       "890123456789012345678901234567890123456789"),
			 0);
	return rlog_append(lg, p, flags);
}

/* The sender's acknowledgement, as ward-sender would leave it. */
static void acknowledge(struct fixture *f, uint64_t seq)
{
	struct chain_head h = {0};
	char spool[128];
	int fd;

	snprintf(spool, sizeof(spool), "%s/spool", f->dir);
	mkdir(spool, 0755);
	fd = open(spool, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	h.seq = seq;
	assert_int_equal(head_file_write(fd, ACKED_NAME, &h, (gid_t)-1), 0);
	close(fd);
}

struct found {
	unsigned breaks;
	json_t *overflow; /* the last spool-overflow payload */
	uint64_t records;
};

static void count_break(void *ctx, const struct verify_break *b)
{
	struct found *fd = ctx;

	print_error("break: %s seq %llu: %s\n", verify_kind_name(b->kind),
		    (unsigned long long)b->seq, b->why);
	fd->breaks++;
}

/* Verifies what is left, from ratchet key 1 or from the anchor, as
 * `wardctl verify` does, and finds the last spool-overflow record. */
static void verify_left(struct fixture *f, struct found *out)
{
	struct segment_reader sr;
	struct verifier v;
	struct anchor a;
	unsigned char key1[32];
	uint64_t *firsts;
	size_t n;
	char path[128];

	memset(out, 0, sizeof(*out));
	assert_int_equal(segment_list(f->log, &firsts, &n), 0);
	assert_true(n > 0);
	if (firsts[0] == 1) {
		snprintf(path, sizeof(path), "%s/keys/ratchet-1.pub", f->dir);
		assert_int_equal(public_key_file_load(path, key1), 0);
		verifier_init(&v, NULL, key1, 1, count_break, out);
	} else {
		assert_int_equal(anchor_read(f->log, &a), 0);
		assert_int_equal(a.seq, firsts[0]);
		verifier_init(&v, NULL, a.key, a.key_index, count_break, out);
		verifier_start_at(&v, a.seq, a.prev);
	}
	assert_int_equal(verify_path(&v, f->log), 0);
	verifier_finish(&v);
	assert_int_equal(v.unverified, 0);
	out->records = v.records;
	verifier_free(&v);
	for (size_t i = 0; i < n; i++) {
		const char *line, *why;
		ssize_t len;

		assert_int_equal(segment_reader_open(&sr, f->log, firsts[i]), 0);
		while ((len = segment_reader_next(&sr, &line, NULL)) > 0) {
			struct record_info info;

			assert_int_equal(record_parse(line, (size_t)len, &info, &why), 0);
			if (strcmp(info.kind, "spool-overflow") == 0) {
				json_decref(out->overflow);
				out->overflow =
				    wjson_parse(info.jws.payload, info.jws.payload_len, NULL, 0);
			}
			record_info_free(&info);
		}
		segment_reader_close(&sr);
	}
	free(firsts);
}

static void over_the_cap_audit_records_are_dropped_and_counted(void **state)
{
	struct fixture *f = *state;
	struct rlog_limits lim = {.undelivered_cap = 8000};
	struct rlog_stats st;
	struct found found;
	struct rlog *lg;
	int64_t n;
	int dropped = 0;

	assert_int_equal(rlog_open(&f->opt, &lg, NULL, 0), 0);
	rlog_set_limits(lg, &lim);
	for (int i = 0; i < 100; i++) {
		n = append_action(lg, i % 2 ? "audit" : "warn", RLOG_DROPPABLE);
		if (n == -ENOBUFS)
			dropped++;
		else
			assert_true(n > 0);
		/* Block records are never dropped. */
		assert_true(append_action(lg, "block", RLOG_DURABLE) > 0);
		assert_int_equal(rlog_maintain(lg), 0);
	}
	rlog_get_stats(lg, &st);
	assert_true(dropped > 0);
	assert_int_equal(st.dropped, (uint64_t)dropped);
	assert_int_equal(st.failures, 0);
	assert_true(st.undelivered >= lim.undelivered_cap);
	/* Once the collector has it all, nothing is dropped any more. */
	acknowledge(f, st.durable_seq);
	assert_int_equal(rlog_maintain(lg), 0);
	assert_true(append_action(lg, "audit", RLOG_DROPPABLE) > 0);
	rlog_close(lg);

	verify_left(f, &found);
	assert_int_equal(found.breaks, 0);
	assert_non_null(found.overflow);
	{
		json_t *d = json_object_get(found.overflow, "dropped");
		int64_t audit = 0, warn = 0;

		wjson_int(d, "audit", &audit);
		wjson_int(d, "warn", &warn);
		/* Every drop is in some spool-overflow record; the last one
		 * holds those since the one before. */
		assert_true(audit + warn > 0);
		assert_true(audit + warn <= dropped);
		assert_non_null(wjson_str(found.overflow, "first_at"));
		assert_non_null(wjson_str(found.overflow, "last_at"));
	}
	json_decref(found.overflow);
}

static void acknowledged_segments_go_and_the_rest_verifies(void **state)
{
	struct fixture *f = *state;
	struct rlog_limits keep = {.retention_s = 3600}, now = {.retention_s = 0};
	struct rlog_stats st;
	struct found found;
	struct rlog *lg;
	uint64_t *firsts;
	size_t before, after;

	f->opt.segment_max_bytes = 2048;
	assert_int_equal(rlog_open(&f->opt, &lg, NULL, 0), 0);
	for (int i = 0; i < 60; i++)
		assert_true(append_action(lg, "block", i % 5 ? 0 : RLOG_DURABLE) > 0);
	assert_int_equal(rlog_sync(lg), 0);
	assert_int_equal(segment_list(f->log, &firsts, &before), 0);
	free(firsts);
	assert_true(before > 5);

	/* Not acknowledged: nothing goes. */
	rlog_set_limits(lg, &now);
	assert_int_equal(rlog_maintain(lg), 0);
	rlog_get_stats(lg, &st);
	assert_int_equal(st.segments_deleted, 0);
	/* Acknowledged but within retention: nothing goes. */
	acknowledge(f, 40);
	rlog_set_limits(lg, &keep);
	assert_int_equal(rlog_maintain(lg), 0);
	rlog_get_stats(lg, &st);
	assert_int_equal(st.segments_deleted, 0);
	/* Past retention: what is wholly at or below 40 goes. */
	rlog_set_limits(lg, &now);
	assert_int_equal(rlog_maintain(lg), 0);
	assert_int_equal(segment_list(f->log, &firsts, &after), 0);
	assert_true(after < before);
	assert_true(firsts[0] > 1 && firsts[0] <= 41);
	free(firsts);
	verify_left(f, &found);
	assert_int_equal(found.breaks, 0);

	/* The log goes on, and all of it acknowledged leaves the head's
	 * segment only. */
	for (int i = 0; i < 40; i++)
		assert_true(append_action(lg, "block", RLOG_DURABLE) > 0);
	verify_left(f, &found);
	assert_int_equal(found.breaks, 0);
	rlog_get_stats(lg, &st);
	acknowledge(f, st.durable_seq);
	assert_int_equal(rlog_maintain(lg), 0);
	assert_int_equal(segment_list(f->log, &firsts, &after), 0);
	assert_int_equal(after, 1);
	free(firsts);
	verify_left(f, &found);
	assert_int_equal(found.breaks, 0);
	rlog_close(lg);
	/* And it opens again. */
	assert_int_equal(rlog_open(&f->opt, &lg, NULL, 0), 0);
	assert_true(append_action(lg, "block", RLOG_DURABLE) > 0);
	rlog_close(lg);
	verify_left(f, &found);
	assert_int_equal(found.breaks, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(over_the_cap_audit_records_are_dropped_and_counted,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(acknowledged_segments_go_and_the_rest_verifies, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
