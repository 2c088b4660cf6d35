/* PDF lexing and the object parser (ISO 32000-1, 7.2 and 7.3), for the
 * reader of pdf.h.  The lexing functions work on any byte range (file,
 * object stream, content stream); the object parser builds objects in the
 * document's arena, nested at most PDF_MAX_NESTING deep. */
#include <stdlib.h>
#include <string.h>

#include "classify/pdf.h"
#include "common/cleanup.h"

/* Arrays and dictionaries nested deeper than this end the object. */
#define PDF_MAX_NESTING 32
/* Items of one array or dictionary at most (the arena caps the sum). */
#define PDF_MAX_ITEMS (1u << 22)

const struct pdf_obj pdf_null = {.kind = PDF_NULL};

#define S PDF_CLASS_SPACE
#define D PDF_CLASS_DELIM
#define N PDF_CLASS_NUMBER
#define H (PDF_CLASS_HEX | PDF_CLASS_NUMBER)
#define X PDF_CLASS_HEX
const uint8_t pdf_class[256] = {
    [0] = S,   ['\t'] = S, ['\n'] = S, ['\f'] = S, ['\r'] = S, [' '] = S, ['('] = D,
    [')'] = D, ['<'] = D,  ['>'] = D,  ['['] = D,  [']'] = D,  ['{'] = D, ['}'] = D,
    ['/'] = D, ['%'] = D,  ['+'] = N,  ['-'] = N,  ['.'] = N,  ['0'] = H, ['1'] = H,
    ['2'] = H, ['3'] = H,  ['4'] = H,  ['5'] = H,  ['6'] = H,  ['7'] = H, ['8'] = H,
    ['9'] = H, ['a'] = X,  ['b'] = X,  ['c'] = X,  ['d'] = X,  ['e'] = X, ['f'] = X,
    ['A'] = X, ['B'] = X,  ['C'] = X,  ['D'] = X,  ['E'] = X,  ['F'] = X,
};
#undef S
#undef D
#undef N
#undef H
#undef X

#define HEX_ROW16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
const int8_t pdf_hex_value[256] = {
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    10,
    11,
    12,
    13,
    14,
    15,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    HEX_ROW16(-1),
    -1,
    10,
    11,
    12,
    13,
    14,
    15,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
    HEX_ROW16(-1),
};
#undef HEX_ROW16

const unsigned char *pdf_skip_space(const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		if (pdf_is_space(*p)) {
			p++;
		} else if (*p == '%') {
			while (p < end && *p != '\n' && *p != '\r')
				p++;
		} else {
			break;
		}
	}
	return p;
}

size_t pdf_token_len(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

	while (q < end && !pdf_is_space(*q) && !pdf_is_delim(*q))
		q++;
	return (size_t)(q - p);
}

/* A double as an integer, saturated (a cast out of range is undefined). */
static int64_t clamp_int(double v)
{
	if (!(v > -9.2e18))
		return v != v ? 0 : INT64_MIN;
	return v < 9.2e18 ? (int64_t)v : INT64_MAX;
}

const unsigned char *pdf_lex_number(const unsigned char *p, const unsigned char *end, bool *is_int,
				    int64_t *i, double *r)
{
	static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
	const unsigned char *q = p;
	bool neg = false, dot = false, digits = false;
	int64_t mantissa = 0;
	int decimals = 0;

	while (q < end && (*q == '-' || *q == '+')) {
		neg = neg != (*q == '-');
		q++;
	}
	for (; q < end; q++) {
		unsigned d = (unsigned)*q - '0';

		if (d <= 9) {
			digits = true;
			/* Digits past what a double holds change nothing. */
			if (mantissa < INT64_MAX / 100) {
				mantissa = mantissa * 10 + d;
				decimals += dot;
			} else if (!dot) {
				decimals--; /* a huge integer: scale up instead */
			}
		} else if (*q == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!digits)
		return p;
	*is_int = !dot;
	double v = (double)mantissa;
	/* Ten to a power by tenfold steps past the table (numbers this long
	 * are rare, and bounded by the digits of the token). */
	for (int d = decimals; d > 10; d -= 10)
		v /= scale[10];
	for (int d = decimals; d < 0; d++)
		v *= 10;
	if (decimals > 0)
		v /= scale[decimals % 10 == 0 && decimals > 0 ? 10 : decimals % 10];
	*r = neg ? -v : v;
	*i = decimals < 0 ? (neg ? INT64_MIN : INT64_MAX) : (neg ? -mantissa : mantissa);
	if (dot)
		*i = clamp_int(*r);
	return q;
}

static int hex_value(unsigned char c)
{
	return pdf_hex_value[c];
}

/* One backslash escape of a literal string at p (after the '\'). */
static const unsigned char *literal_escape(const unsigned char *p, const unsigned char *end,
					   int *out)
{
	int v = 0, n = 0;

	*out = -1;
	if (p >= end)
		return p;
	switch (*p) {
	case 'n':
		*out = '\n';
		return p + 1;
	case 'r':
		*out = '\r';
		return p + 1;
	case 't':
		*out = '\t';
		return p + 1;
	case 'b':
		*out = '\b';
		return p + 1;
	case 'f':
		*out = '\f';
		return p + 1;
	case '\r': /* a line continuation */
		p++;
		return p < end && *p == '\n' ? p + 1 : p;
	case '\n':
		return p + 1;
	default:
		break;
	}
	while (n < 3 && p < end && *p >= '0' && *p <= '7') {
		v = v * 8 + (*p++ - '0');
		n++;
	}
	if (n > 0) {
		*out = v & 0xff;
		return p;
	}
	*out = *p;
	return p + 1;
}

const unsigned char *pdf_lex_literal(const unsigned char *p, const unsigned char *end,
				     unsigned char *out, size_t cap, size_t *out_len)
{
	size_t o = 0;
	int depth = 1;

	p++; /* '(' */
	while (p < end) {
		int c = *p++;

		if (c == '\\') {
			p = literal_escape(p, end, &c);
			if (c < 0)
				continue;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				break;
		} else if (c == '\r') {
			/* An end of line in a string is a line feed. */
			if (p < end && *p == '\n')
				p++;
			c = '\n';
		}
		if (o < cap)
			out[o++] = (unsigned char)c;
	}
	*out_len = o;
	return p;
}

const unsigned char *pdf_lex_hex(const unsigned char *p, const unsigned char *end,
				 unsigned char *out, size_t cap, size_t *out_len)
{
	size_t o = 0;
	int hi = -1;

	p++; /* '<' */
	/* The common case first: pairs of digits and nothing else. */
	while (end - p >= 2 && o < cap) {
		int a = pdf_hex_value[p[0]], b = pdf_hex_value[p[1]];

		if ((a | b) < 0)
			break;
		out[o++] = (unsigned char)(a << 4 | b);
		p += 2;
	}
	while (p < end && *p != '>') {
		int v = pdf_hex_value[*p++];

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (o < cap)
				out[o++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0 && o < cap)
		out[o++] = (unsigned char)(hi << 4);
	*out_len = o;
	return p < end ? p + 1 : p;
}

const unsigned char *pdf_lex_name(const unsigned char *p, const unsigned char *end,
				  unsigned char *out, size_t cap, size_t *out_len)
{
	size_t o = 0;

	p++; /* '/' */
	while (p < end && !pdf_is_space(*p) && !pdf_is_delim(*p)) {
		int c = *p++;

		if (c == '#' && end - p >= 2 && hex_value(p[0]) >= 0 && hex_value(p[1]) >= 0) {
			c = hex_value(p[0]) << 4 | hex_value(p[1]);
			p += 2;
		}
		if (o < cap)
			out[o++] = (unsigned char)c;
	}
	*out_len = o;
	return p;
}

/* ---- Objects ---------------------------------------------------------- */

struct parser {
	struct pdf_doc *doc;
	const unsigned char *end;
};

static bool parse_value(struct parser *ps, const unsigned char **pp, int depth,
			struct pdf_obj *out);

/* Bytes a name or string at p takes in the source, delimiters included. */
static size_t raw_extent(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p + 1;
	int depth = 1;

	if (*p == '/')
		return 1 + pdf_token_len(q, end);
	if (*p == '<') {
		const unsigned char *close = memchr(q, '>', (size_t)(end - q));

		return close ? (size_t)(close - p) + 1 : (size_t)(end - p);
	}
	while (q < end && depth > 0) {
		if (*q == '\\')
			q++;
		else if (*q == '(')
			depth++;
		else if (*q == ')')
			depth--;
		q++;
	}
	return (size_t)((q < end ? q : end) - p);
}

/* Strings and names are copied into the arena, NUL-terminated. */
static bool parse_bytes(struct parser *ps, const unsigned char **pp, struct pdf_obj *out)
{
	const unsigned char *p = *pp;
	size_t cap = raw_extent(p, ps->end), n = 0;
	unsigned char *buf;

	/* A string decodes to no more bytes than it takes; a name likewise. */
	buf = pdf_alloc(ps->doc, cap + 1);
	if (buf == NULL)
		return false;
	if (*p == '/') {
		out->kind = PDF_NAME;
		p = pdf_lex_name(p, ps->end, buf, cap, &n);
	} else if (*p == '(') {
		out->kind = PDF_STRING;
		p = pdf_lex_literal(p, ps->end, buf, cap, &n);
	} else {
		out->kind = PDF_STRING;
		p = pdf_lex_hex(p, ps->end, buf, cap, &n);
	}
	buf[n] = '\0';
	out->u.s = buf;
	out->len = (uint32_t)n;
	*pp = p;
	return true;
}

/* Items up to the closing ']' or '>>' (close), into the arena. */
static bool parse_items(struct parser *ps, const unsigned char **pp, int depth, bool dict,
			struct pdf_obj *out)
{
	_cleanup_free_ struct pdf_obj *items = NULL;
	size_t n = 0, cap = 0;
	const unsigned char *p = *pp;

	for (;;) {
		p = pdf_skip_space(p, ps->end);
		if (p >= ps->end)
			break;
		if (!dict && *p == ']') {
			p++;
			break;
		}
		if (dict && *p == '>' && p + 1 < ps->end && p[1] == '>') {
			p += 2;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct pdf_obj *grown;

			if (ncap > PDF_MAX_ITEMS)
				break;
			grown = realloc(items, ncap * sizeof(*items));
			if (grown == NULL)
				return false;
			items = grown;
			cap = ncap;
		}
		const unsigned char *before = p;
		if (!parse_value(ps, &p, depth + 1, &items[n]))
			return false;
		if (p == before) {
			/* A byte that starts no object: skip it ('>' alone, ')'). */
			p++;
			continue;
		}
		n++;
	}
	if (dict) {
		/* Keys must be names; a stray value has no key and goes. */
		size_t w = 0;

		for (size_t i = 0; i + 1 < n; i += 2) {
			if (items[i].kind != PDF_NAME) {
				i--; /* resynchronise on the next name */
				continue;
			}
			items[w++] = items[i];
			items[w++] = items[i + 1];
		}
		n = w;
	}
	out->kind = dict ? PDF_DICT : PDF_ARRAY;
	out->len = (uint32_t)(dict ? n / 2 : n);
	out->u.items = NULL;
	if (n > 0) {
		out->u.items = pdf_alloc(ps->doc, n * sizeof(*items));
		if (out->u.items == NULL)
			return false;
		memcpy(out->u.items, items, n * sizeof(*items));
	}
	*pp = p;
	return true;
}

/* "num gen R" after an integer at *pp? */
static bool parse_ref_tail(struct parser *ps, const unsigned char **pp, int64_t num,
			   struct pdf_obj *out)
{
	const unsigned char *p = pdf_skip_space(*pp, ps->end), *q;
	bool is_int;
	int64_t gen;
	double r;

	if (p >= ps->end || *p < '0' || *p > '9')
		return false;
	q = pdf_lex_number(p, ps->end, &is_int, &gen, &r);
	if (q == p || !is_int)
		return false;
	q = pdf_skip_space(q, ps->end);
	if (q >= ps->end || *q != 'R' || pdf_token_len(q, ps->end) != 1)
		return false;
	if (num < 0 || num > UINT32_MAX || gen < 0 || gen > UINT32_MAX)
		return false;
	out->kind = PDF_REF;
	out->u.ref.num = (uint32_t)num;
	out->u.ref.gen = (uint32_t)gen;
	*pp = q + 1;
	return true;
}

static bool parse_keyword(const unsigned char **pp, const unsigned char *end, struct pdf_obj *out)
{
	const unsigned char *p = *pp;
	size_t n = pdf_token_len(p, end);

	out->kind = PDF_NULL;
	if (n == 4 && memcmp(p, "true", 4) == 0) {
		out->kind = PDF_BOOL;
		out->u.b = true;
	} else if (n == 5 && memcmp(p, "false", 5) == 0) {
		out->kind = PDF_BOOL;
		out->u.b = false;
	}
	/* null, and any other keyword here (a stray "endobj", "R"), reads
	 * as null; the caller sees the bytes consumed. */
	*pp = p + n;
	return true;
}

static bool parse_value(struct parser *ps, const unsigned char **pp, int depth, struct pdf_obj *out)
{
	const unsigned char *p = pdf_skip_space(*pp, ps->end);
	bool is_int;
	int64_t i;
	double r;

	memset(out, 0, sizeof(*out));
	*pp = p;
	if (p >= ps->end)
		return true;
	if (depth > PDF_MAX_NESTING) {
		/* Too deep: the rest of this object is not read. */
		*pp = ps->end;
		return true;
	}
	switch (*p) {
	case '/':
	case '(':
		return parse_bytes(ps, pp, out);
	case '<':
		if (p + 1 < ps->end && p[1] == '<') {
			*pp = p + 2;
			return parse_items(ps, pp, depth, true, out);
		}
		return parse_bytes(ps, pp, out);
	case '[':
		*pp = p + 1;
		return parse_items(ps, pp, depth, false, out);
	case ']':
	case '>':
	case ')':
	case '{':
	case '}':
		return true; /* nothing here: the caller skips the byte */
	default:
		break;
	}
	const unsigned char *q = pdf_lex_number(p, ps->end, &is_int, &i, &r);
	if (q != p) {
		*pp = q;
		if (is_int && parse_ref_tail(ps, pp, i, out))
			return true;
		out->kind = is_int ? PDF_INT : PDF_REAL;
		if (is_int)
			out->u.i = i;
		else
			out->u.r = r;
		return true;
	}
	return parse_keyword(pp, ps->end, out);
}

const struct pdf_obj *pdf_parse_object(struct pdf_doc *doc, const unsigned char **p,
				       const unsigned char *end)
{
	struct parser ps = {doc, end};
	struct pdf_obj *obj = pdf_alloc(doc, sizeof(*obj));

	if (obj == NULL)
		return &pdf_null;
	if (!parse_value(&ps, p, 0, obj))
		return &pdf_null;
	return obj;
}

/* ---- Access ----------------------------------------------------------- */

bool pdf_name_is(const struct pdf_obj *obj, const char *name)
{
	return obj->kind == PDF_NAME && obj->len == strlen(name) &&
	       memcmp(obj->u.s, name, obj->len) == 0;
}

const struct pdf_obj *pdf_dict_get_raw(const struct pdf_obj *dict, const char *key)
{
	size_t klen = strlen(key);

	if (dict->kind != PDF_DICT)
		return &pdf_null;
	for (uint32_t i = 0; i < dict->len; i++) {
		const struct pdf_obj *k = &dict->u.items[2 * i];

		if (k->len == klen && memcmp(k->u.s, key, klen) == 0)
			return &dict->u.items[2 * i + 1];
	}
	return &pdf_null;
}

const struct pdf_obj *pdf_dict_get(struct pdf_doc *doc, const struct pdf_obj *dict, const char *key)
{
	return pdf_resolve(doc, pdf_dict_get_raw(dict, key));
}

const struct pdf_obj *pdf_array_get(struct pdf_doc *doc, const struct pdf_obj *array, uint32_t i)
{
	if (array->kind != PDF_ARRAY || i >= array->len)
		return &pdf_null;
	return pdf_resolve(doc, &array->u.items[i]);
}

int64_t pdf_int(const struct pdf_obj *obj, int64_t def)
{
	if (obj->kind == PDF_INT)
		return obj->u.i;
	if (obj->kind == PDF_REAL)
		return clamp_int(obj->u.r);
	return def;
}

double pdf_number(const struct pdf_obj *obj, double def)
{
	if (obj->kind == PDF_INT)
		return (double)obj->u.i;
	if (obj->kind == PDF_REAL)
		return obj->u.r;
	return def;
}
