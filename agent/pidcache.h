/* Which processes were just seen holding nothing open for writing on a
 * removable medium, so the source side can answer their next opens at
 * once, in the reader thread, without a /proc/PID/fd scan.
 *
 * An entry is trusted only while (a) no open on any removable medium has
 * happened since it was made (a generation number the reader bumps on
 * every medium event: a process must open a file on a medium to hold one)
 * and (b) it is younger than PIDCACHE_TTL_MS (bounds pid reuse and
 * descriptors passed over sockets).  Lock-free: one atomic word a slot. */
#ifndef WARD_AGENT_PIDCACHE_H
#define WARD_AGENT_PIDCACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PIDCACHE_SLOTS 4096
#define PIDCACHE_TTL_MS 1000

struct pidcache {
	atomic_uint_fast64_t generation; /* bumped on every open on a medium */
	/* pid (22 bits) | generation low 20 bits | expiry in 10 ms ticks (22 bits) */
	atomic_uint_fast64_t slot[PIDCACHE_SLOTS];
};

static inline uint64_t pidcache_generation(struct pidcache *c)
{
	return atomic_load(&c->generation);
}

static inline void pidcache_bump(struct pidcache *c)
{
	atomic_fetch_add(&c->generation, 1);
}

/* Record that pid held no medium writer, as of generation gen (read
 * BEFORE the scan that found it so). */
void pidcache_put(struct pidcache *c, pid_t pid, uint64_t gen, uint64_t now_ms);
/* Whether pid may be trusted to hold no medium writer now. */
bool pidcache_clean(struct pidcache *c, pid_t pid, uint64_t now_ms);

#endif
