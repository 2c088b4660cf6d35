#include "agent/pidcache.h"

#define PID_BITS 22
#define GEN_BITS 20
#define TICK_BITS 22
#define MASK(n) ((1ull << (n)) - 1)

static uint64_t pack(pid_t pid, uint64_t gen, uint64_t expiry_tick)
{
	return ((uint64_t)pid & MASK(PID_BITS)) | ((gen & MASK(GEN_BITS)) << PID_BITS) |
	       ((expiry_tick & MASK(TICK_BITS)) << (PID_BITS + GEN_BITS));
}

void pidcache_put(struct pidcache *c, pid_t pid, uint64_t gen, uint64_t now_ms)
{
	if (pid <= 0 || (uint64_t)pid > MASK(PID_BITS))
		return;
	atomic_store(&c->slot[(unsigned)pid % PIDCACHE_SLOTS],
		     pack(pid, gen, (now_ms + PIDCACHE_TTL_MS) / 10));
}

bool pidcache_clean(struct pidcache *c, pid_t pid, uint64_t now_ms)
{
	uint64_t v, gen, expiry, now_tick;

	if (pid <= 0 || (uint64_t)pid > MASK(PID_BITS))
		return false;
	v = atomic_load(&c->slot[(unsigned)pid % PIDCACHE_SLOTS]);
	if (v == 0 || (v & MASK(PID_BITS)) != (uint64_t)pid)
		return false;
	gen = (v >> PID_BITS) & MASK(GEN_BITS);
	if (gen != (atomic_load(&c->generation) & MASK(GEN_BITS)))
		return false;
	expiry = v >> (PID_BITS + GEN_BITS);
	now_tick = (now_ms / 10) & MASK(TICK_BITS);
	/* Ticks wrap every ~11.6 hours: compare modulo the field. */
	return ((expiry - now_tick) & MASK(TICK_BITS)) <= PIDCACHE_TTL_MS / 10;
}
