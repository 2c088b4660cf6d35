/* wardd's decisions without root (tests/unit/agent_world.h): the three
 * sides of a copy, the fail mode at the deadline and at a full queue, a
 * failed /proc scan, and the device rules with what they do to a medium
 * and its mounts.  The policy engine, the classifier, act.c and the pool
 * run for real. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/time.h>

#include "tests/unit/agent_world.h"

static void make_old(const char *path)
{
	struct timeval tv[2] = {{1643076000, 0}, {1643076000, 0}}; /* 2022-01-25 */

	assert_int_equal(utimes(path, tv), 0);
}

/* cp marked.txt stick/: cp holds the marked source, opens the copy. */
static void destination_denies_a_copy_of_a_marked_document(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct pool_event ev;
	struct world_record *r;

	(void)state;
	snprintf(src, sizeof(src), "%s/marked.txt", W->home);
	snprintf(dst, sizeof(dst), "%s/marked.txt", W->stick);
	world_copy("firstline-mi.txt", src);
	world_holds(src, PROCFD_SOURCE);
	ev = world_event(dst, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	decide_event(&W->a, 0, &ev);

	assert_true(world_find("record", "decision copy-destination block denied", 0) >= 0);
	assert_true(world_find("respond", "deny audit", 0) >
		    world_find("record", "decision copy-destination", 0));
	assert_true(world_find("remove", dst, 0) > world_find("respond", NULL, 0));
	assert_true(world_find("notify", NULL, 0) > world_find("remove", NULL, 0));
	assert_int_equal(W->n_records, 1); /* the empty file went: nothing more to say */
	r = &W->records[0];
	assert_true(r->sync);
	assert_string_equal(r->rule_file, "world.rules");
	assert_int_equal(r->rule_line, 9);
	assert_string_equal(r->rule_reason, "公務機密非經核准不得複製攜出");
	assert_int_equal(r->level, WARD_LEVEL_RESTRICTED);
	assert_int_equal(r->pid, 4242);
	assert_true(W->notices[0].has_notice);
	assert_int_equal(W->notices[0].notice, POLICY_NOTICE_BLOCK);
	assert_non_null(strstr(W->notices[0].message_zh, "（密）"));
	assert_non_null(strstr(W->notices[0].message_zh, "洽詢：政風處 (089)320247"));
	assert_non_null(strstr(W->notices[0].message_en, "Contact: 政風處 (089)320247."));
	assert_string_equal(W->notices[0].contact, "政風處 (089)320247");
	assert_true(W->notices[0].answered);
	assert_int_equal(W->notices[0].verdict, POOL_DENY);
	assert_int_equal(atomic_load(&W->a.n.denied), 1);
	assert_int_equal(access(dst, F_OK), -1); /* the denied create is gone */
	close(ev.fd);
}

static void destination_audits_an_unmarked_copy(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct pool_event ev;

	(void)state;
	snprintf(src, sizeof(src), "%s/plan.txt", W->home);
	snprintf(dst, sizeof(dst), "%s/plan.txt", W->stick);
	world_copy("security-plan.txt", src);
	world_holds(src, PROCFD_SOURCE);
	ev = world_event(dst, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	decide_event(&W->a, 0, &ev);

	assert_true(world_find("record", "decision copy-destination audit allowed", 0) >= 0);
	assert_true(world_find("respond", "allow", 0) > world_find("record", NULL, 0));
	assert_int_equal(world_count("remove"), 0);
	assert_false(W->records[0].sync); /* an allow does not wait for the disk */
	assert_int_equal(access(dst, F_OK), 0);
	close(ev.fd);
}

/* An open on the stick by a process holding nothing elsewhere. */
static void destination_allows_when_nothing_is_held(void **state)
{
	char dst[PATH_MAX];
	struct pool_event ev;

	(void)state;
	snprintf(dst, sizeof(dst), "%s/new.txt", W->stick);
	ev = world_event(dst, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	decide_event(&W->a, 0, &ev);
	assert_true(world_find("respond", "allow", 0) >= 0);
	assert_int_equal(world_count("record"), 0);
	assert_int_equal(world_count("notify"), 0);
	W->opener_gone = true; /* exited before we looked: the same */
	W->held_error = -ESRCH;
	close(ev.fd);
	ev = world_event(dst, O_WRONLY, FAN_OPEN_PERM, true);
	decide_event(&W->a, 0, &ev);
	assert_int_equal(world_count("respond"), 2);
	assert_int_equal(world_count("record"), 0);
	close(ev.fd);
}

/* /proc refused: the fail mode of the medium answers, and says so. */
static void a_failed_proc_scan_is_recorded_not_allowed(void **state)
{
	char dst[PATH_MAX];
	struct pool_event ev;

	(void)state;
	W->held_error = -EMFILE;
	snprintf(dst, sizeof(dst), "%s/new.txt", W->stick);
	ev = world_event(dst, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	decide_event(&W->a, 0, &ev);
	assert_true(world_find("record", "decision copy-destination fail-mode denied", 0) >= 0);
	assert_true(world_find("respond", "deny", 0) > world_find("record", NULL, 0));
	assert_non_null(strstr(W->records[0].detail, "cannot read what pid 4242 holds open"));
	assert_int_equal(atomic_load(&W->a.n.proc_failures), 1);
	assert_true(W->notices[0].has_notice);
	assert_int_equal(W->notices[0].notice, POLICY_NOTICE_FAIL);
	close(ev.fd);
}

/* cat marked.txt > stick/x: the writer on the stick opens the source. */
static void source_denies_reading_a_marked_document_into_the_stick(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct pool_event ev;
	int out;

	(void)state;
	snprintf(src, sizeof(src), "%s/marked.txt", W->home);
	snprintf(dst, sizeof(dst), "%s/out.txt", W->stick);
	world_copy("firstline-mi.txt", src);
	out = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	world_holds(dst, PROCFD_MEDIA_WRITER);
	ev = world_event(src, O_RDONLY, FAN_OPEN_PERM | AGENT_EV_SOURCE, true);
	decide_event(&W->a, 0, &ev);

	assert_true(world_find("record", "decision copy-source block denied", 0) >= 0);
	assert_true(world_find("respond", "deny", 0) > world_find("record", NULL, 0));
	assert_int_equal(world_count("remove"), 0); /* the source stays */
	assert_string_equal(W->records[0].path, src);
	assert_true(W->records[0].sync);
	close(ev.fd);
	close(out);
}

/* An opener with no writer on any medium: allowed, remembered, learnt. */
static void source_allows_and_learns_a_clean_file(void **state)
{
	char src[PATH_MAX];
	struct pool_event ev;

	(void)state;
	snprintf(src, sizeof(src), "%s/plan.txt", W->home);
	world_copy("security-plan.txt", src);
	make_old(src);
	usleep(2100000); /* a file changed in the last 2 s is not learnt */
	ev = world_event(src, O_RDONLY, FAN_OPEN_PERM | AGENT_EV_SOURCE, true);
	decide_event(&W->a, 0, &ev);
	assert_true(world_find("respond", "allow", 0) >= 0);
	assert_true(world_find("ignore", NULL, 0) > world_find("respond", NULL, 0));
	assert_int_equal(world_count("record"), 0);
	assert_true(pidcache_clean(&W->a.pidcache, 4242, monotonic_ms()));
	assert_int_equal(atomic_load(&W->a.n.ignored), 1);
	close(ev.fd);
}

/* Written through a pipe: the close-after-write finds it, quarantined. */
static void post_write_quarantines_a_marked_file(void **state)
{
	char dst[PATH_MAX];
	struct pool_event ev;

	(void)state;
	snprintf(dst, sizeof(dst), "%s/piped.txt", W->stick);
	world_copy("firstline-mi.txt", dst);
	ev = world_event(dst, O_RDWR, FAN_CLOSE_WRITE | AGENT_EV_LANDED, false);
	decide_event(&W->a, 0, &ev);

	assert_int_equal(world_count("respond"), 0); /* written already */
	assert_true(world_find("record", "decision close-write block quarantine pending", 0) >= 0);
	assert_true(world_find("quarantine", dst, 0) > world_find("record", NULL, 0));
	assert_true(world_find("evict", NULL, 0) > world_find("quarantine", NULL, 0));
	assert_true(world_find("record", "outcome close-write block quarantined", 0) >
		    world_find("evict", NULL, 0));
	assert_true(world_find("notify", "quarantined", 0) > world_find("record", "outcome", 0));
	assert_true(W->records[0].sync);
	assert_string_equal(W->records[1].decision_id, W->records[0].record_id);
	assert_non_null(strstr(W->records[1].detail, "quarantine id 20220125T020000Z-world"));
	assert_int_equal(access(dst, F_OK), -1);
	assert_int_equal(atomic_load(&W->a.n.quarantined), 1);
	close(ev.fd);
}

static void post_write_keeps_an_unmarked_file_on_record(void **state)
{
	char dst[PATH_MAX];
	struct pool_event ev;

	(void)state;
	snprintf(dst, sizeof(dst), "%s/plan.txt", W->stick);
	world_copy("security-plan.txt", dst);
	ev = world_event(dst, O_RDWR, FAN_CLOSE_WRITE | AGENT_EV_LANDED, false);
	decide_event(&W->a, 0, &ev);
	assert_true(world_find("record", "decision close-write audit kept", 0) >= 0);
	assert_int_equal(world_count("record"), 1);
	assert_int_equal(world_count("quarantine"), 0);
	assert_int_equal(access(dst, F_OK), 0);
	close(ev.fd);
}

/* The reader's loop, for the pool's deadline. */
static atomic_bool reader_stop;
static void *expire_loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&reader_stop)) {
		pool_expire(W->a.pool, monotonic_ms());
		usleep(2000);
	}
	return NULL;
}

static bool wait_for(const char *what, const char *needle)
{
	for (int i = 0; i < 500; i++) {
		if (world_find(what, needle, 0) >= 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* A classification slower than the deadline: the fail mode answers (deny
 * on removable media), the worker's record says so. */
static void the_deadline_answers_by_the_fail_mode_and_is_recorded(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	pthread_t reader;
	uint64_t now = monotonic_ms();
	int fd;

	(void)state;
	snprintf(src, sizeof(src), "%s/marked.txt", W->home);
	snprintf(dst, sizeof(dst), "%s/late.txt", W->stick);
	world_copy("firstline-mi.txt", src);
	world_holds(src, PROCFD_SOURCE);
	fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	W->gated = true;
	pthread_mutex_lock(&W->gate);
	atomic_store(&reader_stop, false);
	assert_int_equal(pthread_create(&reader, NULL, expire_loop, NULL), 0);
	pool_submit(W->a.pool, fd, 4242, FAN_OPEN_PERM, true, now, now + 50);
	assert_true(wait_for("respond", "deny by 2")); /* POOL_BY_DEADLINE */
	pthread_mutex_unlock(&W->gate);
	assert_true(wait_for("notify", NULL));
	atomic_store(&reader_stop, true);
	pthread_join(reader, NULL);
	assert_true(
	    world_find("record",
		       "decision copy-destination block denied (deadline passed: fail mode)",
		       0) >= 0);
	assert_int_equal(world_count("respond"), 1); /* answered once */
	assert_int_equal(W->notices[0].by, POOL_BY_DEADLINE);
	W->gated = false;
}

/* One worker, a queue of two: the event in hand waits on the gate, one
 * waits in the queue, the third and fourth find every queue full.  The reader's
 * fail-mode answer comes first; a worker records it afterwards. */
static void a_full_queue_answers_at_once_and_a_worker_records_it(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	uint64_t now = monotonic_ms();

	(void)state;
	snprintf(src, sizeof(src), "%s/plan.txt", W->home);
	snprintf(dst, sizeof(dst), "%s/burst.txt", W->stick);
	world_copy("security-plan.txt", src);
	world_holds(src, PROCFD_SOURCE);
	W->gated = true;
	pthread_mutex_lock(&W->gate);
	for (int i = 0; i < 4; i++) {
		int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		pool_submit(W->a.pool, fd, 4242, FAN_OPEN_PERM, true, now, now + 60000);
		if (i == 0)
			assert_true(wait_for("classify", NULL)); /* in hand */
	}
	assert_true(world_find("respond", "deny by 3", 0) >= 0);     /* POOL_BY_QUEUE_FULL */
	assert_int_equal(world_find("record", "queue full", 0), -1); /* not by the reader */
	pthread_mutex_unlock(&W->gate);
	assert_true(wait_for("record", "decision copy-destination fail-mode denied (queue full"));
	for (int i = 0; i < 100 && world_count("record") < 4; i++)
		usleep(10000);
	assert_int_equal(world_count("respond"), 4);
	assert_int_equal(world_count("record"), 4); /* two audited, two by the fail mode */
	for (size_t i = 0; i < W->n_records; i++) {
		if (strcmp(W->records[i].action, "fail-mode") != 0)
			continue;
		assert_string_equal(W->records[i].detail, "every worker queue was full");
		assert_string_equal(W->records[i].path, dst);
		assert_int_equal(W->records[i].by, POOL_BY_QUEUE_FULL);
		assert_false(W->records[i].sync); /* answered already */
	}
	W->gated = false;
}

/* ---- device rules ---- */

static void a_read_only_rule_sets_the_device_read_only(void **state)
{
	struct devices_event ev = world_device("WORLDRO1", makedev(7, 98), "/dev/loop98");
	char mnt[PATH_MAX];

	(void)state;
	removable_device_event(&ev, W->a.removable);
	assert_true(world_find("record", "decision device read-only read-only pending", 0) >= 0);
	assert_true(world_find("set_read_only", "/dev/loop98 1", 0) >
		    world_find("record", "decision", 0));
	assert_true(world_find("record", "outcome device read-only read-only", 0) >
		    world_find("set_read_only", NULL, 0));
	assert_true(world_find("notify", NULL, 0) > world_find("record", "outcome", 0));
	assert_int_equal(W->notices[0].notice, POLICY_NOTICE_DEVICE_READ_ONLY);
	assert_string_equal(W->records[0].rule_reason, "唯讀");

	/* Mounted writable anyway: that one mount is made read-only, and
	 * a failure to do so is on record (never ignored). */
	world_forget();
	W->remount_error = -EPERM;
	snprintf(mnt, sizeof(mnt), "%s/ro", W->dir);
	world_mount(MOUNTS_ADDED, 901, "/dev/loop98", mnt, false);
	assert_true(world_find("remount", mnt, 0) > world_find("record", "decision mount", 0));
	assert_true(world_find("record", "outcome mount read-only read-only failed", 0) >= 0);
	assert_true(world_find("mark_medium", mnt, 0) >= 0);
	assert_int_equal(W->records[1].effect_result, -EPERM);
	assert_int_equal(atomic_load(&W->a.n.effect_failures), 1);

	/* Pulled: the node must not stay read-only for the next medium. */
	world_forget();
	world_mount(MOUNTS_REMOVED, 901, "/dev/loop98", mnt, false);
	ev.action = DEVICES_REMOVED;
	removable_device_event(&ev, W->a.removable);
	assert_true(world_find("unmark_medium", mnt, 0) >= 0);
	assert_true(world_find("set_read_only", "/dev/loop98 0", 0) >= 0);
}

static void a_block_rule_deauthorizes_and_denies_every_open(void **state)
{
	struct devices_event ev = world_device("WORLDBLK1", makedev(7, 97), "/dev/loop97");
	char mnt[PATH_MAX], file[PATH_MAX];
	struct pool_event fev;

	(void)state;
	removable_device_event(&ev, W->a.removable);
	assert_true(world_find("deauthorize", "/sys/devices/usb1/1-1/block/loop97", 0) >
		    world_find("record", "decision device block block pending", 0));
	assert_true(world_find("record", "outcome device block blocked (deauthorized)", 0) >= 0);
	assert_int_equal(W->notices[0].notice, POLICY_NOTICE_DEVICE_BLOCK);

	/* Not on a USB bus (a loop device): the block is the denied opens. */
	world_forget();
	W->deauth_error = -ENODEV;
	ev.action = DEVICES_CHANGED;
	removable_device_event(&ev, W->a.removable);
	assert_true(world_find("record", "outcome device block blocked (opens denied)", 0) >= 0);
	assert_int_equal(atomic_load(&W->a.n.effect_failures), 0);

	/* Its mount shares the stick's directory (both are st_dev of /tmp):
	 * unmount the stick, mount the blocked medium there. */
	snprintf(mnt, sizeof(mnt), "%s", W->stick);
	world_mount(MOUNTS_REMOVED, W->mount_id, "/dev/loop99", mnt, false);
	world_mount(MOUNTS_ADDED, 902, "/dev/loop97", mnt, false);
	world_forget();
	snprintf(file, sizeof(file), "%s/any.txt", W->stick);
	fev = world_event(file, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	decide_event(&W->a, 0, &fev);
	assert_true(world_find("record", "decision device-block block denied", 0) >= 0);
	assert_true(world_find("respond", "deny", 0) > world_find("record", NULL, 0));
	assert_int_equal(world_count("held_files"), 0); /* no need to look */
	close(fev.fd);
}

static void an_allowed_device_is_recorded_once(void **state)
{
	struct devices_event ev = world_device("ANY0001", makedev(7, 96), "/dev/loop96");

	(void)state;
	removable_device_event(&ev, W->a.removable);
	assert_int_equal(world_count("record"), 1);
	assert_true(world_find("record", "decision device allow allowed", 0) >= 0);
	assert_int_equal(world_count("set_read_only") + world_count("deauthorize"), 0);
	assert_false(W->notices[0].has_notice);
	/* The same again (udev's change after a mount) changes nothing. */
	ev.action = DEVICES_CHANGED;
	removable_device_event(&ev, W->a.removable);
	assert_int_equal(removable_media_count(W->a.removable), 1);
}

/* The fail mode's verdict, before any worker looked: by the medium the
 * event's fd is on (the reader must not touch the file). */
static void fail_verdict_follows_the_destination(void **state)
{
	char dst[PATH_MAX], src[PATH_MAX];
	struct pool_event ev;

	(void)state;
	snprintf(dst, sizeof(dst), "%s/x.txt", W->stick);
	snprintf(src, sizeof(src), "%s/x.txt", W->home);
	ev = world_event(dst, O_WRONLY | O_CREAT, FAN_OPEN_PERM, true);
	assert_int_equal(decide_fail_verdict(&W->a, &ev), POOL_DENY);
	close(ev.fd);
	ev = world_event(src, O_RDWR | O_CREAT, FAN_OPEN_PERM | AGENT_EV_SOURCE, true);
	assert_int_equal(decide_fail_verdict(&W->a, &ev), POOL_ALLOW);
	atomic_store(&ev.fail_hint, POOL_DENY); /* a worker knew better */
	assert_int_equal(decide_fail_verdict(&W->a, &ev), POOL_DENY);
	close(ev.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(destination_denies_a_copy_of_a_marked_document,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(destination_audits_an_unmarked_copy, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(destination_allows_when_nothing_is_held, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(a_failed_proc_scan_is_recorded_not_allowed, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(source_denies_reading_a_marked_document_into_the_stick,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(source_allows_and_learns_a_clean_file, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(post_write_quarantines_a_marked_file, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(post_write_keeps_an_unmarked_file_on_record,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(the_deadline_answers_by_the_fail_mode_and_is_recorded,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(a_full_queue_answers_at_once_and_a_worker_records_it,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(a_read_only_rule_sets_the_device_read_only, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(a_block_rule_deauthorizes_and_denies_every_open,
					    world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(an_allowed_device_is_recorded_once, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(fail_verdict_follows_the_destination, world_setup,
					    world_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
