#define _GNU_SOURCE
#include "sender/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "report/segment.h"

#define SPOOL_FILE_MAX (64 * 1024)

int spool_paths_init(struct spool_paths *p, const char *state_dir)
{
	memset(p, 0, sizeof(*p));
	if (!str_copy(p->state, sizeof(p->state), state_dir))
		return -ENAMETOOLONG;
	snprintf(p->log, sizeof(p->log), "%s/log", state_dir);
	snprintf(p->sender, sizeof(p->sender), "%s/sender", state_dir);
	snprintf(p->spool, sizeof(p->spool), "%s/spool", state_dir);
	return 0;
}

int spool_write_file(const char *dir, const char *name, const void *data, size_t len, int mode,
		     bool sync)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	return report_write_file(dfd, name, data, len, (mode_t)mode, (gid_t)-1, sync);
}

static json_t *load_json(const char *dir, const char *name)
{
	_cleanup_free_ char *text = NULL;
	char path[SPOOL_PATH_MAX + 64];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(AT_FDCWD, path, SPOOL_FILE_MAX, &text, &n) < 0)
		return NULL;
	return wjson_parse(text, n, NULL, 0);
}

static int save_json(const char *dir, const char *name, const json_t *v, int mode, bool sync)
{
	size_t len;
	_cleanup_free_ char *text = wjson_canonical(v, &len);

	if (!text)
		return -ENOMEM;
	text[len] = '\n'; /* overwrites the NUL: the file is a line */
	return spool_write_file(dir, name, text, len + 1, mode, sync);
}

int collector_config_load(const struct spool_paths *p, struct collector_config *c, char *err,
			  size_t errsize)
{
	json_t *v = load_json(p->sender, "collector.json");
	const char *url = wjson_str(v, "url"), *agent = wjson_str(v, "agent_id");
	const char *origin = wjson_str(v, "origin"), *key = wjson_str(v, "collector_key");
	int r = 0;

	memset(c, 0, sizeof(*c));
	if (!v)
		r = -ENOENT;
	else if (!url || !agent || !origin || !key || strlen(agent) != AGENT_ID_CHARS ||
		 !str_copy(c->url, sizeof(c->url), url) ||
		 !str_copy(c->origin, sizeof(c->origin), origin) ||
		 note_verifier_parse(key, &c->key) < 0)
		r = -EBADMSG;
	else
		memcpy(c->agent_id, agent, AGENT_ID_CHARS + 1);
	json_decref(v);
	if (r < 0)
		snprintf(err, errsize, "%s/collector.json is %s (run wardctl enroll)", p->sender,
			 r == -ENOENT ? "missing" : "not a collector configuration");
	return r;
}

int collector_config_save(const struct spool_paths *p, const struct collector_config *c)
{
	char vkey[NOTE_VKEY_MAX];
	json_t *v = json_object();
	int r;

	if (!v || note_verifier_key(&c->key, vkey, sizeof(vkey)) < 0) {
		json_decref(v);
		return -EINVAL;
	}
	r = wjson_set_str(v, "url", c->url) | wjson_set_str(v, "agent_id", c->agent_id) |
	    wjson_set_str(v, "origin", c->origin) | wjson_set_str(v, "collector_key", vkey);
	if (r == 0)
		r = save_json(p->sender, "collector.json", v, 0600, true);
	json_decref(v);
	return r;
}

int spool_checkpoint_load(const struct spool_paths *p, const struct collector_config *c,
			  struct kept_checkpoint *k)
{
	char path[SPOOL_PATH_MAX + 32];
	size_t n;
	int r;

	memset(k, 0, sizeof(*k));
	snprintf(path, sizeof(path), "%s/checkpoint", p->spool);
	r = read_file(AT_FDCWD, path, NOTE_MAX_BYTES, &k->note, &n);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = checkpoint_open(k->note, n, &c->key, c->origin, &k->cp);
	if (r < 0)
		kept_checkpoint_free(k);
	return r;
}

int spool_checkpoint_save(const struct spool_paths *p, const char *note)
{
	return spool_write_file(p->spool, "checkpoint", note, strlen(note), 0644, false);
}

void kept_checkpoint_free(struct kept_checkpoint *k)
{
	free(k->note);
	memset(k, 0, sizeof(*k));
}

int spool_acked_load(const struct spool_paths *p, struct chain_head *acked)
{
	int r = head_file_read(p->spool, ACKED_NAME, acked);

	if (r == -ENOENT) {
		memset(acked, 0, sizeof(*acked));
		return 0;
	}
	return r;
}

int spool_acked_save(const struct spool_paths *p, const struct chain_head *acked)
{
	_cleanup_close_ int dfd = open(p->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	return head_file_write(dfd, ACKED_NAME, acked, (gid_t)-1);
}

int spool_approval_save(const struct spool_paths *p, const char *token)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char dir[SPOOL_PATH_MAX + 32], name[80], hex[65];

	SHA256((const unsigned char *)token, strlen(token), md);
	hex_encode(md, sizeof(md), hex);
	snprintf(dir, sizeof(dir), "%s/approvals", p->spool);
	snprintf(name, sizeof(name), "%s.tok", hex);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return spool_write_file(dir, name, token, strlen(token), 0644, true);
}

int spool_approval_revoke(const struct spool_paths *p, const char *id)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char dir[SPOOL_PATH_MAX + 32], name[80], tok[SPOOL_PATH_MAX + 128];
	int r;

	if (strlen(id) != 2 * sizeof(md) || !hex_decode(id, strlen(id), md, sizeof(md)))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%s/approvals", p->spool);
	snprintf(name, sizeof(name), "%s.revoked", id);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = spool_write_file(dir, name, "", 0, 0644, true);
	snprintf(tok, sizeof(tok), "%s/%s.tok", dir, id);
	if (r == 0 && unlink(tok) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

void spool_alert(const struct spool_paths *p, const char *fmt, ...)
{
	char path[SPOOL_PATH_MAX + 32], line[512], when[RFC3339_MAX];
	struct timespec now;
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warnx("collector alert: %s", line);
	clock_gettime(CLOCK_REALTIME, &now);
	rfc3339_ms(&now, when);
	snprintf(path, sizeof(path), "%s/alerts", p->spool);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_warn("cannot record the alert in %s", path);
		return;
	}
	n = dprintf(fd, "%s %s\n", when, line);
	if (n < 0)
		log_warn("cannot record the alert in %s", path);
	close(fd);
}

int spool_status_save(const struct spool_paths *p, const struct sender_status *s)
{
	json_t *v = json_object();
	int r;

	if (!v)
		return -ENOMEM;
	r = wjson_set_int(v, "last_attempt", s->last_attempt) |
	    wjson_set_int(v, "last_success", s->last_success) |
	    json_object_set_new(v, "reachable", json_boolean(s->reachable)) |
	    wjson_set_str(v, "last_error", s->last_error) |
	    wjson_set_int(v, "contiguous_seq", (int64_t)s->contiguous_seq) |
	    wjson_set_int(v, "tree_size", (int64_t)s->tree_size) |
	    wjson_set_int(v, "backoff_ms", (int64_t)s->backoff_ms);
	if (r == 0)
		r = save_json(p->spool, "status.json", v, 0644, false);
	json_decref(v);
	return r < 0 ? r : 0;
}

int spool_status_load(const struct spool_paths *p, struct sender_status *s)
{
	json_t *v = load_json(p->spool, "status.json");
	const char *err = wjson_str(v, "last_error");
	int64_t n;

	memset(s, 0, sizeof(*s));
	if (!v)
		return -ENOENT;
	wjson_int(v, "last_attempt", &s->last_attempt);
	wjson_int(v, "last_success", &s->last_success);
	wjson_bool(v, "reachable", &s->reachable);
	if (err)
		str_copy(s->last_error, sizeof(s->last_error), err);
	if (wjson_int(v, "contiguous_seq", &n))
		s->contiguous_seq = (uint64_t)n;
	if (wjson_int(v, "tree_size", &n))
		s->tree_size = (uint64_t)n;
	if (wjson_int(v, "backoff_ms", &n))
		s->backoff_ms = (uint64_t)n;
	json_decref(v);
	return 0;
}
