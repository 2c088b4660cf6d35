/* kmod-free against the real kernel: a private tmpfs stands in for a medium
 * (tmpfs takes filesystem marks like any block filesystem).  Every open on
 * the marked filesystem is done by a child process: this process answers
 * the events, so it must never block on one itself. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmod-free/fanotify.h"
#include "kmod-free/procfd.h"

static char mnt[64];

static int mount_tmpfs(void **state)
{
	(void)state;
	strcpy(mnt, "/tmp/ward-kmodfree-XXXXXX");
	if (!mkdtemp(mnt))
		return -1;
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m") != 0) {
		rmdir(mnt);
		return -1;
	}
	return 0;
}

static int unmount_tmpfs(void **state)
{
	(void)state;
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	return 0;
}

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", mnt, name);
}

/* A child that runs fn(arg) and exits with its result (an errno or 0).
 * It closes its inherited copy of the fanotify group first: a group stays
 * alive while any process holds it, so a child holding it could never be
 * released by the parent closing its own copy (wardd's helpers must do
 * the same). */
static int inherited_group_fd = -1;

static pid_t spawn(int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (inherited_group_fd >= 0)
			close(inherited_group_fd);
		_exit(fn(arg));
	}
	assert_true(pid > 0);
	return pid;
}

static int child_status(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int do_read(const char *path)
{
	char buf[16];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	int n = (int)read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 ? 0 : 99;
}

static int do_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return errno;
	int ok = write(fd, "more\n", 5) == 5;
	close(fd);
	return ok ? 0 : 99;
}

static int do_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return errno;
	int ok = write(fd, "hello\n", 6) == 6;
	close(fd);
	return ok ? 0 : 99;
}

/* Wait up to timeout_ms for one event; returns false on timeout. */
static bool next_event(struct fan_group *g, struct fan_event *ev, int timeout_ms)
{
	static uint64_t buf[FAN_READ_BUFSZ / sizeof(uint64_t)];
	static struct fan_batch batch;
	static bool have;

	for (;;) {
		if (have && fan_batch_next(&batch, ev))
			return true;
		have = false;
		struct pollfd p = {.fd = g->fd, .events = POLLIN};
		if (poll(&p, 1, timeout_ms) <= 0)
			return false;
		ssize_t n = fan_read(g, buf, sizeof(buf));
		assert_true(n >= 0);
		fan_batch_init(&batch, buf, (size_t)n);
		have = true;
	}
}

static void group_opens_with_features(void **state)
{
	struct fan_group g;

	(void)state;
	assert_int_equal(fan_group_open(&g), 0);
	assert_true(g.fd >= 0);
	/* The kernel here is 6.x: both newer mark flags are found. */
	assert_true(g.caps & FAN_CAP_MARK_IGNORE);
	assert_true(g.caps & FAN_CAP_MARK_EVICTABLE);
	fan_group_close(&g);
	assert_int_equal(g.fd, -1);
}

static void medium_mark_denies_and_allows(void **state)
{
	struct fan_group g, landing;
	struct fan_event ev;
	enum fan_scope scope, landing_scope;
	bool closed = false;
	char file[PATH_MAX], seen[PATH_MAX];
	pid_t child;

	(void)state;
	path_in(file, sizeof(file), "doc.txt");
	child = spawn(do_create, file);
	assert_int_equal(child_status(child), 0);

	assert_int_equal(fan_group_open(&g), 0);
	assert_int_equal(fan_mark_medium(&g, mnt, &scope), 0);
	assert_int_equal(scope, FAN_SCOPE_FILESYSTEM);

	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(ev.pid, child);
	assert_true(fan_event_is_perm(&ev));
	assert_int_equal(fan_fd_path(ev.fd, seen, sizeof(seen)), 0);
	assert_string_equal(seen, file);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_DENY, true), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), EPERM);

	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);

	/* A write: allowed open in the permission group; what was written
	 * comes through the landing group, its fd read-write (modify, then
	 * close-after-write, or both in one event). */
	assert_int_equal(fan_landing_group_open(&landing), 0);
	assert_int_equal(fan_mark_landing(&landing, mnt, &landing_scope), 0);
	child = spawn(do_append, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_true(fan_event_is_perm(&ev));
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	for (int i = 0; i < 2 && !closed; i++) {
		assert_true(next_event(&landing, &ev, 2000));
		assert_false(fan_event_is_perm(&ev));
		assert_int_equal(ev.pid, child);
		assert_int_equal(fcntl(ev.fd, F_GETFL) & O_ACCMODE, O_RDWR);
		closed = fan_event_is_close_write(&ev);
		close(ev.fd);
	}
	assert_true(closed);
	assert_int_equal(child_status(child), 0);
	/* The permission group hears no close-write. */
	assert_false(next_event(&g, &ev, 100));

	/* Unmarked: no more events, twice is fine. */
	assert_int_equal(fan_unmark_medium(&g, mnt, scope), 0);
	assert_int_equal(fan_unmark_medium(&g, mnt, scope), 0);
	assert_int_equal(fan_unmark_landing(&landing, mnt, landing_scope), 0);
	child = spawn(do_read, file);
	assert_int_equal(child_status(child), 0);
	assert_false(next_event(&g, &ev, 100));
	fan_group_close(&landing);
	fan_group_close(&g);
}

static void ignore_mark_holds_until_modified(void **state)
{
	struct fan_group g;
	struct fan_event ev;
	char file[PATH_MAX];
	pid_t child;

	(void)state;
	path_in(file, sizeof(file), "plain.txt");
	assert_int_equal(child_status(spawn(do_create, file)), 0);
	assert_int_equal(fan_group_open(&g), 0);
	assert_int_equal(fan_mark_internal(&g, mnt), 0);

	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(fan_ignore_inode(&g, ev.fd, 0), 0);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);

	/* Ignored: the open completes with nobody answering. */
	assert_int_equal(child_status(spawn(do_read, file)), 0);
	assert_false(next_event(&g, &ev, 100));

	/* A modification clears the ignore mark (the append's own open is
	 * still ignored: it happens before the modification). */
	assert_int_equal(child_status(spawn(do_append, file)), 0);
	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(ev.pid, child);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);

	/* Removing one inode's ignore mark: reported again at once; twice
	 * is fine. */
	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(fan_ignore_inode(&g, ev.fd, 0), 0);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);
	assert_int_equal(child_status(spawn(do_read, file)), 0);
	assert_false(next_event(&g, &ev, 100));
	/* Still ignored: this open is not held for a verdict.  (An O_PATH fd
	 * is refused by fanotify_mark with EBADF.) */
	int fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fan_unignore_inode(&g, fd, 0), 0);
	assert_int_equal(fan_unignore_inode(&g, fd, 0), 0);
	close(fd);
	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(ev.pid, child);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);

	/* Flushing drops the ignore marks too. */
	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(fan_ignore_inode(&g, ev.fd, 0), 0);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);
	assert_int_equal(fan_flush_ignores(&g), 0);
	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);

	assert_int_equal(fan_unmark_internal(&g, mnt), 0);
	fan_group_close(&g);
}

/* A filesystem mark covers the medium wherever it is bind-mounted. */
static void medium_mark_covers_bind_mounts(void **state)
{
	struct fan_group g;
	struct fan_event ev;
	enum fan_scope scope;
	char bind[] = "/tmp/ward-kmodfree-bind-XXXXXX", file[PATH_MAX], via_bind[PATH_MAX];
	pid_t child;

	(void)state;
	path_in(file, sizeof(file), "bound.txt");
	assert_int_equal(child_status(spawn(do_create, file)), 0);
	assert_non_null(mkdtemp(bind));
	assert_int_equal(mount(mnt, bind, NULL, MS_BIND, NULL), 0);
	snprintf(via_bind, sizeof(via_bind), "%s/bound.txt", bind);

	assert_int_equal(fan_group_open(&g), 0);
	assert_int_equal(fan_mark_medium(&g, mnt, &scope), 0);
	child = spawn(do_read, via_bind);
	bool seen = next_event(&g, &ev, 2000);
	if (seen) {
		assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_DENY, false), 0);
		close(ev.fd);
	}
	int status = child_status(child);
	fan_group_close(&g);
	umount2(bind, MNT_DETACH);
	rmdir(bind);
	assert_true(seen);
	assert_int_equal(status, EPERM);
}

/* The medium at mnt/sub is unmounted before its marks are dropped (a pulled
 * stick): dropping must not touch the internal mark of the filesystem the
 * mount point now belongs to. */
static void unmark_after_unmount_keeps_internal_mark(void **state)
{
	struct fan_group g;
	struct fan_event ev;
	enum fan_scope scope;
	char sub[PATH_MAX], file[PATH_MAX];
	pid_t child;

	(void)state;
	path_in(sub, sizeof(sub), "sub");
	path_in(file, sizeof(file), "internal.txt");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mount("tmpfs", sub, "tmpfs", 0, "size=1m"), 0);
	assert_int_equal(child_status(spawn(do_create, file)), 0);

	assert_int_equal(fan_group_open(&g), 0);
	assert_int_equal(fan_mark_internal(&g, mnt), 0);
	assert_int_equal(fan_mark_medium(&g, sub, &scope), 0);
	assert_int_equal(scope, FAN_SCOPE_FILESYSTEM);
	assert_int_equal(umount2(sub, 0), 0);
	assert_int_equal(fan_unmark_medium(&g, sub, scope), 0);

	child = spawn(do_read, file);
	assert_true(next_event(&g, &ev, 2000));
	assert_int_equal(ev.pid, child);
	assert_int_equal(fan_respond(&g, ev.fd, FAN_VERDICT_ALLOW, false), 0);
	close(ev.fd);
	assert_int_equal(child_status(child), 0);
	fan_group_close(&g);
}

static void closing_the_group_releases_waiters(void **state)
{
	struct fan_group g;
	struct fan_event ev;
	char file[PATH_MAX];
	enum fan_scope scope;
	pid_t child;

	(void)state;
	path_in(file, sizeof(file), "held.txt");
	assert_int_equal(child_status(spawn(do_create, file)), 0);
	assert_int_equal(fan_group_open(&g), 0);
	assert_int_equal(fan_mark_medium(&g, mnt, &scope), 0);
	inherited_group_fd = g.fd;
	child = spawn(do_read, file);
	inherited_group_fd = -1;
	assert_true(next_event(&g, &ev, 2000));
	/* Never answered: closing the group lets the opener through. */
	close(ev.fd);
	fan_group_close(&g);
	assert_int_equal(child_status(child), 0);
}

static void batch_rejects_malformed_records(void **state)
{
	struct fanotify_event_metadata md[2];
	struct fan_batch b;
	struct fan_event ev;

	(void)state;
	memset(md, 0, sizeof(md));
	md[0].event_len = sizeof(md[0]);
	md[0].vers = FANOTIFY_METADATA_VERSION;
	md[0].metadata_len = sizeof(md[0]);
	md[0].fd = 7;
	md[0].pid = 42;
	md[0].mask = FAN_OPEN_PERM;
	md[1] = md[0];
	md[1].vers = FANOTIFY_METADATA_VERSION + 1;
	fan_batch_init(&b, md, sizeof(md));
	assert_true(fan_batch_next(&b, &ev));
	assert_int_equal(ev.fd, 7);
	assert_int_equal(ev.pid, 42);
	assert_true(fan_event_is_perm(&ev));
	assert_false(fan_batch_next(&b, &ev));
	assert_int_equal(b.error, -EPROTO);

	/* A record claiming more than the buffer holds. */
	md[0].event_len = 4096;
	fan_batch_init(&b, md, sizeof(md));
	assert_false(fan_batch_next(&b, &ev));
	assert_int_equal(b.error, -EPROTO);
	/* An empty batch is just empty. */
	fan_batch_init(&b, md, 0);
	assert_false(fan_batch_next(&b, &ev));
	assert_int_equal(b.error, 0);
}

static void internal_filesystem_types(void **state)
{
	(void)state;
	assert_true(fan_fstype_is_internal("ext4"));
	assert_true(fan_fstype_is_internal("xfs"));
	assert_true(fan_fstype_is_internal("btrfs"));
	assert_false(fan_fstype_is_internal("tmpfs"));
	assert_false(fan_fstype_is_internal("proc"));
	assert_false(fan_fstype_is_internal("fuseblk"));
	assert_false(fan_fstype_is_internal("exfat"));
	assert_false(fan_fstype_is_internal(NULL));
}

static void opener_identity_of_self_and_of_the_gone(void **state)
{
	struct fan_opener o;
	char exe[PATH_MAX];
	ssize_t n;
	pid_t child;

	(void)state;
	assert_int_equal(fan_opener_read(getpid(), &o), 0);
	assert_int_equal(o.pid, getpid());
	assert_int_equal(o.ppid, getppid());
	assert_int_equal(o.uid, getuid());
	assert_int_equal(o.euid, geteuid());
	assert_int_equal(o.gid, getgid());
	assert_string_equal(o.comm, "test_kmodfree");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_string_equal(o.exe, exe);
	/* The login uid as the audit subsystem keeps it ((uid_t)-1: unset). */
	FILE *lf = fopen("/proc/self/loginuid", "r");
	if (lf) {
		unsigned long lu = 0;
		assert_int_equal(fscanf(lf, "%lu", &lu), 1);
		fclose(lf);
		assert_int_equal(o.loginuid, (uid_t)lu);
	}

	child = fork();
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(fan_opener_read(child, &o), -ESRCH);
}

struct holder {
	pid_t pid;
	int go[2];
	int ready[2];
};

/* A child holding: a file on the "medium" open for writing, one for
 * reading elsewhere, one O_PATH, and one read on the medium. */
static void start_holder(struct holder *h)
{
	char w[PATH_MAX], r[PATH_MAX];

	path_in(w, sizeof(w), "out.bin");
	path_in(r, sizeof(r), "onmedia.txt");
	assert_int_equal(child_status(spawn(do_create, r)), 0);
	assert_int_equal(pipe(h->go), 0);
	assert_int_equal(pipe(h->ready), 0);
	h->pid = fork();
	if (h->pid == 0) {
		char c;
		int a = open(w, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int b = open("/etc/hostname", O_RDONLY);
		int p = open("/etc/passwd", O_PATH);
		int m = open(r, O_RDONLY);
		if (a < 0 || b < 0 || p < 0 || m < 0)
			_exit(1);
		if (write(h->ready[1], "r", 1) != 1)
			_exit(1);
		if (read(h->go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	char c;
	assert_int_equal(read(h->ready[0], &c, 1), 1);
}

static void stop_holder(struct holder *h)
{
	assert_int_equal(write(h->go[1], "g", 1), 1);
	assert_int_equal(child_status(h->pid), 0);
	close(h->go[0]);
	close(h->go[1]);
	close(h->ready[0]);
	close(h->ready[1]);
}

static void procfd_finds_writers_and_sources(void **state)
{
	struct holder h;
	struct stat media, src;
	struct procfd_file found[8];
	size_t n;
	bool truncated;
	char buf[256];

	(void)state;
	assert_int_equal(stat(mnt, &media), 0);
	assert_int_equal(stat("/etc/hostname", &src), 0);
	start_holder(&h);

	struct procfd_query q = {
	    .media_devs = &media.st_dev,
	    .n_media_devs = 1,
	    .want = PROCFD_MEDIA_WRITER | PROCFD_SOURCE,
	    .skip_fd = -1,
	};
	assert_int_equal(procfd_scan(h.pid, &q, found, 8, &n, &truncated), 0);
	assert_false(truncated);
	int writers = 0, sources = 0, src_index = -1;
	for (size_t i = 0; i < n; i++) {
		if (found[i].kind == PROCFD_MEDIA_WRITER) {
			writers++;
			assert_true(found[i].dev == media.st_dev);
			assert_int_equal(found[i].flags & O_ACCMODE, O_WRONLY);
		} else {
			assert_int_equal(found[i].kind, PROCFD_SOURCE);
			assert_true(found[i].dev != media.st_dev);
			if (found[i].ino == src.st_ino && found[i].dev == src.st_dev) {
				sources++;
				src_index = (int)i;
				assert_int_equal(found[i].flags & O_ACCMODE, O_RDONLY);
				assert_int_equal(found[i].size, src.st_size);
			}
		}
	}
	assert_int_equal(writers, 1);
	assert_int_equal(sources, 1);

	/* Only writers asked: the source is not reported. */
	q.want = PROCFD_MEDIA_WRITER;
	assert_int_equal(procfd_scan(h.pid, &q, found, 8, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(found[0].kind, PROCFD_MEDIA_WRITER);
	/* ... and the writer left out by dev/ino. */
	q.skip_dev = found[0].dev;
	q.skip_ino = found[0].ino;
	assert_int_equal(procfd_scan(h.pid, &q, found, 8, &n, NULL), 0);
	assert_int_equal(n, 0);

	/* Room for none: reported as truncated. */
	q.want = PROCFD_SOURCE;
	q.skip_dev = 0;
	assert_int_equal(procfd_scan(h.pid, &q, found, 0, &n, &truncated), 0);
	assert_true(truncated);

	/* Open the source through the process: same content. */
	q.want = PROCFD_SOURCE;
	assert_int_equal(procfd_scan(h.pid, &q, found, 8, &n, NULL), 0);
	src_index = -1;
	for (size_t i = 0; i < n; i++)
		if (found[i].ino == src.st_ino)
			src_index = (int)i;
	if (src_index < 0)
		fail_msg("the source fd is not reported any more");
	int fd = procfd_open(h.pid, &found[src_index]);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf)) == src.st_size);
	close(fd);
	/* The fd number now names another file (as after a reuse). */
	struct procfd_file stale = found[src_index];
	stale.ino++;
	assert_int_equal(procfd_open(h.pid, &stale), -ESTALE);

	stop_holder(&h);
	/* Gone. */
	assert_int_equal(procfd_scan(h.pid, &q, found, 8, &n, NULL), -ESRCH);
	assert_int_equal(procfd_open(h.pid, &stale), -ESRCH);
}

/* A process opening and closing files as fast as it can while it is
 * scanned: descriptors vanish between readdir and stat, numbers are
 * reused.  Every scan still succeeds and reports only what it could see. */
static void procfd_survives_a_churning_process(void **state)
{
	struct stat media;
	struct procfd_file found[8];
	size_t n;
	pid_t child;

	(void)state;
	assert_int_equal(stat(mnt, &media), 0);
	child = fork();
	if (child == 0) {
		char w[PATH_MAX];
		path_in(w, sizeof(w), "churn.bin");
		/* Killed when done; ends by itself should the test fail first. */
		time_t end = time(NULL) + 20;
		while (time(NULL) < end) {
			int fds[16];
			for (int i = 0; i < 16; i++)
				fds[i] = i % 2 ? open("/etc/hostname", O_RDONLY)
					       : open(w, O_WRONLY | O_CREAT, 0644);
			for (int i = 0; i < 16; i++)
				close(fds[i]);
		}
		_exit(0);
	}
	assert_true(child > 0);
	struct procfd_query q = {
	    .media_devs = &media.st_dev,
	    .n_media_devs = 1,
	    .want = PROCFD_MEDIA_WRITER | PROCFD_SOURCE,
	    .skip_fd = -1,
	};
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(procfd_scan(child, &q, found, 8, &n, NULL), 0);
		for (size_t k = 0; k < n; k++)
			assert_true(found[k].kind == PROCFD_MEDIA_WRITER
					? found[k].dev == media.st_dev
					: found[k].dev != media.st_dev);
	}
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
}

static void tgid_of_a_thread_group(void **state)
{
	(void)state;
	assert_int_equal(procfd_ppid(getpid()), getppid());
	assert_int_equal(procfd_ppid(0x7ffffff0), -ESRCH);
	/* A name made to confuse a naive parser of /proc/PID/stat. */
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "x) S 1 (y");
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(procfd_ppid(child), getpid());
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(procfd_tgid(getpid()), getpid());
	assert_true(procfd_tgid(0x7ffffff0) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(group_opens_with_features),
	    cmocka_unit_test_setup_teardown(medium_mark_denies_and_allows, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test_setup_teardown(ignore_mark_holds_until_modified, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test_setup_teardown(medium_mark_covers_bind_mounts, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test_setup_teardown(unmark_after_unmount_keeps_internal_mark, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test_setup_teardown(closing_the_group_releases_waiters, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test(batch_rejects_malformed_records),
	    cmocka_unit_test(internal_filesystem_types),
	    cmocka_unit_test(opener_identity_of_self_and_of_the_gone),
	    cmocka_unit_test_setup_teardown(procfd_finds_writers_and_sources, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test_setup_teardown(procfd_survives_a_churning_process, mount_tmpfs,
					    unmount_tmpfs),
	    cmocka_unit_test(tgid_of_a_thread_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
