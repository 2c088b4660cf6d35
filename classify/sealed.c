/* Content nobody but its owner can open: encrypted containers (OpenPGP,
 * age, LUKS), filesystem images, and data that looks like the output of a
 * cipher.  Such content is uninspectable, never clean: what it carries
 * cannot be known, and "unknown binary data" was the way out for a marked
 * document passed through `gpg --symmetric` or a VeraCrypt container.
 *
 * Encrypted files are recognised by their own headers wherever they are
 * (an armored message is text to libmagic); random-looking data only when
 * libmagic calls it plain `data`, so that compressed formats, pictures and
 * videos (which are random-looking too) keep their own readers. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "classify/core.h"
#include "classify/sealed.h"

/* Below this many bytes a byte histogram says nothing either way. */
#define RANDOM_MIN_BYTES 1024
/* Bytes of a large buffer sampled for the histogram, in blocks spread
 * over all of it: a container's header or a run of padding at one end
 * must not decide alone. */
#define RANDOM_SAMPLE_BYTES (256u << 10)
#define RANDOM_BLOCKS 64
/* Chi-square of a byte histogram against the uniform distribution: 255
 * degrees of freedom, mean 255, standard deviation 22.6.  Cipher output
 * stays below mean + 6 sd; text, programs, tables and images are far
 * above (thousands). */
#define RANDOM_CHI2_MAX 390.0

static bool starts_with(const unsigned char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(p, prefix, n) == 0;
}

/* ASCII armor, after leading blank lines (text tools add them). */
static const char *armored(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len && i < 256 && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (starts_with(p + i, len - i, "-----BEGIN PGP MESSAGE-----"))
		return "encrypted (OpenPGP message, ASCII armor)";
	if (starts_with(p + i, len - i, "-----BEGIN AGE ENCRYPTED FILE-----"))
		return "encrypted (age, ASCII armor)";
	return NULL;
}

/* An OpenPGP message starts with a session-key packet (tag 1, public key;
 * tag 3, symmetric) or, for old `gpg -c --rfc1991` style output, the
 * encrypted data itself (tags 9, 18, 20).  The version byte that follows
 * the packet header is checked too: one byte alone matches too much. */
static const char *openpgp(const unsigned char *p, size_t len)
{
	unsigned tag, hdr;

	if (len < 8 || !(p[0] & 0x80))
		return NULL;
	if (p[0] & 0x40) { /* new format: one-octet length when < 192 */
		tag = p[0] & 0x3f;
		if (p[1] >= 192)
			return NULL;
		hdr = 2;
	} else {
		unsigned ltype = p[0] & 3;

		tag = (p[0] >> 2) & 0x0f;
		hdr = ltype == 0 ? 2 : ltype == 1 ? 3 : ltype == 2 ? 5 : 1;
	}
	if (tag == 3 && (p[hdr] == 4 || p[hdr] == 5 || p[hdr] == 6) && p[hdr + 1] >= 1 &&
	    p[hdr + 1] <= 13)
		return "encrypted (OpenPGP, passphrase)";
	if (tag == 1 && (p[hdr] == 3 || p[hdr] == 6))
		return "encrypted (OpenPGP, public key)";
	if ((tag == 18 && p[hdr] == 1) || (tag == 20 && p[hdr] == 1))
		return "encrypted (OpenPGP data)";
	return NULL;
}

const char *sealed_header(const void *data, size_t len)
{
	const unsigned char *p = data;
	const char *why;

	if ((why = armored(p, len)))
		return why;
	if (starts_with(p, len, "age-encryption.org/v1\n"))
		return "encrypted (age)";
	if (starts_with(p, len, "LUKS\xba\xbe") || starts_with(p, len, "SKUL\xba\xbe"))
		return "encrypted volume (LUKS)";
	return openpgp(p, len);
}

/* What libmagic's description says of data it calls application/
 * octet-stream: a filesystem or disk image is a container Ward does not
 * open, and libmagic knows more encrypted formats than the headers above. */
const char *sealed_description(const char *description)
{
	static const struct {
		const char *word, *why;
	} words[] = {
	    {"encrypted", "encrypted (as libmagic describes it)"},
	    {"GPG ", "encrypted (OpenPGP)"},
	    {"PGP ", "encrypted (OpenPGP)"},
	    {"filesystem data", "filesystem image not read"},
	    {"boot sector", "disk image not read"},
	    {"Squashfs", "filesystem image not read"},
	};

	if (!description)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(description, words[i].word))
			return words[i].why;
	return NULL;
}

static void count_block(const unsigned char *p, size_t n, uint64_t hist[256])
{
	for (size_t i = 0; i < n; i++)
		hist[p[i]]++;
}

double sealed_chi2(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t hist[256] = {0}, n = 0;
	double expect, chi2 = 0;

	if (len <= RANDOM_SAMPLE_BYTES) {
		count_block(p, len, hist);
		n = len;
	} else {
		size_t block = RANDOM_SAMPLE_BYTES / RANDOM_BLOCKS;
		size_t stride = (len - block) / (RANDOM_BLOCKS - 1);

		for (size_t b = 0; b < RANDOM_BLOCKS; b++)
			count_block(p + b * stride, block, hist);
		n = (uint64_t)block * RANDOM_BLOCKS;
	}
	if (n == 0)
		return 0;
	expect = (double)n / 256.0;
	for (int i = 0; i < 256; i++) {
		double d = (double)hist[i] - expect;

		chi2 += d * d / expect;
	}
	return chi2;
}

const char *sealed_random(const void *data, size_t len)
{
	if (len < RANDOM_MIN_BYTES)
		return NULL;
	if (sealed_chi2(data, len) > RANDOM_CHI2_MAX)
		return NULL;
	return "encrypted or random data of no known format";
}
