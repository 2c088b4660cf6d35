/* RTF: a tokenizer of its own (control words, control symbols, groups,
 * text) that feeds the body page by page (\page starts a new one), each
 * {\header...} / {\footer...} group as a header or footer zone, \info's
 * title/subject/keywords and {\*\userprops} as metadata, and \strike /
 * \striked1 runs as struck text.
 *
 * Characters: \uN (with the \ucN fallback characters skipped), \'hh bytes
 * and plain bytes in the code page of the current font (\fcharset in the
 * font table) or of the document (\ansicpg), converted by charset.c; so an
 * \ansicpg950 document's Big5 bytes come out as Chinese.
 *
 * Bounds: groups nest at most RTF_MAX_DEPTH deep (deeper is uninspectable,
 * never a recursion: the group stack is an array), \binN data is skipped
 * without being read as text, and the budget is checked every
 * RTF_BUDGET_STRIDE bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/extract.h"
#include "classify/scan.h"

#define RTF_MAX_DEPTH 256
#define RTF_MAX_FONTS 256
#define RTF_BUDGET_STRIDE (64u << 10)
#define RTF_WORD_MAX 32

/* Where the text of a group goes. */
enum rtf_dest {
	DEST_BODY,
	DEST_HEADER,
	DEST_FOOTER,
	DEST_META_VALUE, /* \title, \subject, \keywords, \staticval ... */
	DEST_META_NAME,	 /* \propname in \userprops */
	DEST_FONTTBL,
	DEST_SKIP,
};

struct rtf_group {
	enum rtf_dest dest;
	bool struck;
	int uc;	  /* fallback characters after \uN */
	int font; /* current \fN, -1 for none */
};

/* Text collected for one zone, as runs of struck / unstruck UTF-8. */
struct rtf_run {
	size_t off, len;
	bool struck;
};
struct rtf_text {
	char *data;
	size_t len, cap;
	struct rtf_run *runs;
	size_t n_runs, cap_runs;
};

struct rtf_font {
	int id;
	int codepage;
};

struct rtf_parser {
	struct scan *s;
	const unsigned char *p, *end;
	bool failed; /* out of memory, or a limit hit: stop */
	bool out_of_memory;

	struct rtf_group stack[RTF_MAX_DEPTH];
	int depth;

	int ansi_codepage;
	struct rtf_font fonts[RTF_MAX_FONTS];
	int n_fonts;
	int skip_chars; /* \uc fallback characters still to drop */
	uint32_t high_surrogate;

	/* 8-bit bytes waiting for conversion, and the code page they are in. */
	char pending[256];
	size_t n_pending;
	int pending_codepage;

	struct rtf_text body, aside, meta;
	enum rtf_dest aside_dest; /* header or footer being collected */
	int aside_depth;	  /* depth of the group that opened it */
	char meta_name[64];
	int meta_depth;
	unsigned page;
	struct charset_codepage conv;
};

/* ASCII classes by hand: the daemon may run under any locale, and RTF's
 * syntax is ASCII whatever the text's code page. */
static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

static struct rtf_group *top(struct rtf_parser *r)
{
	return &r->stack[r->depth];
}

static bool text_grow(struct rtf_text *t, size_t more)
{
	if (t->len + more > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		char *n;

		while (cap < t->len + more)
			cap *= 2;
		n = realloc(t->data, cap);
		if (n == NULL)
			return false;
		t->data = n;
		t->cap = cap;
	}
	return true;
}

static bool text_add(struct rtf_text *t, const char *p, size_t n, bool struck)
{
	struct rtf_run *last = t->n_runs ? &t->runs[t->n_runs - 1] : NULL;

	if (n == 0)
		return true;
	if (!text_grow(t, n))
		return false;
	memcpy(t->data + t->len, p, n);
	if (last != NULL && last->struck == struck && last->off + last->len == t->len) {
		last->len += n;
	} else {
		if (t->n_runs == t->cap_runs) {
			size_t cap = t->cap_runs ? t->cap_runs * 2 : 16;
			struct rtf_run *runs = realloc(t->runs, cap * sizeof(*runs));

			if (runs == NULL)
				return false;
			t->runs = runs;
			t->cap_runs = cap;
		}
		t->runs[t->n_runs++] = (struct rtf_run){t->len, n, struck};
	}
	t->len += n;
	return true;
}

static void text_reset(struct rtf_text *t)
{
	t->len = 0;
	t->n_runs = 0;
}

static void text_free(struct rtf_text *t)
{
	free(t->data);
	free(t->runs);
}

static void text_emit(struct scan *s, const struct rtf_text *t, enum scan_zone zone,
		      const char *where)
{
	scan_page_begin(s, zone, where);
	for (size_t i = 0; i < t->n_runs; i++)
		scan_text(s, t->data + t->runs[i].off, t->runs[i].len, t->runs[i].struck);
	scan_page_end(s);
}

static struct rtf_text *sink(struct rtf_parser *r)
{
	switch (top(r)->dest) {
	case DEST_BODY:
		return &r->body;
	case DEST_HEADER:
	case DEST_FOOTER:
		return &r->aside;
	case DEST_META_VALUE:
	case DEST_META_NAME:
		return &r->meta;
	default:
		return NULL;
	}
}

static void out_utf8(struct rtf_parser *r, const char *p, size_t n)
{
	struct rtf_text *t = sink(r);

	if (t == NULL)
		return;
	if (top(r)->dest == DEST_META_NAME) {
		size_t have = strlen(r->meta_name);

		if (have + n < sizeof(r->meta_name)) {
			memcpy(r->meta_name + have, p, n);
			r->meta_name[have + n] = '\0';
		}
		return;
	}
	if (!text_add(t, p, n, top(r)->struck))
		r->failed = r->out_of_memory = true;
}

/* Code page of the text that follows: the current font's charset, else the
 * document's \ansicpg. */
static int current_codepage(struct rtf_parser *r)
{
	int font = top(r)->font;

	for (int i = 0; font >= 0 && i < r->n_fonts; i++)
		if (r->fonts[i].id == font && r->fonts[i].codepage > 0)
			return r->fonts[i].codepage;
	return r->ansi_codepage;
}

static int charset_codepage(int charset)
{
	switch (charset) {
	case 128:
		return 932;
	case 129:
		return 949;
	case 134:
		return 936;
	case 136:
		return 950;
	case 2: /* symbol: bytes are glyph numbers, not text */
		return -1;
	default:
		return 0; /* the document's code page */
	}
}

static void flush_pending(struct rtf_parser *r)
{
	char out[sizeof(r->pending) * 4];
	size_t n;

	if (r->n_pending == 0)
		return;
	if (r->pending_codepage < 0) { /* symbol font */
		r->n_pending = 0;
		return;
	}
	n = charset_codepage_convert(&r->conv, r->pending_codepage, r->pending, r->n_pending, out,
				     sizeof(out));
	r->n_pending = 0;
	out_utf8(r, out, n);
}

/* One byte of text in the current code page (plain or \'hh). */
static void out_byte(struct rtf_parser *r, unsigned char c)
{
	int cp;

	if (r->skip_chars > 0) {
		r->skip_chars--;
		return;
	}
	if (sink(r) == NULL)
		return;
	cp = current_codepage(r);
	if (r->n_pending > 0 && (cp != r->pending_codepage || r->n_pending == sizeof(r->pending))) {
		/* Never split a double-byte character across two conversions. */
		bool lead_waiting = false;

		if (r->n_pending == sizeof(r->pending) && cp == r->pending_codepage) {
			size_t i = 0;

			while (i < r->n_pending)
				i +=
				    ((unsigned char)r->pending[i] >= 0x81 && cp >= 932 && cp <= 950)
					? 2
					: 1;
			lead_waiting = i > r->n_pending;
		}
		if (lead_waiting) {
			char lead = r->pending[--r->n_pending];

			flush_pending(r);
			r->pending[r->n_pending++] = lead;
		} else {
			flush_pending(r);
		}
	}
	r->pending_codepage = cp;
	r->pending[r->n_pending++] = (char)c;
}

static void out_codepoint(struct rtf_parser *r, uint32_t cp)
{
	char u[4];

	flush_pending(r);
	if (charset_utf16_join(&r->high_surrogate, &cp))
		out_utf8(r, u, charset_put_utf8(u, cp));
}

static void out_ascii(struct rtf_parser *r, const char *text)
{
	flush_pending(r);
	if (sink(r) != NULL && top(r)->dest != DEST_META_NAME)
		out_utf8(r, text, strlen(text));
}

static void end_page(struct rtf_parser *r)
{
	char where[32];

	flush_pending(r);
	r->page++;
	snprintf(where, sizeof(where), "page %u", r->page);
	text_emit(r->s, &r->body, SCAN_ZONE_BODY, where);
	text_reset(&r->body);
}

static void open_group(struct rtf_parser *r)
{
	flush_pending(r);
	if (r->depth + 1 >= RTF_MAX_DEPTH) {
		char reason[96];

		snprintf(reason, sizeof(reason),
			 "RTF groups nested deeper than %d: not read further", RTF_MAX_DEPTH);
		scan_set_uninspectable(r->s, reason);
		r->failed = true;
		return;
	}
	r->stack[r->depth + 1] = r->stack[r->depth];
	r->depth++;
}

static void close_group(struct rtf_parser *r)
{
	flush_pending(r);
	r->skip_chars = 0;
	if (r->depth == r->aside_depth && r->aside_dest != DEST_BODY) {
		text_emit(r->s, &r->aside,
			  r->aside_dest == DEST_HEADER ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
			  r->aside_dest == DEST_HEADER ? "rtf header" : "rtf footer");
		text_reset(&r->aside);
		r->aside_dest = DEST_BODY;
		r->aside_depth = -1;
	}
	if (r->depth == r->meta_depth) {
		if (top(r)->dest == DEST_META_VALUE && !text_add(&r->meta, "\n", 1, false))
			r->failed = r->out_of_memory = true;
		r->meta_depth = -1;
	}
	if (r->depth > 0)
		r->depth--;
}

/* Start a metadata value named name (an \info field, or a user property
 * whose name was read from \propname). */
static void meta_begin(struct rtf_parser *r, const char *name)
{
	top(r)->dest = DEST_META_VALUE;
	r->meta_depth = r->depth;
	if (!text_add(&r->meta, name, strlen(name), false) || !text_add(&r->meta, ": ", 2, false))
		r->failed = r->out_of_memory = true;
}

/* What a control word does; looked up by name in a sorted table (LibreOffice
 * and Word write several control words per character, so this is hot). */
enum rtf_action {
	ACT_NEWLINE,
	ACT_TAB,
	ACT_PAGE,
	ACT_UNICODE,
	ACT_UC,
	ACT_ANSICPG,
	ACT_FONT,
	ACT_STRIKE,
	ACT_PLAIN,
	ACT_FONTTBL,
	ACT_HEADER,
	ACT_FOOTER,
	ACT_INFO,	/* \info, \userprops: only named fields inside are read */
	ACT_META_FIELD, /* \title, \subject ... inside \info */
	ACT_PROPNAME,
	ACT_STATICVAL,
	ACT_SKIP, /* a destination whose text is not document text */
	ACT_READ, /* an optional destination whose text is document text */
};

struct rtf_word {
	const char *name;
	enum rtf_action action;
};

/* Sorted by name (strcmp order). */
static const struct rtf_word rtf_words[] = {
    {"ansicpg", ACT_ANSICPG},
    {"author", ACT_SKIP},
    {"bkmkend", ACT_SKIP},
    {"bkmkstart", ACT_SKIP},
    {"buptim", ACT_SKIP},
    {"category", ACT_META_FIELD},
    {"cell", ACT_TAB},
    {"colorschememapping", ACT_SKIP},
    {"colortbl", ACT_SKIP},
    {"company", ACT_SKIP},
    {"creatim", ACT_SKIP},
    {"datastore", ACT_SKIP},
    {"doccomm", ACT_META_FIELD},
    {"f", ACT_FONT},
    {"filetbl", ACT_SKIP},
    {"fldinst", ACT_SKIP},
    {"fonttbl", ACT_FONTTBL},
    {"footer", ACT_FOOTER},
    {"footerf", ACT_FOOTER},
    {"footerl", ACT_FOOTER},
    {"footerr", ACT_FOOTER},
    {"generator", ACT_SKIP},
    {"header", ACT_HEADER},
    {"headerf", ACT_HEADER},
    {"headerl", ACT_HEADER},
    {"headerr", ACT_HEADER},
    {"hlinkbase", ACT_SKIP},
    {"info", ACT_INFO},
    {"keywords", ACT_META_FIELD},
    {"latentstyles", ACT_SKIP},
    {"line", ACT_NEWLINE},
    {"listoverridetable", ACT_SKIP},
    {"listtable", ACT_SKIP},
    {"manager", ACT_SKIP},
    {"objdata", ACT_SKIP},
    {"object", ACT_SKIP},
    {"operator", ACT_SKIP},
    {"page", ACT_PAGE},
    {"par", ACT_NEWLINE},
    {"pgdsctbl", ACT_SKIP},
    {"pict", ACT_SKIP},
    {"plain", ACT_PLAIN},
    {"printim", ACT_SKIP},
    {"private", ACT_SKIP},
    {"propname", ACT_PROPNAME},
    {"revtbl", ACT_SKIP},
    {"revtim", ACT_SKIP},
    {"row", ACT_NEWLINE},
    {"rsidtbl", ACT_SKIP},
    {"sect", ACT_NEWLINE},
    {"shpinst", ACT_READ}, /* a shape: its {\shptxt} is a text box */
    {"shprslt", ACT_SKIP}, /* the same shape again, for old readers */
    {"sp", ACT_SKIP},	   /* shape properties */
    {"staticval", ACT_STATICVAL},
    {"strike", ACT_STRIKE},
    {"striked", ACT_STRIKE},
    {"stylesheet", ACT_SKIP},
    {"subject", ACT_META_FIELD},
    {"tab", ACT_TAB},
    {"tc", ACT_SKIP},
    {"template", ACT_SKIP},
    {"themedata", ACT_SKIP},
    {"title", ACT_META_FIELD},
    {"u", ACT_UNICODE},
    {"uc", ACT_UC},
    {"userprops", ACT_INFO},
    {"xe", ACT_SKIP},
    {"xmlnstbl", ACT_SKIP},
};

static int word_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rtf_word *)elem)->name);
}

static void control_word(struct rtf_parser *r, const char *word, bool has_param, long param,
			 bool starred)
{
	struct rtf_group *g = top(r);
	const struct rtf_word *w;

	if (g->dest == DEST_SKIP)
		return;
	if (g->dest == DEST_FONTTBL) {
		if (strcmp(word, "f") == 0 && has_param && r->n_fonts < RTF_MAX_FONTS) {
			r->fonts[r->n_fonts].id = (int)param;
			r->fonts[r->n_fonts].codepage = 0;
			r->n_fonts++;
		} else if (strcmp(word, "fcharset") == 0 && r->n_fonts > 0) {
			r->fonts[r->n_fonts - 1].codepage = charset_codepage((int)param);
		} else if (strcmp(word, "cpg") == 0 && r->n_fonts > 0 && param > 0) {
			r->fonts[r->n_fonts - 1].codepage = (int)param;
		}
		return;
	}
	w = bsearch(word, rtf_words, sizeof(rtf_words) / sizeof(rtf_words[0]), sizeof(rtf_words[0]),
		    word_cmp);
	if (w == NULL) {
		if (starred) /* an optional destination we do not know */
			g->dest = DEST_SKIP;
		return;
	}
	switch (w->action) {
	case ACT_NEWLINE:
		out_ascii(r, "\n");
		break;
	case ACT_TAB:
		out_ascii(r, "\t");
		break;
	case ACT_PAGE:
		if (g->dest == DEST_BODY)
			end_page(r);
		else
			out_ascii(r, "\n");
		break;
	case ACT_UNICODE:
		if (!has_param)
			break;
		r->skip_chars = 0; /* a \u inside another's fallback */
		out_codepoint(r, (uint32_t)(param < 0 ? param + 65536 : param) & 0x1FFFFF);
		r->skip_chars = g->uc;
		break;
	case ACT_UC:
		g->uc = has_param && param >= 0 && param < 16 ? (int)param : 1;
		break;
	case ACT_ANSICPG:
		if (has_param && param > 0 && param < 100000)
			r->ansi_codepage = (int)param;
		break;
	case ACT_FONT:
		flush_pending(r);
		g->font = has_param ? (int)param : -1;
		break;
	case ACT_STRIKE:
		flush_pending(r);
		g->struck = !has_param || param != 0;
		break;
	case ACT_PLAIN:
		flush_pending(r);
		g->struck = false;
		break;
	case ACT_FONTTBL:
		g->dest = DEST_FONTTBL;
		break;
	case ACT_HEADER:
	case ACT_FOOTER:
		flush_pending(r);
		if (r->aside_dest != DEST_BODY) { /* a header inside a header */
			g->dest = DEST_SKIP;
			break;
		}
		g->dest = w->action == ACT_HEADER ? DEST_HEADER : DEST_FOOTER;
		g->struck = false;
		r->aside_dest = g->dest;
		r->aside_depth = r->depth;
		break;
	case ACT_INFO:
		g->dest = DEST_META_NAME;
		r->meta_name[0] = '\0';
		break;
	case ACT_META_FIELD:
		if (r->meta_depth < 0)
			meta_begin(r, word);
		break;
	case ACT_PROPNAME:
		g->dest = DEST_META_NAME;
		r->meta_name[0] = '\0';
		break;
	case ACT_STATICVAL:
		if (r->meta_depth < 0)
			meta_begin(r, r->meta_name[0] ? r->meta_name : "property");
		break;
	case ACT_SKIP:
		g->dest = DEST_SKIP;
		break;
	case ACT_READ:
		break;
	}
}

/* \binN: N bytes of binary data follow, never text. */
static void skip_binary(struct rtf_parser *r, long n)
{
	if (n < 0 || n > r->end - r->p)
		r->p = r->end;
	else
		r->p += n;
}

static void parse(struct rtf_parser *r)
{
	const unsigned char *next_check = r->p + RTF_BUDGET_STRIDE;
	bool starred = false; /* the last token was \* */

	while (r->p < r->end && !r->failed) {
		unsigned char c = *r->p;

		if (r->p >= next_check) {
			next_check = r->p + RTF_BUDGET_STRIDE;
			if (scan_over_budget(r->s)) {
				scan_set_uninspectable(r->s, "RTF: budget spent before the end");
				return;
			}
		}
		if (c == '{') {
			r->p++;
			open_group(r);
			starred = false;
		} else if (c == '}') {
			r->p++;
			close_group(r);
			starred = false;
		} else if (c == '\\') {
			char word[RTF_WORD_MAX + 1];
			size_t n = 0;
			bool has_param = false, negative = false;
			long param = 0;

			r->p++;
			if (r->p >= r->end)
				break;
			c = *r->p;
			if (!is_alpha(c)) { /* control symbol */
				r->p++;
				if (c == '\'') {
					int hi, lo;

					if (r->end - r->p < 2)
						break;
					hi = hex_value(r->p[0]);
					lo = hex_value(r->p[1]);
					r->p += 2;
					if (hi >= 0 && lo >= 0 && top(r)->dest != DEST_SKIP &&
					    top(r)->dest != DEST_FONTTBL)
						out_byte(r, (unsigned char)(hi << 4 | lo));
				} else if (c == '*') {
					starred = true;
					continue;
				} else if (c == '\\' || c == '{' || c == '}') {
					if (top(r)->dest != DEST_SKIP &&
					    top(r)->dest != DEST_FONTTBL)
						out_byte(r, c);
				} else if (c == '~') {
					out_ascii(r, " ");
				} else if (c == '\n' || c == '\r') {
					out_ascii(r, "\n");
				} else if (c == '_') {
					out_ascii(r, "-");
				}
				starred = false;
				continue;
			}
			while (r->p < r->end && is_alpha(*r->p)) {
				if (n < RTF_WORD_MAX)
					word[n++] = (char)*r->p;
				r->p++;
			}
			word[n] = '\0';
			if (r->p < r->end && *r->p == '-' && r->end - r->p > 1 &&
			    is_digit(r->p[1])) {
				negative = true;
				r->p++;
			}
			while (r->p < r->end && is_digit(*r->p)) {
				if (param < 100000000)
					param = param * 10 + (*r->p - '0');
				has_param = true;
				r->p++;
			}
			if (negative)
				param = -param;
			if (r->p < r->end && *r->p == ' ')
				r->p++;
			if (strcmp(word, "bin") == 0) {
				skip_binary(r, has_param ? param : 0);
			} else {
				control_word(r, word, has_param, param, starred);
			}
			starred = false;
		} else {
			r->p++;
			starred = false;
			if (c == '\r' || c == '\n')
				continue;
			if (top(r)->dest == DEST_FONTTBL || top(r)->dest == DEST_SKIP)
				continue;
			out_byte(r, c);
		}
	}
}

int extract_rtf(struct scan *s, const void *data, size_t len)
{
	struct rtf_parser *r;

	if (len < 5 || memcmp(data, "{\\rtf", 5) != 0)
		return -1;
	/* The group stack is a few kilobytes: on the heap, not the stack of a
	 * sandboxed worker thread. */
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		scan_set_uninspectable(s, "RTF: out of memory");
		return 0;
	}
	r->s = s;
	r->p = data;
	r->end = r->p + len;
	r->stack[0] = (struct rtf_group){.dest = DEST_BODY, .uc = 1, .font = -1};
	r->ansi_codepage = 1252;
	r->aside_dest = DEST_BODY;
	r->aside_depth = -1;
	r->meta_depth = -1;
	charset_codepage_init(&r->conv);

	parse(r);
	flush_pending(r);
	if (r->out_of_memory)
		scan_set_uninspectable(s, "RTF: out of memory while collecting text");
	/* What was read is reported even when the rest could not be. */
	if (r->aside_dest != DEST_BODY && r->aside.len > 0)
		text_emit(s, &r->aside,
			  r->aside_dest == DEST_HEADER ? SCAN_ZONE_HEADER : SCAN_ZONE_FOOTER,
			  r->aside_dest == DEST_HEADER ? "rtf header" : "rtf footer");
	if (r->body.len > 0 || r->page == 0)
		end_page(r);
	if (r->meta.len > 0)
		text_emit(s, &r->meta, SCAN_ZONE_METADATA, "rtf \\info");
	charset_codepage_close(&r->conv);
	text_free(&r->body);
	text_free(&r->aside);
	text_free(&r->meta);
	free(r);
	return 0;
}
