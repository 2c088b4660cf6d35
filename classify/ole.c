/* Legacy Office binaries: an OLE2 Compound File reader of its own (header,
 * DIFAT, FAT, mini FAT, directory, streams), then per kind of document:
 *
 *   .doc  the WordDocument stream's text through the piece table (the CLX in
 *         the 0Table/1Table stream): main text as the body, the header story
 *         (ccpHdd, split by PlcfHdd) as header and footer zones, struck runs
 *         from the character FKPs (sprmCFStrike, sprmCFDStrike).  When the
 *         piece table cannot be read, UTF-16LE runs of the stream are used.
 *   .xls  the Workbook stream's shared strings (SST, across CONTINUE
 *         records) as the body, HEADER/FOOTER records as header and footer.
 *   .ppt  the PowerPoint Document stream's text atoms.
 *   all   \005SummaryInformation (title, subject, keywords) and the user
 *         defined properties of \005DocumentSummaryInformation as metadata.
 *
 * Encrypted documents (Word fEncrypted, Excel FILEPASS, an encrypted OOXML
 * package in an OLE wrapper) are uninspectable.
 *
 * Every offset and size is checked against the bounds of the file or the
 * stream it points into; every sector chain is followed with a visited
 * bitmap, so a FAT cycle ends the chain (and makes the file uninspectable)
 * instead of looping. */
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/extract.h"
#include "classify/scan.h"
#include "common/cleanup.h"

#define CFB_FREESECT 0xFFFFFFFFu
#define CFB_ENDOFCHAIN 0xFFFFFFFEu
#define CFB_MAX_REGSECT 0xFFFFFFFAu
#define CFB_DIR_ENTRY 128
#define CFB_MINI_SECTOR 64
/* Text characters of a .doc read at most (the whole CP range). */
#define DOC_MAX_CHARS (64u << 20)

struct cfb_entry {
	char name[96]; /* UTF-8 */
	uint8_t type;  /* 1 storage, 2 stream, 5 root */
	uint32_t left, right, child;
	uint32_t start;
	uint64_t size;
};

struct cfb {
	struct scan *s;
	const uint8_t *data;
	size_t len;
	uint32_t sector_size;
	uint32_t mini_cutoff;
	uint32_t n_sectors; /* sectors present in the file */
	uint32_t *fat;
	uint32_t n_fat;
	uint32_t *minifat;
	uint32_t n_minifat;
	struct cfb_entry *dir;
	uint32_t n_dir;
	uint8_t *ministream;
	size_t ministream_len;
	char error[128]; /* why the file could not be read */
};

/* A byte range with bounds-checked little-endian reads. */
struct span {
	const uint8_t *p;
	size_t len;
};

static bool rd16(struct span b, size_t off, uint32_t *out)
{
	if (off > b.len || b.len - off < 2)
		return false;
	*out = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8;
	return true;
}

static bool rd32(struct span b, size_t off, uint32_t *out)
{
	if (off > b.len || b.len - off < 4)
		return false;
	*out = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8 | (uint32_t)b.p[off + 2] << 16 |
	       (uint32_t)b.p[off + 3] << 24;
	return true;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const uint8_t *sector_at(const struct cfb *c, uint32_t sect)
{
	if (sect >= c->n_sectors)
		return NULL;
	return c->data + ((size_t)sect + 1) * c->sector_size;
}

/* Appends a UTF-8 encoding of cp; out must have 4 bytes free. */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* UTF-16LE (n code units) as a malloc'ed NUL-terminated UTF-8 string. */
static char *utf16_to_utf8(const uint8_t *p, size_t n, size_t *out_len)
{
	char *out = malloc(n * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;

		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
			uint32_t v = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;

			if (v >= 0xDC00 && v <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
				i++;
			}
		}
		o += put_utf8(o, u);
	}
	*o = '\0';
	if (out_len != NULL)
		*out_len = (size_t)(o - out);
	return out;
}

/* 8-bit text in a Windows code page as malloc'ed UTF-8 (iconv; bytes that
 * do not convert become U+FFFD). */
static char *codepage_to_utf8(const uint8_t *p, size_t n, unsigned codepage, size_t *out_len)
{
	char name[16], *out, *o, *in = (char *)p;
	size_t inleft = n, outleft = n * 4;
	iconv_t cd;

	if (codepage == 1200)
		return utf16_to_utf8(p, n / 2, out_len);
	snprintf(name, sizeof(name), codepage == 65001 ? "UTF-8" : "CP%u", codepage);
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", "CP1252");
	out = malloc(n * 4 + 1);
	if (out == NULL || cd == (iconv_t)-1) {
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		free(out);
		return NULL;
	}
	o = out;
	while (inleft > 0 && iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		if (outleft < 3)
			break;
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		outleft -= 3;
		in++;
		inleft--;
	}
	iconv_close(cd);
	*o = '\0';
	if (out_len != NULL)
		*out_len = (size_t)(o - out);
	return out;
}

/* ---- Compound File ---- */

static bool fail(struct cfb *c, const char *why)
{
	if (c->error[0] == '\0')
		snprintf(c->error, sizeof(c->error), "%s", why);
	return false;
}

/* Follows a chain in table (fat or minifat) from start, calling back for
 * each sector; a cycle, a sector out of range or more than max_steps
 * sectors ends it with false. */
static bool follow_chain(struct cfb *c, const uint32_t *table, uint32_t n_table, uint32_t start,
			 uint64_t max_steps, bool (*each)(struct cfb *, uint32_t, void *),
			 void *arg)
{
	_cleanup_free_ uint8_t *seen = calloc((size_t)n_table / 8 + 1, 1);
	uint64_t steps = 0;

	if (seen == NULL)
		return fail(c, "out of memory");
	for (uint32_t sect = start; sect != CFB_ENDOFCHAIN; sect = table[sect]) {
		if (sect >= n_table)
			return fail(c, "a sector chain points outside the allocation table");
		if (seen[sect / 8] & (1u << (sect % 8)))
			return fail(c, "a sector chain loops (FAT cycle)");
		seen[sect / 8] |= (uint8_t)(1u << (sect % 8));
		if (++steps > max_steps)
			return fail(c, "a sector chain is longer than its stream");
		if (!each(c, sect, arg))
			return false;
	}
	return true;
}

struct gather {
	uint8_t *buf;
	size_t len, want;
	bool mini;
};

static bool gather_sector(struct cfb *c, uint32_t sect, void *arg)
{
	struct gather *g = arg;
	const uint8_t *src;
	size_t n;

	if (g->mini) {
		size_t off = (size_t)sect * CFB_MINI_SECTOR;

		if (off >= c->ministream_len)
			return fail(c, "a mini sector lies outside the mini stream");
		src = c->ministream + off;
		n = c->ministream_len - off < CFB_MINI_SECTOR ? c->ministream_len - off
							      : CFB_MINI_SECTOR;
	} else {
		src = sector_at(c, sect);
		if (src == NULL)
			return fail(c, "a sector lies past the end of the file (truncated?)");
		n = c->sector_size;
	}
	if (n > g->want - g->len)
		n = g->want - g->len;
	memcpy(g->buf + g->len, src, n);
	g->len += n;
	return true;
}

/* Reads a chain of regular sectors (mini: of the mini stream) holding want
 * bytes; returns a malloc'ed buffer of *out_len <= want bytes, or NULL. */
static uint8_t *read_chain(struct cfb *c, uint32_t start, uint64_t want, bool mini, size_t *out_len)
{
	uint64_t unit = mini ? CFB_MINI_SECTOR : c->sector_size;
	uint64_t limit = mini ? c->ministream_len : c->len;
	struct gather g = {.mini = mini};

	if (want > limit)
		want = limit; /* a stream is never larger than what holds it */
	g.want = (size_t)want;
	g.buf = malloc(g.want ? g.want : 1);
	if (g.buf == NULL) {
		fail(c, "out of memory");
		return NULL;
	}
	if (want > 0 && !follow_chain(c, mini ? c->minifat : c->fat, mini ? c->n_minifat : c->n_fat,
				      start, (want + unit - 1) / unit, gather_sector, &g)) {
		free(g.buf);
		return NULL;
	}
	*out_len = g.len;
	return g.buf;
}

static bool cfb_open(struct cfb *c)
{
	struct span h = {c->data, c->len};
	uint32_t shift, n_fat_sect, dir_start, minifat_start, n_minifat_sect, difat_start,
	    n_difat_sect, per_sector, v;
	uint32_t *fat_sects;
	uint32_t n_fat_sects = 0;
	size_t dir_len, mini_len;
	_cleanup_free_ uint8_t *dir = NULL;
	_cleanup_free_ uint8_t *mf = NULL;

	if (c->len < 512 || memcmp(c->data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0)
		return fail(c, "not an OLE2 compound file");
	rd16(h, 0x1E, &shift);
	if (shift != 9 && shift != 12)
		return fail(c, "OLE2 header has an invalid sector size");
	c->sector_size = 1u << shift;
	rd32(h, 0x2C, &n_fat_sect);
	rd32(h, 0x30, &dir_start);
	rd32(h, 0x38, &c->mini_cutoff);
	rd32(h, 0x3C, &minifat_start);
	rd32(h, 0x40, &n_minifat_sect);
	rd32(h, 0x44, &difat_start);
	rd32(h, 0x48, &n_difat_sect);
	if (c->len < 2 * (size_t)c->sector_size)
		return fail(c, "OLE2 file shorter than its header and one sector");
	/* The header occupies the first sector's place ("sector -1"). */
	c->n_sectors = (uint32_t)(c->len / c->sector_size) - 1;
	per_sector = c->sector_size / 4;
	if (n_fat_sect == 0 || n_fat_sect > c->n_sectors)
		return fail(c, "OLE2 header claims more FAT sectors than the file holds");

	/* The FAT's own sectors: 109 in the header, the rest in the DIFAT chain. */
	fat_sects = calloc(n_fat_sect, sizeof(*fat_sects));
	if (fat_sects == NULL)
		return fail(c, "out of memory");
	for (uint32_t i = 0; i < 109 && n_fat_sects < n_fat_sect; i++) {
		rd32(h, 0x4C + 4 * i, &v);
		if (v > CFB_MAX_REGSECT)
			break;
		fat_sects[n_fat_sects++] = v;
	}
	for (uint32_t sect = difat_start, hops = 0;
	     n_fat_sects < n_fat_sect && sect <= CFB_MAX_REGSECT; hops++) {
		const uint8_t *d = sector_at(c, sect);

		if (d == NULL || hops > n_difat_sect || hops > c->n_sectors) {
			free(fat_sects);
			return fail(c, "OLE2 DIFAT chain is broken or loops");
		}
		for (uint32_t i = 0; i + 1 < per_sector && n_fat_sects < n_fat_sect; i++)
			fat_sects[n_fat_sects++] = le32(d + 4 * i);
		sect = le32(d + 4 * (per_sector - 1));
	}
	c->n_fat = n_fat_sects * per_sector;
	c->fat = malloc((size_t)c->n_fat * sizeof(uint32_t));
	if (c->fat == NULL) {
		free(fat_sects);
		return fail(c, "out of memory");
	}
	for (uint32_t i = 0; i < n_fat_sects; i++) {
		const uint8_t *d = sector_at(c, fat_sects[i]);

		for (uint32_t j = 0; j < per_sector; j++)
			c->fat[i * per_sector + j] = d != NULL ? le32(d + 4 * j) : CFB_FREESECT;
	}
	free(fat_sects);

	/* The directory: a chain of 128-byte entries. */
	dir = read_chain(c, dir_start, (uint64_t)c->n_sectors * c->sector_size, false, &dir_len);
	if (dir == NULL)
		return false;
	c->n_dir = (uint32_t)(dir_len / CFB_DIR_ENTRY);
	if (c->n_dir == 0)
		return fail(c, "OLE2 directory is empty");
	c->dir = calloc(c->n_dir, sizeof(*c->dir));
	if (c->dir == NULL)
		return fail(c, "out of memory");
	for (uint32_t i = 0; i < c->n_dir; i++) {
		const uint8_t *e = dir + (size_t)i * CFB_DIR_ENTRY;
		struct cfb_entry *d = &c->dir[i];
		uint32_t name_bytes = (uint32_t)e[0x40] | (uint32_t)e[0x41] << 8;
		char *name;

		if (name_bytes > 64)
			name_bytes = 64;
		name = utf16_to_utf8(e, name_bytes >= 2 ? name_bytes / 2 - 1 : 0, NULL);
		if (name == NULL)
			return fail(c, "out of memory");
		snprintf(d->name, sizeof(d->name), "%s", name);
		free(name);
		d->type = e[0x42];
		d->left = le32(e + 0x44);
		d->right = le32(e + 0x48);
		d->child = le32(e + 0x4C);
		d->start = le32(e + 0x74);
		d->size = le32(e + 0x78);
		if (c->sector_size == 4096)
			d->size |= (uint64_t)le32(e + 0x7C) << 32;
	}
	if (c->dir[0].type != 5)
		return fail(c, "OLE2 directory has no root entry");

	/* The mini FAT and the mini stream (the root entry's data). */
	if (n_minifat_sect > 0 && minifat_start <= CFB_MAX_REGSECT) {
		size_t mf_len;

		mf = read_chain(c, minifat_start, (uint64_t)n_minifat_sect * c->sector_size, false,
				&mf_len);
		if (mf == NULL)
			return false;
		c->n_minifat = (uint32_t)(mf_len / 4);
		c->minifat = malloc((size_t)c->n_minifat * 4 + 4);
		if (c->minifat == NULL)
			return fail(c, "out of memory");
		for (uint32_t i = 0; i < c->n_minifat; i++)
			c->minifat[i] = le32(mf + 4 * i);
		if (c->dir[0].start <= CFB_MAX_REGSECT) {
			c->ministream =
			    read_chain(c, c->dir[0].start, c->dir[0].size, false, &mini_len);
			if (c->ministream == NULL)
				return false;
			c->ministream_len = mini_len;
		}
	}
	return true;
}

static void cfb_close(struct cfb *c)
{
	free(c->fat);
	free(c->minifat);
	free(c->dir);
	free(c->ministream);
}

/* A stream directly under the root storage, by name (case-insensitive, as
 * the format compares names); the root's children form a tree walked with a
 * bounded stack and a visited set. */
static const struct cfb_entry *cfb_find(const struct cfb *c, const char *name)
{
	_cleanup_free_ uint32_t *stack = malloc((size_t)c->n_dir * sizeof(uint32_t));
	_cleanup_free_ uint8_t *seen = calloc((size_t)c->n_dir / 8 + 1, 1);
	uint32_t n = 0;

	if (stack == NULL || seen == NULL)
		return NULL;
	if (c->dir[0].child < c->n_dir)
		stack[n++] = c->dir[0].child;
	while (n > 0) {
		uint32_t i = stack[--n];
		const struct cfb_entry *e = &c->dir[i];

		if (seen[i / 8] & (1u << (i % 8)))
			continue;
		seen[i / 8] |= (uint8_t)(1u << (i % 8));
		if (e->type == 2 && strcasecmp(e->name, name) == 0)
			return e;
		if (e->left < c->n_dir && n < c->n_dir)
			stack[n++] = e->left;
		if (e->right < c->n_dir && n < c->n_dir)
			stack[n++] = e->right;
	}
	return NULL;
}

/* The whole content of a stream, or NULL (with c->error) if it cannot be
 * read. */
static uint8_t *cfb_read(struct cfb *c, const struct cfb_entry *e, size_t *len)
{
	bool mini = e->size < c->mini_cutoff;

	if (e->size == 0) {
		*len = 0;
		return calloc(1, 1);
	}
	if (mini && c->ministream == NULL) {
		fail(c, "a small stream has no mini stream to live in");
		return NULL;
	}
	return read_chain(c, e->start, e->size, mini, len);
}

/* ---- Emitting text ---- */

/* UTF-8 text being assembled for one zone, with a struck flag per run. */
struct out {
	char *buf;
	size_t len, cap;
	bool *struck; /* per byte */
	bool failed;
};

static void out_add(struct out *o, const char *p, size_t n, bool struck)
{
	if (o->failed || n == 0) /* nothing to add, maybe nowhere yet to add it */
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		char *b;
		bool *st;

		while (cap < o->len + n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (b == NULL) {
			o->failed = true;
			return;
		}
		o->buf = b;
		st = realloc(o->struck, cap * sizeof(bool));
		if (st == NULL) {
			o->failed = true;
			return;
		}
		o->struck = st;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	memset(o->struck + o->len, struck, n);
	o->len += n;
}

static void out_emit(struct scan *s, struct out *o, enum scan_zone zone, const char *where)
{
	size_t i = 0;

	scan_page_begin(s, zone, where);
	while (i < o->len) {
		size_t j = i;

		while (j < o->len && o->struck[j] == o->struck[i])
			j++;
		scan_text(s, o->buf + i, j - i, o->struck[i]);
		i = j;
	}
	scan_page_end(s);
	if (o->failed)
		scan_set_uninspectable(s, "out of memory while collecting text");
	o->len = 0;
	o->failed = false;
}

static void out_free(struct out *o)
{
	free(o->buf);
	free(o->struck);
}

/* ---- Property sets (\005SummaryInformation and friends) ---- */

static void prop_string(struct out *o, struct span sec, uint32_t off, unsigned codepage,
			const char *name)
{
	uint32_t type, n;
	size_t ulen;
	char *u = NULL;

	if (!rd32(sec, off, &type) || !rd32(sec, off + 4, &n))
		return;
	type &= 0xFFFF;
	if (type == 0x1E && n <= sec.len - off - 8) { /* VT_LPSTR: n bytes */
		u = codepage_to_utf8(sec.p + off + 8, n, codepage, &ulen);
	} else if (type == 0x1F && n <= (sec.len - off - 8) / 2) { /* VT_LPWSTR: n chars */
		u = utf16_to_utf8(sec.p + off + 8, n, &ulen);
	}
	if (u == NULL)
		return;
	ulen = strlen(u); /* stop at the terminator */
	if (ulen > 0) {
		out_add(o, name, strlen(name), false);
		out_add(o, ": ", 2, false);
		out_add(o, u, ulen, false);
		out_add(o, "\n", 1, false);
	}
	free(u);
}

/* Reads the names of user-defined properties (the dictionary, pid 0). */
static const char *dict_name(struct span sec, uint32_t dict_off, uint32_t pid, unsigned codepage,
			     char *name, size_t size)
{
	uint32_t n, off = dict_off + 4;

	if (!rd32(sec, dict_off, &n))
		return NULL;
	for (uint32_t i = 0; i < n && i < 1024; i++) {
		uint32_t id, cch;
		size_t bytes;
		char *u;

		if (!rd32(sec, off, &id) || !rd32(sec, off + 4, &cch))
			return NULL;
		bytes = codepage == 1200 ? (size_t)cch * 2 : cch;
		if (bytes > sec.len - off - 8)
			return NULL;
		if (id == pid) {
			u = codepage_to_utf8(sec.p + off + 8, bytes, codepage, NULL);
			if (u == NULL)
				return NULL;
			snprintf(name, size, "%s", u);
			free(u);
			return name;
		}
		off += 8 + (uint32_t)bytes;
		if (codepage == 1200)
			off = (off + 3) & ~3u;
	}
	return NULL;
}

static void read_section(struct out *o, struct span ps, uint32_t sec_off, bool summary)
{
	struct span sec;
	uint32_t size, n, codepage = 1252, dict_off = 0;

	if (!rd32(ps, sec_off, &size) || size > ps.len - sec_off)
		return;
	sec = (struct span){ps.p + sec_off, size};
	if (!rd32(sec, 4, &n) || n > 4096)
		return;
	for (uint32_t i = 0; i < n; i++) { /* code page and dictionary first */
		uint32_t pid, off, type, value;

		if (!rd32(sec, 8 + 8 * i, &pid) || !rd32(sec, 12 + 8 * i, &off))
			return;
		if (pid == 1 && rd32(sec, off, &type) && rd16(sec, off + 4, &value))
			codepage = value;
		if (pid == 0)
			dict_off = off;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pid = 0, off = 0;
		char name[64];

		rd32(sec, 8 + 8 * i, &pid);
		rd32(sec, 12 + 8 * i, &off);
		if (summary) {
			if (pid == 2)
				prop_string(o, sec, off, codepage, "title");
			else if (pid == 3)
				prop_string(o, sec, off, codepage, "subject");
			else if (pid == 5)
				prop_string(o, sec, off, codepage, "keywords");
		} else if (pid >= 2 && dict_off != 0 &&
			   dict_name(sec, dict_off, pid, codepage, name, sizeof(name)) != NULL) {
			prop_string(o, sec, off, codepage, name);
		}
	}
}

static void read_property_sets(struct cfb *c)
{
	static const uint8_t user_fmtid[16] = {0x05, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10,
					       0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE};
	static const char *const names[] = {"\005SummaryInformation",
					    "\005DocumentSummaryInformation"};
	struct out o = {0};

	for (size_t k = 0; k < 2; k++) {
		const struct cfb_entry *e = cfb_find(c, names[k]);
		_cleanup_free_ uint8_t *data = NULL;
		size_t len;
		uint32_t n_sets, off;
		struct span ps;

		if (e == NULL || (data = cfb_read(c, e, &len)) == NULL)
			continue;
		ps = (struct span){data, len};
		if (!rd32(ps, 0x18, &n_sets))
			continue;
		for (uint32_t i = 0; i < n_sets && i < 2; i++) {
			size_t at = 0x1C + 20 * (size_t)i;

			if (!rd32(ps, at + 16, &off))
				break;
			if (k == 0 && i == 0)
				read_section(&o, ps, off, true);
			else if (k == 1 && at + 16 <= len && memcmp(data + at, user_fmtid, 16) == 0)
				read_section(&o, ps, off, false);
		}
	}
	c->error[0] = '\0'; /* unreadable properties do not make the text unreadable */
	if (o.len > 0)
		out_emit(c->s, &o, SCAN_ZONE_METADATA, "OLE document properties");
	out_free(&o);
}

/* ---- Word (.doc) ---- */

struct strike_run {
	uint32_t fc_start, fc_end;
};

struct doc {
	struct span word, table;
	uint32_t ccp_text, ccp_ftn, ccp_hdd;
	/* The stories after the headers: comments, endnotes, text boxes of
	 * the body and of the headers (0 when the FIB does not say). */
	uint32_t ccp_mcr, ccp_atn, ccp_edn, ccp_txbx, ccp_hdr_txbx;
	struct strike_run *strikes;
	size_t n_strikes;
};

/* Whether a CHPX's property list turns strike-through on. */
static bool grpprl_strikes(const uint8_t *p, size_t n)
{
	size_t i = 0;
	bool on = false;

	while (i + 2 <= n) {
		uint32_t sprm = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
		size_t operand;

		i += 2;
		switch (sprm >> 13) {
		case 0:
		case 1:
			operand = 1;
			break;
		case 2:
		case 4:
		case 5:
			operand = 2;
			break;
		case 3:
			operand = 4;
			break;
		case 7:
			operand = 3;
			break;
		default: /* 6: variable, size byte first */
			if (i >= n)
				return on;
			operand = 1 + (size_t)p[i];
			break;
		}
		if (i + operand > n)
			break;
		if (sprm == 0x0837 || sprm == 0x2A53) /* sprmCFStrike, sprmCFDStrike */
			on = p[i] == 1 || p[i] == 0x81;
		i += operand;
	}
	return on;
}

static int strike_cmp(const void *a, const void *b)
{
	const struct strike_run *x = a, *y = b;

	return x->fc_start < y->fc_start ? -1 : x->fc_start > y->fc_start;
}

/* Struck character runs (as file offsets in WordDocument) from the
 * character property FKPs listed in PlcfBteChpx. */
static void doc_read_strikes(struct doc *d, uint32_t fc_plc, uint32_t lcb_plc)
{
	uint32_t n;
	size_t cap = 0;

	if (lcb_plc < 8 || fc_plc > d->table.len || lcb_plc > d->table.len - fc_plc)
		return;
	n = (lcb_plc - 4) / 8;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pn;
		const uint8_t *fkp;
		unsigned crun;

		if (!rd32(d->table, fc_plc + 4 * (n + 1) + 4 * i, &pn))
			return;
		pn &= 0x3FFFFF;
		if ((size_t)pn * 512 + 512 > d->word.len)
			continue;
		fkp = d->word.p + (size_t)pn * 512;
		crun = fkp[511];
		if (crun == 0 || 4 * (crun + 1) + crun > 511)
			continue;
		for (unsigned r = 0; r < crun; r++) {
			unsigned b = fkp[4 * (crun + 1) + r];
			size_t at = (size_t)b * 2;

			if (b == 0 || at >= 511 || at + 1 + fkp[at] > 511)
				continue;
			if (!grpprl_strikes(fkp + at + 1, fkp[at]))
				continue;
			if (d->n_strikes == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct strike_run *nr = realloc(d->strikes, ncap * sizeof(*nr));

				if (nr == NULL)
					return;
				d->strikes = nr;
				cap = ncap;
			}
			d->strikes[d->n_strikes++] =
			    (struct strike_run){le32(fkp + 4 * r), le32(fkp + 4 * (r + 1))};
		}
	}
	if (d->n_strikes > 1)
		qsort(d->strikes, d->n_strikes, sizeof(*d->strikes), strike_cmp);
}

/* Runs are sorted by start (doc_read_strikes): the last one starting at or
 * before fc decides. */
static bool doc_struck_at(const struct doc *d, uint32_t fc)
{
	size_t lo = 0, hi = d->n_strikes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->strikes[mid].fc_start <= fc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && fc < d->strikes[lo - 1].fc_end;
}

static const uint16_t cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

/* The piece table (PlcPcd): n+1 CPs, then n piece descriptors saying where
 * each CP range's text lives in WordDocument and whether it is 8-bit. */
struct doc_pieces {
	struct span plc;
	uint32_t n;
	uint32_t n_chars;
};

static bool doc_read_pieces(const struct doc *d, uint32_t fc_clx, uint32_t lcb_clx,
			    struct doc_pieces *p)
{
	uint32_t off = fc_clx, end, lcb, prev = 0;

	if (fc_clx > d->table.len || lcb_clx > d->table.len - fc_clx || lcb_clx == 0)
		return false;
	end = fc_clx + lcb_clx;
	while (off < end && d->table.p[off] == 0x01) { /* Prc: skip property lists */
		uint32_t cb;

		if (!rd16(d->table, off + 1, &cb))
			return false;
		off += 3 + cb;
	}
	if (off >= end || d->table.p[off] != 0x02 || !rd32(d->table, off + 1, &lcb) ||
	    lcb > end - off - 5 || lcb < 16)
		return false;
	p->plc = (struct span){d->table.p + off + 5, lcb};
	p->n = (lcb - 4) / 12;
	/* CPs never go back, and each character takes at least one byte of
	 * the stream: anything else is a lie that would only cost time. */
	for (uint32_t i = 0; i <= p->n; i++) {
		uint32_t cp;

		if (!rd32(p->plc, 4 * i, &cp) || cp < prev)
			return false;
		prev = cp;
	}
	if (prev > DOC_MAX_CHARS || prev > d->word.len)
		return false;
	p->n_chars = prev;
	return true;
}

/* Characters by CP, in increasing order within a range. */
struct doc_cursor {
	const struct doc *d;
	const struct doc_pieces *p;
	uint32_t piece, cp0, cp1, fc;
	bool compressed, valid;
};

static bool doc_char(struct doc_cursor *c, uint32_t cp, uint32_t *u, bool *struck)
{
	uint32_t at;

	if (!c->valid || cp < c->cp0) { /* a range starting before this piece: rewind */
		c->piece = 0;
		c->valid = false;
	}
	while (!c->valid || cp >= c->cp1) {
		if (c->valid)
			c->piece++;
		if (c->piece >= c->p->n)
			return false;
		rd32(c->p->plc, 4 * c->piece, &c->cp0);
		rd32(c->p->plc, 4 * (c->piece + 1), &c->cp1);
		rd32(c->p->plc, 4 * (c->p->n + 1) + 8 * c->piece + 2, &c->fc);
		c->compressed = c->fc & 0x40000000u;
		c->fc &= 0x3FFFFFFFu;
		if (c->compressed)
			c->fc /= 2;
		c->valid = true;
	}
	if (cp < c->cp0)
		return false;
	if (c->compressed) {
		at = c->fc + (cp - c->cp0);
		if (at >= c->d->word.len)
			return false;
		*u = c->d->word.p[at];
		if (*u >= 0x80 && *u < 0xA0)
			*u = cp1252_high[*u - 0x80];
	} else {
		at = c->fc + 2 * (cp - c->cp0);
		if (at < c->fc || !rd16(c->d->word, at, u))
			return false;
	}
	*struck = c->d->n_strikes > 0 && doc_struck_at(c->d, at);
	return true;
}

/* Text on its way to the scan, in chunks of one struck state.  A dry sink
 * only notes whether anything but white space would be written. */
struct doc_sink {
	struct scan *s;
	bool dry, any;
	bool struck;
	size_t len;
	char buf[4096];
};

static void sink_flush(struct doc_sink *k)
{
	if (k->len > 0 && !k->dry)
		scan_text(k->s, k->buf, k->len, k->struck);
	k->len = 0;
}

static void sink_put(struct doc_sink *k, uint32_t u, bool struck)
{
	if (k->dry) {
		k->any |= u != '\n' && u != '\t' && u != ' ';
		return;
	}
	if (k->len > 0 && (struck != k->struck || k->len + 4 > sizeof(k->buf)))
		sink_flush(k);
	k->struck = struck;
	k->len += put_utf8(k->buf + k->len, u);
}

/* Text of CPs [from, to) into the sink, translating Word's special
 * characters: paragraph and line marks end lines, cell marks become tabs,
 * field codes (between 0x13 and 0x14) are dropped and field results kept.
 * Returns false when the budget ran out. */
static bool doc_text(struct doc_cursor *c, uint32_t from, uint32_t to, struct doc_sink *k)
{
	int field_depth = 0;
	uint32_t code_mask = 0; /* bit per field level: in the code part */
	uint32_t pending_high = 0;

	if (to > c->p->n_chars)
		to = c->p->n_chars;
	for (uint32_t cp = from; cp < to; cp++) {
		uint32_t u;
		bool struck;

		if ((cp & 0xFFFF) == 0 && cp > from && scan_over_budget(k->s))
			return false;
		if (!doc_char(c, cp, &u, &struck))
			break;
		if (u == 0x13) {
			if (field_depth < 31)
				code_mask |= 1u << field_depth;
			field_depth++;
			continue;
		}
		if (u == 0x14) {
			if (field_depth > 0 && field_depth <= 32)
				code_mask &= ~(1u << (field_depth - 1));
			continue;
		}
		if (u == 0x15) {
			if (field_depth > 0) {
				field_depth--;
				if (field_depth < 32)
					code_mask &= ~(1u << field_depth);
			}
			continue;
		}
		if (code_mask != 0)
			continue;
		if (u == 0x0D || u == 0x0B || u == 0x0C)
			u = '\n';
		else if (u == 0x07)
			u = '\t';
		else if (u < 0x20 && u != '\t')
			continue;
		if (u >= 0xD800 && u <= 0xDBFF) {
			pending_high = u;
			continue;
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			if (pending_high == 0)
				continue;
			u = 0x10000 + ((pending_high - 0xD800) << 10) + (u - 0xDC00);
		}
		pending_high = 0;
		sink_put(k, u, struck);
	}
	return true;
}

/* One CP range as a page of its own.  Blank ones (empty stories, the guard
 * paragraph at the end of the header story) are not reported, except the
 * main text, which is always a page. */
static bool doc_page(struct doc_cursor *c, struct doc_sink *k, uint32_t from, uint32_t to,
		     enum scan_zone zone, const char *where, bool even_blank)
{
	bool within_budget;

	if (!even_blank) {
		if (from >= to)
			return true;
		k->dry = true;
		k->any = false;
		if (!doc_text(c, from, to, k))
			return false;
		k->dry = false;
		if (!k->any)
			return true;
	}
	scan_page_begin(k->s, zone, where);
	within_budget = doc_text(c, from, to, k);
	sink_flush(k);
	scan_page_end(k->s);
	return within_budget;
}

/* The header story: PlcfHdd splits it into stories; after the six
 * separator stories come six per section: even header, odd header, even
 * footer, odd footer, first-page header, first-page footer. */
static bool doc_headers(const struct doc *d, struct doc_cursor *c, struct doc_sink *k,
			uint32_t fc_hdd, uint32_t lcb_hdd)
{
	uint32_t base = d->ccp_text + d->ccp_ftn, n;

	if (d->ccp_hdd == 0)
		return true;
	if (lcb_hdd < 8 || fc_hdd > d->table.len || lcb_hdd > d->table.len - fc_hdd)
		return doc_page(c, k, base, base + d->ccp_hdd, SCAN_ZONE_HEADER,
				"WordDocument header story", false);
	n = lcb_hdd / 4 - 1;
	for (uint32_t i = 6; i < n; i++) {
		uint32_t a = 0, b = 0;
		unsigned kind = (i - 6) % 6;
		bool header = kind == 0 || kind == 1 || kind == 4;

		rd32(d->table, fc_hdd + 4 * i, &a);
		rd32(d->table, fc_hdd + 4 * (i + 1), &b);
		if (b <= a || b > d->ccp_hdd)
			continue;
		if (!doc_page(c, k, base + a, base + b,
			      header ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
			      header ? "WordDocument header" : "WordDocument footer", false))
			return false;
	}
	return true;
}

/* When the piece table is unusable: runs of at least four UTF-16LE
 * characters that look like text (letters, CJK, punctuation). */
static void utf16_runs(struct scan *s, struct span b, const char *where)
{
	struct out o = {0};
	size_t run_start = 0, run_len = 0;

	for (size_t i = 0; i + 1 < b.len + 2; i += 2) {
		uint32_t u = i + 1 < b.len ? ((uint32_t)b.p[i] | (uint32_t)b.p[i + 1] << 8) : 0;
		bool texty = (u >= 0x20 && u < 0x7F) || u == 0x0D || (u >= 0x3000 && u < 0xA000) ||
			     (u >= 0xFF00 && u < 0xFFF0) || (u >= 0xA0 && u < 0x300);

		if (texty) {
			if (run_len++ == 0)
				run_start = i;
			continue;
		}
		if (run_len >= 4) {
			size_t ulen;
			char *t = utf16_to_utf8(b.p + run_start, run_len, &ulen);

			if (t != NULL) {
				for (size_t k = 0; k < ulen; k++)
					if (t[k] == '\r')
						t[k] = '\n';
				out_add(&o, t, ulen, false);
				out_add(&o, "\n", 1, false);
				free(t);
			}
		}
		run_len = 0;
	}
	if (o.len > 0)
		out_emit(s, &o, SCAN_ZONE_BODY, where);
	out_free(&o);
}

/* The stories after the main text: footnotes, comments and endnotes as
 * one page, the text boxes of the body as one (a box holding a level alone
 * is a marking on its first line), the text boxes of headers as a header.
 * CPs are added in 64 bits: the counts come from the file. */
static bool doc_other_stories(const struct doc *d, struct doc_cursor *c, struct doc_sink *k)
{
	uint64_t ftn = (uint64_t)d->ccp_text, hdd = ftn + d->ccp_ftn, mcr = hdd + d->ccp_hdd,
		 atn = mcr + d->ccp_mcr, edn = atn + d->ccp_atn, txbx = edn + d->ccp_edn,
		 hdr_txbx = txbx + d->ccp_txbx, end = hdr_txbx + d->ccp_hdr_txbx;

	if (end > c->p->n_chars)
		return true; /* counts that do not add up: only what was read */
	return doc_page(c, k, (uint32_t)ftn, (uint32_t)hdd, SCAN_ZONE_BODY,
			"WordDocument footnotes", false) &&
	       doc_page(c, k, (uint32_t)atn, (uint32_t)txbx, SCAN_ZONE_BODY,
			"WordDocument comments and endnotes", false) &&
	       doc_page(c, k, (uint32_t)txbx, (uint32_t)hdr_txbx, SCAN_ZONE_BODY,
			"WordDocument text boxes", false) &&
	       doc_page(c, k, (uint32_t)hdr_txbx, (uint32_t)end, SCAN_ZONE_HEADER,
			"WordDocument header text boxes", false);
}

/* Word 6 and Word 95 (nFib 101 to 105): no piece table in a separate
 * stream; the text is the bytes from fcMin to fcMac of WordDocument, 8-bit
 * in the writer's code page (Big5 from a Chinese Word 95).  It is read as
 * one body page, Word's marks turned into line ends, the encoding found by
 * scan_decode_text. */
static void extract_word95(struct scan *s, struct span word)
{
	uint32_t fc_min, fc_mac;
	size_t n = 0, ulen;
	_cleanup_free_ char *bytes = NULL;
	_cleanup_free_ char *text = NULL;

	if (!rd32(word, 0x18, &fc_min) || !rd32(word, 0x1C, &fc_mac) || fc_min > fc_mac ||
	    fc_mac > word.len) {
		scan_set_uninspectable(s, "Word 6/95 document's text range is outside its stream");
		return;
	}
	bytes = malloc(fc_mac - fc_min + 1);
	if (bytes == NULL) {
		scan_set_uninspectable(s, "out of memory reading a Word 6/95 document");
		return;
	}
	for (uint32_t i = fc_min; i < fc_mac; i++) {
		uint8_t b = word.p[i];

		if (b == 0x0D || b == 0x0B || b == 0x0C)
			b = '\n';
		else if (b == 0x07)
			b = '\t';
		else if (b < 0x20 && b != '\t')
			continue;
		bytes[n++] = (char)b;
	}
	text = scan_decode_text(bytes, n, &ulen);
	if (text == NULL) {
		scan_set_uninspectable(s, "out of memory reading a Word 6/95 document");
		return;
	}
	scan_page_begin(s, SCAN_ZONE_BODY, "WordDocument text (Word 6/95)");
	scan_text(s, text, ulen, false);
	scan_page_end(s);
}

static void extract_doc(struct cfb *c, const struct cfb_entry *wd)
{
	struct doc d = {0};
	struct doc_pieces pieces = {0};
	struct doc_cursor cursor = {.d = &d, .p = &pieces};
	_cleanup_free_ struct doc_sink *sink = NULL;
	_cleanup_free_ uint8_t *word = NULL;
	_cleanup_free_ uint8_t *table = NULL;
	size_t word_len, table_len = 0;
	uint32_t ident, flags, nfib, csw, cslw, cb, fib_lw, fib_fclcb, fc_clx = 0, lcb_clx = 0;
	uint32_t fc_hdd = 0, lcb_hdd = 0, fc_chpx = 0, lcb_chpx = 0;
	const struct cfb_entry *te;

	word = cfb_read(c, wd, &word_len);
	if (word == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	d.word = (struct span){word, word_len};
	if (!rd16(d.word, 0, &ident) || ident != 0xA5EC || !rd16(d.word, 0x0A, &flags)) {
		scan_set_uninspectable(c->s, "Word document's FIB is missing or invalid");
		return;
	}
	if (flags & 0x0100) {
		scan_set_uninspectable(
		    c->s, "Word document is encrypted with a password: text not readable");
		return;
	}
	if (rd16(d.word, 2, &nfib) && nfib >= 101 && nfib < 193) {
		extract_word95(c->s, d.word);
		return;
	}
	te = cfb_find(c, (flags & 0x0200) ? "1Table" : "0Table");
	if (te != NULL)
		table = cfb_read(c, te, &table_len);
	d.table = (struct span){table, table != NULL ? table_len : 0};

	/* FibBase (32 bytes), then csw + fibRgW, cslw + fibRgLw, cbRgFcLcb +
	 * fibRgFcLcb: each length-prefixed, each checked. */
	if (!rd16(d.word, 0x20, &csw))
		goto fallback;
	if (!rd16(d.word, 0x22 + 2 * csw, &cslw))
		goto fallback;
	fib_lw = 0x22 + 2 * csw + 2;
	if (!rd16(d.word, fib_lw + 4 * cslw, &cb))
		goto fallback;
	fib_fclcb = fib_lw + 4 * cslw + 2;
	if (cslw < 6 || !rd32(d.word, fib_lw + 12, &d.ccp_text) ||
	    !rd32(d.word, fib_lw + 16, &d.ccp_ftn) || !rd32(d.word, fib_lw + 20, &d.ccp_hdd))
		goto fallback;
	if (cslw >= 11) {
		rd32(d.word, fib_lw + 24, &d.ccp_mcr);
		rd32(d.word, fib_lw + 28, &d.ccp_atn);
		rd32(d.word, fib_lw + 32, &d.ccp_edn);
		rd32(d.word, fib_lw + 36, &d.ccp_txbx);
		rd32(d.word, fib_lw + 40, &d.ccp_hdr_txbx);
	}
	if (cb > 33) {
		rd32(d.word, fib_fclcb + 8 * 33, &fc_clx);
		rd32(d.word, fib_fclcb + 8 * 33 + 4, &lcb_clx);
		rd32(d.word, fib_fclcb + 8 * 11, &fc_hdd);
		rd32(d.word, fib_fclcb + 8 * 11 + 4, &lcb_hdd);
		rd32(d.word, fib_fclcb + 8 * 12, &fc_chpx);
		rd32(d.word, fib_fclcb + 8 * 12 + 4, &lcb_chpx);
	}
	if (table == NULL)
		goto fallback;
	if (!doc_read_pieces(&d, fc_clx, lcb_clx, &pieces))
		goto fallback;
	sink = calloc(1, sizeof(*sink));
	if (sink == NULL) {
		scan_set_uninspectable(c->s, "out of memory reading a Word document");
		goto done;
	}
	sink->s = c->s;
	doc_read_strikes(&d, fc_chpx, lcb_chpx);
	if (!doc_page(&cursor, sink, 0, d.ccp_text, SCAN_ZONE_BODY, "WordDocument text", true) ||
	    ((uint64_t)d.ccp_text + d.ccp_ftn + d.ccp_hdd <= pieces.n_chars &&
	     !doc_headers(&d, &cursor, sink, fc_hdd, lcb_hdd)) ||
	    !doc_other_stories(&d, &cursor, sink))
		scan_set_uninspectable(c->s,
				       "Word document: budget spent before the end of its text");
	goto done;

fallback:
	utf16_runs(c->s, d.word, "WordDocument text runs");
done:
	free(d.strikes);
}

/* ---- Excel (.xls, BIFF8) ---- */

/* A reader over a BIFF record and the CONTINUE records after it. */
struct biff {
	struct span b;
	size_t pos;	/* next byte */
	size_t rec_end; /* end of the current record's data */
	bool continued; /* just moved into a CONTINUE record */
};

static bool biff_next_continue(struct biff *r)
{
	uint32_t type, size;

	if (!rd16(r->b, r->rec_end, &type) || type != 0x003C ||
	    !rd16(r->b, r->rec_end + 2, &size) || size > r->b.len - r->rec_end - 4)
		return false;
	r->pos = r->rec_end + 4;
	r->rec_end = r->pos + size;
	r->continued = true;
	return true;
}

static bool biff_skip(struct biff *r, size_t n)
{
	while (n > 0) {
		size_t here = r->rec_end - r->pos;

		if (here == 0 && !biff_next_continue(r))
			return false;
		here = r->rec_end - r->pos;
		if (here > n)
			here = n;
		r->pos += here;
		n -= here;
	}
	return true;
}

static bool biff_u8(struct biff *r, uint32_t *v)
{
	if (r->pos == r->rec_end && !biff_next_continue(r))
		return false;
	*v = r->b.p[r->pos++];
	return true;
}

static bool biff_u16(struct biff *r, uint32_t *v)
{
	uint32_t lo, hi;

	if (!biff_u8(r, &lo) || !biff_u8(r, &hi))
		return false;
	*v = lo | hi << 8;
	return true;
}

static bool biff_u32(struct biff *r, uint32_t *v)
{
	uint32_t lo, hi;

	if (!biff_u16(r, &lo) || !biff_u16(r, &hi))
		return false;
	*v = lo | hi << 16;
	return true;
}

/* An XLUnicodeRichExtendedString (SST entry) or, with rich false, an
 * XLUnicodeString; characters crossing into a CONTINUE record restart with
 * a new high-byte flag, as the format says. */
static bool biff_string(struct biff *r, bool rich, struct out *o)
{
	uint32_t cch, flags, runs = 0, ext = 0;

	if (!biff_u16(r, &cch) || !biff_u8(r, &flags))
		return false;
	if (rich && (flags & 0x08) && !biff_u16(r, &runs))
		return false;
	if (rich && (flags & 0x04) && !biff_u32(r, &ext))
		return false;
	for (uint32_t i = 0; i < cch; i++) {
		uint32_t u, hi = 0;
		char buf[4];

		if (r->pos == r->rec_end) {
			if (!biff_next_continue(r) || r->pos == r->rec_end)
				return false;
			flags = r->b.p[r->pos++];
		}
		if (!biff_u8(r, &u))
			return false;
		if ((flags & 0x01) && !biff_u8(r, &hi))
			return false;
		u |= hi << 8;
		if (u == '\r' || u == '\n')
			u = ' ';
		out_add(o, buf, put_utf8(buf, u), false);
	}
	return biff_skip(r, (size_t)runs * 4) && biff_skip(r, ext);
}

/* An Excel header/footer text without its format codes (&L &C &R start a
 * section: a new line; &P &D &"font" &12 and the like are dropped). */
static void header_codes(struct out *from, struct out *to)
{
	for (size_t i = 0; i < from->len; i++) {
		char c = from->buf[i];

		if (c != '&') {
			out_add(to, &c, 1, false);
			continue;
		}
		if (++i >= from->len)
			break;
		c = from->buf[i];
		if (c == '&') {
			out_add(to, "&", 1, false);
		} else if (c == 'L' || c == 'C' || c == 'R') {
			out_add(to, "\n", 1, false);
		} else if (c == '"') {
			while (i + 1 < from->len && from->buf[i + 1] != '"')
				i++;
			i++;
		} else if (c >= '0' && c <= '9') {
			while (i + 1 < from->len && from->buf[i + 1] >= '0' &&
			       from->buf[i + 1] <= '9')
				i++;
		}
	}
	out_add(to, "\n", 1, false);
}

static void extract_xls(struct cfb *c, const struct cfb_entry *wb)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, pos = 0;
	struct span b;
	struct out body = {0}, tmp = {0}, hf = {0};

	data = cfb_read(c, wb, &len);
	if (data == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	b = (struct span){data, len};
	while (pos + 4 <= len) {
		uint32_t type = 0, size = 0;

		rd16(b, pos, &type);
		rd16(b, pos + 2, &size);
		if (size > len - pos - 4)
			break;
		if (type == 0x002F) { /* FILEPASS */
			scan_set_uninspectable(
			    c->s,
			    "Excel workbook is encrypted with a password: cells not readable");
			break;
		}
		if (type == 0x00FC) { /* SST */
			struct biff r = {b, pos + 4, pos + 4 + size, false};
			uint32_t total, unique;

			if (biff_u32(&r, &total) && biff_u32(&r, &unique)) {
				for (uint32_t i = 0; i < unique; i++) {
					if (!biff_string(&r, true, &body))
						break;
					out_add(&body, "\n", 1, false);
					if ((i & 1023) == 0 && scan_over_budget(c->s))
						break;
				}
			}
		} else if ((type == 0x0014 || type == 0x0015) && size > 3) { /* HEADER, FOOTER */
			struct biff r = {b, pos + 4, pos + 4 + size, false};

			tmp.len = 0;
			if (biff_string(&r, false, &tmp)) {
				header_codes(&tmp, &hf);
				out_emit(c->s, &hf,
					 type == 0x0014 ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
					 type == 0x0014 ? "Workbook sheet header"
							: "Workbook sheet footer");
			}
		}
		pos += 4 + size;
	}
	if (body.len > 0)
		out_emit(c->s, &body, SCAN_ZONE_BODY, "Workbook shared strings");
	out_free(&body);
	out_free(&tmp);
	out_free(&hf);
}

/* ---- PowerPoint (.ppt) ---- */

#define PPT_SLIDE 0x03EE
#define PPT_NOTES 0x03F0
#define PPT_MAIN_MASTER 0x03F8
#define PPT_TEXT_CHARS 0x0FA0
#define PPT_TEXT_BYTES 0x0FA8

/* The text atoms of the PowerPoint Document stream, walked record by
 * record (containers are entered, atoms skipped by their length).  Each
 * slide, notes page and master is its own page, so a slide's first line
 * is judged as a first line; text outside them (the document's slide
 * lists) is one more page. */
static void extract_ppt(struct cfb *c, const struct cfb_entry *pd)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, pos = 0, page_end = 0;
	struct span b;
	struct out page = {0}, rest = {0};
	char where[48] = "";
	unsigned slides = 0, notes = 0;

	data = cfb_read(c, pd, &len);
	if (data == NULL) {
		scan_set_uninspectable(c->s, c->error);
		return;
	}
	b = (struct span){data, len};
	while (pos + 8 <= len) {
		uint32_t ver = 0, type = 0, size = 0;

		if (page_end != 0 && pos >= page_end) {
			out_emit(c->s, &page, SCAN_ZONE_BODY, where);
			page_end = 0;
		}
		rd16(b, pos, &ver);
		rd16(b, pos + 2, &type);
		rd32(b, pos + 4, &size);
		if (size > len - pos - 8)
			break;
		if ((ver & 0x0F) == 0x0F) { /* a container: its records follow */
			if (page_end == 0 &&
			    (type == PPT_SLIDE || type == PPT_NOTES || type == PPT_MAIN_MASTER)) {
				page_end = pos + 8 + size;
				if (type == PPT_SLIDE)
					snprintf(where, sizeof(where), "PowerPoint slide %u",
						 ++slides);
				else if (type == PPT_NOTES)
					snprintf(where, sizeof(where), "PowerPoint notes %u",
						 ++notes);
				else
					snprintf(where, sizeof(where), "PowerPoint master");
			}
			pos += 8;
			continue;
		}
		if (type == PPT_TEXT_CHARS || type == PPT_TEXT_BYTES) {
			size_t ulen;
			char *t = type == PPT_TEXT_CHARS
				      ? utf16_to_utf8(data + pos + 8, size / 2, &ulen)
				      : codepage_to_utf8(data + pos + 8, size, 1252, &ulen);

			if (t != NULL) {
				for (size_t k = 0; k < ulen; k++)
					if (t[k] == '\r' || t[k] == 0x0B)
						t[k] = '\n';
				out_add(page_end ? &page : &rest, t, ulen, false);
				out_add(page_end ? &page : &rest, "\n", 1, false);
				free(t);
			}
		}
		pos += 8 + size;
	}
	if (page_end != 0)
		out_emit(c->s, &page, SCAN_ZONE_BODY, where);
	if (rest.len > 0)
		out_emit(c->s, &rest, SCAN_ZONE_BODY, "PowerPoint Document text");
	out_free(&page);
	out_free(&rest);
}

int extract_ole(struct scan *s, const void *data, size_t len)
{
	struct cfb c = {.s = s, .data = data, .len = len};
	const struct cfb_entry *e;
	char reason[160];

	if (len < 8 || memcmp(data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0)
		return -1;
	if (!cfb_open(&c)) {
		snprintf(reason, sizeof(reason), "OLE2 file unreadable: %s", c.error);
		scan_set_uninspectable(s, reason);
		cfb_close(&c);
		return 0;
	}
	if (cfb_find(&c, "EncryptedPackage") != NULL) {
		scan_set_uninspectable(
		    s, "encrypted Office document (password protected): not readable");
		cfb_close(&c);
		return 0;
	}
	read_property_sets(&c);
	if ((e = cfb_find(&c, "WordDocument")) != NULL)
		extract_doc(&c, e);
	else if ((e = cfb_find(&c, "Workbook")) != NULL)
		extract_xls(&c, e);
	else if ((e = cfb_find(&c, "PowerPoint Document")) != NULL)
		extract_ppt(&c, e);
	else if (cfb_find(&c, "Book") != NULL)
		scan_set_uninspectable(s, "Excel 5/95 workbook (BIFF5): cells not read");
	else
		scan_set_uninspectable(s, "OLE2 file of a kind not read (no Word, Excel or "
					  "PowerPoint stream)");
	cfb_close(&c);
	return 0;
}
