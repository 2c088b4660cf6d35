/* Pre-classification: know a document's classification before anyone
 * copies it, so the destination side answers from the cache.
 *
 *   - the first subscriber of the stream of written files (written.h):
 *     each file closed after writing on an internal filesystem is
 *     forgotten by the cache at once (its version changed) and queued; it
 *     is classified once it has been left alone for
 *     KNOWN_VERSION_MARGIN_S (a file still being written is classified
 *     once, at the end) and kept by version;
 *   - the crawl (crawl.h) of the configured roots (home directories),
 *     after start, again every few hours and whenever the stream lost
 *     events or the queue was full: what was written while wardd was
 *     stopped;
 *   - the cache's file (cachefile.h): loaded at start, saved when it
 *     changed (at most once a minute) and at shutdown.
 *
 * All of it on one thread of its own at SCHED_IDLE and the idle I/O class,
 * with its own scanner (AGENT_BACKGROUND_SCANNER, started by that thread
 * so it inherits both), never on the permission path: it only uses CPU and
 * disk time nobody else wants.  Background classifications get a longer
 * budget than an opener can wait for (PRECLASS_BUDGET_MS), so a slow
 * document is known whole before it is copied. */
#ifndef WARD_AGENT_PRECLASS_H
#define WARD_AGENT_PRECLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/cachefile.h"

struct agent;
struct written;

#define PRECLASS_BUDGET_MS 30000
#define PRECLASS_PENDING_MAX 512 /* files waiting; more are left to a crawl */

struct preclass_stats {
	uint64_t classified; /* written files classified */
	uint64_t crawled;    /* crawled files classified */
	uint64_t pending;    /* waiting now */
	uint64_t dropped;    /* not queued (full): left to the next crawl */
	uint64_t passes;     /* crawl passes finished */
	uint64_t saves;	     /* the cache's file written */
	uint64_t loaded;     /* entries loaded from it at start */
	bool busy;	     /* something is due or a crawl is under way */
};

struct preclass;

/* For agent a: the cache's file at cache_path, named by id; crawl roots
 * from a->cfg.  Returns 0 or -errno. */
int preclass_new(struct agent *a, const char *cache_path, const struct cache_identity *id,
		 struct preclass **out);
/* Becomes a subscriber of w (before written_start). */
int preclass_subscribe(struct preclass *p, struct written *w);
/* Loads the cache's file (the internal filesystems must be watched by
 * then, to recognise them) and starts the thread. */
int preclass_start(struct preclass *p);
/* Stops the thread, saves the cache, frees. */
void preclass_free(struct preclass *p);

/* A policy was loaded (SIGHUP): another version forgets the cache. */
void preclass_policy(struct preclass *p, const unsigned char version[32]);

void preclass_get_stats(struct preclass *p, struct preclass_stats *out);

#endif
