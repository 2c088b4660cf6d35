/* The classifier core's private wiring between classify.c (dispatch,
 * budgets, the public API) and scan.c (the analysis extractors feed).
 * Extractors use scan.h only; nothing outside classify.c, the scan (scan.c,
 * marking.c, pii.c through rules.h), text.c
 * and quick.c includes this header. */
#ifndef WARD_CLASSIFY_CORE_H
#define WARD_CLASSIFY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "classify/scan.h"
#include "classify/winnow.h"

/* Non-empty lines judged at the top and at the bottom of a body page. */
#define SCAN_EDGE_LINES 5
/* Lines without a letter, digit or ideograph (rules, dots) skipped at the
 * top of a body page before its first lines are given up on. */
#define SCAN_FILLER_MAX 64
/* Longest line (bytes) that can still be a stand-alone marking, with a
 * declassification condition in brackets after it. */
#define SCAN_LINE_MAX 256
/* Bytes of the end of a page kept to judge its last lines. */
#define SCAN_TAIL 1024
/* Bytes kept from the previous piece of text so that a pattern split
 * between two scan_text calls is still seen.  Every detector's context is
 * shorter than this. */
#define SCAN_SEAM 128
/* Candidate reasons kept before the best CLASSIFY_MAX_REASONS are chosen. */
#define SCAN_MAX_CANDIDATES 32

enum scan_pii_kind {
	PII_NATIONAL_ID,
	PII_RESIDENT_ID,
	PII_LAND_REGISTER,
	PII_HOUSEHOLD_REGISTER,
	PII_KINDS,
};

/* A reason found during the call, with what it proves. */
struct scan_candidate {
	struct classify_reason reason;
	enum ward_level level; /* NONE for supporting evidence */
	bool struck;
};

/* State of one classify call, shared by the document and everything nested
 * in it (archive members, attachments). */
struct scan_call {
	const struct classify_ctx *ctx;
	const struct classify_budget *budget;
	uint64_t deadline_ms;
	uint64_t expanded; /* decompressed bytes charged so far */
	uint32_t entries;  /* nested documents inspected so far */
	bool over_budget;

	enum ward_level level;	      /* highest unstruck marking */
	enum ward_level struck_level; /* highest struck-through marking */
	uint64_t pii[PII_KINDS];
	bool uninspectable;
	char uninspectable_reason[128];
	struct scan_candidate candidates[SCAN_MAX_CANDIDATES];
	uint32_t n_candidates;
	struct winnow winnow; /* fingerprints of the body text (winnow.h) */
	uint32_t fingerprints[CLASSIFY_MAX_FINGERPRINTS];
};

/* One document being scanned: the call it belongs to, its place in the
 * nesting, and the page being fed. */
struct scan {
	struct scan_call *call;
	uint32_t depth;
	char prefix[160];	    /* "a.zip:b.odt" for nested documents, else "" */
	bool resident_context;	    /* the document names resident certificates */
	uint64_t resident_searched; /* bytes searched for those words so far */
	bool markings_only;	    /* text read a second time: no personal data */

	bool in_page;
	enum scan_zone zone;
	char where[96];
	bool struck; /* of the scan_text call in progress */
	uint64_t page_bytes;

	/* The line being assembled (header, footer and metadata zones, and the
	 * first lines of a body page). */
	uint32_t head_lines;  /* non-empty lines judged from the top */
	uint32_t head_filler; /* lines of rules and dots skipped at the top */
	uint64_t head_end;    /* page offset just past the last of them */
	char line[SCAN_LINE_MAX];
	bool line_struck[SCAN_LINE_MAX];
	size_t line_len;
	bool line_overflow;

	/* The end of the page so far, for its last lines: at least the last
	 * SCAN_TAIL bytes, in a buffer compacted only when full so that many
	 * small pieces of text cost no more than one large one. */
	char tail[4 * SCAN_TAIL];
	bool tail_struck[4 * SCAN_TAIL];
	size_t tail_len;

	/* The end of the text so far, for patterns split between calls. */
	char seam[SCAN_SEAM];
	bool seam_struck[SCAN_SEAM];
	size_t seam_len;
};

/* classify.c: English marking words → level, per ctx. */
bool classify_english_level(const struct classify_ctx *ctx, const char *word, size_t len,
			    enum ward_level *out);

/* classify.c: libmagic's description of data (not its MIME type), into
 * out ("" when it has none). */
void classify_describe(const struct classify_ctx *ctx, const void *data, size_t len, char *out,
		       size_t size);

/* classify.c: libmagic's MIME type of data, into out. */
void classify_magic_type(const struct classify_ctx *ctx, const void *data, size_t len, char *out,
			 size_t size);

/* charset.h: the CP950 lookup table. */
struct big5_table;
/* classify.c: the classifier's table, or NULL. */
const struct big5_table *classify_big5(const struct classify_ctx *ctx);
/* classify.c: the classifier's detector and converters (charset.h), or
 * NULL; one thread uses them at a time, as it does the classifier. */
struct encoding_cache;
struct encoding_cache *classify_encodings(const struct classify_ctx *ctx);
/* classify.c: the classifier's shared data (resources.h), or NULL. */
struct classify_resources *classify_ctx_resources(const struct classify_ctx *ctx);

/* text.c: plain text fed as it comes (UTF-8), a form feed starting a new
 * page: "text" is the first page, then "page 2", "page 3" ... */
struct text_stream {
	unsigned page;
};
void text_stream_begin(struct scan *s, struct text_stream *t);
void text_stream_feed(struct scan *s, struct text_stream *t, const char *utf8, size_t len);
void text_stream_end(struct scan *s, struct text_stream *t);
/* text.c: UTF-8 (with or without BOM), as far as samples of it tell. */
bool text_is_utf8(const void *data, size_t len);

/* classify.c: find the type of data and run its extractor on s.  mime
 * receives libmagic's answer. */
void classify_dispatch(struct scan *s, const void *data, size_t len, char *mime, size_t mime_size);

/* types.c: the type table.  A row reads mime (or every type starting
 * with it, when prefix) with extract, or says why it is not read
 * (uninspectable). */
struct classify_type {
	const char *mime;
	bool prefix;
	int (*extract)(struct scan *s, const void *data, size_t len);
	const char *unread;
};
const struct classify_type *classify_types(size_t *n);
/* types.c: runs the row of mime on data (a type outside the table: text
 * when it looks like text, else nothing to read).  -1: not of that type
 * after all. */
int classify_run_type(struct scan *s, const char *mime, const void *data, size_t len);
/* types.c: a UTF-16 or UTF-32 BOM, UTF-16 / UTF-32 without one, or no NUL
 * and hardly any control characters in the first 64 KiB. */
bool classify_looks_like_text(const unsigned char *p, size_t len);

/* scan.c: start and finish a call. */
void scan_call_init(struct scan_call *call, const struct classify_ctx *ctx,
		    const struct classify_budget *budget);
void scan_init(struct scan *s, struct scan_call *call, uint32_t depth, const char *prefix);
/* Closes an unfinished page. */
void scan_finish(struct scan *s);
/* Moves the call's findings into out (level, declassified, pii, reasons,
 * uninspectable); mime, sha256 and size are the caller's. */
void scan_call_result(struct scan_call *call, struct classify_result *out);

/* scan.c, exposed for unit tests: the level a line states when it stands
 * alone (brackets, a box, spaces inside, a declassification condition after
 * it allowed).  Returns NONE when the line is not a stand-alone level. */
enum ward_level scan_standalone_level(const struct classify_ctx *ctx, const char *line, size_t len);
/* ROC national ID / resident certificate checksum over 10 characters. */
bool scan_roc_id_valid(const char *id);

#endif
