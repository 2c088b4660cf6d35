/* Safe streaming XML for the extractors: see xmlutil.h. */
#include "classify/xmlutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "common/util.h"

/* The parse is fed in slices so the budget is checked while it runs. */
#define XMLUTIL_CHUNK (64 * 1024)
/* libxml2's push parser does not bound nesting in SAX mode; this does. */
#define XMLUTIL_MAX_DEPTH 512
/* More styles than this is not a document a person wrote. */
#define XMLUTIL_MAX_STYLES 65536
/* A style chain longer than this is a loop or an attack. */
#define XMLUTIL_MAX_PARENTS 16

struct parse_state {
	const struct xmlutil_sax *cb;
	void *ud;
	char *err;
	size_t errlen;
	bool have_err;
	xmlParserCtxtPtr ctxt;
	unsigned depth;
};

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
		     int n_ns, const xmlChar **ns, int n_attrs, int n_defaulted,
		     const xmlChar **attrs)
{
	struct parse_state *ps = ctx;

	(void)prefix;
	(void)uri;
	(void)n_ns;
	(void)ns;
	(void)n_defaulted;
	if (++ps->depth > XMLUTIL_MAX_DEPTH) {
		if (!ps->have_err) {
			snprintf(ps->err, ps->errlen, "elements nested deeper than %d",
				 XMLUTIL_MAX_DEPTH);
			ps->have_err = true;
		}
		xmlStopParser(ps->ctxt);
		return;
	}
	if (ps->cb->start)
		ps->cb->start(ps->ud, (const char *)local, n_attrs, (const char **)attrs);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct parse_state *ps = ctx;

	(void)prefix;
	(void)uri;
	if (ps->depth > 0)
		ps->depth--;
	if (ps->cb->end)
		ps->cb->end(ps->ud, (const char *)local);
}

static void on_text(void *ctx, const xmlChar *chars, int len)
{
	struct parse_state *ps = ctx;

	if (ps->cb->text && len > 0)
		ps->cb->text(ps->ud, (const char *)chars, (size_t)len);
}

/* No entity is ever looked up: the predefined five are handled by the
 * parser before it asks, every other reference stays unexpanded.  This is
 * what makes billion-laughs and external entities harmless. */
static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

static void on_error(void *ctx, xmlErrorPtr error)
{
	struct parse_state *ps = ctx;
	size_t n;

	if (ps->have_err || error == NULL || error->level < XML_ERR_ERROR)
		return;
	snprintf(ps->err, ps->errlen, "line %d: %s", error->line,
		 error->message ? error->message : "error");
	n = strlen(ps->err);
	while (n > 0 && (ps->err[n - 1] == '\n' || ps->err[n - 1] == ' '))
		ps->err[--n] = '\0';
	ps->have_err = true;
}

static void quiet_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

struct xmlutil_push {
	struct scan *s;
	xmlParserCtxtPtr ctxt;
	struct parse_state ps;
	enum xmlutil_status status;
};

struct xmlutil_push *xmlutil_push_new(struct scan *s, const struct xmlutil_sax *cb, void *ud,
				      bool force_utf8, char *err, size_t errlen)
{
	struct xmlutil_push *p = calloc(1, sizeof(*p));
	xmlSAXHandler sax;
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

	if (p == NULL)
		return NULL;
	p->s = s;
	p->ps = (struct parse_state){.cb = cb, .ud = ud, .err = err, .errlen = errlen};
	if (errlen > 0)
		err[0] = '\0';
	xmlInitParser();
	/* libxml2 reports some encoding trouble through its per-thread
	 * generic handler instead of the context: keep it off stderr. */
	xmlSetGenericErrorFunc(NULL, quiet_generic);

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	sax.getEntity = on_get_entity;
	sax.getParameterEntity = on_get_entity;
	sax.serror = on_error;
	/* internalSubset, externalSubset, resolveEntity, entityDecl stay
	 * NULL: no DTD is read and no declaration is kept. */

	p->ctxt = xmlCreatePushParserCtxt(&sax, &p->ps, NULL, 0, NULL);
	if (p->ctxt == NULL) {
		free(p);
		return NULL;
	}
	p->ps.ctxt = p->ctxt;
	if (force_utf8) {
		opts |= XML_PARSE_IGNORE_ENC;
		xmlSwitchEncoding(p->ctxt, XML_CHAR_ENCODING_UTF8);
	}
	xmlCtxtUseOptions(p->ctxt, opts);
	/* xmlCtxtUseOptions turns these on for the default handler; with
	 * ours they must stay off. */
	p->ctxt->loadsubset = 0;
	p->ctxt->validate = 0;
	p->ctxt->replaceEntities = 0;
	return p;
}

enum xmlutil_status xmlutil_push_feed(struct xmlutil_push *p, const char *data, size_t len)
{
	size_t off = 0;

	while (p->status == XMLUTIL_OK && off < len) {
		size_t n = len - off < XMLUTIL_CHUNK ? len - off : XMLUTIL_CHUNK;

		xmlParseChunk(p->ctxt, data + off, (int)n, 0);
		off += n;
		if (!p->ctxt->wellFormed || p->ctxt->disableSAX)
			p->status = XMLUTIL_MALFORMED;
		else if (scan_over_budget(p->s))
			p->status = XMLUTIL_BUDGET;
	}
	return p->status;
}

enum xmlutil_status xmlutil_push_finish(struct xmlutil_push *p)
{
	enum xmlutil_status status;

	if (p->status == XMLUTIL_OK) {
		xmlParseChunk(p->ctxt, NULL, 0, 1);
		if (!p->ctxt->wellFormed)
			p->status = XMLUTIL_MALFORMED;
	}
	status = p->status;
	if (status == XMLUTIL_MALFORMED && p->ps.errlen > 0 && p->ps.err[0] == '\0')
		snprintf(p->ps.err, p->ps.errlen, "not well-formed");
	xmlStopParser(p->ctxt);
	/* In SAX mode libxml2 still keeps entity declarations in a document
	 * of its own ("SAX compatibility mode"), which is the caller's to free. */
	if (p->ctxt->myDoc != NULL) {
		xmlFreeDoc(p->ctxt->myDoc);
		p->ctxt->myDoc = NULL;
	}
	xmlFreeParserCtxt(p->ctxt);
	free(p);
	return status;
}

enum xmlutil_status xmlutil_parse(struct scan *s, const struct xmlutil_sax *cb, void *ud,
				  const void *data, size_t len, bool force_utf8, char *err,
				  size_t errlen)
{
	struct xmlutil_push *p = xmlutil_push_new(s, cb, ud, force_utf8, err, errlen);

	if (p == NULL)
		return XMLUTIL_NOMEM;
	xmlutil_push_feed(p, data, len);
	return xmlutil_push_finish(p);
}

const char *xmlutil_attr(int n_attrs, const char **attrs, const char *local, size_t *len)
{
	for (int i = 0; i < n_attrs; i++) {
		const char **a = attrs + 5 * i;

		if (strcmp(a[0], local) == 0) {
			*len = (size_t)(a[4] - a[3]);
			return a[3];
		}
	}
	return NULL;
}

bool xmlutil_attr_is(int n_attrs, const char **attrs, const char *local, const char *value)
{
	size_t len;
	const char *v = xmlutil_attr(n_attrs, attrs, local, &len);

	return v != NULL && len == strlen(value) && memcmp(v, value, len) == 0;
}

static size_t hash_key(const char *key, size_t len)
{
	size_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct xmlutil_style *find_slot(const struct xmlutil_styles *t, const char *key,
				       size_t keylen)
{
	size_t mask = t->cap - 1;

	for (size_t i = hash_key(key, keylen) & mask;; i = (i + 1) & mask) {
		struct xmlutil_style *st = &t->slots[i];

		if (st->key == NULL ||
		    (strncmp(st->key, key, keylen) == 0 && st->key[keylen] == '\0'))
			return st;
	}
}

static bool grow(struct xmlutil_styles *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct xmlutil_style *old = t->slots;
	size_t oldcap = t->cap;

	t->slots = calloc(cap, sizeof(*t->slots));
	if (t->slots == NULL) {
		t->slots = old;
		return false;
	}
	t->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key)
			*find_slot(t, old[i].key, strlen(old[i].key)) = old[i];
	}
	free(old);
	return true;
}

struct xmlutil_style *xmlutil_styles_put(struct xmlutil_styles *t, const char *key, size_t keylen)
{
	struct xmlutil_style *st;

	if ((t->n + 1) * 2 > t->cap) {
		if (t->n >= XMLUTIL_MAX_STYLES || !grow(t))
			return NULL;
	}
	st = find_slot(t, key, keylen);
	if (st->key == NULL) {
		st->key = strndup(key, keylen);
		if (st->key == NULL)
			return NULL;
		st->parent = NULL;
		st->strike = STRIKE_UNSET;
		t->n++;
	}
	return st;
}

struct xmlutil_style *xmlutil_styles_get(const struct xmlutil_styles *t, const char *key,
					 size_t keylen)
{
	struct xmlutil_style *st;

	if (t->cap == 0)
		return NULL;
	st = find_slot(t, key, keylen);
	return st->key ? st : NULL;
}

enum xmlutil_strike xmlutil_styles_strike(const struct xmlutil_styles *t, const char *key,
					  size_t keylen)
{
	for (int hops = 0; hops < XMLUTIL_MAX_PARENTS; hops++) {
		const struct xmlutil_style *st = xmlutil_styles_get(t, key, keylen);

		if (st == NULL)
			return STRIKE_UNSET;
		if (st->strike != STRIKE_UNSET)
			return st->strike;
		if (st->parent == NULL)
			return STRIKE_UNSET;
		key = st->parent;
		keylen = strlen(key);
	}
	return STRIKE_UNSET;
}

void xmlutil_styles_clear(struct xmlutil_styles *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slots[i].key);
		free(t->slots[i].parent);
	}
	free(t->slots);
	t->slots = NULL;
	t->n = t->cap = 0;
}

bool xmlutil_buf_add(struct xmlutil_buf *b, const char *text, size_t len)
{
	if (b->len + len > b->max)
		len = b->max - b->len;
	if (len == 0)
		return true;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, text, len);
	b->len += len;
	b->p[b->len] = '\0';
	return true;
}

void xmlutil_meta_line(struct scan *s, const char *name, size_t namelen, const char *value,
		       size_t valuelen)
{
	size_t start = 0;

	/* Trim, and skip empty values: "title: " says nothing. */
	while (valuelen > 0 && (value[valuelen - 1] == ' ' || value[valuelen - 1] == '\n' ||
				value[valuelen - 1] == '\r' || value[valuelen - 1] == '\t'))
		valuelen--;
	while (start < valuelen && (value[start] == ' ' || value[start] == '\n' ||
				    value[start] == '\r' || value[start] == '\t'))
		start++;
	if (start == valuelen)
		return;
	scan_text(s, name, namelen, false);
	scan_text(s, ": ", 2, false);
	for (size_t i = start; i < valuelen;) {
		size_t j = i;

		while (j < valuelen && value[j] != '\n' && value[j] != '\r')
			j++;
		scan_text(s, value + i, j - i, false);
		if (j < valuelen)
			scan_text(s, " ", 1, false);
		i = j + 1;
	}
	scan_text(s, "\n", 1, false);
}

bool xmlutil_valid_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= len || (p[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (i + 2 >= len || (p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80)
				return false;
			if (c == 0xe0 && p[i + 1] < 0xa0)
				return false;
			if (c == 0xed && p[i + 1] > 0x9f)
				return false;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (i + 3 >= len || (p[i + 1] & 0xc0) != 0x80 ||
			    (p[i + 2] & 0xc0) != 0x80 || (p[i + 3] & 0xc0) != 0x80)
				return false;
			if (c == 0xf0 && p[i + 1] < 0x90)
				return false;
			if (c == 0xf4 && p[i + 1] > 0x8f)
				return false;
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}
