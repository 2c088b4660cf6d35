#include "report/coalesce.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/record_id.h"
#include "common/util.h"
#include "report/record.h"

struct slot {
	bool used;
	struct coalesce_key key;
	json_t *payload; /* the first attempt's, once kept */
	uint64_t count;
	struct timespec first, last;
};

struct coalescer {
	pthread_mutex_t lock;
	uint64_t window_ns;
	struct slot slots[COALESCE_SLOTS];
};

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

struct coalescer *coalescer_new(uint32_t window_ms)
{
	struct coalescer *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->window_ns = (uint64_t)window_ms * 1000000u;
	return c;
}

void coalescer_free(struct coalescer *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < COALESCE_SLOTS; i++)
		json_decref(c->slots[i].payload);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static bool same_key(const struct coalesce_key *a, const struct coalesce_key *b)
{
	return a->uid == b->uid && memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0 &&
	       strcmp(a->device, b->device) == 0 && strcmp(a->action, b->action) == 0 &&
	       memcmp(a->how, b->how, sizeof(a->how)) == 0;
}

static struct slot *find(struct coalescer *c, const struct coalesce_key *key)
{
	for (size_t i = 0; i < COALESCE_SLOTS; i++)
		if (c->slots[i].used && same_key(&c->slots[i].key, key))
			return &c->slots[i];
	return NULL;
}

static struct slot *free_slot(struct coalescer *c)
{
	for (size_t i = 0; i < COALESCE_SLOTS; i++)
		if (!c->slots[i].used)
			return &c->slots[i];
	return NULL;
}

bool coalesce_seen(struct coalescer *c, const struct coalesce_key *key, const struct timespec *when,
		   char *ref)
{
	struct slot *s;

	pthread_mutex_lock(&c->lock);
	s = find(c, key);
	if (s && ns_of(when) - ns_of(&s->first) < c->window_ns) {
		s->count++;
		s->last = *when;
		if (ref)
			str_copy(ref, RECORD_REF_LEN, wjson_str(s->payload, "ref") ?: "");
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	if (s && s->count < 2) {
		json_decref(s->payload);
		memset(s, 0, sizeof(*s));
	} else {
		/* A closed window with repeats waits for coalesce_next_due; a
		 * full table tracks nothing more.  Either way this attempt is
		 * recorded on its own: nothing is ever folded away unseen. */
		s = free_slot(c);
	}
	if (s) {
		s->used = true;
		s->key = *key;
		s->count = 1;
		s->first = s->last = *when;
	}
	pthread_mutex_unlock(&c->lock);
	return true;
}

void coalesce_keep(struct coalescer *c, const struct coalesce_key *key, const json_t *payload)
{
	struct slot *s;

	pthread_mutex_lock(&c->lock);
	s = find(c, key);
	if (s && !s->payload)
		s->payload = json_deep_copy(payload);
	pthread_mutex_unlock(&c->lock);
}

void coalesce_forget(struct coalescer *c, const struct coalesce_key *key)
{
	struct slot *s;

	pthread_mutex_lock(&c->lock);
	s = find(c, key);
	if (s) {
		json_decref(s->payload);
		memset(s, 0, sizeof(*s));
	}
	pthread_mutex_unlock(&c->lock);
}

/* The coalesced record of a closed window: the first attempt's payload
 * under a new id, pointing at it, with the count and the times. */
static json_t *coalesced(struct slot *s, const struct timespec *now)
{
	char id[RECORD_ID_LEN], ref[RECORD_REF_LEN], at[RFC3339_MAX];
	const char *first_id = wjson_str(s->payload, "record_id");
	json_t *p = json_deep_copy(s->payload);
	int r;

	if (!p || !first_id || uuid_v4(id) < 0 || record_ref(id, ref) < 0) {
		json_decref(p);
		return NULL;
	}
	r = wjson_set_str(p, "first_record", first_id) | wjson_set_str(p, "record_id", id) |
	    wjson_set_str(p, "ref", ref) | wjson_set_int(p, "count", (int64_t)s->count);
	rfc3339_ms(&s->first, at);
	r |= wjson_set_str(p, "first_at", at);
	rfc3339_ms(&s->last, at);
	r |= wjson_set_str(p, "last_at", at);
	rfc3339_ms(now, at);
	r |= wjson_set_str(p, "observed_at", at);
	if (r) {
		json_decref(p);
		return NULL;
	}
	return p;
}

json_t *coalesce_next_due(struct coalescer *c, const struct timespec *now, bool all)
{
	json_t *out = NULL;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < COALESCE_SLOTS && !out; i++) {
		struct slot *s = &c->slots[i];

		if (!s->used || (!all && ns_of(now) - ns_of(&s->first) < c->window_ns))
			continue;
		if (s->count >= 2 && s->payload)
			out = coalesced(s, now);
		json_decref(s->payload);
		memset(s, 0, sizeof(*s));
	}
	pthread_mutex_unlock(&c->lock);
	return out;
}
