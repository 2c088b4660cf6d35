/* Named members of a zip held in memory, for the zip-based office formats
 * (ODF, OOXML).  Only the members a caller asks for are inflated; every
 * inflated byte is charged to the scan's budget (scan_charge_expanded), so
 * a bomb stops early.  Internal to classify/. */
#ifndef WARD_CLASSIFY_ZIPMEM_H
#define WARD_CLASSIFY_ZIPMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/scan.h"

struct zipmem_member {
	char *name;
	char *data; /* NUL-terminated for convenience; len excludes the NUL */
	size_t len;
};

struct zipmem {
	struct zipmem_member *members;
	size_t n, cap;
	bool encrypted; /* a wanted member was encrypted (and skipped) */
	bool truncated; /* the zip ended early or a member could not be read */
};

enum zipmem_status {
	ZIPMEM_OK = 0,
	ZIPMEM_NOT_ZIP = -1, /* not a zip at all: the caller's format is wrong */
	ZIPMEM_BUDGET = -2,  /* the budget ran out (the scan says so) */
	ZIPMEM_NOMEM = -3,
};

/* Reads every member whose name want() accepts (want may be called more
 * than once per name).  Members read before an error stay in out.  A
 * damaged or encrypted member sets out->truncated / out->encrypted and the
 * rest are still read. */
enum zipmem_status zipmem_read(struct scan *s, const void *zip, size_t len,
			       bool (*want)(const char *name, void *arg), void *arg,
			       struct zipmem *out);
/* The member of that exact name, or NULL. */
const struct zipmem_member *zipmem_find(const struct zipmem *z, const char *name);
void zipmem_free(struct zipmem *z);

/* Compressed sizes of a zip's members, from its central directory, so the
 * expansion ratio is judged per member (a bomb cannot hide among
 * incompressible members).  Names point into the zip buffer. */
struct zipmem_csize {
	const char *name;
	size_t name_len;
	uint64_t csize;
};

struct zipmem_index {
	struct zipmem_csize *v;
	size_t n;
};

/* Builds the index; an index with n == 0 (not a zip, no central directory,
 * zip64 directory) just means "unknown".  Returns false when out of
 * memory. */
bool zipmem_index_build(const void *zip, size_t len, struct zipmem_index *out);
/* The compressed size of the member, or fallback when unknown. */
uint64_t zipmem_index_csize(const struct zipmem_index *ix, const char *name, uint64_t fallback);
void zipmem_index_free(struct zipmem_index *ix);

/* Reads the whole current entry of an open libarchive reader into a
 * malloc'ed, NUL-terminated buffer, charging the budget; at most max bytes
 * (more → ZIPMEM_BUDGET with the scan marked uninspectable), and no more
 * than the budget's ratio times compressed_len (the member's compressed
 * size, or its container's when unknown) once past 1 MiB.  Shared with
 * archive.c.  *err_out gets libarchive's message on a read error (returns
 * ZIPMEM_NOT_ZIP then). */
struct archive;
enum zipmem_status zipmem_read_entry(struct scan *s, struct archive *a, size_t max,
				     uint64_t compressed_len, char **data_out, size_t *len_out,
				     const char **err_out);

#endif
