/* A recording stand-in for the scan (scan.h), so format extractors
 * are tested on what they feed, independently of the marking rules: every
 * call is written into one log that tests search.
 *
 *   [BODY content.xml page 1]      scan_page_begin
 *   text, with struck runs as ~~text~~
 *   [END]                          scan_page_end
 *   {MARK 機密 rule where text}     scan_add_marking (struck: {STRUCK ...})
 *   {UNINSPECTABLE reason}
 *   {NESTED name len}              scan_nested
 *   {EVIDENCE rule text}           scan_candidate_evidence
 *
 * Included by exactly one test program; it defines the scan_* functions, so
 * the real scan.o is never pulled from the library into that program. */
#ifndef TEST_SCAN_RECORDER_H
#define TEST_SCAN_RECORDER_H

#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "classify/scan.h"
#include "common/cleanup.h"
#include "common/level.h"
#include "common/util.h"

struct scan {
	char *log;
	size_t len, cap;
	bool in_page;
	bool uninspectable;
	bool marked;
	uint64_t expanded;
	uint64_t max_expanded;
	int over_budget_after; /* scan_over_budget() calls before it says yes; <0 never */
	struct classify_budget budget;
	uint64_t deadline_ms;		      /* 0: budget.max_millis from now */
	struct classify_resources *resources; /* NULL unless a test sets it */
	/* Nested data kept for tests to look at (the last one). */
	char *nested_data;
	size_t nested_len;
	int n_nested;
};

static inline void stub_add(struct scan *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->log = realloc(s->log, s->cap);
		if (s->log == NULL)
			abort();
	}
	memcpy(s->log + s->len, p, n);
	s->len += n;
	s->log[s->len] = '\0';
}

static inline void stub_printf(struct scan *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	stub_add(s, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static inline void stub_init(struct scan *s)
{
	memset(s, 0, sizeof(*s));
	s->over_budget_after = -1;
	s->max_expanded = 1ull << 30;
	s->budget = (struct classify_budget){.max_input_bytes = 256u << 20,
					     .max_expanded_bytes = 1u << 30,
					     .max_millis = 2000,
					     .max_depth = 4,
					     .max_entries = 10000,
					     .max_ratio = 200};
	stub_add(s, "", 0);
}

static inline void stub_free(struct scan *s)
{
	free(s->log);
	free(s->nested_data);
}

static inline const char *zone_name(enum scan_zone z)
{
	switch (z) {
	case SCAN_ZONE_BODY:
		return "BODY";
	case SCAN_ZONE_HEADER:
		return "HEADER";
	case SCAN_ZONE_FOOTER:
		return "FOOTER";
	case SCAN_ZONE_METADATA:
		return "META";
	}
	return "?";
}

void scan_page_begin(struct scan *s, enum scan_zone zone, const char *where)
{
	if (s->in_page)
		stub_printf(s, "{NESTED PAGE ERROR}");
	s->in_page = true;
	stub_printf(s, "[%s %s]\n", zone_name(zone), where);
}

void scan_text(struct scan *s, const char *utf8, size_t len, bool struck)
{
	if (!s->in_page)
		stub_printf(s, "{TEXT OUTSIDE PAGE}");
	if (struck)
		stub_add(s, "~~", 2);
	stub_add(s, utf8, len);
	if (struck)
		stub_add(s, "~~", 2);
}

void scan_page_end(struct scan *s)
{
	if (!s->in_page)
		stub_printf(s, "{END WITHOUT PAGE}");
	s->in_page = false;
	stub_printf(s, "[END]\n");
}

void scan_add_marking(struct scan *s, enum ward_level level, bool struck, const char *rule,
		      const char *where, const char *text)
{
	s->marked = true;
	stub_printf(s, "{%s %s %s %s %s}\n", struck ? "STRUCK" : "MARK", level_name(level), rule,
		    where, text);
}

void scan_candidate_evidence(struct scan *s, const char *rule, const char *text)
{
	stub_printf(s, "{EVIDENCE %s %s}\n", rule, text);
}

/* The recorder judges no text: only structural markings count. */
bool scan_marked(const struct scan *s)
{
	return s->marked;
}

void scan_set_uninspectable(struct scan *s, const char *reason)
{
	s->uninspectable = true;
	stub_printf(s, "{UNINSPECTABLE %s}\n", reason);
}

bool scan_over_budget(struct scan *s)
{
	if (s->over_budget_after < 0)
		return false;
	if (s->over_budget_after == 0)
		return true;
	s->over_budget_after--;
	return false;
}

bool scan_charge_expanded(struct scan *s, uint64_t expanded, uint64_t compressed_size)
{
	(void)compressed_size;
	s->expanded += expanded;
	if (s->expanded > s->max_expanded) {
		scan_set_uninspectable(s, "expanded over budget");
		return false;
	}
	return true;
}

void scan_nested(struct scan *s, const void *data, size_t len, const char *name)
{
	stub_printf(s, "{NESTED %s %zu}\n", name, len);
	free(s->nested_data);
	s->nested_data = malloc(len + 1);
	if (s->nested_data == NULL)
		abort();
	memcpy(s->nested_data, data, len);
	s->nested_data[len] = '\0';
	s->nested_len = len;
	s->n_nested++;
}

uint64_t scan_deadline_ms(const struct scan *s)
{
	return s->deadline_ms != 0 ? s->deadline_ms : monotonic_ms() + s->budget.max_millis;
}

struct classify_resources *scan_resources(struct scan *s)
{
	return s->resources;
}

char *scan_decode_text(const void *data, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("UTF-8", "CP950");
	char *out = malloc(len * 3 + 1), *in = (char *)data, *o = out;
	size_t inleft = len, outleft = len * 3;

	if (out == NULL || cd == (iconv_t)-1)
		abort();
	while (inleft > 0 && iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		in++; /* skip what does not decode */
		inleft--;
	}
	iconv_close(cd);
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

const struct classify_budget *scan_budget(const struct scan *s)
{
	return &s->budget;
}

/* Builds an archive in memory: format e.g. "zip", "ustar"; filter e.g.
 * "gzip" or NULL; members as name, content pairs ending with NULL.
 * Returns a malloc'ed buffer. */
static inline char *make_archive(const char *format, const char *filter, const char *password,
				 size_t *len, ...)
{
	size_t cap = 1 << 22, used = 0;
	char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	va_list ap;
	const char *name;

	if (buf == NULL || a == NULL)
		abort();
	if (archive_write_set_format_by_name(a, format) != ARCHIVE_OK)
		abort();
	if (filter && archive_write_add_filter_by_name(a, filter) != ARCHIVE_OK)
		abort();
	if (password) {
		archive_write_set_options(a, "zip:encryption=zipcrypt");
		archive_write_set_passphrase(a, password);
	}
	if (archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK)
		abort();
	va_start(ap, len);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *content = va_arg(ap, const char *);
		size_t clen = va_arg(ap, size_t);
		struct archive_entry *e = archive_entry_new();

		if (clen == 0)
			clen = strlen(content);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)clen);
		archive_write_header(a, e);
		archive_write_data(a, content, clen);
		archive_entry_free(e);
	}
	va_end(ap);
	archive_write_close(a);
	archive_write_free(a);
	*len = used;
	return buf;
}

/* The recorded log holds (or lacks) a piece of text. */
#define assert_has(s, needle)                                                                      \
	do {                                                                                       \
		if (strstr((s)->log, (needle)) == NULL)                                            \
			fail_msg("expected \"%s\" in:\n%s", (needle), (s)->log);                   \
	} while (0)
#define assert_lacks(s, needle)                                                                    \
	do {                                                                                       \
		if (strstr((s)->log, (needle)) != NULL)                                            \
			fail_msg("did not expect \"%s\" in:\n%s", (needle), (s)->log);             \
	} while (0)

/* A file of the test corpus ($WARD_CORPUS or tests/corpus), whole, in a
 * malloc'ed buffer the caller frees. */
static inline char *corpus_file(const char *rel, size_t *len)
{
	const char *root = getenv("WARD_CORPUS") ? getenv("WARD_CORPUS") : "tests/corpus";
	char path[512];
	struct stat st;
	char *buf;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		fail_msg("cannot open corpus file %s", path);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read_full(fd, buf, (size_t)st.st_size), st.st_size);
	*len = (size_t)st.st_size;
	return buf;
}

#endif
