/* The act stage's order (agent/act.h): record, answer, side effect,
 * outcome record, notify — for a denial, a quarantine, a device, a fail
 * mode — and what a failed record, a failed effect or an answer given by
 * the deadline do to it.  tests/unit/agent_world.h stands in for the
 * kernel and the record log. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/subject.h"
#include "common/record_id.h"
#include "tests/unit/agent_world.h"

struct held_request {
	struct act_request req;
	struct subject who;
	struct pool_event ev;
	char path[PATH_MAX];
};

/* cp's denied create of stick/name, as decide.c hands it over. */
static void denial(struct held_request *h, const char *name)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s/%s", W->stick, name);
	h->ev = world_event(h->path, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	subject_init(&h->who, h->ev.pid);
	memset(&h->req, 0, sizeof(h->req));
	h->req.event = ACT_EVENT_COPY_DESTINATION;
	h->req.ev = &h->ev;
	h->req.verdict = POOL_DENY;
	h->req.record = true;
	h->req.subject = &h->who;
	h->req.fd = h->ev.fd;
	h->req.path = h->path;
	h->req.action = "block";
	h->req.rule_file = "50-copy.rules";
	h->req.rule_line = 7;
	h->req.effect = ACT_EFFECT_REMOVE_CREATE;
}

static int before(const char *a, const char *a_needle, const char *b, const char *b_needle)
{
	int i = world_find(a, a_needle, 0), j = world_find(b, b_needle, 0);

	return i >= 0 && j >= 0 && i < j;
}

static void a_denial_is_recorded_then_answered_then_cleaned_up(void **state)
{
	struct held_request h;
	char ref[RECORD_REF_LEN];

	(void)state;
	denial(&h, "a.txt");
	W->remove_error = -EBUSY; /* so that the outcome record has something to say */
	act_carry_out(&W->a, &h.req);

	assert_true(before("record", "decision copy-destination block denied", "respond", "deny"));
	assert_true(before("respond", "deny", "remove", h.path));
	assert_true(before("remove", h.path, "record",
			   "outcome copy-destination block denied; empty file left"));
	assert_true(before("record", "outcome", "notify", NULL));
	assert_int_equal(world_count("notify"), 1);
	assert_true(W->records[0].sync);  /* on disk before the opener hears */
	assert_false(W->records[1].sync); /* the outcome need not wait */
	assert_string_equal(W->records[1].decision_id, W->records[0].record_id);
	assert_string_not_equal(W->records[1].record_id, W->records[0].record_id);
	assert_int_equal(strlen(W->records[0].record_id), 36);
	assert_int_equal(W->records[0].record_id[14], '4'); /* UUID version 4 */
	/* The reference code staff see is the decision record's, on both. */
	assert_int_equal(record_ref(W->records[0].record_id, ref), 0);
	assert_string_equal(W->records[0].ref, ref);
	assert_string_equal(W->records[1].ref, ref);
	assert_string_equal(W->notices[0].ref, ref);
	/* The subscriber sees the final outcome, numbered as the decision. */
	assert_string_equal(W->notices[0].outcome, "denied; empty file left");
	assert_int_equal(W->notices[0].seq, W->records[0].seq);
	assert_true(W->notices[0].seq > 0);
	assert_int_equal(W->notices[0].effect_result, -EBUSY);
	assert_int_equal(atomic_load(&W->a.n.effect_failures), 1);
	close(h.ev.fd);
}

/* The record log refuses (a full disk): the decision stands — the opener
 * is still denied, the effect and the notice still happen, the failure is
 * the record log's to count. */
static void a_failed_record_does_not_change_the_decision(void **state)
{
	struct held_request h;

	(void)state;
	denial(&h, "b.txt");
	W->record_error = -ENOSPC;
	act_carry_out(&W->a, &h.req);
	assert_true(before("record", "decision", "respond", "deny"));
	assert_true(before("respond", "deny", "remove", h.path));
	assert_true(before("remove", NULL, "notify", NULL));
	assert_int_equal(W->n_records, 0);
	assert_int_equal(W->notices[0].seq, 0); /* not in the log */
	assert_int_equal(atomic_load(&W->a.n.denied), 1);
	assert_int_equal(access(h.path, F_OK), -1);
	close(h.ev.fd);
}

/* An audited allow on dev, as decide.c hands it over. */
static void audited_allow(struct held_request *h, const char *name, const struct ward_device *dev)
{
	denial(h, name);
	h->req.verdict = POOL_ALLOW;
	h->req.action = "audit";
	h->req.effect = ACT_EFFECT_NONE;
	h->req.device = dev;
}

/* An allow that cannot be audited, on a stick: the default policy's
 * `report-failure removable block` denies it, and says why. */
static void an_allow_not_recorded_is_denied_on_removable_media(void **state)
{
	static const struct ward_device usb = {.bus = DEVICE_BUS_USB, .removable = true};
	struct held_request h;

	(void)state;
	audited_allow(&h, "c.txt", &usb);
	W->record_error = -ENOSPC;
	act_carry_out(&W->a, &h.req);
	assert_true(before("record", "decision", "respond", "deny"));
	assert_int_equal(world_find("respond", "allow", 0), -1);
	assert_int_equal(atomic_load(&W->a.n.record_failure_denials), 1);
	assert_int_equal(atomic_load(&W->a.n.denied), 1);
	assert_string_equal(W->notices[0].outcome,
			    "denied (the record could not be written: report-failure block)");
	close(h.ev.fd);
}

/* The same on an internal disk (the source side): the allow stands. */
static void an_allow_not_recorded_stands_on_an_internal_disk(void **state)
{
	static const struct ward_device disk = {.bus = DEVICE_BUS_INTERNAL};
	struct held_request h;

	(void)state;
	audited_allow(&h, "d.txt", &disk);
	W->record_error = -ENOSPC;
	act_carry_out(&W->a, &h.req);
	assert_true(before("record", "decision", "respond", "allow"));
	assert_int_equal(world_find("respond", "deny", 0), -1);
	assert_int_equal(atomic_load(&W->a.n.record_failure_denials), 0);
	close(h.ev.fd);
}

static struct pool_event *deadline_target;
static void deadline_during_record(void)
{
	if (deadline_target)
		pool_event_mark_answered(deadline_target, POOL_ALLOW, POOL_BY_DEADLINE);
	deadline_target = NULL;
}

/* The deadline answered (allow, an internal fail mode) while the decision
 * was being recorded: the outcome record says what the opener really got,
 * and no second answer is attempted. */
static void an_answer_by_the_deadline_is_what_the_outcome_says(void **state)
{
	struct held_request h;

	(void)state;
	denial(&h, "c.txt");
	h.req.effect = ACT_EFFECT_NONE;
	deadline_target = &h.ev;
	W->on_record = deadline_during_record;
	act_carry_out(&W->a, &h.req);
	W->on_record = NULL;
	assert_int_equal(world_count("respond"), 0);
	assert_true(before("record", "decision copy-destination block denied", "record",
			   "outcome copy-destination block allowed (deadline passed: fail mode)"));
	assert_int_equal(W->notices[0].by, POOL_BY_DEADLINE);
	assert_int_equal(W->notices[0].verdict, POOL_ALLOW);
	assert_int_equal(atomic_load(&W->a.n.denied), 0);
	close(h.ev.fd);
}

/* A plain allow (nothing to record) the fail mode had already denied:
 * the fail mode's answer is recorded instead, once. */
static void a_plain_allow_after_the_deadline_records_the_fail_mode(void **state)
{
	struct held_request h;

	(void)state;
	denial(&h, "d.txt");
	h.req.record = false;
	h.req.verdict = POOL_ALLOW;
	h.req.effect = ACT_EFFECT_NONE;
	pool_event_mark_answered(&h.ev, POOL_DENY, POOL_BY_DEADLINE);
	act_carry_out(&W->a, &h.req);
	assert_int_equal(world_count("respond"), 0);
	assert_int_equal(world_count("record"), 1);
	assert_true(
	    world_find("record",
		       "decision copy-destination fail-mode denied (deadline passed: fail mode)",
		       0) >= 0);
	assert_string_equal(W->records[0].detail, "no decision within the deadline");
	assert_false(W->records[0].sync);
	assert_int_equal(W->notices[0].notice, POLICY_NOTICE_FAIL);
	assert_true(strlen(W->notices[0].message_zh) > 0);

	/* Not answered by the deadline: answered, nothing recorded. */
	world_forget();
	close(h.ev.fd);
	denial(&h, "e.txt");
	h.req.record = false;
	h.req.verdict = POOL_ALLOW;
	act_carry_out(&W->a, &h.req);
	assert_int_equal(world_count("respond"), 1);
	assert_int_equal(world_count("record") + world_count("notify"), 0);
	close(h.ev.fd);
}

static void quarantine_request(struct held_request *h, const char *name)
{
	int fd;

	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s/%s", W->stick, name);
	world_copy("firstline-mi.txt", h->path);
	fd = open(h->path, O_RDWR | O_CLOEXEC); /* as the landing group opens it */
	subject_init(&h->who, 4242);
	memset(&h->req, 0, sizeof(h->req));
	h->req.event = ACT_EVENT_CLOSE_WRITE;
	h->req.record = true;
	h->req.subject = &h->who;
	h->req.fd = fd;
	h->req.action = "quarantine";
	h->req.effect = ACT_EFFECT_QUARANTINE;
}

static void a_quarantine_keeps_evidence_before_removing(void **state)
{
	struct held_request h;

	(void)state;
	quarantine_request(&h, "q.txt");
	act_carry_out(&W->a, &h.req);
	assert_true(before("record", "decision close-write quarantine quarantine pending",
			   "quarantine", h.path));
	assert_true(before("quarantine", NULL, "evict", W->stick));
	assert_true(before("evict", NULL, "record", "outcome close-write quarantine quarantined"));
	assert_true(before("record", "outcome", "notify", "quarantined"));
	assert_int_equal(world_count("respond"), 0);
	assert_true(W->records[0].sync); /* before the effect */
	assert_int_equal(access(h.path, F_OK), -1);
	assert_non_null(strstr(W->records[1].detail,
			       "content overwritten and truncated, 1 name(s) removed, last q.txt"));
	close(h.req.fd);
}

/* Evidence that cannot be kept does not keep a marked file on a stick;
 * a file that cannot be removed is said so. */
static void a_failed_quarantine_says_what_happened(void **state)
{
	struct held_request h;

	(void)state;
	W->quarantine_error = -ENOSPC;
	quarantine_request(&h, "r.txt");
	act_carry_out(&W->a, &h.req);
	assert_true(world_find("record",
			       "outcome close-write quarantine removed (evidence not kept)",
			       0) >= 0);
	assert_non_null(strstr(W->records[1].detail, "No space left on device"));
	assert_int_equal(access(h.path, F_OK), -1);
	close(h.req.fd);

	world_forget();
	W->quarantine_error = 0;
	W->remove_error = -EROFS;
	quarantine_request(&h, "s.txt");
	act_carry_out(&W->a, &h.req);
	assert_true(world_find("record", "outcome close-write quarantine quarantine-failed", 0) >=
		    0);
	assert_non_null(strstr(W->records[1].detail, "cannot remove from the medium"));
	assert_int_equal(W->notices[0].effect_result, -EROFS);
	assert_int_equal(access(h.path, F_OK), 0);
	close(h.req.fd);
}

static void device_request(struct act_request *req, struct ward_device *dev, enum act_effect effect,
			   const char *target)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->devnode, sizeof(dev->devnode), "/dev/sdb1");
	snprintf(dev->serial, sizeof(dev->serial), "4C530001");
	memset(req, 0, sizeof(*req));
	req->event = ACT_EVENT_DEVICE;
	req->record = true;
	req->fd = -1;
	req->device = dev;
	req->action = effect == ACT_EFFECT_READ_ONLY ? "read-only" : "block";
	req->rule_file = "30-devices.rules";
	req->rule_line = 3;
	req->effect = effect;
	req->target = target;
}

static void a_device_effect_that_fails_is_recorded(void **state)
{
	struct act_request req;
	struct ward_device dev;

	(void)state;
	W->set_ro_error = -EACCES;
	device_request(&req, &dev, ACT_EFFECT_READ_ONLY, "/dev/sdb1");
	act_carry_out(&W->a, &req);
	assert_true(before("record", "decision device read-only read-only pending", "set_read_only",
			   "/dev/sdb1 1"));
	assert_true(before("set_read_only", NULL, "record",
			   "outcome device read-only read-only (mount only)"));
	assert_non_null(strstr(W->records[1].detail, "BLKROSET on /dev/sdb1"));
	assert_true(W->records[0].sync);
	assert_int_equal(W->notices[0].notice, POLICY_NOTICE_DEVICE_READ_ONLY);
	assert_int_equal(W->notices[0].pid, 0); /* no process behind a device */
}

static int second_calls;
static void second_subscriber(void *arg, const struct act_outcome *o)
{
	(void)arg;
	/* After the first subscriber, with the same final outcome. */
	assert_int_equal(W->n_notices, 1);
	assert_string_equal(o->outcome, "blocked (deauthorized)");
	assert_string_equal(o->device->serial, "4C530001");
	second_calls++;
}

static void every_subscriber_gets_the_final_outcome_in_order(void **state)
{
	static const struct act_subscriber sub = {"second", second_subscriber, NULL};
	struct act_request req;
	struct ward_device dev;

	(void)state;
	assert_int_equal(act_subscribe(W->a.act, &sub), 0);
	device_request(&req, &dev, ACT_EFFECT_DEAUTHORIZE, "/sys/devices/usb1/1-1/block/sdb");
	act_carry_out(&W->a, &req);
	assert_int_equal(second_calls, 1);
	assert_string_equal(W->notices[0].outcome, "blocked (deauthorized)");
	for (int i = 2; i < ACT_MAX_SUBSCRIBERS; i++)
		assert_int_equal(act_subscribe(W->a.act, &sub), 0);
	assert_int_equal(act_subscribe(W->a.act, &sub), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(a_denial_is_recorded_then_answered_then_cleaned_up,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(an_allow_not_recorded_is_denied_on_removable_media,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(an_allow_not_recorded_stands_on_an_internal_disk,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(a_failed_record_does_not_change_the_decision,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(an_answer_by_the_deadline_is_what_the_outcome_says,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(a_plain_allow_after_the_deadline_records_the_fail_mode,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(a_quarantine_keeps_evidence_before_removing,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(a_failed_quarantine_says_what_happened, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(a_device_effect_that_fails_is_recorded, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(every_subscriber_gets_the_final_outcome_in_order,
					    world_setup, world_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
