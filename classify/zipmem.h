/* Named members of a zip held in memory, for the zip-based office formats
 * (ODF, OOXML).  Only the members a caller asks for are inflated; every
 * inflated byte is charged to the scan's budget (scan_charge_expanded), so
 * a bomb stops early.  Internal to classify/. */
#ifndef WARD_CLASSIFY_ZIPMEM_H
#define WARD_CLASSIFY_ZIPMEM_H

#include <stdbool.h>
#include <stddef.h>

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

/* Reads the whole current entry of an open libarchive reader into a
 * malloc'ed, NUL-terminated buffer, charging the budget; at most max bytes
 * (more → ZIPMEM_BUDGET with the scan marked uninspectable).  Shared with
 * archive.c.  *err_out gets libarchive's message on a read error (returns
 * ZIPMEM_NOT_ZIP then). */
struct archive;
enum zipmem_status zipmem_read_entry(struct scan *s, struct archive *a, size_t max,
				     size_t compressed_len, char **data_out, size_t *len_out,
				     const char **err_out);

#endif
