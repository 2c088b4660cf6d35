/* Process lineage: what a process writes after it read a marked
 * document follows the content even when nothing of the marking is left
 * (split, base64, gpg, a converter, a pipe to a compressor).
 *
 *   - Every marked document wardd classifies on an internal filesystem gets
 *     an inode mark for FAN_ACCESS in the written-files group (written.h):
 *     a notification, nothing on the permission path; the read is told in
 *     the same queue as the writes that follow it, so it is known first.
 *     A read, not an open: `> doc` opens it to overwrite it.
 *   - A process that reads one is tainted (taint.h: pid + start time, the
 *     level, the document's SHA-256, the executable, when).
 *   - A file closed after writing on an internal filesystem by a tainted
 *     process, by a descendant forked after the taint (the parent chain
 *     read from /proc, per close-write, only while some process is
 *     tainted), or by the parent of a process tainted in the last minute
 *     (a shell's `> out` is closed by the shell once its child is done;
 *     a child gone before its read is seen has its parent from its exit,
 *     exits.h),
 *     is recorded as derived: its SHA-256, the source's, the
 *     level, the writer, when, and whether its bytes are an encoding
 *     (base64, hex: text that reads as no language).  Kept in memory (the
 *     last LINEAGE_MAX_DERIVED) and in <state_dir>/lineage (root's, 0600).
 *   - A document going to removable media whose content is such a file is
 *     derived (the policy's `derived` condition), confirmed against the
 *     source so that an editor that opened a marked document and then saves
 *     an unrelated one does not taint it: derived when it has no text the
 *     classifier can read (compressed, encrypted, split binary) or only
 *     encoded text (and is LINEAGE_MIN_TEXTLESS bytes at least), or when
 *     its text shares at least WINNOW_MIN_SHARED
 *     fingerprints with the source (fpstore.h); a document with text of its
 *     own that shares nothing with the source is not derived.
 *
 * Threads: the read/written callbacks run on the stream's thread;
 * lineage_marked on workers and the background classifier; lineage_match
 * on workers.  One mutex. */
#ifndef WARD_AGENT_LINEAGE_H
#define WARD_AGENT_LINEAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "classify/classify.h"

#define LINEAGE_FILE "lineage"
#define LINEAGE_MAX_TAINTED 1024		   /* processes */
#define LINEAGE_TAINT_TTL_MS (12ull * 3600 * 1000) /* since the last read */
#define LINEAGE_MAX_MARKED 8192			   /* marked documents watched for reads */
#define LINEAGE_MAX_DERIVED 4096		   /* derived files remembered in memory */
#define LINEAGE_MAX_DEPTH 32			   /* ancestors looked at */
#define LINEAGE_SLACK_MS 1000			   /* a read is seen this late at most */
#define LINEAGE_MIN_TEXTLESS 256      /* bytes: smaller files without text are not derived */
#define LINEAGE_CHILD_WINDOW_MS 60000 /* a child's read, for its parent's close */

struct lineage;
struct written;
struct fpstore;

/* Why a document is derived by lineage; strings valid while the store
 * lives. */
struct lineage_match {
	enum ward_level level;	/* the source's */
	const char *source_hex; /* the source's SHA-256 */
	const char *writer;	/* the executable that wrote it */
	bool textless;		/* no text of its own (or only encoded text) */
	uint32_t shared;	/* else: fingerprints its text shares with the source */
};

struct lineage_stats {
	uint64_t marked;       /* marked documents watched for reads */
	uint64_t reads;	       /* reads of them seen (runs of reads merged) */
	uint64_t tainted;      /* processes tainted now */
	uint64_t checked;      /* writes whose writer's lineage was looked up */
	uint64_t derived;      /* files recorded as derived */
	uint64_t evicted;      /* taints dropped for room */
	uint64_t gone_readers; /* readers gone before their read was seen; */
	uint64_t gone_parents; /* of those, with their parent from their exit */
};

/* Opens (creating) the store at path, 0600, and loads it.  Returns 0 or
 * -errno. */
int lineage_open(const char *path, struct lineage **out);
void lineage_free(struct lineage *l);

/* Subscribes to the stream (before written_start); reads by a process
 * is_helper(helper_arg, pid) calls wardd's own (a scanner) taint nothing
 * (is_helper may be NULL).  Returns 0 or -errno. */
int lineage_subscribe(struct lineage *l, struct written *w, bool (*is_helper)(void *, pid_t),
		      void *helper_arg);

/* A document classified (any thread): a marked one on a filesystem the
 * stream watches is watched for reads from now on. */
void lineage_marked(struct lineage *l, int fd, const struct stat *st,
		    const struct classify_result *res);

/* Whether a document that is not marked is derived by lineage from a
 * marked one (fps: the marked documents' fingerprints, may be NULL). */
bool lineage_match(struct lineage *l, struct fpstore *fps, const struct classify_result *content,
		   struct lineage_match *out);

/* Whether lineage must see the text of a document that came without
 * fingerprints (the cache keeps none): a file a tainted process wrote, not
 * marked, whose bytes are not an encoding.  The caller classifies it again
 * before lineage_match. */
bool lineage_needs_text(struct lineage *l, const struct classify_result *content);

void lineage_get_stats(struct lineage *l, struct lineage_stats *out);

/* Whether the bytes look like an encoding of something else rather than
 * text in a language: ASCII from the base64 / hex alphabets in lines with
 * next to no spaces. */
bool lineage_encoded(const unsigned char *buf, size_t len);

#endif
