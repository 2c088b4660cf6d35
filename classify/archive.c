/* Archives and compressed streams: zip, tar (and cpio, 7z, rar, iso9660
 * read by the same library), alone or inside gzip, bzip2, xz, lzma, zstd,
 * lz4 or compress; a lone compressed file is one member.
 *
 * Every regular member is read into memory and classified as a document of
 * its own through scan_nested (which bounds depth and member count); every
 * inflated byte is charged to the budget, and a member that inflates beyond
 * the allowed ratio to the archive's size stops the archive as a bomb.
 * Encrypted members, and archives that end early or are damaged, make the
 * result uninspectable with a reason naming the member; the members that
 * could be read still count, and a member that is merely broken (damaged
 * data, an old zip method) makes the archive uninspectable only when they
 * decide nothing (otherwise it is a supporting reason).  Member names that
 * are not UTF-8 are Big5 (older Windows zip tools).  libarchive's filters that run external
 * programs are never enabled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "classify/charset.h"
#include "classify/extract.h"
#include "classify/scan.h"
#include "classify/xmlutil.h"
#include "classify/zipmem.h"
#include "common/cleanup.h"

static struct archive *open_reader(const void *data, size_t len)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		return NULL;
	/* In-process decompressors only. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_compress(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_raw(a); /* a lone .gz/.bz2/.xz */
	/* Zip names without the UTF-8 flag are in the writer's code page:
	 * Big5 on the county's Windows machines (ASCII reads the same). */
	archive_read_set_format_option(a, "zip", "hdrcharset", "CP950");
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Magic numbers of what this extractor reads: input that has one but
 * cannot be opened is a damaged archive, not some other format. */
static bool archive_magic(const unsigned char *p, size_t len)
{
	return (len >= 4 && memcmp(p, "PK\x03\x04", 4) == 0) ||
	       (len >= 4 && memcmp(p, "PK\x05\x06", 4) == 0) ||
	       (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9d)) ||
	       (len >= 3 && memcmp(p, "BZh", 3) == 0) ||
	       (len >= 6 && memcmp(p,
				   "\xfd"
				   "7zXZ\x00",
				   6) == 0) ||
	       (len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0) ||
	       (len >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0) ||
	       (len >= 4 && memcmp(p, "Rar!", 4) == 0) ||
	       (len >= 262 && memcmp(p + 257, "ustar", 5) == 0);
}

static void uninspectable_member(struct scan *s, const char *what, const char *name,
				 const char *detail)
{
	char reason[200];

	snprintf(reason, sizeof(reason), "%s%s%.120s%s%.60s", what, name ? ": " : "",
		 name ? name : "", detail ? ": " : "", detail ? detail : "");
	scan_set_uninspectable(s, reason);
}

/* A member's name for reasons: zip writers without the UTF-8 flag (older
 * Windows tools here) store names in the system's code page, Big5. */
static const char *display_name(const char *raw, char *buf, size_t size)
{
	size_t n, ulen;
	char *u;

	if (raw == NULL)
		return "?";
	n = strlen(raw);
	if (xmlutil_valid_utf8((const unsigned char *)raw, n))
		return raw;
	u = charset_big5_to_utf8(raw, n, &ulen);
	if (u == NULL)
		return raw;
	snprintf(buf, size, "%s", u);
	free(u);
	return buf;
}

/* A member that cannot be read: what libarchive says, in the words an
 * administrator needs (an old zip method is not damage). */
static void unreadable_member(struct scan *s, const char *name, const char *err, char *first,
			      size_t first_size)
{
	char reason[200];
	bool method = err != NULL && (strstr(err, "nsupported") || strstr(err, "method"));

	snprintf(reason, sizeof(reason), "%s: %.100s%s%.60s",
		 method ? "archive member compressed with an unsupported method"
			: "archive member unreadable (damaged or truncated)",
		 name, err ? ": " : "", err ? err : "");
	if (first[0] == '\0')
		snprintf(first, first_size, "%s", reason);
	scan_candidate_evidence(s, "archive-member-unreadable", reason);
}

int extract_archive(struct scan *s, const void *data, size_t len)
{
	const struct classify_budget *b = scan_budget(s);
	size_t max = b && b->max_input_bytes ? (size_t)b->max_input_bytes : SIZE_MAX - 1;
	struct archive *a = open_reader(data, len);
	struct archive_entry *entry;
	struct zipmem_index ix = {0};
	unsigned members = 0;
	bool raw;
	int r;
	char broken[200] = "";

	if (a != NULL && zipmem_index_build(data, len, &ix) == ZIPMEM_NOMEM) {
		archive_read_free(a);
		scan_set_uninspectable(s, "out of memory indexing an archive");
		return 0;
	}
	if (a == NULL) {
		if (!archive_magic(data, len))
			return -1;
		scan_set_uninspectable(s, "archive damaged or truncated: cannot be opened");
		return 0;
	}
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname_utf8(entry), *shown;
		char shown_buf[256];
		_cleanup_free_ char *member = NULL;
		size_t mlen;
		const char *err;
		enum zipmem_status st;
		uint64_t csize;

		if (name == NULL)
			name = archive_entry_pathname(entry);
		shown = display_name(name, shown_buf, sizeof(shown_buf));
		raw = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW;
		if (raw && archive_filter_count(a) <= 1) {
			/* Nothing decompressed and no archive format matched:
			 * not an archive, or one too damaged to name. */
			archive_read_free(a);
			zipmem_index_free(&ix);
			if (!archive_magic(data, len))
				return -1;
			scan_set_uninspectable(s, "archive damaged or truncated: format not "
						  "recognised");
			return 0;
		}
		members++;
		if (scan_over_budget(s))
			break;
		if (archive_entry_filetype(entry) != AE_IFREG)
			continue;
		if (archive_entry_is_encrypted(entry)) {
			uninspectable_member(s, "encrypted archive member", shown, NULL);
			continue;
		}
		if (archive_entry_size_is_set(entry) && (uint64_t)archive_entry_size(entry) > max) {
			uninspectable_member(s, "archive member larger than the input budget",
					     shown, NULL);
			continue;
		}
		/* The ratio is judged per member where the zip says its
		 * compressed size; a compressed stream's is the whole input.  A
		 * member that declares a bomb's size is refused unread. */
		csize = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP
			    ? zipmem_index_csize(&ix, name, len)
			    : len;
		if (archive_entry_size_is_set(entry) &&
		    zipmem_declared_bomb(s, (uint64_t)archive_entry_size(entry), csize)) {
			uninspectable_member(s,
					     "archive member expands beyond the allowed ratio "
					     "(compression bomb)",
					     shown, NULL);
			break;
		}
		st = zipmem_read_entry(s, a, max, csize, &member, &mlen, &err);
		if (st == ZIPMEM_DAMAGED) {
			unreadable_member(s, shown, err, broken, sizeof(broken));
			/* After a data error the stream position is lost for
			 * stream formats; zip can go on to the next member. */
			if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
				break;
			continue;
		}
		if (st == ZIPMEM_NOMEM) {
			scan_set_uninspectable(s, "out of memory reading an archive member");
			break;
		}
		if (st == ZIPMEM_BUDGET)
			break;
		scan_nested(s, member, mlen, raw ? "(decompressed)" : shown);
	}
	if (r == ARCHIVE_FATAL) {
		const char *err = archive_error_string(a);

		if (members == 0 && archive_format(a) == 0 && !archive_magic(data, len)) {
			/* Not something libarchive reads: let the caller say so. */
			archive_read_free(a);
			zipmem_index_free(&ix);
			return -1;
		}
		uninspectable_member(s, "archive damaged or truncated", NULL,
				     err ? err : "read error");
	}
	/* A broken member makes the archive uninspectable only when the
	 * members that could be read decide nothing. */
	if (broken[0] != '\0' && !scan_marked(s))
		scan_set_uninspectable(s, broken);
	archive_read_free(a);
	zipmem_index_free(&ix);
	return 0;
}
