#include "collector/console/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tarball {
	struct archive *a;
	char *data;
	size_t len, cap;
	bool failed;
};

static la_ssize_t take(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct tarball *t = ctx;

	(void)a;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 65536;
		char *grown;

		while (cap < t->len + n)
			cap *= 2;
		grown = realloc(t->data, cap);
		if (!grown) {
			t->failed = true;
			return -1;
		}
		t->data = grown;
		t->cap = cap;
	}
	memcpy(t->data + t->len, buf, n);
	t->len += n;
	return (la_ssize_t)n;
}

struct tarball *tarball_new(void)
{
	struct tarball *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->a = archive_write_new();
	if (!t->a || archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(t->a) != ARCHIVE_OK ||
	    archive_write_open(t->a, t, NULL, take, NULL) != ARCHIVE_OK) {
		if (t->a)
			archive_write_free(t->a);
		free(t);
		return NULL;
	}
	return t;
}

int tarball_add(struct tarball *t, const char *name, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int r = -EIO;

	if (!e)
		return -ENOMEM;
	/* The name's bytes as they are (UTF-8): libarchive's own conversion
	 * needs a UTF-8 locale, and the collector runs in C. */
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(t->a, e) >= ARCHIVE_WARN &&
	    (len == 0 || archive_write_data(t->a, data, len) == (la_ssize_t)len))
		r = 0;
	archive_entry_free(e);
	return r;
}

int tarball_finish(struct tarball *t, char **out, size_t *len)
{
	int r = archive_write_close(t->a) == ARCHIVE_OK && !t->failed ? 0 : -EIO;

	archive_write_free(t->a);
	*out = r == 0 ? t->data : NULL;
	*len = r == 0 ? t->len : 0;
	if (r < 0)
		free(t->data);
	free(t);
	return r;
}
