/* Text from outside (file names, device names) made safe to print on a
 * terminal: nothing in it can move the cursor, retitle the window, or
 * reorder what the reader sees. */
#ifndef WARD_TERMSAFE_H
#define WARD_TERMSAFE_H

#include <stddef.h>

/* Copies UTF-8 text, replacing control characters (C0, DEL as ^X, C1 as
 * <U+XXXX>), bidirectional controls with <U+XXXX>, and bytes that are not
 * UTF-8 with '?'; never cuts a character.  Returns the length written. */
size_t term_escape(const char *in, char *out, size_t size);

#endif
