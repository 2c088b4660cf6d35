/* Text of a slide in the order a reader sees it (scan.h): shapes sorted by
 * their place on the page, top to bottom, then left to right, so that a
 * stamp at the top of a slide is among its first lines however late it was
 * drawn.  Shapes whose place is not known keep their drawing order among
 * the others at the place the extractor guessed. */
#include <stdlib.h>
#include <string.h>

#include "classify/scan.h"

void shapes_start(struct shapes *sh, int64_t y, int64_t x)
{
	if (sh->failed)
		return;
	if (sh->n == sh->cap) {
		size_t cap = sh->cap ? sh->cap * 2 : 32;
		struct shape *v = realloc(sh->v, cap * sizeof(*v));

		if (v == NULL) {
			sh->failed = true;
			return;
		}
		sh->v = v;
		sh->cap = cap;
	}
	sh->v[sh->n] = (struct shape){.y = y, .x = x, .off = sh->text.len, .seq = (uint32_t)sh->n};
	sh->n++;
}

void shapes_place(struct shapes *sh, int64_t y, int64_t x)
{
	if (sh->n > 0) {
		sh->v[sh->n - 1].y = y;
		sh->v[sh->n - 1].x = x;
	}
}

void shapes_text(struct shapes *sh, const char *text, size_t len, bool struck)
{
	if (sh->failed || len == 0)
		return;
	if (sh->n == 0)
		shapes_start(sh, SHAPES_MIDDLE, 0);
	if (sh->failed)
		return;
	textbuf_add(&sh->text, text, len, struck);
	sh->v[sh->n - 1].len += len;
}

static int by_place(const void *a, const void *b)
{
	const struct shape *p = a, *q = b;

	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

void shapes_emit(struct shapes *sh, struct scan *s)
{
	if (sh->n > 1)
		qsort(sh->v, sh->n, sizeof(*sh->v), by_place);
	for (size_t i = 0; i < sh->n && !sh->text.failed; i++) {
		const struct shape *v = &sh->v[i];

		textbuf_feed(s, &sh->text, v->off, v->len);
		if (v->len > 0 && sh->text.buf[v->off + v->len - 1] != '\n')
			scan_text(s, "\n", 1, false);
	}
	if (sh->failed || sh->text.failed)
		scan_set_uninspectable(s, "out of memory ordering a slide's shapes");
	sh->n = 0;
	sh->text.len = 0;
	sh->failed = sh->text.failed = false;
}

void shapes_free(struct shapes *sh)
{
	free(sh->v);
	textbuf_free(&sh->text);
	memset(sh, 0, sizeof(*sh));
}
