#define _GNU_SOURCE
#include "agent/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/level.h"
#include "common/log.h"
#include "common/util.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct journal {
	pthread_mutex_t lock; /* guards fd writes, seq and prev */
	int fd;
	int dir_fd;
	uint64_t seq;
	char prev[SHA256_DIGEST_LENGTH * 2 + 1];
	atomic_uint_fast64_t failures;
	uint64_t last_failure_log_ms; /* under lock: rate-limits the warning */
	char path[4096];
};

static void line_hash(const char *line, size_t len, char out[SHA256_DIGEST_LENGTH * 2 + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)line, len, md);
	hex_encode(md, sizeof(md), out);
}

/* A record line's place in the chain: its seq and prev (through
 * common/json).  False when the line is not a record. */
static bool line_chain(const char *line, size_t len, int64_t *seq, char *prev, size_t size)
{
	json_t *o = wjson_parse(line, len, NULL, 0);
	const char *p = o ? wjson_str(o, "prev") : NULL;
	bool ok = o && wjson_int(o, "seq", seq) && *seq > 0 && p;

	if (ok && prev)
		ok = str_copy(prev, size, p);
	json_decref(o);
	return ok;
}

/* Cuts a torn last line and loads seq and prev from the last whole one. */
static int journal_recover(struct journal *j)
{
	struct stat st;
	off_t end, start;
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (fstat(j->fd, &st) < 0)
		return -errno;
	if (st.st_size == 0)
		return 0;
	/* Records are a few KB at most; 1 MiB back is ample. */
	end = st.st_size;
	start = end > (1 << 20) ? end - (1 << 20) : 0;
	len = (size_t)(end - start);
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	if (pread(j->fd, buf, len, start) != (ssize_t)len)
		return -EIO;
	buf[len] = '\0';
	if (buf[len - 1] != '\n') {
		char *nl = memrchr(buf, '\n', len);
		off_t keep = nl ? start + (nl - buf) + 1 : start;

		log_warnx("journal %s: cutting a torn last record (%lld bytes) left by a crash",
			  j->path, (long long)(end - keep));
		if (ftruncate(j->fd, keep) < 0)
			return -errno;
		len = nl ? (size_t)(nl - buf) + 1 : 0;
		if (len == 0)
			return 0;
		buf[len] = '\0';
	}
	buf[len - 1] = '\0';
	{
		char *last = strrchr(buf, '\n');
		int64_t seq;

		last = last ? last + 1 : buf;
		if (!line_chain(last, strlen(last), &seq, NULL, 0))
			return -EBADMSG;
		j->seq = (uint64_t)seq;
		line_hash(last, strlen(last), j->prev);
	}
	return 0;
}

static int journal_open_fds(struct journal *j, const char *dir)
{
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (snprintf(j->path, sizeof(j->path), "%s/%s", dir, WARDD_JOURNAL_NAME) >=
	    (int)sizeof(j->path))
		return -ENAMETOOLONG;
	j->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dir_fd < 0)
		return -errno;
	j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0) {
		r = -errno;
		close(j->dir_fd);
		return r;
	}
	memcpy(j->prev, ZERO_HASH, sizeof(j->prev));
	r = journal_recover(j);
	if (r < 0) {
		close(j->fd);
		close(j->dir_fd);
		return r;
	}
	/* A new file's directory entry must survive a crash too. */
	fsync(j->dir_fd);
	return 0;
}

int journal_open(const char *dir, struct journal **out)
{
	struct journal *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	r = journal_open_fds(j, dir);
	if (r < 0) {
		free(j);
		return r;
	}
	pthread_mutex_init(&j->lock, NULL);
	*out = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	fdatasync(j->fd);
	close(j->fd);
	close(j->dir_fd);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

uint64_t journal_last_seq(struct journal *j)
{
	uint64_t s;

	pthread_mutex_lock(&j->lock);
	s = j->seq;
	pthread_mutex_unlock(&j->lock);
	return s;
}

uint64_t journal_failures(struct journal *j)
{
	return atomic_load(&j->failures);
}

static int put_uint(json_t *o, const char *key, uint64_t v)
{
	return wjson_set_int(o, key, (int64_t)v);
}

static int put_content(json_t *o, const struct classify_result *c)
{
	char hex[SHA256_DIGEST_LENGTH * 2 + 1];
	char text[1024];
	size_t n = 0;
	int r = 0;

	hex_encode(c->sha256, sizeof(c->sha256), hex);
	r |= put_uint(o, "size", c->size);
	r |= wjson_set_text(o, "sha256", hex);
	r |= wjson_set_text(o, "mime", c->mime);
	r |= wjson_set_text(o, "level", level_name(c->level));
	r |= wjson_set_text(o, "level_en", level_name_en(c->level));
	r |= json_object_set_new(o, "declassified", json_boolean(c->declassified));
	r |= json_object_set_new(o, "uninspectable", json_boolean(c->uninspectable));
	if (c->uninspectable)
		r |= wjson_set_text(o, "uninspectable_reason", c->uninspectable_reason);
	text[0] = '\0';
	for (uint32_t i = 0; i < c->n_reasons && i < CLASSIFY_MAX_REASONS && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s @ %s: %s", i ? "; " : "",
				      c->reasons[i].rule, c->reasons[i].where, c->reasons[i].text);
	r |= wjson_set_text(o, "reasons", text);
	n = 0;
	text[0] = '\0';
	for (uint32_t i = 0; i < c->n_pii && i < CLASSIFY_MAX_PII && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s x%u", i ? ", " : "",
				      c->pii[i].type, c->pii[i].count);
	r |= wjson_set_text(o, "pii", text);
	return r ? -ENOMEM : 0;
}

static int put_device(json_t *o, const struct ward_device *d)
{
	char id[8];
	int r = 0;

	r |= wjson_set_text(o, "device_bus", device_bus_name(d->bus));
	snprintf(id, sizeof(id), "%04x", d->vendor_id);
	r |= wjson_set_text(o, "device_vendor_id", id);
	snprintf(id, sizeof(id), "%04x", d->product_id);
	r |= wjson_set_text(o, "device_product_id", id);
	r |= wjson_set_text(o, "device_serial", d->serial);
	r |= wjson_set_text(o, "device_vendor", d->vendor);
	r |= wjson_set_text(o, "device_model", d->model);
	r |= wjson_set_text(o, "device_fs_type", d->fs_type);
	r |= wjson_set_text(o, "device_fs_uuid", d->fs_uuid);
	r |= wjson_set_text(o, "device_fs_label", d->fs_label);
	r |= wjson_set_text(o, "device_node", d->devnode);
	r |= put_uint(o, "device_size", d->size_bytes);
	return r ? -ENOMEM : 0;
}

/* The record as an object, members in the order the journal has always
 * written them (jansson keeps insertion order). */
static json_t *record_object(const struct journal_record *rec)
{
	json_t *o = json_object();
	char when[64];
	struct tm tm;
	int r = o ? 0 : -ENOMEM;

	gmtime_r(&rec->time.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
		 rec->time.tv_nsec / 1000000);
	r |= wjson_set_text(o, "time", when);
	r |= wjson_set_text(o, "event", rec->event);
	if (rec->uid != (uid_t)-1)
		r |= put_uint(o, "uid", rec->uid);
	r |= wjson_set_text(o, "user", rec->user);
	if (rec->loginuid != (uid_t)-1)
		r |= put_uint(o, "loginuid", rec->loginuid);
	if (rec->pid > 0)
		r |= put_uint(o, "pid", (uint64_t)rec->pid);
	r |= wjson_set_text(o, "exe", rec->exe);
	r |= wjson_set_text(o, "path", rec->path);
	r |= wjson_set_text(o, "source", rec->source);
	if (rec->content)
		r |= put_content(o, rec->content);
	if (rec->device)
		r |= put_device(o, rec->device);
	r |= wjson_set_text(o, "rule", rec->rule);
	r |= wjson_set_text(o, "action", rec->action);
	r |= wjson_set_text(o, "outcome", rec->outcome);
	r |= wjson_set_text(o, "detail", rec->detail);
	r |= wjson_set_text(o, "approver", rec->approver);
	r |= wjson_set_text(o, "record_id", rec->record_id);
	r |= wjson_set_text(o, "ref", rec->ref);
	r |= wjson_set_text(o, "decision", rec->decision);
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int journal_format(const struct journal_record *rec, char **out, size_t *len)
{
	json_t *o = record_object(rec);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t n = text ? strlen(text) : 0;

	json_decref(o);
	if (n < 2) {
		free(text);
		return -ENOMEM;
	}
	/* The members without the braces: seq and prev go first, under the
	 * lock.  jansson escapes control characters, so no newline can split
	 * a record. */
	memmove(text, text + 1, n - 2);
	text[n - 2] = '\0';
	*out = text;
	*len = n - 2;
	return 0;
}

static void journal_failed(struct journal *j, int err)
{
	uint64_t now = monotonic_ms();

	atomic_fetch_add(&j->failures, 1);
	if (now - j->last_failure_log_ms >= 10000 || j->last_failure_log_ms == 0) {
		j->last_failure_log_ms = now;
		log_warnx("journal %s: cannot append a decision record: %s (%" PRIu64
			  " lost so far); free space in the state directory",
			  j->path, strerror(-err), (uint64_t)atomic_load(&j->failures));
	}
}

int64_t journal_append(struct journal *j, const struct journal_record *rec, bool sync)
{
	_cleanup_free_ char *body = NULL;
	_cleanup_free_ char *line = NULL;
	size_t body_len, line_len;
	int64_t seq;
	int r;

	r = journal_format(rec, &body, &body_len);
	if (r < 0) {
		pthread_mutex_lock(&j->lock);
		journal_failed(j, r);
		pthread_mutex_unlock(&j->lock);
		return r;
	}
	line = malloc(body_len + 128);
	if (!line)
		return -ENOMEM;

	pthread_mutex_lock(&j->lock);
	line_len =
	    (size_t)snprintf(line, body_len + 128, "{\"seq\":%" PRIu64 ",\"prev\":\"%s\",%s}",
			     j->seq + 1, j->prev, body);
	line[line_len] = '\n';
	r = write_all(j->fd, line, line_len + 1);
	if (r < 0) {
		/* A short write leaves a torn line: cut it so the chain stays whole. */
		(void)journal_recover(j);
		journal_failed(j, r);
		pthread_mutex_unlock(&j->lock);
		return r;
	}
	j->seq++;
	seq = (int64_t)j->seq;
	line_hash(line, line_len, j->prev);
	pthread_mutex_unlock(&j->lock);

	/* Outside the lock, so concurrent syncs share one disk flush. */
	if (sync && fdatasync(j->fd) < 0) {
		r = -errno;
		pthread_mutex_lock(&j->lock);
		journal_failed(j, r);
		pthread_mutex_unlock(&j->lock);
		return r;
	}
	return seq;
}

int64_t journal_verify(const char *path, uint64_t *bad_line)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0, expect_seq = 1;
	char prev[SHA256_DIGEST_LENGTH * 2 + 1] = ZERO_HASH;

	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		char prevtext[80];
		int64_t seq;

		lineno++;
		if (line[n - 1] != '\n')
			goto bad;
		line[--n] = '\0';
		if (!line_chain(line, (size_t)n, &seq, prevtext, sizeof(prevtext)))
			goto bad;
		if ((uint64_t)seq != expect_seq || strcmp(prevtext, prev) != 0)
			goto bad;
		expect_seq++;
		line_hash(line, (size_t)n, prev);
	}
	return (int64_t)lineno;
bad:
	if (bad_line)
		*bad_line = lineno;
	return -EBADMSG;
}
