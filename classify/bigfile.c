/* Files larger than the input budget (bigfile.h).
 *
 * A zip-based document (ODF, OOXML, a plain zip) is read by its central
 * directory: the members the rules need (XML parts, text, small pictures)
 * are fetched with pread wherever they lie and laid out as a small zip of
 * their own, which the usual readers then take.  A 300 MB ODT whose bulk
 * is one picture costs a few hundred kilobytes of reading, and its header
 * is read whatever the picture's size.
 *
 * A video, audio or picture file is not uninspectable for being large:
 * when its container's own structure (ISO BMFF boxes, RIFF chunks, the
 * EBML segment, MPEG-TS packets) spans the whole file, it is what it says
 * and holds no document text to read.  Anything else over the budget
 * keeps the truncated reading and its "too large" verdict. */
#define _GNU_SOURCE
#include "classify/bigfile.h"

#include <errno.h>
#include <magic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify/core.h"
#include "classify/zipmem.h"
#include "common/util.h"

#define HEAD_BYTES (256u << 10)
#define EOCD_SEARCH (65535u + 22u)
#define CD_MAX (64u << 20) /* a central directory larger than this is not a document's */
#define MEMBERS_MAX 65535u /* what one classic end record can count */
#define LOCAL_HEADER 30u
#define CD_HEADER 46u
#define BOXES_MAX 100000u /* container elements walked before giving up */

/* A member of the zip being compacted. */
struct member {
	const struct zipmem_entry *e; /* in the index of the central directory */
	uint64_t offset;	      /* of its local header: in the file, then in out */
	bool media;
	bool take;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Little-endian, n bytes of v. */
static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* ---- zip by its central directory ---- */

/* Members whose bytes are pictures or sound: read last, and only as far
 * as the budget goes; the rules never need them whole. */
static bool media_name(const char *name, size_t len)
{
	static const char *const ext[] = {".png",  ".jpg", ".jpeg", ".gif", ".bmp", ".tif",
					  ".tiff", ".wmf", ".emf",  ".svm", ".wdp", ".webp",
					  ".mp4",  ".mov", ".avi",  ".wav", ".mp3", ".m4a",
					  ".wma",  ".wmv", ".mkv",  ".ogg", ".mpg", ".mpeg"};

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t n = strlen(ext[i]);

		if (len > n && strncasecmp(name + len - n, ext[i], n) == 0)
			return true;
	}
	return false;
}

/* The end record: where the central directory is and how many members
 * it holds (zip64 included).  False: not a zip we can seek in. */
static bool find_directory(int fd, uint64_t size, uint64_t *cd_off, uint64_t *cd_len,
			   uint64_t *count)
{
	size_t tail_len = size < EOCD_SEARCH ? (size_t)size : EOCD_SEARCH;
	unsigned char *tail = malloc(tail_len), *eocd = NULL;
	bool ok = false;

	if (!tail || !read_at(fd, tail, tail_len, size - tail_len))
		goto out;
	for (size_t i = tail_len - 22 + 1; i-- > 0;)
		if (memcmp(tail + i, "PK\5\6", 4) == 0) {
			eocd = tail + i;
			break;
		}
	if (!eocd)
		goto out;
	*count = le16(eocd + 10);
	*cd_len = le32(eocd + 12);
	*cd_off = le32(eocd + 16);
	if (*count == 0xffff || *cd_off == 0xffffffff || *cd_len == 0xffffffff) {
		unsigned char loc[20], rec[56];
		uint64_t eocd_at = size - tail_len + (uint64_t)(eocd - tail);

		if (eocd_at < 20 || !read_at(fd, loc, 20, eocd_at - 20) ||
		    le32(loc) != 0x07064b50 || !read_at(fd, rec, 56, le64(loc + 8)) ||
		    le32(rec) != 0x06064b50)
			goto out;
		*count = le64(rec + 32);
		*cd_len = le64(rec + 40);
		*cd_off = le64(rec + 48);
	}
	ok = *cd_off < size && *cd_len <= size - *cd_off && *cd_len <= CD_MAX;
out:
	free(tail);
	return ok;
}

/* The central directory, read into cd (cd_len bytes and room for an end
 * record after them), indexed as zipmem reads any zip: the end record
 * written here points at offset 0, where the directory now is. */
static bool index_directory(unsigned char *cd, uint64_t cd_len, uint64_t count,
			    struct zipmem_index *ix)
{
	unsigned char *e = cd + cd_len;

	memset(e, 0, 22);
	put_le(e, 0x06054b50, 4);
	put_le(e + 8, count, 2);
	put_le(e + 10, count, 2);
	put_le(e + 12, cd_len, 4);
	return zipmem_index_build(cd, cd_len + 22, ix) == ZIPMEM_OK && ix->n > 0;
}

/* The central directory header a member's name follows. */
static const unsigned char *cd_header(const struct member *m)
{
	return (const unsigned char *)m->e->name - CD_HEADER;
}

static int by_offset(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static uint64_t footprint(const struct member *m)
{
	return LOCAL_HEADER + CD_HEADER + 2u * m->e->name_len + m->e->csize;
}

/* Which members to read: every one but pictures and sound first, then
 * those smallest first, as far as the budget goes.  Returns the bytes the
 * compact zip will take; *left_out counts non-media members that did not
 * fit (their absence makes the result uninspectable). */
static uint64_t choose(struct member *m, size_t n, uint64_t budget, size_t *left_out)
{
	uint64_t total = 22;

	*left_out = 0;
	for (size_t i = 0; i < n; i++)
		if (!m[i].media && total + footprint(&m[i]) <= budget) {
			m[i].take = true;
			total += footprint(&m[i]);
		} else if (!m[i].media) {
			(*left_out)++;
		}
	for (;;) {
		struct member *best = NULL;

		for (size_t i = 0; i < n; i++)
			if (m[i].media && !m[i].take && total + footprint(&m[i]) <= budget &&
			    (!best || m[i].e->csize < best->e->csize))
				best = &m[i];
		if (!best)
			break;
		best->take = true;
		total += footprint(best);
	}
	return total;
}

/* A local or central header of m: signature, versions, flags (without
 * the data-descriptor bit: the sizes are known), method, time, CRC and
 * sizes as the central directory gives them, the name's length. */
static size_t put_header(unsigned char *h, const struct member *m, bool central)
{
	const unsigned char *c = cd_header(m);
	size_t len = central ? CD_HEADER : LOCAL_HEADER;
	unsigned char *f = central ? h + 2 : h; /* fields shift by "version made by" */

	memset(h, 0, len);
	put_le(h, central ? 0x02014b50 : 0x04034b50, 4);
	put_le(f + 4, 20, 2);
	if (central)
		put_le(h + 4, 20, 2);
	put_le(f + 6, le16(c + 8) & ~8u, 2);
	memcpy(f + 8, c + 10, 2 + 2 + 2 + 4); /* method, time, date, CRC */
	put_le(f + 18, m->e->csize, 4);
	put_le(f + 22, m->e->usize, 4);
	put_le(f + 26, m->e->name_len, 2);
	if (central)
		put_le(h + 42, m->offset, 4);
	memcpy(h + len, m->e->name, m->e->name_len);
	return len + m->e->name_len;
}

/* Copies one member (fresh local header, its data) to out at *pos. */
static bool copy_member(int fd, uint64_t size, struct member *m, unsigned char *out, size_t *pos)
{
	unsigned char lh[LOCAL_HEADER];
	uint64_t data_at;
	size_t hlen;

	if (!read_at(fd, lh, LOCAL_HEADER, m->offset) || le32(lh) != 0x04034b50)
		return false;
	data_at = m->offset + LOCAL_HEADER + le16(lh + 26) + le16(lh + 28);
	if (data_at > size || m->e->csize > size - data_at)
		return false;
	hlen = put_header(out + *pos, m, false);
	if (!read_at(fd, out + *pos + hlen, (size_t)m->e->csize, data_at))
		return false;
	m->offset = *pos; /* from now on: where it is in out */
	*pos += hlen + (size_t)m->e->csize;
	return true;
}

static void write_directory(const struct member *m, size_t n, unsigned char *out, size_t *pos)
{
	size_t cd_at = *pos, count = 0;
	unsigned char *e;

	for (size_t i = 0; i < n; i++) {
		if (!m[i].take)
			continue;
		*pos += put_header(out + *pos, &m[i], true);
		count++;
	}
	e = out + *pos;
	memset(e, 0, 22);
	put_le(e, 0x06054b50, 4);
	put_le(e + 8, count, 2);
	put_le(e + 10, count, 2);
	put_le(e + 12, *pos - cd_at, 4);
	put_le(e + 16, cd_at, 4);
	*pos += 22;
}

/* Builds the compact zip of the members chosen.  Returns its length, 0
 * when the file is no zip we can seek in. */
static size_t compact_zip(int fd, uint64_t size, uint64_t budget, unsigned char **out,
			  size_t *left_out)
{
	uint64_t cd_off, cd_len, count, total;
	struct zipmem_index ix = {0};
	unsigned char *cd = NULL, *buf = NULL;
	struct member *m = NULL;
	size_t pos = 0;

	if (!find_directory(fd, size, &cd_off, &cd_len, &count) || count == 0)
		return 0;
	cd = malloc(cd_len + 22);
	if (!cd || !read_at(fd, cd, cd_len, cd_off) ||
	    !index_directory(cd, cd_len, count > MEMBERS_MAX ? MEMBERS_MAX : count, &ix))
		goto fail;
	m = calloc(ix.n, sizeof(*m));
	if (!m)
		goto fail;
	for (size_t i = 0; i < ix.n; i++)
		m[i] = (struct member){.e = &ix.v[i],
				       .offset = ix.v[i].offset,
				       .media = media_name(ix.v[i].name, ix.v[i].name_len)};
	total = choose(m, ix.n, budget, left_out);
	buf = malloc(total);
	if (!buf)
		goto fail;
	/* In the file's order: ODF's "mimetype" member must stay first. */
	qsort(m, ix.n, sizeof(*m), by_offset);
	for (size_t i = 0; i < ix.n; i++)
		if (m[i].take && !copy_member(fd, size, &m[i], buf, &pos))
			goto fail;
	write_directory(m, ix.n, buf, &pos);
	*out = buf;
	buf = NULL;
fail:
	free(buf);
	free(m);
	zipmem_index_free(&ix);
	free(cd);
	return *out ? pos : 0;
}

static int classify_zip(struct classify_ctx *ctx, int fd, uint64_t size,
			const struct classify_budget *budget, struct classify_result *out)
{
	unsigned char *zip = NULL;
	size_t left = 0, len = compact_zip(fd, size, budget->max_input_bytes, &zip, &left);
	int r;

	if (len == 0)
		return 0;
	r = classify_buffer(ctx, zip, len, NULL, budget, out);
	free(zip);
	if (r < 0)
		return r;
	out->size = size;
	if (left > 0 && !out->uninspectable) {
		out->uninspectable = true;
		snprintf(out->uninspectable_reason, sizeof(out->uninspectable_reason),
			 "too large: %zu zip member(s) beyond the input budget not read", left);
	}
	return 1;
}

/* ---- media by their container's structure ---- */

/* ISO BMFF (MP4, MOV, 3GP, M4A, HEIF): top-level boxes tile the file. */
static bool boxes_span(int fd, uint64_t size)
{
	uint64_t off = 0;

	for (unsigned i = 0; i < BOXES_MAX && off < size; i++) {
		unsigned char h[16];
		uint64_t len;

		if (size - off < 8 || !read_at(fd, h, 8, off))
			return false;
		len = be32(h);
		if (len == 1) {
			if (size - off < 16 || !read_at(fd, h + 8, 8, off + 8))
				return false;
			len = (uint64_t)be32(h + 8) << 32 | be32(h + 12);
		} else if (len == 0) {
			len = size - off; /* to the end of the file */
		}
		if (len < 8 || len > size - off)
			return false;
		off += len;
	}
	return off == size;
}

/* RIFF (AVI, WAV, WebP): chunks "RIFF"/"AVIX" with their lengths tile the
 * file (AVI past 1 GB chains several). */
static bool riff_spans(int fd, uint64_t size)
{
	uint64_t off = 0;

	for (unsigned i = 0; i < BOXES_MAX && off < size; i++) {
		unsigned char h[8];
		uint64_t len;

		if (size - off < 8 || !read_at(fd, h, 8, off) || memcmp(h, "RIFF", 4) != 0)
			return false;
		len = 8 + (uint64_t)le32(h + 4) + (le32(h + 4) & 1);
		if (len > size - off)
			return false;
		off += len;
	}
	return off == size;
}

/* EBML variable-length integer at p: its value and length. */
static bool ebml_vint(const unsigned char *p, size_t avail, bool keep_marker, uint64_t *v,
		      unsigned *len)
{
	unsigned n = 1;

	while (n <= 8 && !(p[0] & (0x80u >> (n - 1))))
		n++;
	if (n > 8 || n > avail)
		return false;
	*v = keep_marker ? p[0] : p[0] & (0xffu >> n);
	for (unsigned i = 1; i < n; i++)
		*v = *v << 8 | p[i];
	*len = n;
	return true;
}

/* Matroska / WebM: the EBML header element, then top-level elements (one
 * Segment, normally) whose sizes tile the file. */
static bool ebml_spans(int fd, uint64_t size)
{
	uint64_t off = 0;

	for (unsigned i = 0; i < 16 && off < size; i++) {
		unsigned char h[16];
		uint64_t id, len;
		unsigned il, ll;
		size_t avail = size - off < sizeof(h) ? (size_t)(size - off) : sizeof(h);

		if (!read_at(fd, h, avail, off) || !ebml_vint(h, avail, true, &id, &il) ||
		    !ebml_vint(h + il, avail - il, false, &len, &ll))
			return false;
		if (len == (1ull << (7 * ll)) - 1)
			return false; /* unknown size: a stream, cannot tell */
		if (len > size - off - il - ll)
			return false;
		off += il + ll + len;
	}
	return off == size;
}

/* MPEG transport stream: a sync byte every 188 bytes, sampled across the
 * file, and a length of whole packets. */
static bool ts_spans(int fd, uint64_t size)
{
	if (size % 188 != 0)
		return false;
	for (uint64_t k = 0; k < 4096; k++) {
		uint64_t packet = (size / 188 - 1) * k / 4095;
		unsigned char b;

		if (!read_at(fd, &b, 1, packet * 188) || b != 0x47)
			return false;
	}
	return true;
}

static bool media_spans(int fd, uint64_t size, const char *mime, const unsigned char *head)
{
	if (strncmp(mime, "video/", 6) != 0 && strncmp(mime, "audio/", 6) != 0 &&
	    strncmp(mime, "image/", 6) != 0)
		return false;
	if (memcmp(head + 4, "ftyp", 4) == 0)
		return boxes_span(fd, size);
	if (memcmp(head, "RIFF", 4) == 0)
		return riff_spans(fd, size);
	if (memcmp(head, "\x1a\x45\xdf\xa3", 4) == 0)
		return ebml_spans(fd, size);
	if (head[0] == 0x47 && strcmp(mime, "video/mp2t") == 0)
		return ts_spans(fd, size);
	return false;
}

static int classify_media(struct classify_ctx *ctx, int fd, uint64_t size, unsigned char *head,
			  size_t head_len, struct classify_result *out)
{
	char mime[sizeof(out->mime)];
	unsigned int n = 0;

	classify_magic_type(ctx, head, head_len, mime, sizeof(mime));
	if (!media_spans(fd, size, mime, head))
		return 0;
	memset(out, 0, sizeof(*out));
	str_copy(out->mime, sizeof(out->mime), mime);
	out->size = size;
	/* Of what was read, as for any file over the budget. */
	if (EVP_Digest(head, head_len, out->sha256, &n, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	return 1;
}

int classify_big_fd(struct classify_ctx *ctx, int fd, uint64_t size,
		    const struct classify_budget *budget, struct classify_result *out)
{
	unsigned char *head = malloc(HEAD_BYTES);
	int r = 0;

	if (!head)
		return -ENOMEM;
	if (size > HEAD_BYTES && read_at(fd, head, HEAD_BYTES, 0)) {
		if (memcmp(head, "PK\3\4", 4) == 0)
			r = classify_zip(ctx, fd, size, budget, out);
		else
			r = classify_media(ctx, fd, size, head, HEAD_BYTES, out);
	}
	free(head);
	return r;
}
