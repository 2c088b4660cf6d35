#define _GNU_SOURCE
#include "agent/notify_tty.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/termsafe.h"
#include "common/util.h"

#define MAX_BURSTS 64
#define MAX_PEOPLE 64
#define MAX_TTYS 16
#define LINE_MAX_BYTES 4096
#define REFILL_MS (60000 / TTY_LINES_PER_MINUTE)

struct tty_burst {
	char key[sizeof(((struct notify_msg *)0)->burst)];
	uid_t person;
	struct notify_msg *last; /* the latest event, for the folded line */
	unsigned held;		 /* events not written yet */
	uint64_t last_event_ms, last_line_ms;
};

/* A token bucket per person: at most TTY_LINES_PER_MINUTE lines. */
struct tty_person {
	uid_t uid;
	unsigned tokens;
	uint64_t refilled_ms;
};

struct tty_writer {
	char dev_dir[PATH_MAX];
	unsigned burst_ms;
	struct tty_burst bursts[MAX_BURSTS];
	size_t n_bursts;
	struct tty_person people[MAX_PEOPLE];
	size_t n_people;
	uint64_t lines, written, held;
};

int tty_writer_new(const char *dev_dir, unsigned burst_ms, struct tty_writer **out)
{
	struct tty_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (!str_copy(w->dev_dir, sizeof(w->dev_dir), dev_dir ? dev_dir : "/dev")) {
		free(w);
		return -ENAMETOOLONG;
	}
	w->burst_ms = burst_ms;
	*out = w;
	return 0;
}

void tty_writer_free(struct tty_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_bursts; i++)
		notify_msg_unref(w->bursts[i].last);
	free(w);
}

void tty_writer_counts(const struct tty_writer *w, struct tty_counts *out)
{
	out->lines = w->lines;
	out->written = w->written;
	out->held = w->held;
}

/* Appends the escaped text to buf at *o. */
static void put(char *buf, size_t size, size_t *o, const char *text)
{
	if (*o + 1 < size)
		*o += term_escape(text, buf + *o, size - *o);
}

size_t tty_line(const struct notify_msg *m, unsigned count, char *buf, size_t size)
{
	const char *message = m->english ? m->message_en : m->message_zh;
	char head[64];
	size_t o = 0;

	if (!message[0])
		message = m->english ? m->message_zh : m->message_en;
	/* Words come only from the policy's own message, in the person's
	 * language; the rest is names and symbols every reader can read. */
	if (count > 1)
		snprintf(head, sizeof(head), "[Ward %s \u00d7%u] ", m->ref, count);
	else
		snprintf(head, sizeof(head), "[Ward %s] ", m->ref);
	put(buf, size, &o, head);
	put(buf, size, &o, message);
	put(buf, size, &o, " (");
	put(buf, size, &o, m->file[0] ? m->file : "-");
	if (m->level[0]) {
		put(buf, size, &o, " \u00b7 ");
		put(buf, size, &o, m->level);
	}
	if (m->device[0]) {
		put(buf, size, &o, " \u2192 ");
		put(buf, size, &o, m->device);
	}
	put(buf, size, &o, ") wardctl events --mine");
	return o;
}

static bool take_token(struct tty_writer *w, uid_t uid, uint64_t now_ms)
{
	struct tty_person *p = NULL;

	for (size_t i = 0; i < w->n_people && !p; i++)
		if (w->people[i].uid == uid)
			p = &w->people[i];
	if (!p) {
		/* Full: the least recently refilled place is reused. */
		size_t at = w->n_people < MAX_PEOPLE ? w->n_people++ : 0;

		for (size_t i = 1; at == 0 && i < MAX_PEOPLE; i++)
			if (w->people[i].refilled_ms < w->people[at].refilled_ms)
				at = i;
		p = &w->people[at];
		p->uid = uid;
		p->tokens = TTY_LINES_PER_MINUTE;
		p->refilled_ms = now_ms;
	}
	while (p->tokens < TTY_LINES_PER_MINUTE && now_ms - p->refilled_ms >= REFILL_MS) {
		p->tokens++;
		p->refilled_ms += REFILL_MS;
	}
	if (p->tokens == TTY_LINES_PER_MINUTE)
		p->refilled_ms = now_ms;
	if (p->tokens == 0)
		return false;
	p->tokens--;
	return true;
}

/* One terminal, if it is still a terminal the person owns. */
static bool write_one(const char *path, uid_t uid, const char *line, size_t len)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_uid == uid && isatty(fd);
	/* Non-blocking: a terminal that is not reading loses the line. */
	ok = ok && write(fd, line, len) > 0;
	close(fd);
	return ok;
}

/* Every pts/N and ttyN under dev_dir owned by uid. */
static unsigned write_to_person(struct tty_writer *w, uid_t uid, const char *line, size_t len)
{
	static const char *const dirs[] = {"pts", ""};
	unsigned written = 0, tried = 0;

	for (size_t d = 0; d < 2; d++) {
		char dir[PATH_MAX + 8], path[PATH_MAX + 300];
		struct dirent *e;
		struct stat st;
		_cleanup_closedir_ DIR *dp = NULL;

		snprintf(dir, sizeof(dir), "%s/%s", w->dev_dir, dirs[d]);
		dp = opendir(dir);
		if (!dp)
			continue;
		while ((e = readdir(dp)) && tried < MAX_TTYS) {
			bool pts = d == 0;

			if (pts ? !(e->d_name[0] >= '0' && e->d_name[0] <= '9')
				: strncmp(e->d_name, "tty", 3) != 0 ||
				      !(e->d_name[3] >= '1' && e->d_name[3] <= '9'))
				continue;
			if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISCHR(st.st_mode) || st.st_uid != uid)
				continue;
			tried++;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			written += write_one(path, uid, line, len);
		}
	}
	return written;
}

static void write_line(struct tty_writer *w, const struct notify_msg *m, unsigned count)
{
	char line[LINE_MAX_BYTES];
	size_t len;

	line[0] = '\r';
	line[1] = '\n';
	len = 2 + tty_line(m, count, line + 2, sizeof(line) - 4);
	line[len++] = '\r';
	line[len++] = '\n';
	w->lines++;
	w->written += write_to_person(w, notify_msg_person(m), line, len);
}

static struct tty_burst *burst_find(struct tty_writer *w, const char *key)
{
	for (size_t i = 0; i < w->n_bursts; i++)
		if (strcmp(w->bursts[i].key, key) == 0)
			return &w->bursts[i];
	return NULL;
}

static void burst_drop(struct tty_writer *w, size_t i)
{
	notify_msg_unref(w->bursts[i].last);
	w->bursts[i] = w->bursts[--w->n_bursts];
}

void tty_writer_push(struct tty_writer *w, struct notify_msg *m, uint64_t now_ms)
{
	struct tty_burst *b = burst_find(w, m->burst);

	if (!b) {
		if (w->n_bursts == MAX_BURSTS) {
			w->held += w->bursts[0].held;
			burst_drop(w, 0);
		}
		b = &w->bursts[w->n_bursts++];
		memset(b, 0, sizeof(*b));
		str_copy(b->key, sizeof(b->key), m->burst);
		b->person = notify_msg_person(m);
	} else {
		notify_msg_unref(b->last);
	}
	b->last = notify_msg_ref(m);
	b->last_event_ms = now_ms;
	if (b->held == 0 && b->last_line_ms == 0 && take_token(w, b->person, now_ms)) {
		write_line(w, m, 1);
		b->last_line_ms = now_ms;
		return;
	}
	b->held++;
	w->held++;
}

int tty_writer_tick(struct tty_writer *w, uint64_t now_ms)
{
	int64_t next = -1;

	for (size_t i = 0; i < w->n_bursts;) {
		struct tty_burst *b = &w->bursts[i];
		uint64_t due = b->last_line_ms + TTY_REPEAT_MS;

		if (b->held && now_ms >= due && take_token(w, b->person, now_ms)) {
			write_line(w, b->last, b->held);
			b->held = 0;
			b->last_line_ms = now_ms;
		}
		if (!b->held && now_ms - b->last_event_ms >= w->burst_ms) {
			burst_drop(w, i);
			continue;
		}
		due = b->held ? (now_ms >= due ? now_ms + REFILL_MS / 4 : due)
			      : b->last_event_ms + w->burst_ms;
		if (next < 0 || (int64_t)(due - now_ms) < next)
			next = (int64_t)(due - now_ms);
		i++;
	}
	return (int)next;
}
