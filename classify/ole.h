/* Legacy Office binaries, inside classify/: the OLE2 Compound File reader
 * (cfb.c) and what reads each kind of document out of it: ole.c (the
 * dispatch and the property sets), doc.c (Word), xls.c (Excel), ppt.c
 * (PowerPoint). */
#ifndef WARD_CLASSIFY_OLE_H
#define WARD_CLASSIFY_OLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/ooxml.h"
#include "classify/scan.h"

#define CFB_FREESECT 0xFFFFFFFFu
#define CFB_ENDOFCHAIN 0xFFFFFFFEu
#define CFB_MAX_REGSECT 0xFFFFFFFAu
#define CFB_DIR_ENTRY 128
#define CFB_MINI_SECTOR 64
#define CFB_MAGIC "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

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

static inline bool rd16(struct span b, size_t off, uint32_t *out)
{
	if (off > b.len || b.len - off < 2)
		return false;
	*out = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8;
	return true;
}

static inline bool rd32(struct span b, size_t off, uint32_t *out)
{
	if (off > b.len || b.len - off < 4)
		return false;
	*out = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8 | (uint32_t)b.p[off + 2] << 16 |
	       (uint32_t)b.p[off + 3] << 24;
	return true;
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* cfb.c: opens the compound file c->data (false, with c->error, when it
 * cannot be read); cfb_close frees what cfb_open allocated, either way. */
bool cfb_open(struct cfb *c);
void cfb_close(struct cfb *c);
/* A stream directly under the root storage, by name (case-insensitive). */
const struct cfb_entry *cfb_find(const struct cfb *c, const char *name);
/* Any entry directly under storage (a directory index, 0 the root). */
const struct cfb_entry *cfb_find_in(const struct cfb *c, uint32_t storage, const char *name);
/* The directory indices of the entries directly under storage (at most
 * max); returns how many. */
uint32_t cfb_children(const struct cfb *c, uint32_t storage, uint32_t *out, uint32_t max);
/* The whole content of a stream (malloc'ed), or NULL with c->error. */
uint8_t *cfb_read(struct cfb *c, const struct cfb_entry *e, size_t *len);

/* ole.c: \005SummaryInformation and the user-defined properties as a
 * metadata page. */
void ole_property_sets(struct cfb *c);
/* msg.c: an Outlook message (subject, body, attachments) whose properties
 * live in storage (0: the file is the message). */
void ole_extract_msg(struct cfb *c, uint32_t storage, unsigned depth);
/* doc.c, xls.c, ppt.c: the text of each kind of document. */
void ole_extract_doc(struct cfb *c, const struct cfb_entry *wd);
void ole_extract_xls(struct cfb *c, const struct cfb_entry *wb);
void ole_extract_biff5(struct cfb *c, const struct cfb_entry *book);
void ole_extract_ppt(struct cfb *c, const struct cfb_entry *pd);
/* docdraw.c: the text effects (watermarks, WordArt) of a Word document's
 * drawings, OfficeArtContent at fc (fcDggInfo) of its table stream. */
void ole_doc_drawings(struct scan *s, struct span table, uint32_t fc, uint32_t lcb);

#endif
