/* Small helpers every part uses: whole reads and writes that survive EINTR
 * and short counts, bounded string copies, clocks and hex. */
#ifndef WARD_UTIL_H
#define WARD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write all of buf; returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read up to len bytes, retrying short reads until EOF; returns the count
 * read or -errno. */
ssize_t read_full(int fd, void *buf, size_t len);

/* The one way Ward reads a whole file (configuration, policy, tokens,
 * keys, zone files): path relative to dirfd (AT_FDCWD for none), opened
 * O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY (a symlink,
 * a FIFO or a device never blocks or redirects the read), checked to be a
 * regular file of at most max bytes before anything is read.  *out gets a
 * heap copy with a NUL after the last byte, *len its length.  Returns 0,
 * -ELOOP (a symlink), -EINVAL (not a regular file), -EFBIG (over max) or
 * another -errno. */
int read_file(int dirfd, const char *path, size_t max, char **out, size_t *len);

/* Copy src into dst of size dstsize, always NUL-terminated; truncates at a
 * UTF-8 character boundary.  Returns true if nothing was cut. */
bool str_copy(char *dst, size_t dstsize, const char *src);
/* The same for a counted source. */
bool str_copy_n(char *dst, size_t dstsize, const char *src, size_t srclen);

/* Decodes one UTF-8 character at p (n bytes left, OpenSSL's UTF8_getc);
 * returns its length (1 to 4), or -1 for an invalid, overlong, surrogate
 * or out-of-range sequence.  Ward's one UTF-8 reader. */
int utf8_decode(const char *p, size_t n, unsigned long *cp);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t monotonic_ms(void);
/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t monotonic_ns(void);

/* Formats a reason for people into err (size bytes; err may be NULL) and
 * returns code, so an error path is one statement:
 *	return errorf(err, errsize, -EINVAL, "bad %s", what); */
int errorf(char *err, size_t size, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const unsigned char *bytes, size_t len, char *out);
/* The value of one hex digit (either case), or -1. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
/* Exactly 2*size hex digits (either case) of text into out; false on any
 * other length or a non-hex character.  Reads text in order and stops at
 * the first character that is not a hex digit, so a shorter NUL-terminated
 * string is never read past its end. */
bool hex_decode(const char *text, size_t len, unsigned char *out, size_t size);

/* Ward's UTC instants, "2022-01-25T02:00:00.123Z" (or without the
 * fraction), to milliseconds since the epoch; false for anything else. */
bool rfc3339_parse_ms(const char *text, int64_t *out);
/* A random (version 4) UUID in lower case, "xxxxxxxx-xxxx-4xxx-yxxx-
 * xxxxxxxxxxxx", into out (37 bytes).  Returns 0 or -errno (no entropy). */
int uuid_v4(char out[37]);

#endif
