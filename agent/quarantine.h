/* The evidence store: <state_dir>/quarantine/, root-only (0700).  A file
 * that must not stay on a medium is copied here from the event's own
 * descriptor (never re-opened by path: rsync and editors rename under us),
 * with a metadata JSON beside it, both fsync'ed, before the caller removes
 * it from the medium. */
#ifndef WARD_AGENT_QUARANTINE_H
#define WARD_AGENT_QUARANTINE_H

#include <stddef.h>

#define QUARANTINE_ID_LEN 48

/* Creates dir (0700) if needed.  Returns 0 or -errno. */
int quarantine_prepare(const char *dir);

/* Copies the file at fd into dir/<id>.data and writes dir/<id>.json: an
 * object of "id", "data" and the decision record's members (meta: JSON
 * members' text without the braces, as record_format gives).  *id receives the new id.  Returns 0 or -errno (nothing is left
 * behind on failure). */
int quarantine_store(const char *dir, int fd, const char *meta, size_t meta_len,
		     char id[QUARANTINE_ID_LEN]);

/* Removes path from the medium if it is still the file at fd (same dev and
 * inode).  Returns 0, -ESTALE when path now names something else, or
 * -errno. */
int quarantine_remove_original(int fd, const char *path);

#endif
