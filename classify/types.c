/* What each type of file is to the classifier (core.h): the extractor that
 * reads it, or why it cannot be read.  Every container and office format
 * libmagic names is in the table; a type not in it is read as text when it
 * looks like text, and is otherwise a program or data with no words in it
 * (pictures are in the table: OCR reads the scanned ones).  tests/unit/test_classify_types.c walks the table. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "classify/charset.h"
#include "classify/core.h"
#include "classify/extract.h"
#include "classify/sealed.h"

/* Bytes sampled to tell text from binary when libmagic cannot. */
#define TEXT_SNIFF (64u << 10)

static int extract_xml(struct scan *s, const void *data, size_t len)
{
	/* Not a 公文 after all: XML is still text. */
	if (extract_di_xml(s, data, len) == 0)
		return 0;
	return extract_text(s, data, len);
}

/* A zip file as libmagic names it: ODF stores an uncompressed "mimetype"
 * member first; OOXML has a [Content_Types].xml member (its name is in the
 * central directory at the end, and usually in the first local header
 * too); anything else is an archive. */
static int extract_zip(struct scan *s, const void *data, size_t len)
{
	static const char odf_mime[] = "application/vnd.oasis.opendocument.";
	static const char ooxml_part[] = "[Content_Types].xml";
	const unsigned char *p = data;

	if (len > 38 + sizeof(odf_mime) && memcmp(p + 30, "mimetype", 8) == 0 &&
	    memcmp(p + 38, odf_mime, sizeof(odf_mime) - 1) == 0)
		return extract_odf(s, data, len);
	if (memmem(p, len, ooxml_part, sizeof(ooxml_part) - 1))
		return extract_ooxml(s, data, len);
	return extract_archive(s, data, len);
}

#define READ(m, f)                                                                                 \
	{                                                                                          \
		m, false, f, NULL                                                                  \
	}
#define PREFIX(m, f)                                                                               \
	{                                                                                          \
		m, true, f, NULL                                                                   \
	}
#define UNREAD(m, why)                                                                             \
	{                                                                                          \
		m, false, NULL, why                                                                \
	}

static const struct classify_type types[] = {
    PREFIX("application/vnd.oasis.opendocument.", extract_odf),
    PREFIX("application/vnd.openxmlformats-officedocument.", extract_ooxml),
    READ("application/vnd.ms-excel.sheet.binary.macroEnabled.12", extract_ooxml),
    READ("application/vnd.ms-excel.sheet.macroEnabled.12", extract_ooxml),
    READ("application/vnd.ms-word.document.macroEnabled.12", extract_ooxml),
    READ("application/vnd.ms-powerpoint.presentation.macroEnabled.12", extract_ooxml),
    READ("application/zip", extract_zip),
    READ("application/x-zip-compressed", extract_zip),
    READ("application/gzip", extract_archive),
    READ("application/x-gzip", extract_archive),
    READ("application/x-bzip2", extract_archive),
    READ("application/x-xz", extract_archive),
    READ("application/x-tar", extract_archive),
    READ("application/x-gtar", extract_archive),
    READ("application/x-ustar", extract_archive),
    READ("application/x-7z-compressed", extract_archive),
    READ("application/x-rar", extract_archive),
    READ("application/vnd.rar", extract_archive),
    READ("application/x-rar-compressed", extract_archive),
    READ("application/java-archive", extract_archive),
    READ("application/x-cpio", extract_archive),
    READ("application/zstd", extract_archive),
    READ("application/x-lzma", extract_archive),
    READ("application/x-lzip", extract_archive),
    READ("application/x-compress", extract_archive),
    READ("application/epub+zip", extract_archive),
    READ("application/vnd.ms-cab-compressed", extract_archive),
    READ("application/x-iso9660-image", extract_archive),
    READ("application/x-xar", extract_archive),
    READ("application/x-lzh-compressed", extract_archive),
    READ("application/x-lha", extract_archive),
    READ("application/x-archive", extract_archive),
    READ("application/x-rpm", extract_archive),
    READ("application/vnd.debian.binary-package", extract_archive),
    READ("application/pdf", extract_pdf),
    READ("text/rtf", extract_rtf),
    READ("application/rtf", extract_rtf),
    READ("application/msword", extract_ole),
    READ("application/vnd.ms-excel", extract_ole),
    READ("application/vnd.ms-powerpoint", extract_ole),
    READ("application/x-ole-storage", extract_ole),
    READ("application/CDFV2", extract_ole),
    READ("application/CDFV2-corrupt", extract_ole),
    READ("application/CDFV2-encrypted", extract_ole),
    READ("application/vnd.ms-office", extract_ole),
    READ("application/vnd.ms-outlook", extract_ole),
    READ("application/vnd.visio", extract_ole),
    READ("application/vnd.ms-works", extract_ole),
    READ("application/x-msi", extract_ole),
    READ("application/x-hwp", extract_ole),
    READ("text/html", extract_html),
    READ("application/xhtml+xml", extract_html),
    READ("message/rfc822", extract_eml),
    READ("message/news", extract_eml),
    READ("text/xml", extract_xml),
    READ("application/xml", extract_xml),
    /* Pictures: a scanned page is read by OCR, anything else is nothing. */
    READ("image/png", extract_image),
    READ("image/jpeg", extract_image),
    READ("image/tiff", extract_image),
    READ("image/bmp", extract_image),
    READ("image/x-ms-bmp", extract_image),
    READ("image/gif", extract_image),
    READ("image/webp", extract_image),
    UNREAD("application/vnd.ms-tnef", "Outlook TNEF (winmail.dat) not read"),
    UNREAD("application/vnd.ms-htmlhelp", "compiled HTML help (.chm) not read"),
    UNREAD("application/x-apple-diskimage", "disk image not read"),
    UNREAD("application/x-qemu-disk", "disk image not read"),
    UNREAD("application/x-virtualbox-vdi", "disk image not read"),
    UNREAD("application/x-msaccess", "Access database not read"),
    UNREAD("application/vnd.ms-access", "Access database not read"),
    UNREAD("application/x-sqlite3", "SQLite database not read"),
    UNREAD("application/vnd.sqlite3", "SQLite database not read"),
    UNREAD("application/x-dbf", "dBASE table not read"),
    UNREAD("application/vnd.wordperfect", "WordPerfect document not read"),
    UNREAD("application/vnd.lotus-wordpro", "Lotus Word Pro document not read"),
    UNREAD("application/vnd.lotus-1-2-3", "Lotus 1-2-3 workbook not read"),
    UNREAD("application/x-mswrite", "Windows Write document not read"),
    UNREAD("application/vnd.ms-xpsdocument", "XPS document not read"),
    UNREAD("application/oxps", "XPS document not read"),
    UNREAD("application/x-arj", "ARJ archive not read"),
    UNREAD("application/x-ace-compressed", "ACE archive not read"),
    UNREAD("application/x-stuffit", "StuffIt archive not read"),
    UNREAD("application/x-ms-compress-szdd", "MS-DOS compressed file not read"),
    UNREAD("application/pgp-encrypted", "encrypted (OpenPGP): not readable"),
    UNREAD("application/pgp", "encrypted (OpenPGP): not readable"),
    UNREAD("application/x-pgp-encrypted", "encrypted (OpenPGP): not readable"),
    UNREAD("application/vnd.oasis.opendocument.base", "ODF database not read"),
    UNREAD("application/x-vnd.oasis.opendocument.base", "ODF database not read"),
    UNREAD("application/vnd.stardivision.writer", "StarOffice document not read"),
    UNREAD("application/vnd.stardivision.calc", "StarOffice document not read"),
    UNREAD("application/vnd.stardivision.impress", "StarOffice document not read"),
    UNREAD("application/vnd.sun.xml.writer", "OpenOffice.org 1 document not read"),
    UNREAD("application/vnd.sun.xml.calc", "OpenOffice.org 1 document not read"),
    UNREAD("application/vnd.sun.xml.impress", "OpenOffice.org 1 document not read"),
    UNREAD("application/x-mobipocket-ebook", "e-book not read"),
    UNREAD("image/vnd.djvu", "DjVu document not read"),
    /* libmagic's name for LUKS volumes and partitioned disk images alike. */
    UNREAD("application/x-raw-disk-image", "disk image or encrypted volume not read"),
};

const struct classify_type *classify_types(size_t *n)
{
	*n = sizeof(types) / sizeof(types[0]);
	return types;
}

/* The row for mime; NULL when none.  An exact row wins over a prefix
 * (application/vnd.oasis.opendocument.base before the ODF prefix). */
static const struct classify_type *find_type(const char *mime)
{
	const struct classify_type *prefix = NULL;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (types[i].prefix) {
			if (prefix == NULL &&
			    strncmp(mime, types[i].mime, strlen(types[i].mime)) == 0)
				prefix = &types[i];
		} else if (strcmp(mime, types[i].mime) == 0) {
			return &types[i];
		}
	}
	return prefix;
}

bool classify_looks_like_text(const unsigned char *p, size_t len)
{
	size_t n = len < TEXT_SNIFF ? len : TEXT_SNIFF, odd = 0;

	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return true;
	if (n >= 4 && memcmp(p, "\0\0\xfe\xff", 4) == 0)
		return true;
	if (n == 0)
		return false;
	if (memchr(p, 0, n))
		return encoding_wide(p, len) != NULL; /* UTF-16 or UTF-32 without a BOM */
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != '\f' &&
		    p[i] != 0x1b)
			odd++;
	}
	return odd * 100 < n;
}

/* Plain data: a filesystem image or an encrypted file libmagic knows by
 * name only in its description, or bytes as even as a cipher's. */
static const char *opaque_data(struct scan *s, const void *data, size_t len)
{
	char description[256];
	const char *why;

	classify_describe(s->call->ctx, data, len, description, sizeof(description));
	why = sealed_description(description);
	return why ? why : sealed_random(data, len);
}

int classify_run_type(struct scan *s, const char *mime, const void *data, size_t len)
{
	const struct classify_type *t;
	const char *sealed;

	if (len == 0)
		return 0;
	/* Encrypted whatever it looks like: an armored message is text. */
	if ((sealed = sealed_header(data, len))) {
		scan_set_uninspectable(s, sealed);
		return 0;
	}
	/* A PDF that a tool saved with a byte-order mark first: readers look
	 * for the header in the first kilobyte, and its offsets count from
	 * the header (they were written before the mark was added). */
	if (len > 8 && memcmp(data, "\xef\xbb\xbf%PDF-", 8) == 0)
		return extract_pdf(s, (const char *)data + 3, len - 3);
	t = find_type(mime);
	/* A zip libmagic only calls data is still a zip. */
	if (t == NULL && len >= 4 && memcmp(data, "PK\3\4", 4) == 0 &&
	    strcmp(mime, "application/octet-stream") == 0)
		return extract_zip(s, data, len);
	if (t != NULL && t->extract != NULL)
		return t->extract(s, data, len);
	if (t != NULL) {
		scan_set_uninspectable(s, t->unread);
		return 0;
	}
	if (strncmp(mime, "text/", 5) == 0 || classify_looks_like_text(data, len))
		return extract_text(s, data, len);
	if (strcmp(mime, "application/octet-stream") == 0 && (sealed = opaque_data(s, data, len))) {
		scan_set_uninspectable(s, sealed);
		return 0;
	}
	/* Images, programs, unknown binaries: nothing to read, and nothing
	 * hidden either; the type says what it was. */
	return 0;
}
