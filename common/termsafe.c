#include "common/termsafe.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

static bool is_bidi_control(unsigned long cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
	       cp == 0x200f || cp == 0x061c;
}

size_t term_escape(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, left = strlen(in);

	if (size == 0)
		return 0;
	while (*s) {
		char rep[16];
		const char *piece = rep;
		size_t plen;
		unsigned long cp = 0;
		int k = utf8_decode((const char *)s, left, &cp);
		size_t n = k > 0 ? (size_t)k : 0;

		if (n == 0) {
			rep[0] = '?';
			plen = 1;
			n = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			rep[0] = '^';
			rep[1] = (char)(cp ^ 0x40);
			plen = 2;
		} else if ((cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp)) {
			plen = (size_t)snprintf(rep, sizeof(rep), "<U+%04lX>", cp);
		} else {
			piece = (const char *)s;
			plen = n;
		}
		if (o + plen >= size)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		s += n;
		left -= n;
	}
	out[o] = '\0';
	return o;
}
