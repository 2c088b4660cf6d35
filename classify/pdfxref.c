/* The PDF document for the reader of pdf.h: the arena, the
 * cross-reference sections (tables and streams, chained by /Prev, hybrid
 * files' /XRefStm), indirect objects loaded on demand (from the file or
 * from object streams) with cycle detection, and the trailer.
 *
 * A file whose cross-reference data is missing or wrong, or whose objects
 * are not where it says, is poppler's to read (it rebuilds the table by
 * scanning the file): this reader says PDF_FALLBACK and stops. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <stdlib.h>
#include <string.h>

#include "classify/pdf.h"
#include "classify/scan.h"
#include "common/cleanup.h"

/* Memory the objects of one document may take (the arena). */
#define PDF_ARENA_CAP (192u << 20)
#define PDF_ARENA_CHUNK (64u << 10)
/* Objects a document may have. */
#define PDF_MAX_OBJECTS (4u << 20)
/* Cross-reference sections followed through /Prev. */
#define PDF_MAX_SECTIONS 64
/* Where startxref is looked for: the end of the file. */
#define PDF_TAIL 2048

enum slot_state { SLOT_UNLOADED, SLOT_LOADING, SLOT_LOADED, SLOT_FAILED };

struct xref_entry {
	uint32_t a;    /* file offset, or the object stream's number */
	uint32_t b;    /* generation, or the index in the object stream */
	uint8_t type;  /* 0 none, 1 in the file, 2 in an object stream */
	uint8_t state; /* enum slot_state */
	const struct pdf_obj *obj;
	struct pdf_stream *stream;
	struct pdf_font *font; /* when the object is a font, once read */
};

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

/* A decoded object stream, kept for the document's life. */
struct objstm {
	struct objstm *next;
	uint32_t num;
	unsigned char *data;
	size_t len;
	uint32_t n;	   /* objects in it */
	uint32_t *offsets; /* n pairs: object number, offset after /First */
	size_t first;
};

struct pdf_doc {
	struct scan *scan;
	const struct classify_resources *res;
	const unsigned char *data;
	size_t len;
	struct xref_entry *xref;
	uint32_t n_xref;
	const struct pdf_obj *trailer;
	struct objstm *objstms;
	struct arena_chunk *chunks;
	size_t arena_used;
	enum pdf_status status;
	const char *why;
	struct pdf_crypt *crypt; /* an encrypted file's handler, or NULL */
	uint32_t encrypt_num;	 /* the /Encrypt dictionary's object, never decrypted */
};

/* ---- Arena and status -------------------------------------------------- */

enum pdf_status pdf_doc_fail(struct pdf_doc *doc, enum pdf_status status, const char *why)
{
	if (doc->status == PDF_OK) {
		doc->status = status;
		doc->why = why;
	}
	return doc->status;
}

void pdf_doc_clear(struct pdf_doc *doc)
{
	if (doc->status == PDF_FALLBACK) {
		doc->status = PDF_OK;
		doc->why = NULL;
	}
}

enum pdf_status pdf_doc_status(const struct pdf_doc *doc, const char **why)
{
	if (why != NULL)
		*why = doc->why;
	return doc->status;
}

void *pdf_alloc(struct pdf_doc *doc, size_t size)
{
	struct arena_chunk *c = doc->chunks;
	size_t need = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);

	if (need < size || doc->arena_used + need > PDF_ARENA_CAP) {
		pdf_doc_fail(doc, PDF_STOP, "PDF needs more memory than the reader allows");
		return NULL;
	}
	if (c == NULL || c->cap - c->used < need) {
		size_t cap = need > PDF_ARENA_CHUNK ? need : PDF_ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL) {
			pdf_doc_fail(doc, PDF_STOP, "out of memory reading the PDF");
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		/* A big one-off block goes behind the current chunk, which
		 * keeps serving small requests. */
		if (doc->chunks != NULL && need > PDF_ARENA_CHUNK / 4) {
			c->next = doc->chunks->next;
			doc->chunks->next = c;
		} else {
			c->next = doc->chunks;
			doc->chunks = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += need;
	doc->arena_used += need;
	memset(p, 0, size);
	return p;
}

struct scan *pdf_doc_scan(const struct pdf_doc *doc)
{
	return doc->scan;
}

const struct classify_resources *pdf_doc_resources(const struct pdf_doc *doc)
{
	return doc->res;
}

uint32_t pdf_doc_n_objects(const struct pdf_doc *doc)
{
	return doc->n_xref;
}

const struct pdf_obj *pdf_trailer(const struct pdf_doc *doc)
{
	return doc->trailer;
}

/* ---- Objects ---------------------------------------------------------- */

static bool keyword_at(const unsigned char *p, const unsigned char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 &&
	       (p + n == end || pdf_is_space(p[n]) || pdf_is_delim(p[n]));
}

/* The stream after a dictionary at p ("stream" EOL data "endstream"). */
static struct pdf_stream *parse_stream(struct pdf_doc *doc, const struct pdf_obj *dict,
				       const unsigned char *p, const unsigned char *end)
{
	const struct pdf_obj *length;
	struct pdf_stream *st;
	const unsigned char *data;
	double n;

	p = pdf_skip_space(p, end);
	if (!keyword_at(p, end, "stream"))
		return NULL;
	p += 6;
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	data = p;
	st = pdf_alloc(doc, sizeof(*st));
	if (st == NULL)
		return NULL;
	st->dict = dict;
	st->raw = data;
	length = pdf_dict_get(doc, dict, "Length");
	n = pdf_number(length, -1);
	if (n >= 0 && n <= (double)(end - data)) {
		const unsigned char *after = pdf_skip_space(data + (size_t)n, end);

		if (keyword_at(after, end, "endstream")) {
			st->raw_len = (size_t)n;
			return st;
		}
	}
	/* No usable /Length: the stream ends before "endstream". */
	const unsigned char *stop = memmem(data, (size_t)(end - data), "endstream", 9);
	if (stop == NULL)
		stop = end;
	while (stop > data && (stop[-1] == '\n' || stop[-1] == '\r'))
		stop--;
	st->raw_len = (size_t)(stop - data);
	return st;
}

/* The strings of an object decrypted in place (a string's plaintext is
 * never longer), nested at most as deep as the parser nests. */
static void decrypt_strings(struct pdf_doc *doc, struct pdf_obj *obj, uint32_t num, uint32_t gen,
			    int depth)
{
	if (depth > 32)
		return;
	if (obj->kind == PDF_STRING && obj->len > 0) {
		size_t n;
		unsigned char *plain = pdf_crypt_data(doc->crypt, num, gen, obj->u.s, obj->len, &n);

		if (plain != NULL && n <= obj->len) {
			unsigned char *s = (unsigned char *)obj->u.s;

			memcpy(s, plain, n);
			s[n] = '\0';
			obj->len = (uint32_t)n;
		}
		free(plain);
		return;
	}
	if (obj->kind != PDF_ARRAY && obj->kind != PDF_DICT)
		return;
	uint32_t items = obj->kind == PDF_DICT ? 2 * obj->len : obj->len;
	for (uint32_t i = 0; i < items; i++)
		decrypt_strings(doc, &obj->u.items[i], num, gen, depth + 1);
}

/* "num gen obj" at p, then the object (and its stream). */
static bool load_at(struct pdf_doc *doc, uint32_t num, const unsigned char *p,
		    const unsigned char *end, struct xref_entry *e, bool in_objstm)
{
	bool is_int;
	int64_t v;
	double r;
	const unsigned char *q;

	if (!in_objstm) {
		q = pdf_lex_number(p, end, &is_int, &v, &r);
		if (q == p || !is_int || v != (int64_t)num)
			return false;
		p = pdf_skip_space(q, end);
		q = pdf_lex_number(p, end, &is_int, &v, &r);
		if (q == p || !is_int)
			return false;
		p = pdf_skip_space(q, end);
		if (!keyword_at(p, end, "obj"))
			return false;
		p += 3;
	}
	e->obj = pdf_parse_object(doc, &p, end);
	if (!in_objstm && e->obj->kind == PDF_DICT)
		e->stream = parse_stream(doc, e->obj, p, end);
	/* An encrypted file's strings and streams, each with the key of its
	 * object; inside an object stream only the stream was encrypted. */
	if (!in_objstm && doc->crypt != NULL && num != doc->encrypt_num) {
		decrypt_strings(doc, (struct pdf_obj *)e->obj, num, 0, 0);
		if (e->stream != NULL) {
			e->stream->num = num;
			e->stream->encrypted =
			    !pdf_name_is(pdf_dict_get_raw(e->obj, "Type"), "XRef") &&
			    (pdf_crypt_metadata(doc->crypt) ||
			     !pdf_name_is(pdf_dict_get_raw(e->obj, "Type"), "Metadata"));
		}
	}
	return doc->status != PDF_STOP;
}

static struct objstm *objstm_get(struct pdf_doc *doc, uint32_t num);

static bool load_compressed(struct pdf_doc *doc, uint32_t num, struct xref_entry *e)
{
	struct objstm *os = objstm_get(doc, e->a);
	const unsigned char *p, *end;

	if (os == NULL || e->b >= os->n || os->offsets[2 * e->b] != num)
		return false;
	if (os->first + os->offsets[2 * e->b + 1] >= os->len)
		return false;
	p = os->data + os->first + os->offsets[2 * e->b + 1];
	end = os->data + os->len;
	if (e->b + 1 < os->n && os->first + os->offsets[2 * e->b + 3] <= os->len &&
	    os->offsets[2 * e->b + 3] > os->offsets[2 * e->b + 1])
		end = os->data + os->first + os->offsets[2 * e->b + 3];
	return load_at(doc, num, p, end, e, true);
}

static struct xref_entry *load_object(struct pdf_doc *doc, uint32_t num)
{
	struct xref_entry *e;
	bool ok;

	if (num >= doc->n_xref)
		return NULL;
	e = &doc->xref[num];
	if (e->state == SLOT_LOADED)
		return e;
	if (e->state != SLOT_UNLOADED || e->type == 0)
		return NULL; /* missing, broken, or a reference cycle */
	e->state = SLOT_LOADING;
	if (e->type == 1)
		ok = e->a < doc->len &&
		     load_at(doc, num, doc->data + e->a, doc->data + doc->len, e, false);
	else
		ok = load_compressed(doc, num, e);
	e->state = ok ? SLOT_LOADED : SLOT_FAILED;
	if (!ok) {
		/* Objects are not where the table says: poppler rebuilds it. */
		pdf_doc_fail(doc, PDF_FALLBACK, "PDF objects not where its table says");
		return NULL;
	}
	return e;
}

const struct pdf_obj *pdf_resolve(struct pdf_doc *doc, const struct pdf_obj *obj)
{
	const struct xref_entry *e;

	if (obj->kind != PDF_REF)
		return obj;
	e = load_object(doc, obj->u.ref.num);
	return e != NULL && e->obj != NULL ? e->obj : &pdf_null;
}

const struct pdf_stream *pdf_get_stream(struct pdf_doc *doc, const struct pdf_obj *ref)
{
	const struct xref_entry *e;

	if (ref->kind != PDF_REF)
		return NULL;
	e = load_object(doc, ref->u.ref.num);
	return e != NULL ? e->stream : NULL;
}

struct pdf_font **pdf_font_slot(struct pdf_doc *doc, const struct pdf_obj *ref)
{
	if (ref->kind != PDF_REF || load_object(doc, ref->u.ref.num) == NULL)
		return NULL;
	return &doc->xref[ref->u.ref.num].font;
}

unsigned char *pdf_doc_decrypt(struct pdf_doc *doc, const struct pdf_stream *st, size_t *len)
{
	return doc->crypt != NULL
		   ? pdf_crypt_data(doc->crypt, st->num, st->gen, st->raw, st->raw_len, len)
		   : NULL;
}

/* ---- Object streams ---------------------------------------------------- */

static struct objstm *objstm_decode(struct pdf_doc *doc, uint32_t num, const struct pdf_stream *st)
{
	struct objstm *os = pdf_alloc(doc, sizeof(*os));
	enum pdf_status status;
	const unsigned char *p, *end;
	double n = pdf_number(pdf_dict_get(doc, st->dict, "N"), -1);
	double first = pdf_number(pdf_dict_get(doc, st->dict, "First"), -1);

	if (os == NULL || n < 0 || n > PDF_MAX_OBJECTS || first < 0)
		return NULL;
	os->num = num;
	/* Linked at once, so a failure is remembered and the data is freed
	 * with the document. */
	os->next = doc->objstms;
	doc->objstms = os;
	os->data = pdf_decode(doc, st, &os->len, &status);
	if (os->data == NULL)
		return NULL;
	if (first >= (double)os->len)
		return NULL;
	os->first = (size_t)first;
	os->offsets = pdf_alloc(doc, ((size_t)n + 1) * 2 * sizeof(uint32_t));
	if (os->offsets == NULL)
		return NULL;
	p = os->data;
	end = os->data + os->first;
	for (os->n = 0; os->n < (uint32_t)n; os->n++) {
		int64_t v[2];
		bool is_int;
		double r;

		for (int k = 0; k < 2; k++) {
			const unsigned char *q;

			p = pdf_skip_space(p, end);
			q = pdf_lex_number(p, end, &is_int, &v[k], &r);
			if (q == p || !is_int || v[k] < 0 || v[k] > UINT32_MAX)
				return os;
			p = q;
		}
		os->offsets[2 * os->n] = (uint32_t)v[0];
		os->offsets[2 * os->n + 1] = (uint32_t)v[1];
	}
	return os;
}

static struct objstm *objstm_get(struct pdf_doc *doc, uint32_t num)
{
	const struct xref_entry *e;

	for (struct objstm *os = doc->objstms; os != NULL; os = os->next)
		if (os->num == num)
			return os->offsets != NULL ? os : NULL;
	if (num >= doc->n_xref || doc->xref[num].type != 1)
		return NULL; /* an object stream is never itself compressed */
	e = load_object(doc, num);
	if (e == NULL || e->stream == NULL)
		return NULL;
	return objstm_decode(doc, num, e->stream);
}

/* ---- Cross-reference sections ------------------------------------------ */

static bool xref_grow(struct pdf_doc *doc, uint64_t size)
{
	struct xref_entry *grown;

	if (size <= doc->n_xref)
		return true;
	if (size > PDF_MAX_OBJECTS) {
		pdf_doc_fail(doc, PDF_FALLBACK, "PDF has too many objects for the reader");
		return false;
	}
	grown = realloc(doc->xref, (size_t)size * sizeof(*grown));
	if (grown == NULL) {
		pdf_doc_fail(doc, PDF_STOP, "out of memory reading the PDF");
		return false;
	}
	memset(grown + doc->n_xref, 0, ((size_t)size - doc->n_xref) * sizeof(*grown));
	doc->xref = grown;
	doc->n_xref = (uint32_t)size;
	return true;
}

/* An entry from a newer section is never replaced by an older one. */
static void xref_set(struct pdf_doc *doc, uint64_t num, int type, uint64_t a, uint64_t b)
{
	struct xref_entry *e;

	if (type == 0 || a > UINT32_MAX || b > UINT32_MAX || !xref_grow(doc, num + 1))
		return;
	e = &doc->xref[num];
	if (e->type != 0)
		return;
	if (type == 1 && a >= doc->len)
		return;
	e->type = (uint8_t)type;
	e->a = (uint32_t)a;
	e->b = (uint32_t)b;
}

static const unsigned char *next_int(const unsigned char *p, const unsigned char *end, int64_t *v)
{
	bool is_int;
	double r;
	const unsigned char *q;

	p = pdf_skip_space(p, end);
	q = pdf_lex_number(p, end, &is_int, v, &r);
	return q == p || !is_int || *v < 0 ? NULL : q;
}

/* A classic table: "xref", subsections "start count" of 20-byte entries,
 * then "trailer" and its dictionary. */
static const struct pdf_obj *read_table(struct pdf_doc *doc, const unsigned char *p)
{
	const unsigned char *end = doc->data + doc->len;

	p += 4;
	for (;;) {
		int64_t start, count;

		p = pdf_skip_space(p, end);
		if (keyword_at(p, end, "trailer")) {
			p += 7;
			return pdf_parse_object(doc, &p, end);
		}
		p = next_int(p, end, &start);
		if (p == NULL || (p = next_int(p, end, &count)) == NULL)
			return NULL;
		if (count > (end - p) / 18 || start + count > PDF_MAX_OBJECTS)
			return NULL;
		for (int64_t i = 0; i < count; i++) {
			int64_t off, gen;
			const unsigned char *t;

			if ((p = next_int(p, end, &off)) == NULL ||
			    (p = next_int(p, end, &gen)) == NULL)
				return NULL;
			t = pdf_skip_space(p, end);
			if (t >= end || (*t != 'n' && *t != 'f'))
				return NULL;
			/* Object 0 is the head of the free list, never an
			 * object, whatever a broken table says. */
			if (*t == 'n' && start + i > 0)
				xref_set(doc, (uint64_t)(start + i), 1, (uint64_t)off,
					 (uint64_t)gen);
			p = t + 1;
		}
	}
}

static uint64_t field(const unsigned char *p, int width)
{
	uint64_t v = 0;

	for (int i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

/* A cross-reference stream (7.5.8): rows of /W field widths over the
 * subsections of /Index. */
static const struct pdf_obj *read_xref_stream(struct pdf_doc *doc, const unsigned char *p)
{
	const unsigned char *end = doc->data + doc->len;
	struct xref_entry tmp = {0};
	const struct pdf_obj *w, *index;
	enum pdf_status status;
	int width[3], row = 0;
	size_t len, at = 0;

	/* Parsed as a free-standing object: it is not in the table yet. */
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	p = pdf_skip_space(p, end);
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	p = pdf_skip_space(p, end);
	if (!keyword_at(p, end, "obj"))
		return NULL;
	p += 3;
	tmp.obj = pdf_parse_object(doc, &p, end);
	tmp.stream = parse_stream(doc, tmp.obj, p, end);
	if (tmp.stream == NULL || !pdf_name_is(pdf_dict_get(doc, tmp.obj, "Type"), "XRef"))
		return NULL;
	w = pdf_dict_get(doc, tmp.obj, "W");
	for (int i = 0; i < 3; i++) {
		double v = pdf_number(pdf_array_get(doc, w, (uint32_t)i), -1);

		if (v < 0 || v > 8)
			return NULL;
		width[i] = (int)v;
		row += width[i];
	}
	if (row == 0)
		return NULL;
	_cleanup_free_ unsigned char *rows = pdf_decode(doc, tmp.stream, &len, &status);
	if (rows == NULL)
		return NULL;
	index = pdf_dict_get(doc, tmp.obj, "Index");
	double size = pdf_number(pdf_dict_get(doc, tmp.obj, "Size"), 0);
	uint32_t n_sub = index->kind == PDF_ARRAY ? index->len / 2 : 1;
	for (uint32_t sub = 0; sub < n_sub; sub++) {
		double start = index->kind == PDF_ARRAY
				   ? pdf_number(pdf_array_get(doc, index, 2 * sub), -1)
				   : 0;
		double count = index->kind == PDF_ARRAY
				   ? pdf_number(pdf_array_get(doc, index, 2 * sub + 1), -1)
				   : size;

		if (start < 0 || count < 0 || start + count > PDF_MAX_OBJECTS)
			return NULL;
		for (uint64_t i = 0; i < (uint64_t)count && at + (size_t)row <= len; i++) {
			const unsigned char *r = rows + at;
			/* A missing type field means 1 (7.5.8.2). */
			int type = width[0] ? (int)field(r, width[0]) : 1;
			uint64_t a = field(r + width[0], width[1]);
			uint64_t b = field(r + width[0] + width[1], width[2]);

			if ((uint64_t)start + i > 0)
				xref_set(doc, (uint64_t)start + i,
					 type == 1 || type == 2 ? type : 0, a, b);
			at += (size_t)row;
		}
	}
	return tmp.obj;
}

/* The offset after the last "startxref". */
static bool find_startxref(const struct pdf_doc *doc, uint64_t *offset)
{
	size_t from = doc->len > PDF_TAIL ? doc->len - PDF_TAIL : 0;
	const unsigned char *tail = doc->data + from, *hit = NULL, *q = tail;
	const unsigned char *end = doc->data + doc->len;
	int64_t v;

	while ((q = memmem(q, (size_t)(end - q), "startxref", 9)) != NULL) {
		hit = q;
		q += 9;
	}
	if (hit == NULL || next_int(hit + 9, end, &v) == NULL)
		return false;
	*offset = (uint64_t)v;
	return true;
}

/* Every section from startxref back through /Prev; the newest trailer
 * with a /Root is the document's. */
static bool read_xref(struct pdf_doc *doc)
{
	uint64_t offset, seen[PDF_MAX_SECTIONS];
	int n_seen = 0;

	if (!find_startxref(doc, &offset))
		return false;
	while (n_seen < PDF_MAX_SECTIONS) {
		const unsigned char *p, *end = doc->data + doc->len;
		const struct pdf_obj *trailer, *stm;

		for (int i = 0; i < n_seen; i++)
			if (seen[i] == offset)
				return doc->trailer != NULL; /* a loop of /Prev */
		seen[n_seen++] = offset;
		if (offset >= doc->len)
			return false;
		p = pdf_skip_space(doc->data + offset, end);
		if (keyword_at(p, end, "xref"))
			trailer = read_table(doc, p);
		else
			trailer = read_xref_stream(doc, p);
		if (trailer == NULL || trailer->kind != PDF_DICT)
			return false;
		if (doc->trailer == NULL && pdf_dict_get_raw(trailer, "Root")->kind != PDF_NULL)
			doc->trailer = trailer;
		/* A hybrid file's stream section belongs to this one. */
		stm = pdf_dict_get_raw(trailer, "XRefStm");
		if (stm->kind == PDF_INT && stm->u.i >= 0 && (uint64_t)stm->u.i < doc->len &&
		    read_xref_stream(doc, doc->data + stm->u.i) == NULL)
			return false;
		stm = pdf_dict_get_raw(trailer, "Prev");
		if (stm->kind != PDF_INT || stm->u.i < 0)
			break;
		offset = (uint64_t)stm->u.i;
	}
	return doc->trailer != NULL && doc->status == PDF_OK;
}

/* An encrypted file opens when the standard handler needs no password;
 * the /Encrypt dictionary itself is never encrypted. */
static bool open_encryption(struct pdf_doc *doc, const char **why)
{
	const struct pdf_obj *raw = pdf_dict_get_raw(doc->trailer, "Encrypt");
	const struct pdf_obj *id = pdf_dict_get(doc, doc->trailer, "ID");

	if (raw->kind == PDF_NULL)
		return true;
	if (raw->kind == PDF_REF)
		doc->encrypt_num = raw->u.ref.num;
	doc->crypt = pdf_crypt_open(doc, pdf_resolve(doc, raw), pdf_array_get(doc, id, 0), why);
	return doc->crypt != NULL;
}

struct pdf_doc *pdf_doc_open(struct scan *s, const unsigned char *data, size_t len,
			     const char **why)
{
	struct pdf_doc *doc = calloc(1, sizeof(*doc));

	*why = "out of memory reading the PDF";
	if (doc == NULL)
		return NULL;
	doc->scan = s;
	doc->res = scan_resources(s);
	doc->data = data;
	doc->len = len;
	if (!read_xref(doc)) {
		*why = doc->why != NULL ? doc->why : "PDF cross-reference table not usable";
		pdf_doc_free(doc);
		return NULL;
	}
	if (!open_encryption(doc, why)) {
		pdf_doc_free(doc);
		return NULL;
	}
	return doc;
}

void pdf_doc_free(struct pdf_doc *doc)
{
	if (doc == NULL)
		return;
	for (struct objstm *os = doc->objstms; os != NULL; os = os->next)
		free(os->data);
	while (doc->chunks != NULL) {
		struct arena_chunk *next = doc->chunks->next;

		free(doc->chunks);
		doc->chunks = next;
	}
	free(doc->xref);
	free(doc);
}
