/* The reference codes staff read out over the phone.
 *
 * Every record has a random UUID (docs/protocol.md §2.2, made by
 * uuid_v4() in common/util.h).  People cannot read 36 characters to a
 * supervisor, so a decision also carries a short reference (§2.3): the
 * first 40 bits of the id in Crockford's base 32, written XXXX-XXXX.  The
 * pop-up, the terminal line, the report and the review console all show
 * the one code this file computes. */
#ifndef WARD_RECORD_ID_H
#define WARD_RECORD_ID_H

#define RECORD_ID_LEN 37  /* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" + NUL */
#define RECORD_REF_LEN 10 /* "XXXX-XXXX" + NUL */

/* The reference code of a record id: its first five bytes as eight
 * Crockford base-32 digits (0-9 A-Z without I L O U), a hyphen after the
 * fourth.  Returns 0, or -EINVAL when id is not a UUID in text form. */
int record_ref(const char *id, char out[RECORD_REF_LEN]);

#endif
