/* Zip members in memory, for the zip-based office formats (ODF, OOXML) and
 * for archive.c's bomb check.
 *
 * The office formats read a zip's central directory themselves and inflate
 * only the parts they want, streaming them in slices through a small
 * buffer on the stack into the XML parser: a part is never held whole in
 * memory, and no large buffer is allocated per document (fresh pages are
 * costly, on virtual machines most).  Every inflated byte is charged to the
 * scan's budget, and a part inflating beyond the budget's ratio to its own
 * compressed size stops as a bomb.  Internal to classify/. */
#ifndef WARD_CLASSIFY_ZIPMEM_H
#define WARD_CLASSIFY_ZIPMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/scan.h"

/* One member as the central directory describes it; name points into the
 * zip buffer (not NUL-terminated). */
struct zipmem_entry {
	const char *name;
	size_t name_len;
	uint64_t csize, usize, offset;
	uint16_t method, flags;
};

struct zipmem_index {
	struct zipmem_entry *v; /* sorted by name */
	size_t n;
	bool truncated; /* entries the directory promised but did not hold */
};

enum zipmem_status {
	ZIPMEM_OK = 0,
	ZIPMEM_NOT_ZIP = -1, /* no central directory: not a zip, or cut short */
	ZIPMEM_BUDGET = -2,  /* the budget ran out (the scan says so) */
	ZIPMEM_NOMEM = -3,
	ZIPMEM_DAMAGED = -4, /* bad local header, bad deflate data, truncated */
	ZIPMEM_ENCRYPTED = -5,
	ZIPMEM_UNSUPPORTED = -6, /* a compression method other than store/deflate */
	ZIPMEM_STOPPED = -7,	 /* the sink asked to stop */
};

/* Reads the central directory (zip64 sizes included).  ZIPMEM_NOT_ZIP when
 * there is none. */
enum zipmem_status zipmem_index_build(const void *zip, size_t len, struct zipmem_index *out);
/* The member of that exact name, or NULL. */
const struct zipmem_entry *zipmem_index_find(const struct zipmem_index *ix, const char *name);
/* Its compressed size, or fallback when unknown. */
uint64_t zipmem_index_csize(const struct zipmem_index *ix, const char *name, uint64_t fallback);
void zipmem_index_free(struct zipmem_index *ix);

/* Inflates member e of zip and hands it to sink in slices; sink returns
 * false to stop (→ ZIPMEM_STOPPED). */
typedef bool (*zipmem_sink)(void *ud, const char *data, size_t len);
enum zipmem_status zipmem_stream(struct scan *s, const void *zip, size_t len,
				 const struct zipmem_entry *e, zipmem_sink sink, void *ud);
/* The same into a malloc'ed NUL-terminated buffer of at most max bytes
 * (a bigger member is cut at max: for small parts such as a manifest). */
enum zipmem_status zipmem_load(struct scan *s, const void *zip, size_t len,
			       const struct zipmem_entry *e, size_t max, char **data, size_t *n);
/* True when a member's declared size is over the budget's ratio to its
 * compressed size (past 1 MiB): a bomb, refused before inflating. */
bool zipmem_declared_bomb(struct scan *s, uint64_t usize, uint64_t csize);
/* What went wrong, for an uninspectable reason. */
const char *zipmem_strerror(enum zipmem_status st);

/* Reads the whole current entry of an open libarchive reader into a
 * malloc'ed, NUL-terminated buffer, charging the budget; at most max bytes
 * (more → ZIPMEM_BUDGET with the scan marked uninspectable), and no more
 * than the budget's ratio times compressed_len (the member's compressed
 * size, or its container's when unknown) once past 1 MiB.  For archive.c.
 * *err_out gets libarchive's message on a read error (ZIPMEM_DAMAGED). */
struct archive;
enum zipmem_status zipmem_read_entry(struct scan *s, struct archive *a, size_t max,
				     uint64_t compressed_len, char **data_out, size_t *len_out,
				     const char **err_out);

#endif
