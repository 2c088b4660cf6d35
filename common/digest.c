#define _GNU_SOURCE
#include "common/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Large reads: the page cache is copied once per call, and SHA-256 (with
 * the CPU's SHA extensions) keeps up with a megabyte at a time. */
#define DIGEST_CHUNK (1u << 20)

int digest_fd(int fd, uint64_t max, unsigned char out[DIGEST_SHA256_LEN], uint64_t *size)
{
	_cleanup_free_ unsigned char *buf = malloc(DIGEST_CHUNK);
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	uint64_t off = 0;
	int r = buf && h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1 ? 0 : -ENOMEM;

	while (r == 0) {
		ssize_t n = pread(fd, buf, DIGEST_CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		off += (uint64_t)n;
		if (max && off > max)
			r = -EFBIG;
		else if (EVP_DigestUpdate(h, buf, (size_t)n) != 1)
			r = -ENOMEM;
	}
	if (r == 0 && EVP_DigestFinal_ex(h, out, NULL) != 1)
		r = -ENOMEM;
	EVP_MD_CTX_free(h);
	*size = off;
	return r;
}

int digest_path(const char *path, unsigned char out[DIGEST_SHA256_LEN], uint64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	return digest_fd(fd, 0, out, size);
}
