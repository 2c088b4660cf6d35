/* The classification cache in memory (cache.h): one array of compact
 * entries, two chained hash indexes into it (by dev and inode, by
 * SHA-256), a clock hand for eviction. */
#include "agent/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define MIMES_MAX 512	    /* distinct MIME types kept; index 0 is "" */
#define FIRST_CAPACITY 1024 /* entries allocated at first; doubled as needed */

enum {
	F_USED = 1 << 0,
	F_REF = 1 << 1, /* used since the clock hand last passed */
	F_VERSION = 1 << 2,
	F_DECLASSIFIED = 1 << 3,
	F_UNINSPECTABLE = 1 << 4, /* "too large": the same for this version */
	F_NO_CONTENT = 1 << 5,	  /* not a function of the bytes alone: version only */
};

#define TOO_LARGE "too large:"

/* An uninspectable answer is kept only when time played no part in it:
 * the classifier read the same first bytes of the same file. */
static bool keepable(const struct classify_result *r)
{
	return !r->uninspectable ||
	       strncmp(r->uninspectable_reason, TOO_LARGE, sizeof(TOO_LARGE) - 1) == 0;
}

/* Whether the answer follows from the bytes alone: not when only part of
 * them was read (its digest is of that part), nor when an extended
 * attribute label counted (a copy of the bytes elsewhere has none). */
static bool content_keyed(const struct classify_result *r)
{
	if (r->uninspectable)
		return false;
	for (uint32_t i = 0; i < r->n_reasons && i < CLASSIFY_MAX_REASONS; i++)
		if (strcmp(r->reasons[i].rule, "xattr-label") == 0)
			return false;
	return true;
}

struct entry {
	uint64_t dev, ino, size;
	struct timespec mtime, ctime;
	unsigned char sha256[32];
	unsigned char *detail; /* packed reasons and personal data, or NULL */
	uint32_t next_ver;     /* chains: index + 1, 0 ends */
	uint32_t next_sha;
	uint16_t detail_len;
	uint16_t mime;
	uint8_t level;
	uint8_t flags;
};

struct class_cache {
	pthread_mutex_t lock;
	size_t max, capacity, count, used_slots, hand;
	struct entry *e;
	uint32_t *by_ver, *by_sha; /* capacity buckets each (a power of two) */
	char *mimes[MIMES_MAX];
	size_t n_mimes;
	uint64_t versions, evicted, changes;
};

bool file_version_equal(const struct file_version *a, const struct file_version *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static size_t hash_ver(const struct class_cache *c, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xc2b2ae3d27d4eb4full);

	return (size_t)(h ^ (h >> 31)) & (c->capacity - 1);
}

static size_t hash_sha(const struct class_cache *c, const unsigned char sha[32])
{
	uint64_t h;

	memcpy(&h, sha, sizeof(h));
	return (size_t)h & (c->capacity - 1);
}

int class_cache_new(size_t max_entries, struct class_cache **out)
{
	struct class_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->max = max_entries ? max_entries : 1;
	c->mimes[0] = strdup("");
	c->n_mimes = 1;
	if (!c->mimes[0]) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

static void drop_all(struct class_cache *c)
{
	for (size_t i = 0; i < c->used_slots; i++)
		free(c->e[i].detail);
	free(c->e);
	free(c->by_ver);
	free(c->by_sha);
	c->e = NULL;
	c->by_ver = c->by_sha = NULL;
	c->capacity = c->count = c->used_slots = c->hand = 0;
	c->versions = 0;
}

void class_cache_free(struct class_cache *c)
{
	if (!c)
		return;
	drop_all(c);
	for (size_t i = 0; i < c->n_mimes; i++)
		free(c->mimes[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* ---- the indexes (lock held) ---- */

static void link_entry(struct class_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];
	size_t b = hash_sha(c, e->sha256);

	if (!(e->flags & F_NO_CONTENT)) {
		e->next_sha = c->by_sha[b];
		c->by_sha[b] = i + 1;
	}
	if (e->flags & F_VERSION) {
		b = hash_ver(c, e->dev, e->ino);
		e->next_ver = c->by_ver[b];
		c->by_ver[b] = i + 1;
	}
}

static void unlink_from(struct class_cache *c, uint32_t *head, uint32_t i, bool ver)
{
	for (uint32_t *p = head; *p; p = ver ? &c->e[*p - 1].next_ver : &c->e[*p - 1].next_sha) {
		if (*p == i + 1) {
			*p = ver ? c->e[i].next_ver : c->e[i].next_sha;
			return;
		}
	}
}

static void unlink_version(struct class_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	if (!(e->flags & F_VERSION))
		return;
	unlink_from(c, &c->by_ver[hash_ver(c, e->dev, e->ino)], i, true);
	e->flags &= (uint8_t)~F_VERSION;
	e->next_ver = 0;
	c->versions--;
}

static void remove_entry(struct class_cache *c, uint32_t i);

/* The file changed: its version goes, and what is known of its bytes
 * stays when that is worth anything. */
static void drop_version(struct class_cache *c, uint32_t i)
{
	if (c->e[i].flags & F_NO_CONTENT)
		remove_entry(c, i);
	else
		unlink_version(c, i);
}

static void remove_entry(struct class_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	unlink_version(c, i);
	if (!(e->flags & F_NO_CONTENT))
		unlink_from(c, &c->by_sha[hash_sha(c, e->sha256)], i, false);
	free(e->detail);
	memset(e, 0, sizeof(*e));
	c->count--;
}

/* Doubles the array and rebuilds both indexes. */
static bool grow(struct class_cache *c)
{
	size_t cap = c->capacity ? c->capacity * 2 : FIRST_CAPACITY;
	struct entry *e = realloc(c->e, cap * sizeof(*e));
	uint32_t *bv = calloc(cap, sizeof(*bv)), *bs = calloc(cap, sizeof(*bs));

	if (e)
		c->e = e;
	if (!e || !bv || !bs) {
		free(bv);
		free(bs);
		return false;
	}
	memset(&c->e[c->capacity], 0, (cap - c->capacity) * sizeof(*e));
	free(c->by_ver);
	free(c->by_sha);
	c->by_ver = bv;
	c->by_sha = bs;
	c->capacity = cap;
	for (uint32_t i = 0; i < c->used_slots; i++)
		if (c->e[i].flags & F_USED)
			link_entry(c, i);
	return true;
}

/* A free slot: a new one while below max, else the clock's victim. */
static bool take_slot(struct class_cache *c, uint32_t *out)
{
	if (c->used_slots < c->max) {
		if (c->used_slots == c->capacity && !grow(c))
			return false;
		*out = (uint32_t)c->used_slots++;
		return true;
	}
	for (;;) {
		struct entry *e = &c->e[c->hand];
		uint32_t i = (uint32_t)c->hand;

		c->hand = (c->hand + 1) % c->used_slots;
		if (!(e->flags & F_USED)) {
			*out = i;
			return true;
		}
		if (e->flags & F_REF) {
			e->flags &= (uint8_t)~F_REF;
			continue;
		}
		remove_entry(c, i);
		c->evicted++;
		*out = i;
		return true;
	}
}

static int find_version(const struct class_cache *c, uint64_t dev, uint64_t ino)
{
	if (!c->capacity)
		return -1;
	for (uint32_t p = c->by_ver[hash_ver(c, dev, ino)]; p; p = c->e[p - 1].next_ver)
		if (c->e[p - 1].dev == dev && c->e[p - 1].ino == ino)
			return (int)(p - 1);
	return -1;
}

static int find_content(const struct class_cache *c, const unsigned char sha[32], uint64_t size)
{
	if (!c->capacity)
		return -1;
	for (uint32_t p = c->by_sha[hash_sha(c, sha)]; p; p = c->e[p - 1].next_sha)
		if (c->e[p - 1].size == size && memcmp(c->e[p - 1].sha256, sha, 32) == 0)
			return (int)(p - 1);
	return -1;
}

/* ---- results in and out (lock held) ---- */

static int mime_index(struct class_cache *c, const char *mime)
{
	for (size_t i = 0; i < c->n_mimes; i++)
		if (strcmp(c->mimes[i], mime) == 0)
			return (int)i;
	if (c->n_mimes == MIMES_MAX || !(c->mimes[c->n_mimes] = strdup(mime)))
		return -1;
	return (int)c->n_mimes++;
}

static void result_of(const struct class_cache *c, struct entry *e, struct classify_result *out)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->mime, sizeof(out->mime), c->mimes[e->mime]);
	out->level = (enum ward_level)e->level;
	out->declassified = e->flags & F_DECLASSIFIED;
	out->uninspectable = e->flags & F_UNINSPECTABLE;
	memcpy(out->sha256, e->sha256, 32);
	out->size = e->size;
	if (e->detail)
		cache_detail_unpack(e->detail, e->detail_len, out);
	e->flags |= F_REF;
}

/* Fills slot i with res (and v).  False: nothing kept. */
static bool fill(struct class_cache *c, uint32_t i, const struct file_version *v,
		 const struct classify_result *res)
{
	unsigned char buf[CACHE_DETAIL_MAX];
	struct entry *e = &c->e[i];
	int mime = mime_index(c, res->mime);
	int len = cache_detail_pack(res, buf, sizeof(buf));

	if (mime < 0 || len < 0)
		return false;
	memset(e, 0, sizeof(*e));
	if (len > 0 && !(e->detail = malloc((size_t)len)))
		return false;
	if (len > 0)
		memcpy(e->detail, buf, (size_t)len);
	e->detail_len = (uint16_t)len;
	e->mime = (uint16_t)mime;
	e->level = (uint8_t)res->level;
	e->flags = F_USED | (res->declassified ? F_DECLASSIFIED : 0) |
		   (res->uninspectable ? F_UNINSPECTABLE : 0) |
		   (content_keyed(res) ? 0 : F_NO_CONTENT);
	memcpy(e->sha256, res->sha256, 32);
	e->size = res->size;
	if (v) {
		e->flags |= F_VERSION;
		e->dev = (uint64_t)v->dev;
		e->ino = (uint64_t)v->ino;
		e->mtime = v->mtime;
		e->ctime = v->ctime;
		c->versions++;
	}
	c->count++;
	link_entry(c, i);
	return true;
}

static bool put_locked(struct class_cache *c, const struct file_version *v,
		       const struct classify_result *res)
{
	int old;
	uint32_t slot;

	if (!keepable(res) || (v && (uint64_t)v->size != res->size) || (!v && !content_keyed(res)))
		return false;
	if (v) {
		old = find_version(c, (uint64_t)v->dev, (uint64_t)v->ino);
		if (old < 0) {
			int same = find_content(c, res->sha256, res->size);

			if (same >= 0 && !(c->e[same].flags & F_VERSION) && content_keyed(res))
				old = same;
		}
	} else if (find_content(c, res->sha256, res->size) >= 0) {
		return true; /* known already */
	} else {
		old = -1;
	}
	/* The slot of what this replaces (an older version of the file, or
	 * its content known alone), else a new one. */
	if (old >= 0) {
		remove_entry(c, (uint32_t)old);
		slot = (uint32_t)old;
	} else if (!take_slot(c, &slot)) {
		return false;
	}
	if (!fill(c, slot, v, res))
		return false;
	c->changes++;
	return true;
}

/* ---- the interface ---- */

bool class_cache_get(struct class_cache *c, const struct file_version *v,
		     struct classify_result *out)
{
	bool hit = false;
	int i;

	pthread_mutex_lock(&c->lock);
	i = find_version(c, (uint64_t)v->dev, (uint64_t)v->ino);
	if (i >= 0) {
		struct entry *e = &c->e[i];
		struct file_version have = {v->dev, v->ino, (off_t)e->size, e->mtime, e->ctime};

		if (file_version_equal(&have, v)) {
			result_of(c, e, out);
			hit = true;
		} else {
			drop_version(c, (uint32_t)i); /* another version now */
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void class_cache_put(struct class_cache *c, const struct file_version *v,
		     const struct classify_result *res)
{
	pthread_mutex_lock(&c->lock);
	put_locked(c, v, res);
	pthread_mutex_unlock(&c->lock);
}

void class_cache_put_content(struct class_cache *c, const struct classify_result *res)
{
	class_cache_put(c, NULL, res);
}

void class_cache_forget(struct class_cache *c, dev_t dev, ino_t ino)
{
	int i;

	pthread_mutex_lock(&c->lock);
	i = find_version(c, (uint64_t)dev, (uint64_t)ino);
	if (i >= 0) {
		drop_version(c, (uint32_t)i);
		c->changes++;
	}
	pthread_mutex_unlock(&c->lock);
}

bool class_cache_get_sha(struct class_cache *c, const unsigned char sha256[32], uint64_t size,
			 struct classify_result *out)
{
	bool hit = false;
	int i;

	pthread_mutex_lock(&c->lock);
	i = find_content(c, sha256, size);
	if (i >= 0) {
		result_of(c, &c->e[i], out);
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void class_cache_clear(struct class_cache *c)
{
	pthread_mutex_lock(&c->lock);
	drop_all(c);
	c->changes++;
	pthread_mutex_unlock(&c->lock);
}

void class_cache_get_stats(struct class_cache *c, struct cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->entries = c->count;
	out->versions = c->versions;
	out->evicted = c->evicted;
	out->changes = c->changes;
	pthread_mutex_unlock(&c->lock);
}

size_t class_cache_export(struct class_cache *c, size_t *cursor, struct cache_item *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	for (; *cursor < c->used_slots && n < max; (*cursor)++) {
		struct entry *e = &c->e[*cursor];
		uint8_t ref = e->flags & F_REF;

		if (!(e->flags & F_USED))
			continue;
		out[n].has_version = e->flags & F_VERSION;
		out[n].v = (struct file_version){(dev_t)e->dev, (ino_t)e->ino, (off_t)e->size,
						 e->mtime, e->ctime};
		result_of(c, e, &out[n].res);
		e->flags = (uint8_t)((e->flags & ~F_REF) | ref); /* a save is no use */
		n++;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

bool class_cache_import(struct class_cache *c, const struct cache_item *item)
{
	bool kept;

	pthread_mutex_lock(&c->lock);
	kept = put_locked(c, item->has_version ? &item->v : NULL, &item->res);
	pthread_mutex_unlock(&c->lock);
	return kept;
}

/* ---- reasons and personal data, packed ---- */

static bool pack_str(unsigned char *buf, size_t size, size_t *off, const char *s)
{
	size_t len = strnlen(s, 255);

	if (*off + 1 + len > size)
		return false;
	buf[(*off)++] = (unsigned char)len;
	memcpy(buf + *off, s, len);
	*off += len;
	return true;
}

static bool unpack_str(const unsigned char *buf, size_t len, size_t *off, char *out, size_t size)
{
	size_t n;

	if (*off >= len)
		return false;
	n = buf[(*off)++];
	if (*off + n > len || n >= size)
		return false;
	memcpy(out, buf + *off, n);
	out[n] = '\0';
	*off += n;
	return true;
}

/* The shift that leaves at most CACHE_FINGERPRINTS_MAX of res's
 * fingerprints (those whose low `shift` bits are zero, as winnow.c samples). */
static uint8_t kept_shift(const struct classify_result *res, uint32_t *kept)
{
	uint8_t shift = res->fingerprint_shift;

	for (;;) {
		uint32_t mask = shift >= 32 ? UINT32_MAX : (1u << shift) - 1, n = 0;

		for (uint32_t i = 0; i < res->n_fingerprints; i++)
			n += (res->fingerprints[i] & mask) == 0;
		if (n <= CACHE_FINGERPRINTS_MAX || shift >= 31) {
			*kept = n <= CACHE_FINGERPRINTS_MAX ? n : 0;
			return shift;
		}
		shift++;
	}
}

/* u8 shift, u16 n, n u32 fingerprints (little-endian). */
static bool pack_fingerprints(const struct classify_result *res, unsigned char *buf, size_t size,
			      size_t *off)
{
	uint32_t n;
	uint8_t shift = kept_shift(res, &n);
	uint32_t mask = shift >= 32 ? UINT32_MAX : (1u << shift) - 1;

	if (*off + 3 + 4 * (size_t)n > size)
		return false;
	buf[(*off)++] = shift;
	buf[(*off)++] = (unsigned char)n;
	buf[(*off)++] = (unsigned char)(n >> 8);
	for (uint32_t i = 0; i < res->n_fingerprints; i++) {
		uint32_t fp = res->fingerprints[i];

		if (n == 0 || (fp & mask) != 0)
			continue;
		for (int k = 0; k < 4; k++)
			buf[(*off)++] = (unsigned char)(fp >> (8 * k));
	}
	return true;
}

static bool unpack_fingerprints(const unsigned char *buf, size_t len, size_t *off,
				struct classify_result *res)
{
	uint32_t n;

	if (*off + 3 > len || buf[*off] > 31)
		return false;
	res->fingerprint_shift = buf[*off];
	n = buf[*off + 1] | (uint32_t)buf[*off + 2] << 8;
	*off += 3;
	if (n > CACHE_FINGERPRINTS_MAX || *off + 4 * (size_t)n > len)
		return false;
	for (uint32_t i = 0; i < n; i++, *off += 4)
		res->fingerprints[i] = buf[*off] | (uint32_t)buf[*off + 1] << 8 |
				       (uint32_t)buf[*off + 2] << 16 |
				       (uint32_t)buf[*off + 3] << 24;
	res->n_fingerprints = n;
	return true;
}

/* u8 n_pii, each: type, u32 count (little-endian); u8 n_reasons, each:
 * rule, where, text; the uninspectable reason ("" for none); the text
 * fingerprints (pack_fingerprints).  Strings: u8 length, bytes. */
int cache_detail_pack(const struct classify_result *res, unsigned char *buf, size_t size)
{
	size_t off = 0;

	if (res->n_pii == 0 && res->n_reasons == 0 && !res->uninspectable &&
	    res->n_fingerprints == 0)
		return 0;
	if (res->n_pii > CLASSIFY_MAX_PII || res->n_reasons > CLASSIFY_MAX_REASONS || size < 1)
		return -1;
	buf[off++] = (unsigned char)res->n_pii;
	for (uint32_t i = 0; i < res->n_pii; i++) {
		if (!pack_str(buf, size, &off, res->pii[i].type) || off + 4 > size)
			return -1;
		for (int k = 0; k < 4; k++)
			buf[off++] = (unsigned char)(res->pii[i].count >> (8 * k));
	}
	if (off + 1 > size)
		return -1;
	buf[off++] = (unsigned char)res->n_reasons;
	for (uint32_t i = 0; i < res->n_reasons; i++) {
		const struct classify_reason *r = &res->reasons[i];

		if (!pack_str(buf, size, &off, r->rule) || !pack_str(buf, size, &off, r->where) ||
		    !pack_str(buf, size, &off, r->text))
			return -1;
	}
	if (!pack_str(buf, size, &off, res->uninspectable ? res->uninspectable_reason : "") ||
	    !pack_fingerprints(res, buf, size, &off))
		return -1;
	return (int)off;
}

bool cache_detail_unpack(const unsigned char *buf, size_t len, struct classify_result *res)
{
	size_t off = 0;

	if (len < 2 || buf[0] > CLASSIFY_MAX_PII)
		return false;
	res->n_pii = buf[off++];
	for (uint32_t i = 0; i < res->n_pii; i++) {
		struct classify_pii *p = &res->pii[i];

		if (!unpack_str(buf, len, &off, p->type, sizeof(p->type)) || off + 4 > len)
			return false;
		p->count = 0;
		for (int k = 0; k < 4; k++)
			p->count |= (uint32_t)buf[off++] << (8 * k);
	}
	if (off >= len || buf[off] > CLASSIFY_MAX_REASONS)
		return false;
	res->n_reasons = buf[off++];
	for (uint32_t i = 0; i < res->n_reasons; i++) {
		struct classify_reason *r = &res->reasons[i];

		if (!unpack_str(buf, len, &off, r->rule, sizeof(r->rule)) ||
		    !unpack_str(buf, len, &off, r->where, sizeof(r->where)) ||
		    !unpack_str(buf, len, &off, r->text, sizeof(r->text)))
			return false;
	}
	if (!unpack_str(buf, len, &off, res->uninspectable_reason,
			sizeof(res->uninspectable_reason)) ||
	    !unpack_fingerprints(buf, len, &off, res))
		return false;
	return off == len;
}
