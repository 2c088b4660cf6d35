/* SHA-256 of what a descriptor holds, read once from offset 0 to the end
 * with pread (the file offset is not moved): the after-write check on
 * removable media and the classifier's identity use it. */
#ifndef WARD_DIGEST_H
#define WARD_DIGEST_H

#include <stdint.h>

#define DIGEST_SHA256_LEN 32

/* Hashes fd's content into out and its length into *size.  With max > 0
 * a file longer than max is refused (-EFBIG) before more than max bytes
 * are read.  Returns 0, -EFBIG, -ENOMEM or the read's -errno. */
int digest_fd(int fd, uint64_t max, unsigned char out[DIGEST_SHA256_LEN], uint64_t *size);

/* The same for a path (opened O_RDONLY | O_CLOEXEC | O_NOFOLLOW). */
int digest_path(const char *path, unsigned char out[DIGEST_SHA256_LEN], uint64_t *size);

#endif
