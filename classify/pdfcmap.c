/* CMaps for the PDF reader (ISO 32000-1, 9.7.5 and 9.10.3; Adobe
 * technical note 5014): ToUnicode maps (bfchar, bfrange) and embedded
 * encoding CMaps (cidchar, cidrange, usecmap), with their codespace
 * ranges; and the CID → Unicode tables of the Adobe character collections
 * from poppler-data, for CJK fonts that carry no ToUnicode map.
 *
 * Codes of one or two bytes go into a two-level table of 256 pages of 256
 * entries, filled as the CMap is read (every lookup is then two loads);
 * longer codes, which real CMaps hardly use, into a short list of ranges.
 * A hostile CMap is bounded in entries written and ranges kept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/pdf.h"

/* Entries a CMap may write in all (a range of 65536 codes writes 65536). */
#define CMAP_MAX_WRITES (4u << 20)
#define CMAP_MAX_CODESPACES 16
#define CMAP_MAX_WIDE 256
/* Code points one code may stand for (a ligature's letters). */
#define CMAP_MAX_UNI 4
/* An entry: a code point, or MULTI | offset of a sequence in the pool. */
#define MULTI 0x80000000u
/* poppler-data's tables (the Debian package installs them here). */
#define CID_TO_UNICODE_DIR "/usr/share/poppler/cidToUnicode/Adobe-"

struct codespace {
	uint8_t n_bytes;
	uint8_t lo[4], hi[4];
};

struct wide_range {
	uint32_t lo, hi, value; /* value of lo; later codes count up */
};

struct pdf_cmap {
	struct pdf_doc *doc;
	struct codespace spaces[CMAP_MAX_CODESPACES];
	uint32_t n_spaces;
	uint32_t *pages[256];
	struct wide_range wide[CMAP_MAX_WIDE];
	uint32_t n_wide;
	uint32_t *pool; /* sequences: count, then the code points */
	uint32_t pool_len, pool_cap;
	uint32_t writes;
	int wmode;
};

/* ---- Reading -------------------------------------------------------- */

struct token {
	enum { TOK_END, TOK_HEX, TOK_NUM, TOK_NAME, TOK_WORD, TOK_OPEN, TOK_CLOSE, TOK_OTHER } kind;
	unsigned char bytes[16];
	size_t len;
	int64_t num;
};

static const unsigned char *next_token(const unsigned char *p, const unsigned char *end,
				       struct token *t)
{
	bool is_int;
	double r;
	const unsigned char *q;

	p = pdf_skip_space(p, end);
	t->len = 0;
	if (p >= end) {
		t->kind = TOK_END;
		return p;
	}
	switch (*p) {
	case '<':
		if (p + 1 < end && p[1] == '<') {
			t->kind = TOK_OTHER;
			return p + 2;
		}
		t->kind = TOK_HEX;
		return pdf_lex_hex(p, end, t->bytes, sizeof(t->bytes), &t->len);
	case '(':
		t->kind = TOK_HEX; /* a literal code string reads the same */
		return pdf_lex_literal(p, end, t->bytes, sizeof(t->bytes), &t->len);
	case '/':
		t->kind = TOK_NAME;
		return pdf_lex_name(p, end, t->bytes, sizeof(t->bytes) - 1, &t->len);
	case '[':
		t->kind = TOK_OPEN;
		return p + 1;
	case ']':
		t->kind = TOK_CLOSE;
		return p + 1;
	default:
		break;
	}
	q = pdf_lex_number(p, end, &is_int, &t->num, &r);
	if (q != p) {
		t->kind = TOK_NUM;
		return q;
	}
	size_t n = pdf_token_len(p, end);
	if (n == 0) {
		t->kind = TOK_OTHER;
		return p + 1;
	}
	t->kind = TOK_WORD;
	t->len = n < sizeof(t->bytes) ? n : sizeof(t->bytes) - 1;
	memcpy(t->bytes, p, t->len);
	return p + n;
}

static bool word_is(const struct token *t, const char *w)
{
	return t->kind == TOK_WORD && t->len == strlen(w) && memcmp(t->bytes, w, t->len) == 0;
}

static uint32_t code_of(const struct token *t)
{
	uint32_t v = 0;

	for (size_t i = 0; i < t->len && i < 4; i++)
		v = v << 8 | t->bytes[i];
	return v;
}

/* ---- Storing -------------------------------------------------------- */

static bool store(struct pdf_cmap *m, uint32_t code, size_t code_len, uint32_t value)
{
	if (++m->writes > CMAP_MAX_WRITES)
		return false;
	if (code_len <= 2 && code <= 0xffff) {
		uint32_t **page = &m->pages[code >> 8];

		if (*page == NULL) {
			*page = pdf_alloc(m->doc, 256 * sizeof(uint32_t));
			if (*page == NULL)
				return false;
		}
		(*page)[code & 0xff] = value;
		return true;
	}
	if (m->n_wide >= CMAP_MAX_WIDE)
		return true; /* dropped: long codes are rare */
	m->wide[m->n_wide++] = (struct wide_range){code, code, value};
	return true;
}

/* A sequence of code points in the pool; returns its entry value. */
static uint32_t pool_add(struct pdf_cmap *m, const uint32_t *cps, uint32_t n)
{
	if (m->pool_len + n + 1 > m->pool_cap) {
		uint32_t cap = m->pool_cap ? m->pool_cap * 2 : 256;
		uint32_t *grown;

		while (cap < m->pool_len + n + 1)
			cap *= 2;
		if (cap > (1u << 24))
			return 0xfffd;
		grown = pdf_alloc(m->doc, cap * sizeof(uint32_t));
		if (grown == NULL)
			return 0xfffd;
		if (m->pool_len)
			memcpy(grown, m->pool, m->pool_len * sizeof(uint32_t));
		m->pool = grown;
		m->pool_cap = cap;
	}
	uint32_t at = m->pool_len;
	m->pool[m->pool_len++] = n;
	memcpy(m->pool + m->pool_len, cps, n * sizeof(uint32_t));
	m->pool_len += n;
	return MULTI | at;
}

/* The UTF-16BE of a bfchar/bfrange destination as code points. */
static uint32_t utf16_points(const struct token *t, uint32_t *out)
{
	uint32_t n = 0;

	for (size_t i = 0; i + 1 < t->len && n < CMAP_MAX_UNI; i += 2) {
		uint32_t u = (uint32_t)t->bytes[i] << 8 | t->bytes[i + 1];

		if (u >= 0xd800 && u < 0xdc00 && i + 3 < t->len) {
			uint32_t lo = (uint32_t)t->bytes[i + 2] << 8 | t->bytes[i + 3];

			if (lo >= 0xdc00 && lo < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		out[n++] = u;
	}
	if (t->len == 1 && n == 0)
		out[n++] = t->bytes[0]; /* a one-byte destination, seen in the wild */
	return n;
}

static bool store_unicode(struct pdf_cmap *m, uint32_t code, size_t code_len, uint32_t *cps,
			  uint32_t n)
{
	if (n == 0)
		return true;
	return store(m, code, code_len, n == 1 ? cps[0] : pool_add(m, cps, n));
}

/* ---- Sections ------------------------------------------------------- */

static const unsigned char *read_codespaces(struct pdf_cmap *m, const unsigned char *p,
					    const unsigned char *end)
{
	struct token lo, hi;

	for (;;) {
		p = next_token(p, end, &lo);
		if (lo.kind != TOK_HEX)
			return p;
		p = next_token(p, end, &hi);
		if (hi.kind != TOK_HEX || lo.len != hi.len || lo.len == 0 || lo.len > 4)
			continue;
		if (m->n_spaces < CMAP_MAX_CODESPACES) {
			struct codespace *c = &m->spaces[m->n_spaces++];

			c->n_bytes = (uint8_t)lo.len;
			memcpy(c->lo, lo.bytes, lo.len);
			memcpy(c->hi, hi.bytes, hi.len);
		}
	}
}

static const unsigned char *read_bfchar(struct pdf_cmap *m, const unsigned char *p,
					const unsigned char *end, bool cid)
{
	struct token src, dst;
	uint32_t cps[CMAP_MAX_UNI];

	for (;;) {
		p = next_token(p, end, &src);
		if (src.kind != TOK_HEX || src.len == 0)
			return p;
		p = next_token(p, end, &dst);
		if (cid && dst.kind == TOK_NUM && dst.num >= 0 && dst.num <= 0xffff) {
			if (!store(m, code_of(&src), src.len, (uint32_t)dst.num))
				return end;
		} else if (!cid && dst.kind == TOK_HEX) {
			if (!store_unicode(m, code_of(&src), src.len, cps, utf16_points(&dst, cps)))
				return end;
		} else if (!cid && dst.kind == TOK_NAME) {
			cps[0] = pdf_glyph_unicode((const char *)dst.bytes, dst.len);
			if (cps[0] != 0 && !store(m, code_of(&src), src.len, cps[0]))
				return end;
		}
	}
}

/* A range: every code from lo to hi, the destination counting up (its
 * last code point), or an array of destinations. */
static const unsigned char *read_range(struct pdf_cmap *m, const unsigned char *p,
				       const unsigned char *end, bool cid)
{
	struct token lo, hi, dst;
	uint32_t cps[CMAP_MAX_UNI];

	for (;;) {
		p = next_token(p, end, &lo);
		if (lo.kind != TOK_HEX || lo.len == 0)
			return p;
		p = next_token(p, end, &hi);
		p = next_token(p, end, &dst);
		if (hi.kind != TOK_HEX)
			return p;
		uint32_t a = code_of(&lo), b = code_of(&hi);
		if (b < a)
			continue;
		if (lo.len > 2 && m->n_wide < CMAP_MAX_WIDE && dst.kind != TOK_OPEN) {
			/* Long codes: kept as a range. */
			uint32_t v =
			    cid ? (uint32_t)dst.num : (utf16_points(&dst, cps) ? cps[0] : 0);

			m->wide[m->n_wide++] = (struct wide_range){a, b, v};
			continue;
		}
		if (b - a > 0xffff)
			b = a + 0xffff;
		if (dst.kind == TOK_OPEN) {
			for (uint32_t c = a;; c++) {
				p = next_token(p, end, &dst);
				if (dst.kind != TOK_HEX)
					break;
				if (c <= b &&
				    !store_unicode(m, c, lo.len, cps, utf16_points(&dst, cps)))
					return end;
			}
			continue;
		}
		if (cid && dst.kind == TOK_NUM && dst.num >= 0) {
			for (uint32_t c = a; c <= b; c++)
				if (!store(m, c, lo.len, (uint32_t)dst.num + (c - a)))
					return end;
		} else if (!cid && dst.kind == TOK_HEX) {
			uint32_t n = utf16_points(&dst, cps);

			if (n == 0)
				continue;
			uint32_t last = cps[n - 1];
			for (uint32_t c = a; c <= b; c++) {
				cps[n - 1] = last + (c - a);
				if (!store_unicode(m, c, lo.len, cps, n))
					return end;
			}
		}
	}
}

struct pdf_cmap *pdf_cmap_parse(struct pdf_doc *doc, const unsigned char *data, size_t len)
{
	struct pdf_cmap *m = pdf_alloc(doc, sizeof(*m));
	const unsigned char *p = data, *end = data + len;
	struct token t, prev = {.kind = TOK_END};

	if (m == NULL)
		return NULL;
	m->doc = doc;
	while (p < end) {
		p = next_token(p, end, &t);
		if (t.kind == TOK_END)
			break;
		if (word_is(&t, "begincodespacerange"))
			p = read_codespaces(m, p, end);
		else if (word_is(&t, "beginbfchar"))
			p = read_bfchar(m, p, end, false);
		else if (word_is(&t, "begincidchar"))
			p = read_bfchar(m, p, end, true);
		else if (word_is(&t, "beginbfrange"))
			p = read_range(m, p, end, false);
		else if (word_is(&t, "begincidrange"))
			p = read_range(m, p, end, true);
		else if (t.kind == TOK_NUM && prev.kind == TOK_NAME && prev.len == 5 &&
			 memcmp(prev.bytes, "WMode", 5) == 0)
			m->wmode = t.num == 1;
		prev = t;
	}
	return m;
}

/* ---- Lookups -------------------------------------------------------- */

bool pdf_cmap_has_codespace(const struct pdf_cmap *cmap)
{
	return cmap->n_spaces > 0;
}

uint32_t pdf_cmap_code_len(const struct pdf_cmap *cmap, const unsigned char *p, size_t n)
{
	for (uint32_t len = 1; len <= 4 && len <= n; len++) {
		for (uint32_t i = 0; i < cmap->n_spaces; i++) {
			const struct codespace *c = &cmap->spaces[i];
			uint32_t k;

			if (c->n_bytes != len)
				continue;
			for (k = 0; k < len; k++)
				if (p[k] < c->lo[k] || p[k] > c->hi[k])
					break;
			if (k == len)
				return len;
		}
	}
	/* No range matches: take the shortest code length there is. */
	uint32_t shortest = 4;
	for (uint32_t i = 0; i < cmap->n_spaces; i++)
		if (cmap->spaces[i].n_bytes < shortest)
			shortest = cmap->spaces[i].n_bytes;
	return cmap->n_spaces == 0 ? 1 : shortest;
}

static uint32_t lookup(const struct pdf_cmap *cmap, uint32_t code)
{
	if (code <= 0xffff) {
		const uint32_t *page = cmap->pages[code >> 8];

		if (page != NULL && page[code & 0xff] != 0)
			return page[code & 0xff];
	}
	for (uint32_t i = 0; i < cmap->n_wide; i++)
		if (code >= cmap->wide[i].lo && code <= cmap->wide[i].hi)
			return cmap->wide[i].value + (code - cmap->wide[i].lo);
	return 0;
}

uint32_t pdf_cmap_unicode(const struct pdf_cmap *cmap, uint32_t code, uint32_t out[4])
{
	uint32_t v = lookup(cmap, code);

	if (v == 0)
		return 0;
	if (!(v & MULTI)) {
		out[0] = v;
		return 1;
	}
	const uint32_t *seq = cmap->pool + (v & ~MULTI);
	uint32_t n = seq[0] < CMAP_MAX_UNI ? seq[0] : CMAP_MAX_UNI;
	memcpy(out, seq + 1, n * sizeof(uint32_t));
	return n;
}

bool pdf_cmap_cid(const struct pdf_cmap *cmap, uint32_t code, uint32_t *cid)
{
	uint32_t v = lookup(cmap, code);

	/* CID 0 is .notdef: an unmapped code reads the same. */
	*cid = v & ~MULTI;
	return v != 0;
}

int pdf_cmap_wmode(const struct pdf_cmap *cmap)
{
	return cmap->wmode;
}

/* ---- CID → Unicode (poppler-data) ----------------------------------- */

static const char *const orderings[] = {"CNS1", "GB1", "Japan1", "Korea1"};
#define N_ORDERINGS (sizeof(orderings) / sizeof(orderings[0]))

struct pdf_cid_tables {
	uint32_t *map[N_ORDERINGS];
	uint32_t n[N_ORDERINGS];
	bool tried[N_ORDERINGS];
};

struct pdf_cid_tables *pdf_cid_tables_new(void)
{
	return calloc(1, sizeof(struct pdf_cid_tables));
}

void pdf_cid_tables_free(struct pdf_cid_tables *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < N_ORDERINGS; i++)
		free(t->map[i]);
	free(t);
}

static int ordering_index(const char *ordering)
{
	for (size_t i = 0; i < N_ORDERINGS; i++)
		if (strcmp(ordering, orderings[i]) == 0)
			return (int)i;
	return -1;
}

/* One code point in hex per line; the line number is the CID. */
static int load_one(struct pdf_cid_tables *t, int i)
{
	char path[128], line[64];
	uint32_t cap = 32768, n = 0;
	FILE *f;

	t->tried[i] = true;
	snprintf(path, sizeof(path), "%s%s", CID_TO_UNICODE_DIR, orderings[i]);
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	uint32_t *map = malloc(cap * sizeof(*map));
	if (map == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f) != NULL && n < 65536) {
		if (n == cap) {
			uint32_t *grown = realloc(map, 2 * cap * sizeof(*map));

			if (grown == NULL) {
				free(map);
				fclose(f);
				return -ENOMEM;
			}
			map = grown;
			cap *= 2;
		}
		map[n++] = (uint32_t)strtoul(line, NULL, 16);
	}
	fclose(f);
	t->map[i] = map;
	t->n[i] = n;
	return 0;
}

int pdf_cid_tables_load(struct pdf_cid_tables *t, const char *ordering)
{
	int r = 0;

	for (size_t i = 0; i < N_ORDERINGS; i++) {
		if (ordering != NULL && strcmp(ordering, orderings[i]) != 0)
			continue;
		if (t->map[i] == NULL && !t->tried[i]) {
			int k = load_one(t, (int)i);

			if (k < 0 && r == 0)
				r = k;
		}
	}
	return r;
}

uint32_t pdf_cid_to_unicode(const struct pdf_cid_tables *t, const char *ordering, uint32_t cid)
{
	int i = t != NULL ? ordering_index(ordering) : -1;

	if (i < 0 || t->map[i] == NULL || cid >= t->n[i])
		return 0;
	return t->map[i][cid];
}
