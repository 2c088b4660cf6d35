/* UTF-7 at a glance, for quick.c (which links nothing but itself) and
 * text.c alike: whether ASCII text holds a UTF-7 run. */
#ifndef WARD_CLASSIFY_UTF7_H
#define WARD_CLASSIFY_UTF7_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* UTF-7 hides every non-ASCII character in a run "+<base64>-": one with a
 * letter in it means "look" (+886- of a phone number has none). */
static inline bool utf7_has_run(const unsigned char *p, size_t len)
{
	for (const unsigned char *plus = memchr(p, '+', len); plus != NULL;
	     plus = memchr(plus + 1, '+', len - (size_t)(plus + 1 - p))) {
		size_t n = 0;
		bool letter = false;

		for (const unsigned char *c = plus + 1; c < p + len; c++, n++) {
			bool alpha = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z');

			if (!alpha && !(*c >= '0' && *c <= '9') && *c != '/' && *c != '+')
				break;
			letter |= alpha;
		}
		if (n >= 3 && letter)
			return true;
		if (plus + 1 >= p + len)
			break;
	}
	return false;
}

#endif
