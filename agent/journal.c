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
#include "common/jsonw.h"
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

bool journal_field(const char *line, const char *key, char *out, size_t size)
{
	char pat[80];
	const char *p = NULL;
	size_t o = 0;

	if (size == 0)
		return false;
	/* Inside a JSON string every '"' is escaped, so ,"key": and {"key":
	 * can only be a top-level key of our flat records. */
	snprintf(pat, sizeof(pat), ",\"%s\":", key);
	p = strstr(line, pat);
	if (!p) {
		snprintf(pat, sizeof(pat), "{\"%s\":", key);
		p = strncmp(line, pat, strlen(pat)) == 0 ? line : NULL;
	}
	if (!p)
		return false;
	p += strlen(pat);
	if (*p != '"') {
		while (*p && *p != ',' && *p != '}' && o + 1 < size)
			out[o++] = *p++;
		out[o] = '\0';
		return true;
	}
	for (p++; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				unsigned v = 0;

				if (sscanf(p + 1, "%4x", &v) != 1)
					return false;
				p += 4;
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case '\0':
				return false;
			default:
				c = *p;
			}
		}
		if (o + 1 < size)
			out[o++] = c;
	}
	out[o] = '\0';
	return *p == '"';
}

/* Cuts a torn last line and loads seq and prev from the last whole one. */
static int journal_recover(struct journal *j)
{
	struct stat st;
	off_t end, start;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char seqtext[32];

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

		last = last ? last + 1 : buf;
		if (!journal_field(last, "seq", seqtext, sizeof(seqtext)))
			return -EBADMSG;
		j->seq = strtoull(seqtext, NULL, 10);
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

static void put_str(FILE *f, bool *first, const char *key, const char *value)
{
	if (!value)
		return;
	json_write_key(f, first, key);
	json_write_cstr(f, value);
}

static void put_uint(FILE *f, bool *first, const char *key, uint64_t v)
{
	json_write_key(f, first, key);
	fprintf(f, "%" PRIu64, v);
}

static void put_bool(FILE *f, bool *first, const char *key, bool v)
{
	json_write_key(f, first, key);
	fputs(v ? "true" : "false", f);
}

static void put_content(FILE *f, bool *first, const struct classify_result *c)
{
	char hex[SHA256_DIGEST_LENGTH * 2 + 1];
	char text[1024];
	size_t o = 0;

	put_uint(f, first, "size", c->size);
	hex_encode(c->sha256, sizeof(c->sha256), hex);
	put_str(f, first, "sha256", hex);
	put_str(f, first, "mime", c->mime);
	put_str(f, first, "level", level_name(c->level));
	put_str(f, first, "level_en", level_name_en(c->level));
	put_bool(f, first, "declassified", c->declassified);
	put_bool(f, first, "uninspectable", c->uninspectable);
	if (c->uninspectable)
		put_str(f, first, "uninspectable_reason", c->uninspectable_reason);
	text[0] = '\0';
	for (uint32_t i = 0; i < c->n_reasons && i < CLASSIFY_MAX_REASONS && o < sizeof(text); i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s @ %s: %s", i ? "; " : "",
				      c->reasons[i].rule, c->reasons[i].where, c->reasons[i].text);
	put_str(f, first, "reasons", text);
	o = 0;
	text[0] = '\0';
	for (uint32_t i = 0; i < c->n_pii && i < CLASSIFY_MAX_PII && o < sizeof(text); i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s x%u", i ? ", " : "",
				      c->pii[i].type, c->pii[i].count);
	put_str(f, first, "pii", text);
}

static void put_device(FILE *f, bool *first, const struct ward_device *d)
{
	char id[8];

	put_str(f, first, "device_bus", device_bus_name(d->bus));
	snprintf(id, sizeof(id), "%04x", d->vendor_id);
	put_str(f, first, "device_vendor_id", id);
	snprintf(id, sizeof(id), "%04x", d->product_id);
	put_str(f, first, "device_product_id", id);
	put_str(f, first, "device_serial", d->serial);
	put_str(f, first, "device_vendor", d->vendor);
	put_str(f, first, "device_model", d->model);
	put_str(f, first, "device_fs_type", d->fs_type);
	put_str(f, first, "device_fs_uuid", d->fs_uuid);
	put_str(f, first, "device_fs_label", d->fs_label);
	put_str(f, first, "device_node", d->devnode);
	put_uint(f, first, "device_size", d->size_bytes);
}

int journal_format(const struct journal_record *rec, char **out, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	bool first = true;
	char when[64];
	struct tm tm;

	if (!f)
		return -errno;
	gmtime_r(&rec->time.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
		 rec->time.tv_nsec / 1000000);
	put_str(f, &first, "time", when);
	put_str(f, &first, "event", rec->event);
	if (rec->uid != (uid_t)-1)
		put_uint(f, &first, "uid", rec->uid);
	put_str(f, &first, "user", rec->user);
	if (rec->loginuid != (uid_t)-1)
		put_uint(f, &first, "loginuid", rec->loginuid);
	if (rec->pid > 0)
		put_uint(f, &first, "pid", (uint64_t)rec->pid);
	put_str(f, &first, "exe", rec->exe);
	put_str(f, &first, "path", rec->path);
	put_str(f, &first, "source", rec->source);
	if (rec->content)
		put_content(f, &first, rec->content);
	if (rec->device)
		put_device(f, &first, rec->device);
	put_str(f, &first, "rule", rec->rule);
	put_str(f, &first, "action", rec->action);
	put_str(f, &first, "outcome", rec->outcome);
	put_str(f, &first, "detail", rec->detail);
	put_str(f, &first, "approver", rec->approver);
	put_str(f, &first, "record_id", rec->record_id);
	put_str(f, &first, "decision", rec->decision);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	/* The writer escapes control characters, so no newline can split a record. */
	*out = buf;
	*len = size;
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
		char seqtext[32], prevtext[80];

		lineno++;
		if (line[n - 1] != '\n')
			goto bad;
		line[--n] = '\0';
		if (!journal_field(line, "seq", seqtext, sizeof(seqtext)) ||
		    !journal_field(line, "prev", prevtext, sizeof(prevtext)))
			goto bad;
		if (strtoull(seqtext, NULL, 10) != expect_seq || strcmp(prevtext, prev) != 0)
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
