#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent/mounts.h"

/* Real lines from this kind of machine, plus the cases mountinfo(5) warns
 * about: escaped spaces, several optional fields, bind mounts of a
 * subdirectory, FUSE with an anonymous dev, no optional fields. */
static const char sample[] =
    "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "27 26 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=4096k\n"
    "41 26 7:0 / /tmp/exm rw,nosuid,nodev,relatime - fuseblk /dev/loop0 "
    "rw,user_id=0,group_id=0,default_permissions,allow_other,blksize=4096\n"
    "42 26 8:17 / /media/usb\\040stick rw,nosuid shared:7 master:3 - exfat /dev/sdb1 "
    "rw,fmask=0022\n"
    "43 26 8:17 /docs /srv/bind\\011tab ro,relatime shared:7 - exfat /dev/sdb1 rw\n"
    "44 26 0:52 / /media/fuse rw,nosuid,nodev - fuse.exfat /dev/loop3 rw,user_id=0\n"
    "garbage line without fields\n"
    "45 26 0:60 / /run/back\\134slash rw - tmpfs tmpfs rw";

static void parses_fields_and_escapes(void **state)
{
	struct mount_table t;
	size_t bad = 0;

	(void)state;
	assert_int_equal(mount_table_parse(sample, strlen(sample), &t, &bad), 0);
	assert_int_equal(t.n, 7);
	assert_int_equal(bad, 1);

	assert_int_equal(t.entries[0].mount_id, 26);
	assert_int_equal(t.entries[0].parent_id, 1);
	assert_true(t.entries[0].dev == makedev(254, 0));
	assert_string_equal(t.entries[0].mount_point, "/");
	assert_string_equal(t.entries[0].fstype, "ext4");
	assert_string_equal(t.entries[0].source, "/dev/vda");
	assert_false(t.entries[0].read_only);

	/* Two optional fields, an escaped space. */
	assert_string_equal(t.entries[3].mount_point, "/media/usb stick");
	assert_string_equal(t.entries[3].fstype, "exfat");
	assert_string_equal(t.entries[3].source, "/dev/sdb1");
	assert_string_equal(t.entries[3].super_opts, "rw,fmask=0022");

	/* A read-only bind of a subdirectory, with a tab in its name. */
	assert_string_equal(t.entries[4].root, "/docs");
	assert_string_equal(t.entries[4].mount_point, "/srv/bind\ttab");
	assert_true(t.entries[4].read_only);

	assert_true(mount_entry_is_fuse(&t.entries[2]));
	assert_true(mount_entry_is_fuse(&t.entries[5]));
	assert_false(mount_entry_is_fuse(&t.entries[3]));
	assert_string_equal(t.entries[6].mount_point, "/run/back\\slash");
	mount_table_free(&t);
}

static void unescape_leaves_plain_backslashes(void **state)
{
	char s[] = "a\\040b\\9x\\0";
	(void)state;
	mountinfo_unescape(s);
	assert_string_equal(s, "a b\\9x\\0");
}

static void maps_mounts_to_devices(void **state)
{
	struct mount_table t;

	(void)state;
	assert_int_equal(mount_table_parse(sample, strlen(sample), &t, NULL), 0);
	/* Kernel filesystem: by major:minor; both the mount and its bind. */
	assert_true(mount_entry_on_device(&t.entries[3], makedev(8, 17), "/dev/sdb1"));
	assert_true(mount_entry_on_device(&t.entries[4], makedev(8, 17), NULL));
	assert_false(mount_entry_on_device(&t.entries[3], makedev(8, 16), "/dev/sdb"));
	/* fuseblk reports the block device's own dev. */
	assert_true(mount_entry_on_device(&t.entries[2], makedev(7, 0), NULL));
	/* FUSE with an anonymous dev: by source path. */
	assert_true(mount_entry_on_device(&t.entries[5], makedev(7, 3), "/dev/loop3"));
	assert_false(mount_entry_on_device(&t.entries[5], makedev(7, 4), "/dev/loop4"));
	/* Not a path: never matched by source. */
	assert_false(mount_entry_on_device(&t.entries[6], makedev(7, 3), "tmpfs"));
	mount_table_free(&t);
}

struct seen {
	char log[1024];
};

static void record(enum mounts_action action, const struct mount_entry *m, void *arg)
{
	struct seen *s = arg;
	const char *a = action == MOUNTS_ADDED ? "+" : action == MOUNTS_REMOVED ? "-" : "~";
	size_t len = strlen(s->log);
	snprintf(s->log + len, sizeof(s->log) - len, "%s%d:%s ", a, m->mount_id, m->mount_point);
}

static void diff_reports_added_removed_changed(void **state)
{
	static const char before[] = "26 1 254:0 / / rw - ext4 /dev/vda rw\n"
				     "42 26 8:17 / /media/a rw - exfat /dev/sdb1 rw\n"
				     "43 26 8:33 / /media/b rw - ext4 /dev/sdc1 rw\n";
	/* 42 unmounted; 43 remounted read-only; a new mount reuses id 42 at
	 * another place: that is a removal plus an addition. */
	static const char after[] = "26 1 254:0 / / rw - ext4 /dev/vda rw\n"
				    "43 26 8:33 / /media/b ro - ext4 /dev/sdc1 rw\n"
				    "42 26 8:49 / /media/c rw - vfat /dev/sdd1 rw\n";
	struct mount_table a, b, empty = {0};
	struct seen s = {""};

	(void)state;
	assert_int_equal(mount_table_parse(before, strlen(before), &a, NULL), 0);
	assert_int_equal(mount_table_parse(after, strlen(after), &b, NULL), 0);
	assert_int_equal(mount_table_diff(&a, &b, record, &s), 3);
	assert_string_equal(s.log, "-42:/media/a +42:/media/c ~43:/media/b ");

	s.log[0] = '\0';
	assert_int_equal(mount_table_diff(&empty, &a, record, &s), 3);
	assert_string_equal(s.log, "+26:/ +42:/media/a +43:/media/b ");
	s.log[0] = '\0';
	assert_int_equal(mount_table_diff(&a, &a, record, &s), 0);
	assert_string_equal(s.log, "");
	mount_table_free(&a);
	mount_table_free(&b);
}

static void tracker_reads_a_file_and_reports_changes(void **state)
{
	char path[] = "/tmp/ward-mountinfo-XXXXXX";
	int fd = mkstemp(path);
	struct mounts *m;
	struct seen s = {""};
	static const char one[] = "26 1 254:0 / / rw - ext4 /dev/vda rw\n";
	static const char two[] = "26 1 254:0 / / rw - ext4 /dev/vda rw\n"
				  "50 26 8:17 / /media/x rw - exfat /dev/sdb1 rw\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, one, strlen(one)), (int)strlen(one));
	assert_int_equal(mounts_open(path, &m), 0);
	assert_true(mounts_fd(m) >= 0);
	assert_int_equal(mounts_refresh(m, record, &s), 1);
	assert_string_equal(s.log, "+26:/ ");
	assert_int_equal(pwrite(fd, two, strlen(two), 0), (int)strlen(two));
	s.log[0] = '\0';
	assert_int_equal(mounts_refresh(m, record, &s), 1);
	assert_string_equal(s.log, "+50:/media/x ");
	assert_int_equal(mounts_table(m)->n, 2);
	mounts_free(m);
	close(fd);
	unlink(path);
}

static void tracker_reads_the_real_table(void **state)
{
	struct mounts *m;
	struct seen s = {""};
	bool root = false;

	(void)state;
	assert_int_equal(mounts_open(NULL, &m), 0);
	assert_true(mounts_refresh(m, record, &s) > 0);
	for (size_t i = 0; i < mounts_table(m)->n; i++)
		if (strcmp(mounts_table(m)->entries[i].mount_point, "/") == 0)
			root = true;
	assert_true(root);
	/* Other mounts may come and go meanwhile (tests run in parallel),
	 * but the root mount did not change: it is not reported again. */
	s.log[0] = '\0';
	assert_true(mounts_refresh(m, record, &s) >= 0);
	assert_null(strstr(s.log, ":/ "));
	mounts_free(m);
}

struct find {
	const char *mount_point;
	int added, removed, changed;
};

static void find_cb(enum mounts_action action, const struct mount_entry *m, void *arg)
{
	struct find *f = arg;
	if (strcmp(m->mount_point, f->mount_point) != 0)
		return;
	if (action == MOUNTS_ADDED)
		f->added++;
	else if (action == MOUNTS_REMOVED)
		f->removed++;
	else
		f->changed++;
}

static bool wait_pri(struct mounts *m)
{
	struct pollfd p = {.fd = mounts_fd(m), .events = POLLPRI};
	return poll(&p, 1, 2000) == 1 && (p.revents & (POLLPRI | POLLERR));
}

/* The kernel signals a mount table change with POLLPRI; the tracker
 * reports a real mount, its remount read-only, and its unmount. */
static char dir[32];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ward-mounts-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

/* Also after a failure half-way: nothing stays mounted. */
static int remove_dir(void **state)
{
	(void)state;
	umount2(dir, MNT_DETACH);
	return rmdir(dir);
}

static void tracker_hears_real_mounts(void **state)
{
	struct mounts *m;
	struct find f = {dir, 0, 0, 0};

	(void)state;
	assert_int_equal(mounts_open(NULL, &m), 0);
	assert_true(mounts_refresh(m, find_cb, &f) > 0);
	assert_int_equal(f.added, 0);

	assert_int_equal(mount("tmpfs", dir, "tmpfs", 0, "size=1m"), 0);
	assert_true(wait_pri(m));
	assert_true(mounts_refresh(m, find_cb, &f) >= 1);
	assert_int_equal(f.added, 1);

	assert_int_equal(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	assert_true(wait_pri(m));
	assert_true(mounts_refresh(m, find_cb, &f) >= 1);
	assert_int_equal(f.changed, 1);
	bool ro = false;
	for (size_t i = 0; i < mounts_table(m)->n; i++)
		if (strcmp(mounts_table(m)->entries[i].mount_point, dir) == 0)
			ro = mounts_table(m)->entries[i].read_only;
	assert_true(ro);

	assert_int_equal(umount2(dir, 0), 0);
	assert_true(wait_pri(m));
	assert_true(mounts_refresh(m, find_cb, &f) >= 1);
	assert_int_equal(f.removed, 1);
	assert_int_equal(f.added, 1);
	mounts_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_fields_and_escapes),
	    cmocka_unit_test(unescape_leaves_plain_backslashes),
	    cmocka_unit_test(maps_mounts_to_devices),
	    cmocka_unit_test(diff_reports_added_removed_changed),
	    cmocka_unit_test(tracker_reads_a_file_and_reports_changes),
	    cmocka_unit_test(tracker_reads_the_real_table),
	    cmocka_unit_test_setup_teardown(tracker_hears_real_mounts, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
