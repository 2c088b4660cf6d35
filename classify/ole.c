/* Legacy Office binaries (ole.h): the compound file is opened by cfb.c,
 * then per kind of document:
 *
 *   .doc  doc.c: the WordDocument stream (Word 97 and later through the
 *         piece table, Word 6/95 as 8-bit text)
 *   .xls  xls.c: the Workbook stream (BIFF8); biff5.c: Excel 5/95's Book
 *   .ppt  ppt.c: the PowerPoint Document stream's text atoms
 *   .msg  msg.c: an Outlook message's subject, body and attachments
 *   all   here: \005SummaryInformation (title, subject, keywords) and the
 *         user defined properties of \005DocumentSummaryInformation as
 *         metadata.
 *
 * Encrypted documents (Word fEncrypted, Excel FILEPASS, an encrypted OOXML
 * package in an OLE wrapper) are uninspectable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/extract.h"
#include "classify/ole.h"
#include "common/cleanup.h"

/* ---- Property sets (\005SummaryInformation and friends) ---- */

static void prop_string(struct textbuf *o, struct span sec, uint32_t off, unsigned codepage,
			const char *name)
{
	uint32_t type, n;
	size_t ulen;
	char *u = NULL;

	if (!rd32(sec, off, &type) || !rd32(sec, off + 4, &n))
		return;
	type &= 0xFFFF;
	if (type == 0x1E && n <= sec.len - off - 8) { /* VT_LPSTR: n bytes */
		u = charset_codepage_to_utf8(sec.p + off + 8, n, codepage, &ulen);
	} else if (type == 0x1F && n <= (sec.len - off - 8) / 2) { /* VT_LPWSTR: n chars */
		u = charset_utf16le_to_utf8(sec.p + off + 8, n, &ulen);
	}
	if (u == NULL)
		return;
	ulen = strlen(u); /* stop at the terminator */
	if (ulen > 0) {
		textbuf_add(o, name, strlen(name), false);
		textbuf_add(o, ": ", 2, false);
		textbuf_add(o, u, ulen, false);
		textbuf_add(o, "\n", 1, false);
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
			u = charset_codepage_to_utf8(sec.p + off + 8, bytes, codepage, NULL);
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

static void read_section(struct textbuf *o, struct span ps, uint32_t sec_off, bool summary)
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

void ole_property_sets(struct cfb *c)
{
	static const uint8_t user_fmtid[16] = {0x05, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10,
					       0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE};
	static const char *const names[] = {"\005SummaryInformation",
					    "\005DocumentSummaryInformation"};
	struct textbuf o = {0};

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
		textbuf_emit(c->s, &o, SCAN_ZONE_METADATA, "OLE document properties");
	textbuf_free(&o);
}

int extract_ole(struct scan *s, const void *data, size_t len)
{
	struct cfb c = {.s = s, .data = data, .len = len};
	const struct cfb_entry *e;
	char reason[160];

	if (len < 8 || memcmp(data, CFB_MAGIC, 8) != 0)
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
	ole_property_sets(&c);
	if ((e = cfb_find(&c, "WordDocument")) != NULL)
		ole_extract_doc(&c, e);
	else if ((e = cfb_find(&c, "Workbook")) != NULL)
		ole_extract_xls(&c, e);
	else if ((e = cfb_find(&c, "PowerPoint Document")) != NULL)
		ole_extract_ppt(&c, e);
	else if (cfb_find(&c, "__substg1.0_0037001F") != NULL ||
		 cfb_find(&c, "__substg1.0_0037001E") != NULL ||
		 cfb_find_in(&c, 0, "__properties_version1.0") != NULL)
		ole_extract_msg(&c, 0, 0);
	else if ((e = cfb_find(&c, "Book")) != NULL)
		ole_extract_biff5(&c, e);
	else
		scan_set_uninspectable(s, "OLE2 file of a kind not read (no Word, Excel or "
					  "PowerPoint stream)");
	cfb_close(&c);
	return 0;
}
