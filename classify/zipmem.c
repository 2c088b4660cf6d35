/* Zip members from memory: the central directory and inflate (zlib) for
 * the office formats, libarchive entries for archive.c.  See zipmem.h. */
#include "classify/zipmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "common/cleanup.h"

/* libarchive reads in slices this big so budget checks run often. */
#define ZIPMEM_SLICE (256 * 1024)
/* Inflated office parts go to the parser through a stack buffer this big. */
#define ZIPMEM_OUT (32 * 1024)
/* More members than this is not an office document. */
#define ZIPMEM_MAX_MEMBERS 65535

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

bool zipmem_declared_bomb(struct scan *s, uint64_t usize, uint64_t csize)
{
	return over_ratio(s, usize, csize ? csize : 1);
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
			return ZIPMEM_DAMAGED;
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

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int cmp_name(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct zipmem_entry *x = a, *y = b;

	return cmp_name(x->name, x->name_len, y->name, y->name_len);
}

/* Sizes and offset the 32-bit fields could not hold, from the zip64 extra
 * field (present in this order, each only when its field is 0xffffffff). */
static void zip64_extra(const unsigned char *extra, size_t elen, struct zipmem_entry *e)
{
	size_t i = 0;

	while (i + 4 <= elen) {
		uint16_t id = le16(extra + i), sz = le16(extra + i + 2);
		const unsigned char *d = extra + i + 4, *end = d + sz;

		if (i + 4 + (size_t)sz > elen)
			return;
		if (id == 0x0001) {
			if (e->usize == 0xffffffff && d + 8 <= end) {
				e->usize = le64(d);
				d += 8;
			}
			if (e->csize == 0xffffffff && d + 8 <= end) {
				e->csize = le64(d);
				d += 8;
			}
			if (e->offset == 0xffffffff && d + 8 <= end)
				e->offset = le64(d);
			return;
		}
		i += 4 + (size_t)sz;
	}
}

enum zipmem_status zipmem_index_build(const void *zip, size_t len, struct zipmem_index *out)
{
	const unsigned char *z = zip, *eocd = NULL;
	size_t lo = len > 65557 ? len - 65557 : 0;
	uint64_t off, end, count;

	memset(out, 0, sizeof(*out));
	if (len < 22)
		return ZIPMEM_NOT_ZIP;
	for (size_t i = len - 22 + 1; i-- > lo;) {
		if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 5 && z[i + 3] == 6) {
			eocd = z + i;
			break;
		}
	}
	if (eocd == NULL)
		return ZIPMEM_NOT_ZIP;
	count = le16(eocd + 10);
	off = le32(eocd + 16);
	end = off + le32(eocd + 12);
	/* zip64: the end record's locator sits just before it. */
	if ((count == 0xffff || off == 0xffffffff) && eocd - z >= 20 &&
	    le32(eocd - 20) == 0x07064b50) {
		uint64_t rec = le64(eocd - 20 + 8);

		if (rec > len || len - rec < 56 || le32(z + rec) != 0x06064b50)
			return ZIPMEM_NOT_ZIP;
		count = le64(z + rec + 32);
		off = le64(z + rec + 48);
		end = off + le64(z + rec + 40);
	}
	if (count == 0)
		return ZIPMEM_OK;
	if (off > len || end > len || off > end)
		return ZIPMEM_NOT_ZIP;
	if (count > ZIPMEM_MAX_MEMBERS)
		count = ZIPMEM_MAX_MEMBERS;
	/* Every entry takes 46 bytes at least: no more can fit. */
	if (count > (end - off) / 46 + 1)
		count = (end - off) / 46 + 1;
	out->v = calloc((size_t)count, sizeof(*out->v));
	if (out->v == NULL)
		return ZIPMEM_NOMEM;
	while (out->n < count && off + 46 <= end) {
		const unsigned char *h = z + off;
		size_t nlen = le16(h + 28), elen = le16(h + 30), clen = le16(h + 32);
		struct zipmem_entry *e = &out->v[out->n];

		if (le32(h) != 0x02014b50 || off + 46 + nlen + elen + clen > end)
			break;
		e->name = (const char *)h + 46;
		e->name_len = nlen;
		e->flags = le16(h + 8);
		e->method = le16(h + 10);
		e->csize = le32(h + 20);
		e->usize = le32(h + 24);
		e->offset = le32(h + 42);
		zip64_extra(h + 46 + nlen, elen, e);
		out->n++;
		off += 46 + nlen + elen + clen;
	}
	out->truncated = out->n < count;
	qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
	return ZIPMEM_OK;
}

const struct zipmem_entry *zipmem_index_find(const struct zipmem_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n, nlen = strlen(name);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_name(name, nlen, ix->v[mid].name, ix->v[mid].name_len);

		if (c == 0)
			return &ix->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

uint64_t zipmem_index_csize(const struct zipmem_index *ix, const char *name, uint64_t fallback)
{
	const struct zipmem_entry *e = name ? zipmem_index_find(ix, name) : NULL;

	/* An unknown size (0) is no reason to call a member a bomb. */
	return e && e->csize > 0 ? e->csize : fallback;
}

void zipmem_index_free(struct zipmem_index *ix)
{
	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

/* Charges a slice and checks the member's ratio. */
static enum zipmem_status charge(struct scan *s, uint64_t slice, uint64_t total, uint64_t csize)
{
	if (!scan_charge_expanded(s, slice, csize))
		return ZIPMEM_BUDGET;
	if (over_ratio(s, total, csize)) {
		scan_set_uninspectable(s, "zip member expands beyond the allowed ratio "
					  "(compression bomb)");
		return ZIPMEM_BUDGET;
	}
	if (scan_over_budget(s))
		return ZIPMEM_BUDGET;
	return ZIPMEM_OK;
}

enum zipmem_status zipmem_stream(struct scan *s, const void *zip, size_t len,
				 const struct zipmem_entry *e, zipmem_sink sink, void *ud)
{
	const unsigned char *z = zip, *data;
	uint64_t start, total = 0;
	unsigned char out[ZIPMEM_OUT];
	z_stream zs;
	enum zipmem_status st = ZIPMEM_OK;
	int r;

	if (e->flags & 1)
		return ZIPMEM_ENCRYPTED;
	if (e->method != 0 && e->method != 8)
		return ZIPMEM_UNSUPPORTED;
	if (e->offset > len || len - e->offset < 30 || le32(z + e->offset) != 0x04034b50)
		return ZIPMEM_DAMAGED;
	if (zipmem_declared_bomb(s, e->usize, e->csize)) {
		scan_set_uninspectable(s, "zip member expands beyond the allowed ratio "
					  "(compression bomb)");
		return ZIPMEM_BUDGET;
	}
	start = e->offset + 30 + le16(z + e->offset + 26) + le16(z + e->offset + 28);
	if (start > len || e->csize > len - start)
		return ZIPMEM_DAMAGED;
	data = z + start;

	if (e->method == 0) {
		/* Stored: straight from the zip, in slices. */
		for (uint64_t o = 0; o < e->csize; o += ZIPMEM_OUT) {
			size_t n = e->csize - o < ZIPMEM_OUT ? (size_t)(e->csize - o) : ZIPMEM_OUT;

			if (scan_over_budget(s))
				return ZIPMEM_BUDGET;
			if (!sink(ud, (const char *)data + o, n))
				return ZIPMEM_STOPPED;
		}
		return ZIPMEM_OK;
	}

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
		return ZIPMEM_NOMEM;
	zs.next_in = (unsigned char *)data;
	zs.avail_in = 0;
	do {
		size_t produced;

		/* zlib counts in uInt: feed a large member in pieces. */
		if (zs.avail_in == 0) {
			uint64_t used = (uint64_t)(zs.next_in - data);
			uint64_t left = e->csize - used;

			zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		}
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		r = inflate(&zs, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END) {
			st = r == Z_MEM_ERROR ? ZIPMEM_NOMEM : ZIPMEM_DAMAGED;
			break;
		}
		produced = sizeof(out) - zs.avail_out;
		total += produced;
		if (produced > 0) {
			st = charge(s, produced, total, e->csize);
			if (st != ZIPMEM_OK)
				break;
			if (!sink(ud, (const char *)out, produced)) {
				st = ZIPMEM_STOPPED;
				break;
			}
		} else if (r != Z_STREAM_END && zs.avail_in == 0 &&
			   (uint64_t)(zs.next_in - data) >= e->csize) {
			st = ZIPMEM_DAMAGED; /* the data ends before the stream does */
			break;
		}
	} while (r != Z_STREAM_END);
	inflateEnd(&zs);
	return st;
}

struct load_sink {
	char *buf;
	size_t len, max;
	bool failed;
};

static bool load_into(void *ud, const char *data, size_t len)
{
	struct load_sink *l = ud;

	if (len > l->max - l->len)
		len = l->max - l->len;
	memcpy(l->buf + l->len, data, len);
	l->len += len;
	return l->len < l->max;
}

enum zipmem_status zipmem_load(struct scan *s, const void *zip, size_t len,
			       const struct zipmem_entry *e, size_t max, char **data, size_t *n)
{
	struct load_sink l = {.max = e->usize < max ? (size_t)e->usize : max};
	enum zipmem_status st;

	*data = NULL;
	*n = 0;
	/* The directory's size may lie: allocate what it says, up to max,
	 * and never write past it. */
	l.buf = malloc(l.max + 1);
	if (l.buf == NULL)
		return ZIPMEM_NOMEM;
	st = l.max == 0 ? ZIPMEM_OK : zipmem_stream(s, zip, len, e, load_into, &l);
	if (st == ZIPMEM_STOPPED)
		st = ZIPMEM_OK;
	if (st != ZIPMEM_OK) {
		free(l.buf);
		return st;
	}
	l.buf[l.len] = '\0';
	*data = l.buf;
	*n = l.len;
	return ZIPMEM_OK;
}

const char *zipmem_strerror(enum zipmem_status st)
{
	switch (st) {
	case ZIPMEM_OK:
		return "no error";
	case ZIPMEM_NOT_ZIP:
		return "zip has no central directory (damaged or truncated)";
	case ZIPMEM_BUDGET:
		return "over the budget";
	case ZIPMEM_NOMEM:
		return "out of memory";
	case ZIPMEM_DAMAGED:
		return "zip member damaged or truncated";
	case ZIPMEM_ENCRYPTED:
		return "zip member is encrypted";
	case ZIPMEM_UNSUPPORTED:
		return "zip member uses an unsupported compression method";
	case ZIPMEM_STOPPED:
		return "stopped";
	}
	return "unknown error";
}
