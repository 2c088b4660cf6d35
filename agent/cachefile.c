/* The classification cache on disk (cachefile.h). */
#define _GNU_SOURCE
#include "agent/cachefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/cache.h"
#include "common/cleanup.h"
#include "common/util.h"

#define MAGIC "WARDCLS1"
/* 2: an entry's detail carries its text fingerprints; a format-1 entry has
 * none, and would let a document derived from a marked one be judged
 * unmarked, so such a file is not loaded. */
#define FORMAT 2
#define FILE_MAX (512u << 20) /* refused beyond: no cache of ours grows so big */
#define EXPORT_CHUNK 32
#define OUT_BUF (64 * 1024)

enum { KIND_END = 0, KIND_VERSION = 1, KIND_CONTENT = 2 };

/* ---- writing ---- */

struct out {
	int fd;
	int err;
	EVP_MD_CTX *h;
	size_t len;
	unsigned char buf[OUT_BUF];
};

static void out_flush(struct out *o)
{
	if (o->err == 0 && o->len && EVP_DigestUpdate(o->h, o->buf, o->len) != 1)
		o->err = -ENOMEM;
	if (o->err == 0 && o->len)
		o->err = write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void put_bytes(struct out *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		out_flush(o);
	if (n > sizeof(o->buf)) {
		o->err = o->err ? o->err : -EINVAL;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_uint(struct out *o, uint64_t v, size_t bytes)
{
	unsigned char b[8];

	for (size_t i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put_bytes(o, b, bytes);
}

static void put_time(struct out *o, const struct timespec *ts)
{
	put_uint(o, (uint64_t)(int64_t)ts->tv_sec, 8);
	put_uint(o, (uint64_t)ts->tv_nsec, 4);
}

static void put_item(struct out *o, const struct cache_item *it, cachefile_fsid_fn fsid, void *arg)
{
	unsigned char detail[CACHE_DETAIL_MAX];
	int dlen = cache_detail_pack(&it->res, detail, sizeof(detail));
	size_t mlen = strnlen(it->res.mime, 255);
	uint64_t id = 0;

	if (dlen < 0)
		return;
	if (it->has_version && fsid(arg, it->v.dev, &id)) {
		put_uint(o, KIND_VERSION, 1);
		put_uint(o, (uint64_t)it->v.dev, 8);
		put_uint(o, id, 8);
		put_uint(o, (uint64_t)it->v.ino, 8);
		put_time(o, &it->v.mtime);
		put_time(o, &it->v.ctime);
	} else {
		put_uint(o, KIND_CONTENT, 1);
	}
	put_uint(o, it->res.size, 8);
	put_bytes(o, it->res.sha256, 32);
	put_uint(o, (uint64_t)it->res.level, 1);
	put_uint(o, it->res.declassified, 1);
	put_uint(o, mlen, 1);
	put_bytes(o, it->res.mime, mlen);
	put_uint(o, (uint64_t)dlen, 2);
	put_bytes(o, detail, (size_t)dlen);
}

/* Everything but the trailing digest; returns the record count. */
static uint64_t write_body(struct out *o, struct class_cache *c, const struct cache_identity *id,
			   cachefile_fsid_fn fsid, void *arg)
{
	struct cache_item *items = calloc(EXPORT_CHUNK, sizeof(*items));
	size_t cursor = 0, n;
	uint64_t count = 0;

	if (!items) {
		o->err = -ENOMEM;
		return 0;
	}
	put_bytes(o, MAGIC, 8);
	put_uint(o, FORMAT, 4);
	put_bytes(o, id->classifier, 32);
	put_bytes(o, id->policy, 32);
	while (o->err == 0 && (n = class_cache_export(c, &cursor, items, EXPORT_CHUNK)) > 0) {
		for (size_t i = 0; i < n; i++)
			put_item(o, &items[i], fsid, arg);
		count += n;
	}
	free(items);
	put_uint(o, KIND_END, 1);
	put_uint(o, count, 8);
	out_flush(o);
	return count;
}

int cachefile_save(struct class_cache *c, const char *path, const struct cache_identity *id,
		   cachefile_fsid_fn fsid, void *arg)
{
	char tmp[PATH_MAX];
	unsigned char md[32];
	struct out *o = calloc(1, sizeof(*o));
	int r;

	if (!o)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		free(o);
		return -ENAMETOOLONG;
	}
	o->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	o->h = EVP_MD_CTX_new();
	if (o->fd < 0 || !o->h || EVP_DigestInit_ex(o->h, EVP_sha256(), NULL) != 1)
		o->err = o->fd < 0 ? -errno : -ENOMEM;
	if (o->err == 0)
		write_body(o, c, id, fsid, arg);
	if (o->err == 0 && EVP_DigestFinal_ex(o->h, md, NULL) != 1)
		o->err = -ENOMEM;
	if (o->err == 0)
		o->err = write_all(o->fd, md, sizeof(md));
	/* Synced before the rename: a crash leaves the old file or the new
	 * one whole, never an empty one under the real name. */
	if (o->err == 0 && fdatasync(o->fd) < 0)
		o->err = -errno;
	if (o->fd >= 0 && close(o->fd) < 0 && o->err == 0)
		o->err = -errno;
	if (o->err == 0 && rename(tmp, path) < 0)
		o->err = -errno;
	if (o->err < 0)
		unlink(tmp);
	r = o->err;
	EVP_MD_CTX_free(o->h);
	free(o);
	return r;
}

/* ---- reading ---- */

struct in {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static const unsigned char *get_bytes(struct in *in, size_t n)
{
	const unsigned char *p = in->p + in->off;

	if (in->bad || n > in->len - in->off) {
		in->bad = true;
		return NULL;
	}
	in->off += n;
	return p;
}

static uint64_t get_uint(struct in *in, size_t bytes)
{
	const unsigned char *b = get_bytes(in, bytes);
	uint64_t v = 0;

	for (size_t i = 0; b && i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static struct timespec get_time(struct in *in)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(int64_t)get_uint(in, 8);
	ts.tv_nsec = (long)get_uint(in, 4);
	if (ts.tv_nsec >= 1000000000)
		in->bad = true;
	return ts;
}

/* One record into *it (false at the end marker or on damage). */
static bool get_item(struct in *in, struct cache_item *it, cachefile_fsid_fn fsid, void *arg)
{
	unsigned kind = (unsigned)get_uint(in, 1);
	const unsigned char *p;
	size_t n;

	memset(it, 0, sizeof(*it));
	if (kind == KIND_VERSION) {
		uint64_t id, now = 0;

		it->v.dev = (dev_t)get_uint(in, 8);
		id = get_uint(in, 8);
		it->v.ino = (ino_t)get_uint(in, 8);
		it->v.mtime = get_time(in);
		it->v.ctime = get_time(in);
		/* Another filesystem on that dev now: the content stays known. */
		it->has_version = fsid(arg, it->v.dev, &now) && now == id;
	} else if (kind != KIND_CONTENT) {
		in->bad = in->bad || kind != KIND_END;
		return false;
	}
	it->res.size = get_uint(in, 8);
	it->v.size = (off_t)it->res.size;
	if ((p = get_bytes(in, 32)))
		memcpy(it->res.sha256, p, 32);
	it->res.level = (enum ward_level)get_uint(in, 1);
	it->res.declassified = get_uint(in, 1) != 0;
	n = (size_t)get_uint(in, 1);
	if ((p = get_bytes(in, n)) && n < sizeof(it->res.mime))
		memcpy(it->res.mime, p, n);
	n = (size_t)get_uint(in, 2);
	p = get_bytes(in, n);
	if (in->bad || it->res.level > WARD_LEVEL_MAX ||
	    (n && !cache_detail_unpack(p, n, &it->res)))
		in->bad = true;
	return !in->bad;
}

/* Through the one whole-file reader, once the file is seen to be ours
 * alone (the directory is root's 0700: nobody swaps it in between). */
static int read_whole(const char *path, unsigned char **out, size_t *len)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	r = read_file(AT_FDCWD, path, FILE_MAX, (char **)out, len);
	if (r == -EFBIG)
		return -EBADMSG;
	if (r == 0 && *len < 8 + 4 + 64 + 9 + 32) {
		free(*out);
		return -EBADMSG;
	}
	return r;
}

static int check_head(const unsigned char *data, size_t len, const struct cache_identity *id)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len - 32, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    memcmp(md, data + len - 32, 32) != 0 || memcmp(data, MAGIC, 8) != 0)
		return -EBADMSG;
	if (data[8] != FORMAT || data[9] || data[10] || data[11])
		return -ESTALE;
	if (memcmp(data + 12, id->classifier, 32) != 0 || memcmp(data + 44, id->policy, 32) != 0)
		return -ESTALE;
	return 0;
}

int cachefile_load(struct class_cache *c, const char *path, const struct cache_identity *id,
		   cachefile_fsid_fn fsid, void *arg, size_t *loaded)
{
	_cleanup_free_ unsigned char *data = NULL;
	struct cache_item *it = malloc(sizeof(*it));
	struct in in = {0};
	uint64_t count = 0;
	size_t len = 0;
	int r = it ? read_whole(path, &data, &len) : -ENOMEM;

	*loaded = 0;
	if (r == 0)
		r = check_head(data, len, id);
	if (r < 0) {
		free(it);
		return r;
	}
	in.p = data;
	in.len = len - 32;
	in.off = 8 + 4 + 64;
	while (get_item(&in, it, fsid, arg)) {
		count++;
		*loaded += class_cache_import(c, it);
	}
	free(it);
	if (in.bad || get_uint(&in, 8) != count || in.off != in.len) {
		/* Whole (the digest matched) yet not ours to read: keep none. */
		class_cache_clear(c);
		*loaded = 0;
		return -EBADMSG;
	}
	return 0;
}
