/* Word (.doc) out of its compound file (ole.h): the WordDocument stream's
 * text through the piece table (the CLX in the 0Table/1Table stream): main
 * text as the body, the header story (ccpHdd, split by PlcfHdd) as header
 * and footer zones, the later stories (footnotes, comments, endnotes, text
 * boxes), struck runs from the character FKPs (sprmCFStrike,
 * sprmCFDStrike).  When the piece table cannot be read, UTF-16LE runs of
 * the stream are used.  Word 6/95 text is the 8-bit range of the stream. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

/* Text characters of a .doc read at most (the whole CP range). */
#define DOC_MAX_CHARS (64u << 20)

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
		*u = charset_cp1252(c->d->word.p[at]);
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
	k->len += charset_put_utf8(k->buf + k->len, u);
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
		if (charset_utf16_join(&pending_high, &u))
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
	struct textbuf o = {0};
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
			char *t = charset_utf16le_to_utf8(b.p + run_start, run_len, &ulen);

			if (t != NULL) {
				for (size_t k = 0; k < ulen; k++)
					if (t[k] == '\r')
						t[k] = '\n';
				textbuf_add(&o, t, ulen, false);
				textbuf_add(&o, "\n", 1, false);
				free(t);
			}
		}
		run_len = 0;
	}
	if (o.len > 0)
		textbuf_emit(s, &o, SCAN_ZONE_BODY, where);
	textbuf_free(&o);
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

void ole_extract_doc(struct cfb *c, const struct cfb_entry *wd)
{
	struct doc d = {0};
	struct doc_pieces pieces = {0};
	struct doc_cursor cursor = {.d = &d, .p = &pieces};
	_cleanup_free_ struct doc_sink *sink = NULL;
	_cleanup_free_ uint8_t *word = NULL;
	_cleanup_free_ uint8_t *table = NULL;
	size_t word_len, table_len = 0;
	uint32_t ident, flags, nfib, csw, cslw, cb, fib_lw, fib_fclcb, fc_clx = 0, lcb_clx = 0;
	uint32_t fc_hdd = 0, lcb_hdd = 0, fc_chpx = 0, lcb_chpx = 0, fc_dgg = 0, lcb_dgg = 0;
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
	if (cb > 50) {
		rd32(d.word, fib_fclcb + 8 * 50, &fc_dgg);
		rd32(d.word, fib_fclcb + 8 * 50 + 4, &lcb_dgg);
	}
	if (table == NULL)
		goto fallback;
	ole_doc_drawings(c->s, d.table, fc_dgg, lcb_dgg);
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
