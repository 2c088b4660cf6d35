#include "agent/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cache_key {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct cache_slot {
	struct cache_key key;
	struct classify_result *res; /* NULL: empty; allocated on first use */
};

#define SHA_SLOTS 512

struct class_cache {
	pthread_mutex_t lock;
	unsigned n;
	struct cache_slot *slots;
	struct classify_result *by_sha[SHA_SLOTS]; /* keyed by res->sha256 */
};

static unsigned sha_slot(const unsigned char sha256[32])
{
	return (unsigned)(sha256[0] | sha256[1] << 8) % SHA_SLOTS;
}

static void key_of(const struct stat *st, struct cache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = st->st_size;
	k->mtime = st->st_mtim;
	k->ctime = st->st_ctim;
}

static unsigned slot_of(const struct class_cache *c, const struct cache_key *k)
{
	uint64_t h = (uint64_t)k->ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)k->dev;

	h ^= h >> 29;
	return (unsigned)(h % c->n);
}

int class_cache_new(unsigned slots, struct class_cache **out)
{
	struct class_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->n = slots ? slots : 1;
	c->slots = calloc(c->n, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void class_cache_free(struct class_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		free(c->slots[i].res);
	for (unsigned i = 0; i < SHA_SLOTS; i++)
		free(c->by_sha[i]);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool class_cache_get(struct class_cache *c, const struct stat *st, struct classify_result *out)
{
	struct cache_key k;
	struct cache_slot *s;
	bool hit = false;

	key_of(st, &k);
	pthread_mutex_lock(&c->lock);
	s = &c->slots[slot_of(c, &k)];
	if (s->res && memcmp(&s->key, &k, sizeof(k)) == 0) {
		*out = *s->res;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void class_cache_put(struct class_cache *c, const struct stat *st,
		     const struct classify_result *res)
{
	struct cache_key k;
	struct cache_slot *s;

	key_of(st, &k);
	pthread_mutex_lock(&c->lock);
	s = &c->slots[slot_of(c, &k)];
	if (!s->res)
		s->res = malloc(sizeof(*s->res));
	if (s->res) {
		s->key = k;
		*s->res = *res;
	}
	if (!res->uninspectable) {
		struct classify_result **b = &c->by_sha[sha_slot(res->sha256)];

		if (!*b)
			*b = malloc(sizeof(**b));
		if (*b)
			**b = *res;
	}
	pthread_mutex_unlock(&c->lock);
}

bool class_cache_get_sha(struct class_cache *c, const unsigned char sha256[32], uint64_t size,
			 struct classify_result *out)
{
	const struct classify_result *b;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	b = c->by_sha[sha_slot(sha256)];
	if (b && b->size == size && memcmp(b->sha256, sha256, 32) == 0) {
		*out = *b;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void class_cache_clear(struct class_cache *c)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->n; i++) {
		free(c->slots[i].res);
		c->slots[i].res = NULL;
	}
	for (unsigned i = 0; i < SHA_SLOTS; i++) {
		free(c->by_sha[i]);
		c->by_sha[i] = NULL;
	}
	pthread_mutex_unlock(&c->lock);
}
