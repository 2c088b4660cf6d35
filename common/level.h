/* Taiwan's classification levels, lowest to highest, and their names.
 * 密 is a general official secret; 機密, 極機密 and 絕對機密 are national
 * secrets under the Classified National Security Information Protection Act.
 * Shared by the classifier (which finds a level) and the policy (which
 * compares against one). */
#ifndef WARD_LEVEL_H
#define WARD_LEVEL_H

#include <stdbool.h>
#include <stddef.h>

enum ward_level {
	WARD_LEVEL_NONE = 0,
	WARD_LEVEL_RESTRICTED,	 /* 密 */
	WARD_LEVEL_CONFIDENTIAL, /* 機密 */
	WARD_LEVEL_SECRET,	 /* 極機密 */
	WARD_LEVEL_TOP_SECRET,	 /* 絕對機密 */
};
#define WARD_LEVEL_MAX WARD_LEVEL_TOP_SECRET

/* "none", "密", "機密", "極機密", "絕對機密". */
const char *level_name(enum ward_level level);
/* English official translation: "none", "restricted", "confidential",
 * "secret", "top-secret". */
const char *level_name_en(enum ward_level level);
/* Accepts the Chinese names, the English names (any case, '-' or ' ' or
 * '_' between words) and "none"/"普通".  Returns false if unknown. */
bool level_parse(const char *text, size_t len, enum ward_level *out);

#endif
