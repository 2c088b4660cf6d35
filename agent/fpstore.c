/* Fingerprints of marked documents (fpstore.h). */
#define _GNU_SOURCE
#include "agent/fpstore.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify/winnow.h"
#include "common/log.h"
#include "common/util.h"

#define MAGIC "WFP1"

/* One record of the file, followed by n 32-bit fingerprints. */
struct fp_record {
	char magic[4];
	uint8_t level;
	uint8_t shift;
	uint16_t reserved;
	uint32_t n;
	unsigned char sha256[32];
};

struct fp_doc {
	enum ward_level level;
	uint8_t shift;
	uint32_t n;
	unsigned char sha256[32];
	char hex[65];
	uint32_t fp[CLASSIFY_MAX_FINGERPRINTS];
};

struct fpstore {
	pthread_rwlock_t lock;
	int fd; /* the file, appended to */
	struct fp_doc *docs;
	unsigned n_docs;
	unsigned next; /* the slot the next document takes (the oldest) */
};

static bool record_sane(const struct fp_record *r, const uint32_t *fp)
{
	if (memcmp(r->magic, MAGIC, 4) != 0 || r->level == WARD_LEVEL_NONE ||
	    r->level > WARD_LEVEL_MAX || r->shift > 31 || r->n > CLASSIFY_MAX_FINGERPRINTS)
		return false;
	for (uint32_t i = 1; fp && i < r->n; i++)
		if (fp[i - 1] >= fp[i])
			return false;
	return true;
}

/* Finds a document by content.  Lock held. */
static struct fp_doc *find(struct fpstore *s, const unsigned char sha256[32])
{
	for (unsigned i = 0; i < s->n_docs; i++)
		if (memcmp(s->docs[i].sha256, sha256, 32) == 0)
			return &s->docs[i];
	return NULL;
}

/* Keeps a document in memory, in place of the oldest when full.  Lock
 * held (write). */
static void keep(struct fpstore *s, enum ward_level level, uint8_t shift, uint32_t n,
		 const unsigned char sha256[32], const uint32_t *fp)
{
	struct fp_doc *d = &s->docs[s->next];

	s->next = (s->next + 1) % FPSTORE_MAX_DOCS;
	if (s->n_docs < FPSTORE_MAX_DOCS)
		s->n_docs++;
	d->level = level;
	d->shift = shift;
	d->n = n;
	memcpy(d->sha256, sha256, 32);
	hex_encode(sha256, 32, d->hex);
	memcpy(d->fp, fp, n * sizeof(fp[0]));
}

/* Reads every record; a torn or damaged tail is cut off. */
static int load(struct fpstore *s)
{
	uint32_t *fp = malloc(CLASSIFY_MAX_FINGERPRINTS * sizeof(*fp));
	off_t good = 0;
	struct fp_record r;
	struct stat st;

	if (!fp)
		return -ENOMEM;
	for (;;) {
		ssize_t got = pread(s->fd, &r, sizeof(r), good);

		if (got != (ssize_t)sizeof(r) || !record_sane(&r, NULL))
			break;
		got = pread(s->fd, fp, r.n * sizeof(*fp), good + (off_t)sizeof(r));
		if (got != (ssize_t)(r.n * sizeof(*fp)) || !record_sane(&r, fp))
			break;
		if (!find(s, r.sha256))
			keep(s, (enum ward_level)r.level, r.shift, r.n, r.sha256, fp);
		good += (off_t)(sizeof(r) + r.n * sizeof(*fp));
	}
	free(fp);
	if (fstat(s->fd, &st) == 0 && st.st_size != good) {
		log_warnx("fingerprints: a damaged record at byte %lld cut off", (long long)good);
		if (ftruncate(s->fd, good) < 0)
			return -errno;
	}
	return 0;
}

int fpstore_open(const char *path, struct fpstore **out)
{
	struct fpstore *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->docs = calloc(FPSTORE_MAX_DOCS, sizeof(*s->docs));
	pthread_rwlock_init(&s->lock, NULL);
	s->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	r = !s->docs ? -ENOMEM : s->fd < 0 ? -errno : fchmod(s->fd, 0600) < 0 ? -errno : load(s);
	if (r < 0) {
		fpstore_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void fpstore_free(struct fpstore *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	pthread_rwlock_destroy(&s->lock);
	free(s->docs);
	free(s);
}

int fpstore_add(struct fpstore *s, const struct classify_result *res)
{
	struct fp_record r = {.magic = MAGIC,
			      .level = (uint8_t)res->level,
			      .shift = res->fingerprint_shift,
			      .n = res->n_fingerprints};
	int err = 0;

	if (res->level == WARD_LEVEL_NONE || res->n_fingerprints < WINNOW_MIN_SHARED)
		return 0;
	memcpy(r.sha256, res->sha256, 32);
	pthread_rwlock_wrlock(&s->lock);
	if (!find(s, res->sha256)) {
		keep(s, res->level, res->fingerprint_shift, res->n_fingerprints, res->sha256,
		     res->fingerprints);
		/* One write per record (O_APPEND): a crash tears at most the
		 * last one, which the next load cuts off. */
		struct fp_disk {
			struct fp_record r;
			uint32_t fp[CLASSIFY_MAX_FINGERPRINTS];
		} *buf = malloc(sizeof(*buf));
		size_t len = sizeof(r) + r.n * sizeof(uint32_t);

		if (!buf) {
			err = -ENOMEM;
		} else {
			buf->r = r;
			memcpy(buf->fp, res->fingerprints, r.n * sizeof(uint32_t));
			err = write_all(s->fd, buf, len);
			free(buf);
		}
	}
	pthread_rwlock_unlock(&s->lock);
	return err;
}

bool fpstore_match(struct fpstore *s, const struct classify_result *res, struct fp_match *out)
{
	bool found = false;

	memset(out, 0, sizeof(*out));
	/* A declassified document is the marked one's text by right. */
	if (res->level != WARD_LEVEL_NONE || res->declassified ||
	    res->n_fingerprints < WINNOW_MIN_SHARED)
		return false;
	pthread_rwlock_rdlock(&s->lock);
	for (unsigned i = 0; i < s->n_docs; i++) {
		const struct fp_doc *d = &s->docs[i];
		uint32_t shared;

		if (memcmp(d->sha256, res->sha256, 32) == 0 ||
		    !winnow_derived(res->fingerprints, res->n_fingerprints, res->fingerprint_shift,
				    d->fp, d->n, d->shift, &shared))
			continue;
		if (!found || d->level > out->level ||
		    (d->level == out->level && shared > out->shared)) {
			out->level = d->level;
			out->shared = shared;
			out->sha256_hex = d->hex;
		}
		found = true;
	}
	pthread_rwlock_unlock(&s->lock);
	return found;
}

unsigned fpstore_count(struct fpstore *s)
{
	unsigned n;

	pthread_rwlock_rdlock(&s->lock);
	n = s->n_docs;
	pthread_rwlock_unlock(&s->lock);
	return n;
}
