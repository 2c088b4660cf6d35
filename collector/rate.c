#include "collector/rate.h"

#include <string.h>

#include "common/util.h"

void rate_init(struct rate_table *t, double rate, double burst)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->rate = rate;
	t->burst = burst;
}

void rate_destroy(struct rate_table *t)
{
	pthread_mutex_destroy(&t->lock);
}

bool rate_allow(struct rate_table *t, const char *key)
{
	uint64_t now = monotonic_ms(), h = 1469598103934665603ull;
	bool ok;
	size_t s;

	if (t->rate <= 0)
		return true;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	s = h % RATE_SLOTS;
	pthread_mutex_lock(&t->lock);
	if (strcmp(t->slots[s].key, key) != 0 &&
	    (!t->slots[s].key[0] || now - t->slots[s].at_ms >= 60000)) {
		str_copy(t->slots[s].key, sizeof(t->slots[s].key), key);
		t->slots[s].tokens = t->burst;
		t->slots[s].at_ms = now;
	}
	t->slots[s].tokens += (double)(now - t->slots[s].at_ms) / 1000.0 * t->rate;
	if (t->slots[s].tokens > t->burst)
		t->slots[s].tokens = t->burst;
	t->slots[s].at_ms = now;
	ok = t->slots[s].tokens >= 1.0;
	if (ok)
		t->slots[s].tokens -= 1.0;
	pthread_mutex_unlock(&t->lock);
	return ok;
}
