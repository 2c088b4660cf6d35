/* The OLE2 Compound File (ole.h): header, DIFAT, FAT, mini FAT,
 * directory, streams.  Every offset and size is checked against the bounds
 * of the file or the stream it points into; every sector chain is followed
 * with a visited bitmap, so a FAT cycle ends the chain (and makes the file
 * uninspectable) instead of looping. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

static const uint8_t *sector_at(const struct cfb *c, uint32_t sect)
{
	if (sect >= c->n_sectors)
		return NULL;
	return c->data + ((size_t)sect + 1) * c->sector_size;
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

/* The FAT: its own sectors are 109 in the header, the rest in the DIFAT
 * chain. */
static bool load_fat(struct cfb *c, uint32_t n_fat_sect, uint32_t difat_start,
		     uint32_t n_difat_sect)
{
	struct span h = {c->data, c->len};
	uint32_t per_sector = c->sector_size / 4, n_fat_sects = 0, v = 0;
	_cleanup_free_ uint32_t *fat_sects = calloc(n_fat_sect, sizeof(*fat_sects));

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

		if (d == NULL || hops > n_difat_sect || hops > c->n_sectors)
			return fail(c, "OLE2 DIFAT chain is broken or loops");
		for (uint32_t i = 0; i + 1 < per_sector && n_fat_sects < n_fat_sect; i++)
			fat_sects[n_fat_sects++] = le32(d + 4 * i);
		sect = le32(d + 4 * (per_sector - 1));
	}
	c->n_fat = n_fat_sects * per_sector;
	c->fat = malloc((size_t)c->n_fat * sizeof(uint32_t));
	if (c->fat == NULL)
		return fail(c, "out of memory");
	for (uint32_t i = 0; i < n_fat_sects; i++) {
		const uint8_t *d = sector_at(c, fat_sects[i]);

		for (uint32_t j = 0; j < per_sector; j++)
			c->fat[i * per_sector + j] = d != NULL ? le32(d + 4 * j) : CFB_FREESECT;
	}
	return true;
}

/* The directory: a chain of 128-byte entries, the root first. */
static bool load_directory(struct cfb *c, uint32_t dir_start)
{
	size_t dir_len;
	_cleanup_free_ uint8_t *dir =
	    read_chain(c, dir_start, (uint64_t)c->n_sectors * c->sector_size, false, &dir_len);

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
		name = charset_utf16le_to_utf8(e, name_bytes >= 2 ? name_bytes / 2 - 1 : 0, NULL);
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
	return true;
}

/* The mini FAT and the mini stream (the root entry's data). */
static bool load_mini(struct cfb *c, uint32_t minifat_start, uint32_t n_minifat_sect)
{
	size_t mf_len, mini_len;
	_cleanup_free_ uint8_t *mf = NULL;

	if (n_minifat_sect == 0 || minifat_start > CFB_MAX_REGSECT)
		return true;
	mf =
	    read_chain(c, minifat_start, (uint64_t)n_minifat_sect * c->sector_size, false, &mf_len);
	if (mf == NULL)
		return false;
	c->n_minifat = (uint32_t)(mf_len / 4);
	c->minifat = malloc((size_t)c->n_minifat * 4 + 4);
	if (c->minifat == NULL)
		return fail(c, "out of memory");
	for (uint32_t i = 0; i < c->n_minifat; i++)
		c->minifat[i] = le32(mf + 4 * i);
	if (c->dir[0].start <= CFB_MAX_REGSECT) {
		c->ministream = read_chain(c, c->dir[0].start, c->dir[0].size, false, &mini_len);
		if (c->ministream == NULL)
			return false;
		c->ministream_len = mini_len;
	}
	return true;
}

bool cfb_open(struct cfb *c)
{
	struct span h = {c->data, c->len};
	/* The header is 512 bytes long (checked first), so its reads succeed;
	 * zeros keep the compiler sure of it. */
	uint32_t shift = 0, n_fat_sect = 0, dir_start = 0, minifat_start = 0, n_minifat_sect = 0,
		 difat_start = 0, n_difat_sect = 0;

	if (c->len < 512 || memcmp(c->data, CFB_MAGIC, 8) != 0)
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
	if (n_fat_sect == 0 || n_fat_sect > c->n_sectors)
		return fail(c, "OLE2 header claims more FAT sectors than the file holds");
	return load_fat(c, n_fat_sect, difat_start, n_difat_sect) && load_directory(c, dir_start) &&
	       load_mini(c, minifat_start, n_minifat_sect);
}

void cfb_close(struct cfb *c)
{
	free(c->fat);
	free(c->minifat);
	free(c->dir);
	free(c->ministream);
}

/* The entries directly under a storage, into out (at most max); a
 * storage's children form a tree walked with a bounded stack and a visited
 * set.  Returns how many. */
uint32_t cfb_children(const struct cfb *c, uint32_t storage, uint32_t *out, uint32_t max)
{
	_cleanup_free_ uint32_t *stack = malloc((size_t)c->n_dir * sizeof(uint32_t));
	_cleanup_free_ uint8_t *seen = calloc((size_t)c->n_dir / 8 + 1, 1);
	uint32_t n = 0, found = 0;

	if (stack == NULL || seen == NULL || storage >= c->n_dir)
		return 0;
	if (c->dir[storage].child < c->n_dir)
		stack[n++] = c->dir[storage].child;
	while (n > 0 && found < max) {
		uint32_t i = stack[--n];
		const struct cfb_entry *e = &c->dir[i];

		if (seen[i / 8] & (1u << (i % 8)))
			continue;
		seen[i / 8] |= (uint8_t)(1u << (i % 8));
		out[found++] = i;
		if (e->left < c->n_dir && n < c->n_dir)
			stack[n++] = e->left;
		if (e->right < c->n_dir && n < c->n_dir)
			stack[n++] = e->right;
	}
	return found;
}

const struct cfb_entry *cfb_find_in(const struct cfb *c, uint32_t storage, const char *name)
{
	_cleanup_free_ uint32_t *kids = malloc(((size_t)c->n_dir + 1) * sizeof(uint32_t));
	uint32_t n = kids != NULL ? cfb_children(c, storage, kids, c->n_dir) : 0;

	for (uint32_t i = 0; i < n; i++)
		if (strcasecmp(c->dir[kids[i]].name, name) == 0)
			return &c->dir[kids[i]];
	return NULL;
}

/* A stream directly under the root storage, by name (case-insensitive, as
 * the format compares names). */
const struct cfb_entry *cfb_find(const struct cfb *c, const char *name)
{
	const struct cfb_entry *e = cfb_find_in(c, 0, name);

	return e != NULL && e->type == 2 ? e : NULL;
}

/* The whole content of a stream, or NULL (with c->error) if it cannot be
 * read. */
uint8_t *cfb_read(struct cfb *c, const struct cfb_entry *e, size_t *len)
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
