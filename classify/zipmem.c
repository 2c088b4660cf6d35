/* Named zip members from memory with libarchive: see zipmem.h. */
#include "classify/zipmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/cleanup.h"

/* Inflate in slices this big so budget checks run often. */
#define ZIPMEM_SLICE (256 * 1024)
/* No office document has more parts than this worth reading. */
#define ZIPMEM_MAX_MEMBERS 4096

/* The ratio of inflated bytes to the container's size beyond which a
 * container is a bomb, whatever scan_charge_expanded thinks of each slice. */
static bool over_ratio(struct scan *s, uint64_t expanded, uint64_t compressed_len)
{
	const struct classify_budget *b = scan_budget(s);

	if (b == NULL || b->max_ratio == 0 || compressed_len == 0)
		return false;
	/* Small members inflate a lot relative to nothing: allow 1 MiB
	 * before the ratio applies. */
	return expanded > (1u << 20) && expanded / compressed_len > b->max_ratio;
}

enum zipmem_status zipmem_read_entry(struct scan *s, struct archive *a, size_t max,
				     uint64_t compressed_len, char **data_out, size_t *len_out,
				     const char **err_out)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	*data_out = NULL;
	*len_out = 0;
	*err_out = NULL;
	for (;;) {
		la_ssize_t n;

		if (len >= max) {
			/* Full at max: one more byte means too large. */
			char probe;

			n = archive_read_data(a, &probe, 1);
			if (n > 0) {
				scan_set_uninspectable(
				    s, "archive member larger than the input budget");
				return ZIPMEM_BUDGET;
			}
			break;
		}
		if (len + ZIPMEM_SLICE + 1 > cap) {
			size_t ncap = cap ? cap * 2 : ZIPMEM_SLICE + 1;
			char *p;

			if (ncap > max + 1)
				ncap = max + 1;
			p = realloc(buf, ncap);
			if (p == NULL)
				return ZIPMEM_NOMEM;
			buf = p;
			cap = ncap;
		}
		n = archive_read_data(a, buf + len,
				      cap - 1 - len < ZIPMEM_SLICE ? cap - 1 - len : ZIPMEM_SLICE);
		if (n < 0) {
			*err_out = archive_error_string(a);
			if (*err_out == NULL)
				*err_out = "unreadable data";
			return ZIPMEM_NOT_ZIP;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (!scan_charge_expanded(s, (uint64_t)n, compressed_len))
			return ZIPMEM_BUDGET;
		if (over_ratio(s, len, compressed_len)) {
			scan_set_uninspectable(s, "archive member expands beyond the allowed "
						  "ratio (compression bomb)");
			return ZIPMEM_BUDGET;
		}
		if (scan_over_budget(s))
			return ZIPMEM_BUDGET;
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL)
			return ZIPMEM_NOMEM;
	}
	buf[len] = '\0';
	*data_out = TAKE_PTR(buf);
	*len_out = len;
	return ZIPMEM_OK;
}

static enum zipmem_status add_member(struct zipmem *z, const char *name, char *data, size_t len)
{
	if (z->n == z->cap) {
		size_t ncap = z->cap ? z->cap * 2 : 16;
		struct zipmem_member *m = realloc(z->members, ncap * sizeof(*m));

		if (m == NULL)
			return ZIPMEM_NOMEM;
		z->members = m;
		z->cap = ncap;
	}
	z->members[z->n].name = strdup(name);
	if (z->members[z->n].name == NULL)
		return ZIPMEM_NOMEM;
	z->members[z->n].data = data;
	z->members[z->n].len = len;
	z->n++;
	return ZIPMEM_OK;
}

enum zipmem_status zipmem_read(struct scan *s, const void *zip, size_t len,
			       bool (*want)(const char *name, void *arg), void *arg,
			       struct zipmem *out)
{
	const struct classify_budget *b = scan_budget(s);
	size_t max = b && b->max_input_bytes ? (size_t)b->max_input_bytes : SIZE_MAX - 1;
	struct archive *a;
	struct archive_entry *entry;
	struct zipmem_index ix;
	enum zipmem_status status = ZIPMEM_OK;
	size_t seen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	a = archive_read_new();
	if (a == NULL)
		return ZIPMEM_NOMEM;
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, zip, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return ZIPMEM_NOT_ZIP;
	}
	if (!zipmem_index_build(zip, len, &ix)) {
		archive_read_free(a);
		return ZIPMEM_NOMEM;
	}
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(entry);
		char *data;
		size_t dlen;
		const char *err;

		seen++;
		if (seen > ZIPMEM_MAX_MEMBERS)
			break;
		if (name == NULL || archive_entry_filetype(entry) != AE_IFREG || !want(name, arg))
			continue;
		if (archive_entry_is_encrypted(entry)) {
			out->encrypted = true;
			continue;
		}
		status = zipmem_read_entry(s, a, max, zipmem_index_csize(&ix, name, len), &data,
					   &dlen, &err);
		if (status == ZIPMEM_NOT_ZIP) {
			/* One damaged member: the others may still be fine. */
			out->truncated = true;
			status = ZIPMEM_OK;
			continue;
		}
		if (status != ZIPMEM_OK)
			break;
		status = add_member(out, name, data, dlen);
		if (status != ZIPMEM_OK) {
			free(data);
			break;
		}
	}
	if (status == ZIPMEM_OK && r == ARCHIVE_FATAL) {
		if (seen == 0)
			status = ZIPMEM_NOT_ZIP;
		else
			out->truncated = true;
	}
	archive_read_free(a);
	zipmem_index_free(&ix);
	return status;
}

const struct zipmem_member *zipmem_find(const struct zipmem *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++) {
		if (strcmp(z->members[i].name, name) == 0)
			return &z->members[i];
	}
	return NULL;
}

void zipmem_free(struct zipmem *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->members[i].name);
		free(z->members[i].data);
	}
	free(z->members);
	memset(z, 0, sizeof(*z));
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int cmp_csize(const void *a, const void *b)
{
	const struct zipmem_csize *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

/* The zip64 extra field's compressed size, when the 32-bit one is 0xffffffff. */
static uint64_t zip64_csize(const unsigned char *extra, size_t elen, bool usize_too,
			    uint64_t fallback)
{
	size_t i = 0;

	while (i + 4 <= elen) {
		uint16_t id = le16(extra + i), sz = le16(extra + i + 2);
		const unsigned char *d = extra + i + 4;
		size_t off = usize_too ? 8 : 0;

		if (i + 4 + sz > elen)
			break;
		if (id == 0x0001 && sz >= off + 8)
			return (uint64_t)le32(d + off) | (uint64_t)le32(d + off + 4) << 32;
		i += 4 + (size_t)sz;
	}
	return fallback;
}

bool zipmem_index_build(const void *zip, size_t len, struct zipmem_index *out)
{
	const unsigned char *z = zip, *eocd = NULL;
	size_t lo = len > 65557 ? len - 65557 : 0, off, end, count;

	out->v = NULL;
	out->n = 0;
	if (len < 22)
		return true;
	for (size_t i = len - 22 + 1; i-- > lo;) {
		if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 5 && z[i + 3] == 6) {
			eocd = z + i;
			break;
		}
	}
	if (eocd == NULL)
		return true;
	count = le16(eocd + 10);
	off = le32(eocd + 16);
	end = off + (size_t)le32(eocd + 12);
	if (count == 0 || count == 0xffff || off == 0xffffffff || end > len || off > end)
		return true; /* empty, or a zip64 directory: unknown */
	out->v = calloc(count, sizeof(*out->v));
	if (out->v == NULL)
		return false;
	while (out->n < count && off + 46 <= end) {
		const unsigned char *h = z + off;
		size_t nlen = le16(h + 28), elen = le16(h + 30), clen = le16(h + 32);
		uint64_t csize = le32(h + 20);

		if (le32(h) != 0x02014b50 || off + 46 + nlen + elen + clen > end)
			break;
		if (csize == 0xffffffff)
			csize = zip64_csize(h + 46 + nlen, elen, le32(h + 24) == 0xffffffff, 0);
		out->v[out->n].name = (const char *)h + 46;
		out->v[out->n].name_len = nlen;
		out->v[out->n].csize = csize;
		out->n++;
		off += 46 + nlen + elen + clen;
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_csize);
	return true;
}

uint64_t zipmem_index_csize(const struct zipmem_index *ix, const char *name, uint64_t fallback)
{
	struct zipmem_csize key = {.name = name, .name_len = name ? strlen(name) : 0};
	const struct zipmem_csize *hit;

	if (ix->n == 0 || name == NULL)
		return fallback;
	hit = bsearch(&key, ix->v, ix->n, sizeof(*ix->v), cmp_csize);
	/* An unknown size (0) is no reason to call a member a bomb. */
	return hit && hit->csize > 0 ? hit->csize : fallback;
}

void zipmem_index_free(struct zipmem_index *ix)
{
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}
