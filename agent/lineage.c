/* Process lineage (lineage.h). */
#define _GNU_SOURCE
#include "agent/lineage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/exits.h"
#include "agent/fpstore.h"
#include "agent/taint.h"
#include "agent/written.h"
#include "classify/winnow.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/util.h"
#include "kmod-free/procfd.h"

#define MAGIC "WLN1"
#define DIGEST_MAX (256ull << 20) /* as much as the classifier reads */
#define SNIFF_BYTES 65536	  /* read to tell an encoding from text */

/* One derived file, as kept on disk (one write each). */
struct lin_record {
	char magic[4];
	uint8_t level;
	uint8_t encoded;
	uint16_t reserved;
	int32_t pid;
	int64_t time;
	unsigned char sha256[32]; /* the derived file's content */
	unsigned char source[32]; /* the marked document's */
	char exe[TAINT_EXE_MAX];  /* the writer */
};

struct derived {
	struct lin_record r;
	char source_hex[65];
};

struct marked_doc {
	dev_t dev;
	ino_t ino;
	enum ward_level level;
	unsigned char sha256[32];
};

struct lineage {
	pthread_mutex_t lock; /* guards everything below */
	struct written *written;
	int fd; /* the store's file, appended to */
	struct taint_table taint;
	struct marked_doc *marked;
	unsigned n_marked, next_marked;
	uint64_t marks_placed;
	bool marks_full_logged;
	struct exits *exits; /* NULL: a gone reader's parent is unknown */
	bool (*is_helper)(void *arg, pid_t pid);
	void *helper_arg;
	struct derived *derived;
	unsigned n_derived, next_derived;
	long ticks_per_s;
	uint64_t reads, checked, recorded, gone_readers, gone_parents;
	/* The last read told: a process reading a document in many reads
	 * that the kernel did not merge is looked up in /proc once a second. */
	pid_t last_pid;
	dev_t last_dev;
	ino_t last_ino;
	uint64_t last_ms;
};

/* ---- the store ---- */

static struct derived *derived_find(struct lineage *l, const unsigned char sha256[32])
{
	for (unsigned i = 0; i < l->n_derived; i++)
		if (memcmp(l->derived[i].r.sha256, sha256, 32) == 0)
			return &l->derived[i];
	return NULL;
}

static void derived_keep(struct lineage *l, const struct lin_record *r)
{
	struct derived *d = derived_find(l, r->sha256);

	if (!d) {
		d = &l->derived[l->next_derived];
		l->next_derived = (l->next_derived + 1) % LINEAGE_MAX_DERIVED;
		if (l->n_derived < LINEAGE_MAX_DERIVED)
			l->n_derived++;
	}
	d->r = *r;
	d->r.exe[TAINT_EXE_MAX - 1] = '\0';
	hex_encode(r->source, 32, d->source_hex);
}

static bool record_sane(const struct lin_record *r)
{
	return memcmp(r->magic, MAGIC, 4) == 0 && r->level != WARD_LEVEL_NONE &&
	       r->level <= WARD_LEVEL_MAX && r->encoded <= 1 &&
	       memchr(r->exe, '\0', sizeof(r->exe));
}

/* Reads every record; a torn or damaged tail is cut off. */
static int load(struct lineage *l)
{
	struct lin_record r;
	off_t good = 0;
	struct stat st;

	while (pread(l->fd, &r, sizeof(r), good) == (ssize_t)sizeof(r) && record_sane(&r)) {
		derived_keep(l, &r);
		good += (off_t)sizeof(r);
	}
	if (fstat(l->fd, &st) == 0 && st.st_size != good) {
		log_warnx("lineage: a damaged record at byte %lld cut off", (long long)good);
		if (ftruncate(l->fd, good) < 0)
			return -errno;
	}
	return 0;
}

int lineage_open(const char *path, struct lineage **out)
{
	struct lineage *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->ticks_per_s = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	l->marked = calloc(LINEAGE_MAX_MARKED, sizeof(*l->marked));
	l->derived = calloc(LINEAGE_MAX_DERIVED, sizeof(*l->derived));
	l->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (!l->marked || !l->derived)
		r = -ENOMEM;
	else if (l->fd < 0)
		r = -errno;
	else if (fchmod(l->fd, 0600) < 0)
		r = -errno;
	else if ((r = taint_init(&l->taint, LINEAGE_MAX_TAINTED, LINEAGE_TAINT_TTL_MS)) == 0)
		r = load(l);
	if (r < 0) {
		lineage_free(l);
		return r;
	}
	*out = l;
	return 0;
}

void lineage_free(struct lineage *l)
{
	if (!l)
		return;
	exits_stop(l->exits);
	if (l->fd >= 0)
		close(l->fd);
	taint_free(&l->taint);
	pthread_mutex_destroy(&l->lock);
	free(l->marked);
	free(l->derived);
	free(l);
}

/* ---- marked documents ---- */

static struct marked_doc *marked_find(struct lineage *l, dev_t dev, ino_t ino)
{
	for (unsigned i = 0; i < l->n_marked; i++)
		if (l->marked[i].dev == dev && l->marked[i].ino == ino)
			return &l->marked[i];
	return NULL;
}

void lineage_marked(struct lineage *l, int fd, const struct stat *st,
		    const struct classify_result *res)
{
	struct marked_doc *m;
	bool place = false;
	int r = 0;

	if (!l || res->level == WARD_LEVEL_NONE || res->declassified || !l->written ||
	    !S_ISREG(st->st_mode) || !written_watches(l->written, st->st_dev))
		return;
	pthread_mutex_lock(&l->lock);
	m = marked_find(l, st->st_dev, st->st_ino);
	if (!m) {
		/* A mark pins its inode: at most so many, the oldest
		 * forgotten (its mark stays, its opens are ignored). */
		place = l->marks_placed < 2 * LINEAGE_MAX_MARKED;
		m = &l->marked[l->next_marked];
		l->next_marked = (l->next_marked + 1) % LINEAGE_MAX_MARKED;
		if (l->n_marked < LINEAGE_MAX_MARKED)
			l->n_marked++;
		m->dev = st->st_dev;
		m->ino = st->st_ino;
		if (place)
			l->marks_placed++;
		else if (!l->marks_full_logged)
			log_warnx("lineage: %u marked documents watched for opens, no more",
				  2 * LINEAGE_MAX_MARKED);
		l->marks_full_logged |= !place;
	}
	m->level = res->level;
	memcpy(m->sha256, res->sha256, 32);
	pthread_mutex_unlock(&l->lock);
	if (place)
		r = written_mark_reads(l->written, fd);
	if (r < 0)
		log_warnx("lineage: cannot watch a marked document for reads: %s", strerror(-r));
}

/* ---- the stream's callbacks (its thread: nothing that waits) ---- */

static uint64_t boot_ticks(const struct lineage *l)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)l->ticks_per_s +
	       (uint64_t)ts.tv_nsec / (1000000000ull / (uint64_t)l->ticks_per_s);
}

/* A read taints, an open does not: FAN_OPEN also comes for `> doc` (a
 * write open that truncates it, then something unrelated written there),
 * and its event descriptor carries the group's flags, not the opener's, so
 * only /proc/PID/fdinfo could tell the two apart, and the writer of a
 * short `> doc` has closed it by the time we look.  FAN_ACCESS comes for
 * read(2), sendfile, splice and copy_file_range from the file, each run
 * of them merged by the kernel into one event while it waits in the queue.
 * A reader that only maps the file (mmap) is not seen. */
static void on_read(void *arg, const struct written_file *f)
{
	struct lineage *l = arg;
	struct taint t = {.pid = f->pid};
	struct marked_doc *m;
	pid_t ppid;

	/* Our scanners read marked documents to classify them. */
	if (l->is_helper && l->is_helper(l->helper_arg, f->pid))
		return;
	pthread_mutex_lock(&l->lock);
	m = marked_find(l, f->st->st_dev, f->st->st_ino);
	if (m) {
		t.level = m->level;
		memcpy(t.source_sha256, m->sha256, 32);
	}
	if (m && f->pid == l->last_pid && f->st->st_dev == l->last_dev &&
	    f->st->st_ino == l->last_ino && f->now_ms < l->last_ms + 1000) {
		l->reads++;
		m = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	if (!m)
		return;
	/* Gone already: known by pid alone (taint.h), its parent from its
	 * exit (the shell of `sh -c 'base64 doc > out'` closes out next). */
	if (procfd_lineage(f->pid, &ppid, &t.start_ticks) < 0) {
		t.start_ticks = 0;
		t.ppid = exits_parent(l->exits, f->pid);
	} else {
		t.ppid = ppid;
	}
	if (procfd_exe(f->pid, t.exe, sizeof(t.exe)) < 0)
		t.exe[0] = '\0';
	t.read_ticks = boot_ticks(l);
	pthread_mutex_lock(&l->lock);
	l->reads++;
	l->gone_readers += t.start_ticks == 0;
	l->gone_parents += t.start_ticks == 0 && t.ppid != 0;
	l->last_pid = f->pid;
	l->last_dev = f->st->st_dev;
	l->last_ino = f->st->st_ino;
	l->last_ms = f->now_ms;
	taint_add(&l->taint, &t, f->now_ms);
	pthread_mutex_unlock(&l->lock);
}

static uint64_t ms_to_ticks(const struct lineage *l, uint64_t ms)
{
	return ms * (uint64_t)l->ticks_per_s / 1000;
}

/* The writer's own taint, or a child's that read a marked document a
 * moment ago (the shell of `base64 doc > out` closes out last).  Lock
 * held. */
static const struct taint *own_taint(struct lineage *l, pid_t pid, uint64_t start, uint64_t now_ms)
{
	const struct taint *e = taint_find(&l->taint, pid, start, now_ms);

	return e ? e : taint_find_child(&l->taint, pid, start, LINEAGE_CHILD_WINDOW_MS, now_ms);
}

/* The taint the writer carries, its own or an ancestor's whose open came
 * before the fork of the ancestor's child on the chain.  Lock held. */
static bool writer_taint(struct lineage *l, pid_t pid, uint64_t now_ms, struct taint *out)
{
	uint64_t slack = ms_to_ticks(l, LINEAGE_SLACK_MS);
	uint64_t child_start = 0, start;
	pid_t cur = pid, ppid;

	for (int depth = 0; depth < LINEAGE_MAX_DEPTH && cur > 1; depth++) {
		const struct taint *e;

		if (procfd_lineage(cur, &ppid, &start) < 0) {
			/* The writer gone: only its own taint can be known. */
			e = cur == pid ? own_taint(l, pid, 0, now_ms) : NULL;
			if (e)
				*out = *e;
			return e != NULL;
		}
		if (cur == pid && (e = own_taint(l, pid, start, now_ms))) {
			*out = *e;
			return true;
		}
		e = taint_find(&l->taint, cur, start, now_ms);
		if (e && (cur == pid || taint_inherited(e, child_start, slack))) {
			*out = *e;
			return true;
		}
		child_start = start;
		cur = ppid;
	}
	return false;
}

bool lineage_encoded(const unsigned char *buf, size_t len)
{
	size_t alphabet = 0, spaces = 0, lines = 0;

	if (len < 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/' || c == '=' || c == '-' || c == '_')
			alphabet++;
		else if (c == '\n')
			lines++;
		else if (c == ' ' || c == '\t')
			spaces++;
		else if (c != '\r' && c != ':')
			return false; /* punctuation, other scripts, binary: not these */
	}
	/* A language puts a space every few words; an encoding almost never
	 * (an armour header line or two: under 2%). */
	return alphabet * 100 >= len * 95 && spaces * 50 <= len && alphabet > lines * 16;
}

static bool sniff_encoded(int fd)
{
	unsigned char *buf = malloc(SNIFF_BYTES);
	ssize_t n = buf ? pread(fd, buf, SNIFF_BYTES, 0) : -1;
	bool encoded = n > 0 && lineage_encoded(buf, (size_t)n);

	free(buf);
	return encoded;
}

/* The file is rewritten from memory once it holds twice what memory does:
 * what was forgotten there goes from the disk too.  Lock held. */
static int compact(struct lineage *l)
{
	struct stat st;
	int e = 0;

	if (fstat(l->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < 2ull * LINEAGE_MAX_DERIVED * sizeof(struct lin_record))
		return 0;
	if (ftruncate(l->fd, 0) < 0)
		return -errno;
	for (unsigned i = 0; i < l->n_derived && e == 0; i++)
		e = write_all(l->fd, &l->derived[i].r, sizeof(struct lin_record));
	return e;
}

static void record(struct lineage *l, const struct written_file *f, const struct taint *t)
{
	struct lin_record r = {.magic = MAGIC, .level = (uint8_t)t->level, .pid = f->pid};
	uint64_t size;
	int e;

	/* Read while the stream waits: only for what tainted processes
	 * write, just written (in the page cache). */
	e = digest_fd(f->fd, DIGEST_MAX, r.sha256, &size);
	if (e < 0) {
		log_warnx("lineage: a file written by tainted pid %d not recorded: %s", (int)f->pid,
			  strerror(-e));
		return;
	}
	r.encoded = sniff_encoded(f->fd);
	r.time = (int64_t)time(NULL);
	memcpy(r.source, t->source_sha256, 32);
	if (procfd_exe(f->pid, r.exe, sizeof(r.exe)) < 0)
		str_copy(r.exe, sizeof(r.exe), t->exe);
	pthread_mutex_lock(&l->lock);
	derived_keep(l, &r);
	l->recorded++;
	e = write_all(l->fd, &r, sizeof(r));
	if (e == 0)
		e = compact(l);
	pthread_mutex_unlock(&l->lock);
	if (e < 0)
		log_warnx("lineage: a derived file not kept on disk: %s", strerror(-e));
}

static void on_written(void *arg, const struct written_file *f)
{
	struct lineage *l = arg;
	struct taint t;
	bool tainted = false;

	pthread_mutex_lock(&l->lock);
	/* Nobody tainted (the usual case): nothing read from /proc. */
	if (!taint_empty(&l->taint)) {
		l->checked++;
		tainted = writer_taint(l, f->pid, f->now_ms, &t);
	}
	pthread_mutex_unlock(&l->lock);
	if (tainted && f->st->st_size > 0)
		record(l, f, &t);
}

int lineage_subscribe(struct lineage *l, struct written *w, bool (*is_helper)(void *, pid_t),
		      void *helper_arg)
{
	struct written_subscriber sub = {"process lineage", on_written, NULL, l};
	int r;

	sub.read = on_read;
	r = exits_start(&l->exits);
	if (r < 0)
		log_warnx("lineage: process exits not followed (%s): a reader gone before its "
			  "read is seen has no parent",
			  strerror(-r));
	l->is_helper = is_helper;
	l->helper_arg = helper_arg;
	l->written = w;
	return written_subscribe(w, &sub);
}

/* ---- decisions ---- */

bool lineage_match(struct lineage *l, struct fpstore *fps, const struct classify_result *content,
		   struct lineage_match *out)
{
	struct derived *d;
	bool textless, found = false;
	uint32_t shared = 0;

	memset(out, 0, sizeof(*out));
	if (!l || content->level != WARD_LEVEL_NONE || content->declassified)
		return false;
	pthread_mutex_lock(&l->lock);
	d = derived_find(l, content->sha256);
	if (d) {
		/* A few bytes carry nothing worth the doubt (a shell's `echo
		 * done > log` after its child read a marked document). */
		textless = content->size >= LINEAGE_MIN_TEXTLESS &&
			   (d->r.encoded || content->n_fingerprints < WINNOW_MIN_SHARED);
		/* Text of its own: derived only when it shares some of the
		 * source's (an editor's unrelated save does not). */
		if (!textless && fps)
			shared = fpstore_shared(fps, d->r.source, content);
		found = textless || shared >= WINNOW_MIN_SHARED;
		out->level = (enum ward_level)d->r.level;
		out->source_hex = d->source_hex;
		out->writer = d->r.exe;
		out->textless = textless;
		out->shared = shared;
	}
	pthread_mutex_unlock(&l->lock);
	return found;
}

bool lineage_needs_text(struct lineage *l, const struct classify_result *content)
{
	const struct derived *d;
	bool needs;

	if (!l || content->level != WARD_LEVEL_NONE || content->declassified ||
	    content->n_fingerprints > 0)
		return false;
	pthread_mutex_lock(&l->lock);
	d = derived_find(l, content->sha256);
	needs = d && !d->r.encoded;
	pthread_mutex_unlock(&l->lock);
	return needs;
}

void lineage_get_stats(struct lineage *l, struct lineage_stats *out)
{
	pthread_mutex_lock(&l->lock);
	out->marked = l->n_marked;
	out->reads = l->reads;
	out->gone_readers = l->gone_readers;
	out->gone_parents = l->gone_parents;
	out->tainted = l->taint.n;
	out->checked = l->checked;
	out->derived = l->recorded;
	out->evicted = l->taint.evicted;
	pthread_mutex_unlock(&l->lock);
}
