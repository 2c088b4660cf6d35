#include "common/level.h"

#include <ctype.h>
#include <string.h>

static const char *const names_zh[] = {"none", "密", "機密", "極機密", "絕對機密"};
static const char *const names_en[] = {"none", "restricted", "confidential", "secret",
				       "top-secret"};

const char *level_name(enum ward_level level)
{
	if ((unsigned)level > WARD_LEVEL_MAX)
		return "invalid";
	return names_zh[level];
}

const char *level_name_en(enum ward_level level)
{
	if ((unsigned)level > WARD_LEVEL_MAX)
		return "invalid";
	return names_en[level];
}

/* Compare an English name case-insensitively, treating ' ', '_' and '-'
 * between words alike ("Top Secret" == "top-secret"). */
static bool english_equal(const char *text, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++) {
		char c = (char)tolower((unsigned char)text[i]);

		if (c == ' ' || c == '_')
			c = '-';
		if (c != name[i])
			return false;
	}
	return i == len && name[i] == '\0';
}

bool level_parse(const char *text, size_t len, enum ward_level *out)
{
	for (unsigned i = 0; i <= WARD_LEVEL_MAX; i++) {
		if ((strlen(names_zh[i]) == len && memcmp(text, names_zh[i], len) == 0) ||
		    english_equal(text, len, names_en[i])) {
			*out = (enum ward_level)i;
			return true;
		}
	}
	if (len == strlen("普通") && memcmp(text, "普通", len) == 0) {
		*out = WARD_LEVEL_NONE;
		return true;
	}
	return false;
}
