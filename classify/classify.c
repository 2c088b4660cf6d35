/* The classifier's public interface (classify.h): reading a file within
 * its budget, hashing it, telling its type by content with libmagic and
 * handing it to the extractor of that type; the analysis is scan.c's.
 *
 * The file name never picks the format: a .txt that is a zip is read as a
 * zip, a .docx that is text as text. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <errno.h>
#include <magic.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "classify/bigfile.h"
#include "classify/charset.h"
#include "classify/core.h"
#include "classify/rules.h"
#include "classify/extract.h"
#include "classify/resources.h"
#include "common/util.h"

/* libmagic looks at no more than this much of a document: enough for the
 * zip member names that tell OOXML from ODF from a plain zip. */
#define MAGIC_BYTES (256u << 10)
/* Read size for files: small enough that each block is still in cache
 * when it is hashed. */
#define READ_BLOCK (256u << 10)
/* Reads larger than this go to memory mapped (and populated) in one
 * call: faulting in a large buffer page by page costs more than reading
 * the file. */
#define BIG_READ (4u << 20)
/* Files from this size on are read block by block when they are plain
 * UTF-8 text, and scanned as they are read. */
#define STREAM_MIN (8u << 20)
#define STREAM_BLOCK (256u << 10)
#define MAX_ENGLISH_WORDS 16

struct english_word {
	char word[32]; /* upper case, letters only: "TOPSECRET" */
	enum ward_level level;
};

struct classify_ctx {
	magic_t magic;
	struct big5_table *big5;
	struct encoding_cache *encodings;
	struct classify_resources *res;
	struct english_word english[MAX_ENGLISH_WORDS];
	size_t n_english;
};

/* Letters only, upper case: "Top-Secret" → "TOPSECRET".  Returns false
 * when the word does not fit or holds no letter. */
static bool english_normalize(const char *word, size_t len, char *out, size_t out_size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = word[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			continue;
		if (o + 1 >= out_size)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

int classify_set_english(struct classify_ctx *ctx, const char *word, enum ward_level level)
{
	char norm[sizeof(ctx->english[0].word)];

	if (!word || (unsigned)level > WARD_LEVEL_MAX ||
	    !english_normalize(word, strlen(word), norm, sizeof(norm)))
		return -EINVAL;
	for (size_t i = 0; i < ctx->n_english; i++) {
		if (strcmp(ctx->english[i].word, norm) != 0)
			continue;
		if (level == WARD_LEVEL_NONE)
			ctx->english[i] = ctx->english[--ctx->n_english];
		else
			ctx->english[i].level = level;
		return 0;
	}
	if (level == WARD_LEVEL_NONE)
		return 0;
	if (ctx->n_english >= MAX_ENGLISH_WORDS)
		return -ENOSPC;
	memcpy(ctx->english[ctx->n_english].word, norm, sizeof(norm));
	ctx->english[ctx->n_english++].level = level;
	return 0;
}

bool classify_english_level(const struct classify_ctx *ctx, const char *word, size_t len,
			    enum ward_level *out)
{
	char norm[sizeof(ctx->english[0].word)];

	if (!english_normalize(word, len, norm, sizeof(norm)))
		return false;
	for (size_t i = 0; i < ctx->n_english; i++) {
		if (strcmp(ctx->english[i].word, norm) == 0) {
			*out = ctx->english[i].level;
			return true;
		}
	}
	return false;
}

struct classify_ctx *classify_new(const char **err)
{
	struct classify_ctx *ctx = calloc(1, sizeof(*ctx));
	size_t bytes_max = MAGIC_BYTES;

	if (!ctx) {
		*err = "out of memory";
		return NULL;
	}
	/* No look inside compressed data (extract_archive does that, within
	 * the budget), no ELF details. */
	ctx->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF |
				MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV | MAGIC_ERROR);
	if (!ctx->magic) {
		*err = "libmagic could not start (out of memory)";
		free(ctx);
		return NULL;
	}
	if (magic_load(ctx->magic, NULL) != 0) {
		*err = "libmagic could not load its database (is libmagic-mgc installed?)";
		magic_close(ctx->magic);
		free(ctx);
		return NULL;
	}
	magic_setparam(ctx->magic, MAGIC_PARAM_BYTES_MAX, &bytes_max);
	if (!normalize_init()) {
		*err = "ICU could not load its normalisation data";
		magic_close(ctx->magic);
		free(ctx);
		return NULL;
	}
	/* Without the table Big5 is still read, by charset.c, more slowly. */
	ctx->big5 = big5_table_new();
	/* Without it short texts are read in their likeliest encoding only. */
	ctx->encodings = encoding_cache_new();
	ctx->res = classify_resources_new(ctx->big5);
	if (!ctx->res) {
		*err = "out of memory";
		big5_table_free(ctx->big5);
		encoding_cache_free(ctx->encodings);
		magic_close(ctx->magic);
		free(ctx);
		return NULL;
	}

	classify_set_english(ctx, "TOP SECRET", WARD_LEVEL_TOP_SECRET);
	classify_set_english(ctx, "SECRET", WARD_LEVEL_SECRET);
	classify_set_english(ctx, "CONFIDENTIAL", WARD_LEVEL_CONFIDENTIAL);
	classify_set_english(ctx, "RESTRICTED", WARD_LEVEL_RESTRICTED);
	return ctx;
}

void classify_free(struct classify_ctx *ctx)
{
	if (!ctx)
		return;
	magic_close(ctx->magic);
	classify_resources_free(ctx->res);
	big5_table_free(ctx->big5);
	encoding_cache_free(ctx->encodings);
	free(ctx);
}

int classify_preload(struct classify_ctx *ctx, const char **err)
{
	return classify_resources_preload(ctx->res, err);
}

struct classify_resources *classify_ctx_resources(const struct classify_ctx *ctx)
{
	return ctx->res;
}

const struct big5_table *classify_big5(const struct classify_ctx *ctx)
{
	return ctx->big5;
}

struct encoding_cache *classify_encodings(const struct classify_ctx *ctx)
{
	return ctx->encodings;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

/* A first line such as "From: ...", "Received: ...": maybe mail. */
static bool header_line(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 5 && memcmp(p, "From ", 5) == 0)
		return true;
	while (i < len && i < 80 &&
	       ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		(p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
		i++;
	return i > 0 && i < len && p[i] == ':';
}

/* Prose needs no libmagic: its text tests cost milliseconds on every file,
 * however small.  Whatever might be markup (HTML, XML, RTF), mail, a
 * PDF or PostScript written in ASCII, or UTF-16 still goes to libmagic. */
static bool plain_prose(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (!classify_looks_like_text(p, len) || (len >= 2 && (p[0] == 0xff || p[0] == 0xfe)))
		return false;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] == '\f'))
		i++;
	if (i == len || p[i] == '<' || p[i] == '{' || p[i] == '%' || p[i] == '#')
		return false;
	return !header_line(p + i, len - i);
}

void classify_magic_type(const struct classify_ctx *ctx, const void *data, size_t len, char *out,
			 size_t size)
{
	const char *type = magic_buffer(ctx->magic, data, len);

	str_copy(out, size, type ? type : "application/octet-stream");
}

void classify_describe(const struct classify_ctx *ctx, const void *data, size_t len, char *out,
		       size_t size)
{
	int flags = magic_getflags(ctx->magic);
	const char *d;

	magic_setflags(ctx->magic, flags & ~MAGIC_MIME);
	d = magic_buffer(ctx->magic, data, len);
	str_copy(out, size, d ? d : "");
	magic_setflags(ctx->magic, flags);
}

void classify_dispatch(struct scan *s, const void *data, size_t len, char *mime, size_t mime_size)
{
	const struct classify_ctx *ctx = s->call->ctx;
	const char *type;

	if (len == 0)
		type = "application/x-empty";
	else if (plain_prose(data, len))
		type = "text/plain";
	else
		type = magic_buffer(ctx->magic, data, len);

	if (!type)
		type = "application/octet-stream";
	str_copy(mime, mime_size, type);
	if (classify_run_type(s, mime, data, len) < 0) {
		char why[128];

		snprintf(why, sizeof(why), "not a readable %s", mime);
		scan_set_uninspectable(s, why);
	}
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */

static void run_call(struct scan_call *call, const void *data, size_t len,
		     struct classify_result *out)
{
	struct scan s;

	scan_init(&s, call, 0, "");
	classify_dispatch(&s, data, len, out->mime, sizeof(out->mime));
	scan_finish(&s);
	scan_call_result(call, out);
}

static bool sha256(const void *data, size_t len, unsigned char digest[32])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) == 1 && n == 32;
}

int classify_buffer(struct classify_ctx *ctx, const void *data, size_t len, const char *name_hint,
		    const struct classify_budget *budget, struct classify_result *out)
{
	struct classify_budget defaults;
	struct scan_call call;

	(void)name_hint;
	if (!budget) {
		classify_budget_default(&defaults);
		budget = &defaults;
	}
	memset(out, 0, sizeof(*out));
	out->size = len;
	if (!sha256(data, len, out->sha256))
		return -ENOMEM;
	scan_call_init(&call, ctx, budget);
	if (len > budget->max_input_bytes) {
		char why[96];
		struct scan s;

		scan_init(&s, &call, 0, "");
		snprintf(why, sizeof(why), "too large: scanned the first %llu MiB of %llu MiB",
			 (unsigned long long)(budget->max_input_bytes >> 20),
			 (unsigned long long)(len >> 20));
		scan_set_uninspectable(&s, why);
		len = budget->max_input_bytes;
	}
	run_call(&call, data, len, out);
	return 0;
}

/* The label an administrator or another tool put on the file itself. */
static void read_xattr_label(int fd, struct scan *s)
{
	char value[64];
	ssize_t n = fgetxattr(fd, "user.ward.level", value, sizeof(value) - 1);
	enum ward_level level;

	if (n <= 0)
		return;
	value[n] = '\0';
	while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == ' '))
		value[--n] = '\0';
	if (classify_english_level(s->call->ctx, value, (size_t)n, &level) ||
	    level_parse(value, (size_t)n, &level))
		scan_add_marking(s, level, false, "xattr-label", "user.ward.level", value);
}

static unsigned char *read_buffer_new(size_t cap)
{
	if (cap < BIG_READ)
		return malloc(cap ? cap : 1);
	void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void read_buffer_free(unsigned char *data, size_t cap)
{
	if (!data)
		return;
	if (cap < BIG_READ)
		free(data);
	else
		munmap(data, cap);
}

/* Reads fd from offset *len into buf[0..want), hashing what it read while
 * it is in cache.  Returns the count read (short at end of file) or
 * -errno; *out_of_time when the time budget ran out first. */
static ssize_t read_block(int fd, unsigned char *buf, size_t want, uint64_t offset, EVP_MD_CTX *md,
			  const struct scan_call *call, bool *out_of_time)
{
	size_t got = 0;

	while (got < want) {
		size_t step = want - got < READ_BLOCK ? want - got : READ_BLOCK;
		ssize_t n = pread(fd, buf + got, step, (off_t)(offset + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* the file shrank while being read */
		EVP_DigestUpdate(md, buf + got, (size_t)n);
		got += (size_t)n;
		/* A slow medium must not hold the caller past its budget. */
		if (got < want && monotonic_ms() >= call->deadline_ms) {
			*out_of_time = true;
			break;
		}
	}
	return (ssize_t)got;
}

/* Large plain UTF-8 text is scanned as it is read, block by block, never
 * held whole: copying hundreds of MB into memory costs more than scanning
 * them.  block holds the first head_len bytes, already hashed.  Returns 0
 * or -errno; *len is what was read. */
static int stream_text(int fd, struct scan *s, unsigned char *block, size_t head_len, size_t cap,
		       size_t *len, EVP_MD_CTX *md, bool *out_of_time)
{
	struct text_stream t;
	size_t skip = head_len >= 3 && memcmp(block, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	int ret = 0;

	text_stream_begin(s, &t);
	text_stream_feed(s, &t, (const char *)block + skip, head_len - skip);
	*len = head_len;
	while (*len < cap && !*out_of_time && !scan_over_budget(s)) {
		size_t want = cap - *len < STREAM_BLOCK ? cap - *len : STREAM_BLOCK;
		ssize_t n = read_block(fd, block, want, *len, md, s->call, out_of_time);

		if (n < 0) {
			ret = (int)n;
			break;
		}
		if (n == 0)
			break;
		text_stream_feed(s, &t, (const char *)block, (size_t)n);
		*len += (size_t)n;
		if (monotonic_ms() >= s->call->deadline_ms)
			*out_of_time = *len < cap;
	}
	text_stream_end(s, &t);
	return ret;
}

/* Only regular files (memfds included) hold a document read with pread;
 * a pipe or a device is no document. */
static int regular_file(int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return -errno;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	return S_ISREG(st->st_mode) ? 0 : -EINVAL;
}

int classify_fd(struct classify_ctx *ctx, int fd, const char *name_hint,
		const struct classify_budget *budget, struct classify_result *out)
{
	struct classify_budget defaults;
	struct scan_call call;
	struct scan s;
	struct stat st;
	EVP_MD_CTX *md = NULL;
	unsigned char *data = NULL;
	size_t cap, len = 0;
	bool truncated = false, out_of_time = false, streamed = false;
	ssize_t n;
	int ret = 0;

	(void)name_hint;
	if (!budget) {
		classify_budget_default(&defaults);
		budget = &defaults;
	}
	memset(out, 0, sizeof(*out));
	if ((ret = regular_file(fd, &st)) < 0)
		return ret;
	/* A zip by its directory, a video by its structure (bigfile.c). */
	if ((uint64_t)st.st_size > budget->max_input_bytes &&
	    (ret = classify_big_fd(ctx, fd, (uint64_t)st.st_size, budget, out)) != 0)
		return ret < 0 ? ret : 0;
	scan_call_init(&call, ctx, budget);
	scan_init(&s, &call, 0, "");

	if ((uint64_t)st.st_size <= budget->max_input_bytes)
		cap = (size_t)st.st_size;
	else
		cap = (size_t)budget->max_input_bytes;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		ret = -ENOMEM;
		goto out;
	}

	if (cap >= STREAM_MIN) {
		/* The first block tells whether this is plain UTF-8 text. */
		unsigned char *block = malloc(STREAM_BLOCK);

		if (!block) {
			ret = -ENOMEM;
			goto out;
		}
		n = read_block(fd, block, STREAM_BLOCK, 0, md, &call, &out_of_time);
		if (n >= 0 && (size_t)n == STREAM_BLOCK && plain_prose(block, (size_t)n) &&
		    text_is_utf8(block, (size_t)n)) {
			str_copy(out->mime, sizeof(out->mime), "text/plain");
			ret = stream_text(fd, &s, block, (size_t)n, cap, &len, md, &out_of_time);
			streamed = true;
		} else if (n >= 0) {
			data = read_buffer_new(cap);
			if (data) {
				memcpy(data, block, (size_t)n);
				len = (size_t)n;
			}
		}
		free(block);
		if (n < 0)
			ret = (int)n;
		if (ret < 0)
			goto out;
		if (!streamed && !data) {
			ret = -ENOMEM;
			goto out;
		}
	} else {
		data = read_buffer_new(cap);
		if (!data) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (!streamed && !out_of_time) {
		n = read_block(fd, data + len, cap - len, len, md, &call, &out_of_time);
		if (n < 0) {
			ret = (int)n;
			goto out;
		}
		len += (size_t)n;
	}
	if (len == cap && (uint64_t)st.st_size > cap) {
		/* More than the budget?  One byte tells. */
		unsigned char extra;
		truncated = pread(fd, &extra, 1, (off_t)len) > 0;
	}
	EVP_DigestFinal_ex(md, out->sha256, NULL);
	out->size = (uint64_t)st.st_size > len ? (uint64_t)st.st_size : len;

	if (truncated) {
		char why[96];

		snprintf(why, sizeof(why),
			 "too large: scanned the first %llu MiB of %llu MiB (hash of that part)",
			 (unsigned long long)(len >> 20), (unsigned long long)(out->size >> 20));
		scan_set_uninspectable(&s, why);
	}
	if (out_of_time) {
		char why[96];

		snprintf(why, sizeof(why),
			 "time budget spent reading: scanned the first %llu MiB of %llu MiB",
			 (unsigned long long)(len >> 20), (unsigned long long)(out->size >> 20));
		scan_set_uninspectable(&s, why);
	}
	read_xattr_label(fd, &s);
	if (streamed) {
		scan_finish(&s);
		scan_call_result(&call, out);
	} else {
		run_call(&call, data, len, out);
	}
out:
	EVP_MD_CTX_free(md);
	read_buffer_free(data, cap);
	return ret;
}
