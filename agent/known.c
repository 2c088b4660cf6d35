/* Classification through the cache (known.h). */
#define _GNU_SOURCE
#include "agent/known.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "agent/agent.h"
#include "agent/written.h"
#include "common/digest.h"
#include "common/i18n.h"
#include "common/json.h"
#include "common/level.h"

struct timespec known_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

bool known_internal(struct agent *a, const struct stat *st)
{
	return a->written && written_watches(a->written, st->st_dev);
}

/* Whether a result read after `seen` may be kept under st's version. */
static bool version_keyed(struct agent *a, const struct stat *st, const struct timespec *seen)
{
	int64_t age_ns = ((int64_t)seen->tv_sec - (int64_t)st->st_ctim.tv_sec) * 1000000000 +
			 ((int64_t)seen->tv_nsec - (int64_t)st->st_ctim.tv_nsec);

	return S_ISREG(st->st_mode) && known_internal(a, st) &&
	       age_ns >= (int64_t)KNOWN_VERSION_MARGIN_S * 1000000000;
}

bool known_by_version(struct agent *a, const struct stat *st, struct classify_result *out)
{
	struct file_version v = file_version_of(st);

	if (!known_internal(a, st) || !class_cache_get(a->cache, &v, out))
		return false;
	atomic_fetch_add(&a->n.cache_hits, 1);
	return true;
}

int known_classify(struct agent *a, unsigned scanner, int fd, const struct stat *st,
		   const struct timespec *seen, const char *name,
		   const struct classify_budget *budget, uint32_t timeout_ms,
		   struct classify_result *out)
{
	int r;

	/* Counted where someone waits: background work has its own counts. */
	if (scanner != AGENT_BACKGROUND_SCANNER)
		atomic_fetch_add(&a->n.classified, 1);
	r = a->ops->classify(a, scanner, fd, name, budget, timeout_ms, out);
	/* The cache keeps only what would come again (cache.h). */
	if (r != 0)
		return r;
	if (version_keyed(a, st, seen)) {
		struct file_version v = file_version_of(st);

		class_cache_put(a->cache, &v, out);
	} else {
		class_cache_put_content(a->cache, out);
	}
	return r;
}

int known_result(struct agent *a, unsigned scanner, int fd, const struct stat *st,
		 const struct timespec *seen, const char *name, uint32_t timeout_ms,
		 struct classify_result *out)
{
	struct classify_budget budget;

	if (known_by_version(a, st, out))
		return 1;
	classify_budget_default(&budget);
	if (budget.max_millis > timeout_ms)
		budget.max_millis = timeout_ms;
	return known_classify(a, scanner, fd, st, seen, name, &budget, timeout_ms + 100, out);
}

bool known_by_content(struct agent *a, int fd, struct classify_result *out,
		      unsigned char sha256[32], bool *has_digest)
{
	struct classify_budget budget;
	struct stat st;
	uint64_t size = 0;
	bool hit;

	/* Beyond what a classifier reads, no answer is known by the whole
	 * file's digest: not worth reading it all to find none. */
	classify_budget_default(&budget);
	*has_digest = false;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > budget.max_input_bytes)
		return false;
	*has_digest = digest_fd(fd, budget.max_input_bytes, sha256, &size) == 0;
	hit = *has_digest && class_cache_get_sha(a->cache, sha256, size, out);
	if (hit)
		atomic_fetch_add(&a->n.cache_hits, 1);
	return hit;
}

void known_stat_from_statx(const struct statx *sx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = sx->stx_mode;
	st->st_dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
	st->st_ino = (ino_t)sx->stx_ino;
	st->st_nlink = sx->stx_nlink;
	st->st_size = (off_t)sx->stx_size;
	st->st_mtim = (struct timespec){sx->stx_mtime.tv_sec, sx->stx_mtime.tv_nsec};
	st->st_ctim = (struct timespec){sx->stx_ctime.tv_sec, sx->stx_ctime.tv_nsec};
}

/* The reply's members for what is known. */
static int known_members(json_t *o, const struct classify_result *r)
{
	uint64_t pii = 0;

	for (uint32_t i = 0; i < r->n_pii; i++)
		pii += r->pii[i].count;
	if (wjson_set_str(o, "level", r->level ? level_name(r->level) : "") < 0 ||
	    wjson_set_str(o, "level_en", r->level ? level_name_en(r->level) : "none") < 0 ||
	    json_object_set_new(o, "declassified", json_boolean(r->declassified)) < 0 ||
	    wjson_set_int(o, "pii", (int64_t)pii) < 0 || wjson_set_text(o, "mime", r->mime) < 0)
		return -1;
	return 0;
}

void known_answer(struct agent *a, const char *path, char *reply, size_t size)
{
	json_t *o = json_object();
	struct classify_result res;
	struct statx sx;
	struct stat st = {0};
	const char *why = NULL;
	size_t len;
	int r = o ? wjson_set_text(o, "path", path) : -1;

	/* No round trip to a FUSE server, no automount: the main thread. */
	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &sx) <
	    0) {
		why = N_("cannot stat");
	} else {
		known_stat_from_statx(&sx, &st);
		if (!S_ISREG(st.st_mode))
			why = N_("not a regular file");
		else if (!known_internal(a, &st))
			why = N_("not on an internal filesystem");
		else if (!class_cache_get(a->cache,
					  &(struct file_version){st.st_dev, st.st_ino, st.st_size,
								 st.st_mtim, st.st_ctim},
					  &res))
			why = N_("not known yet");
	}
	if (r == 0)
		r = json_object_set_new(o, "known", json_boolean(why == NULL));
	if (r == 0)
		r = why ? wjson_set_str(o, "why", why) : known_members(o, &res);
	len = r == 0 ? json_dumpb(o, reply, size - 1, JSON_COMPACT) : 0;
	if (len == 0 || len >= size - 1)
		snprintf(reply, size, "{\"error\":\"out of memory\"}");
	else
		reply[len] = '\0';
	json_decref(o);
}
