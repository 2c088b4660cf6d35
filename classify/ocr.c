/* Scanned paper (ocr.h): Tesseract's C API on leptonica images.
 *
 * A page is never read whole: the rules judge its first and last lines
 * and the 公文 field line, so only bands are recognised, each cropped,
 * turned to grey by its darkest channel (a red or blue stamp comes out as
 * dark as black ink) and scaled to OCR_PPI.  Recognition costs about
 * 40 ms a line on one core; a page's bands about 0.3 to 0.6 s.  Each band
 * runs under Tesseract's deadline, set to what is left of the call's
 * budget, so a page that cannot be read in time stops within a line or
 * so and is reported.
 *
 * One OCR thread (one_thread below), as the scanner's budget and seccomp
 * filter expect. */
#define _GNU_SOURCE /* memmem */
#include "classify/ocr.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "classify/resources.h"
#include "classify/scan.h"
#include "common/util.h"

/* Resolution the bands are recognised at: enough for 10 pt CJK. */
#define OCR_PPI 200
/* Language data, as tesseract-ocr-chi-tra installs it (Latin letters
 * and digits included). */
#define OCR_LANGUAGE "chi_tra"
/* Gap between two words (in line heights) that starts a new line. */
#define LINE_SPLIT 1.5
/* Side (pixels) of the copy ocr_looks_like_page judges. */
#define LOOK_SIDE 400

struct ocr {
	TessBaseAPI *api;
	ETEXT_DESC *monitor;
};

/* Tesseract parallelises its LSTM with OpenMP when it is built with it:
 * with no active parallel level every region runs on the calling thread.
 * The OpenMP runtime comes with Tesseract; its call is looked up where it
 * is loaded, so nothing here links it (and without it there is nothing to
 * do). */
static void one_thread(void)
{
	void (*set_levels)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");

	if (set_levels != NULL)
		set_levels(0);
}

struct ocr *ocr_new(const char **err)
{
	struct ocr *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		*err = "out of memory";
		return NULL;
	}
	one_thread();
	o->api = TessBaseAPICreate();
	o->monitor = TessMonitorCreate();
	if (o->api == NULL || o->monitor == NULL ||
	    TessBaseAPIInit2(o->api, NULL, OCR_LANGUAGE, OEM_LSTM_ONLY) != 0) {
		*err = "Tesseract could not load its Traditional Chinese data (is "
		       "tesseract-ocr-chi-tra installed?)";
		ocr_free(o);
		return NULL;
	}
	TessBaseAPISetPageSegMode(o->api, PSM_AUTO);
	/* White text on black is no way to print a marking: skip the
	 * second, inverted pass over every word. */
	TessBaseAPISetVariable(o->api, "tessedit_do_invert", "0");
	return o;
}

void ocr_free(struct ocr *o)
{
	if (o == NULL)
		return;
	if (o->api != NULL) {
		TessBaseAPIEnd(o->api);
		TessBaseAPIDelete(o->api);
	}
	if (o->monitor != NULL)
		TessMonitorDelete(o->monitor);
	free(o);
}

PIX *ocr_grey(PIX *pix)
{
	if (pixGetDepth(pix) == 32)
		return pixConvertRGBToGrayMinMax(pix, L_CHOOSE_MIN);
	return pixConvertTo8(pix, 0);
}

bool ocr_looks_like_page(PIX *page)
{
	int w = pixGetWidth(page), h = pixGetHeight(page);
	float scale = (float)LOOK_SIDE / (float)(w > h ? w : h);
	l_uint32 paper = 0, ink = 0;
	PIX *small, *grey;

	small = scale < 1 ? pixScale(page, scale, scale) : pixClone(page);
	grey = small != NULL ? ocr_grey(small) : NULL;
	pixDestroy(&small);
	if (grey == NULL)
		return false;
	int gw = pixGetWidth(grey), gh = pixGetHeight(grey);
	for (int y = 0; y < gh; y++) {
		const l_uint32 *line = pixGetData(grey) + (size_t)y * pixGetWpl(grey);

		for (int x = 0; x < gw; x++) {
			int v = GET_DATA_BYTE(line, x);

			paper += v >= 170;
			ink += v < 110;
		}
	}
	pixDestroy(&grey);
	/* Mostly paper, some ink: a scan.  A photograph is mostly neither. */
	double n = (double)gw * gh;
	return paper >= 0.45 * n && ink >= 0.001 * n && ink <= 0.35 * n;
}

/* Lines of text, built up word by word. */
struct lines {
	char *text;
	size_t len, cap;
	bool ok;
};

static void lines_add(struct lines *l, const char *p, size_t n)
{
	if (!l->ok)
		return;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		char *grown;

		while (cap < l->len + n + 1)
			cap *= 2;
		grown = realloc(l->text, cap);
		if (grown == NULL) {
			l->ok = false;
			return;
		}
		l->text = grown;
		l->cap = cap;
	}
	memcpy(l->text + l->len, p, n);
	l->len += n;
	l->text[l->len] = '\0';
}

/* Whether a UTF-8 word starts (or ends) with a CJK character. */
static bool cjk_edge(const char *w, bool at_end)
{
	size_t n = strlen(w), i = 0;

	if (n == 0)
		return false;
	if (at_end) {
		i = n - 1;
		while (i > 0 && ((unsigned char)w[i] & 0xc0) == 0x80)
			i--;
	}
	return (unsigned char)w[i] >= 0xe2 && (unsigned char)w[i] <= 0xef;
}

/* A stamp's frame or a box around text read as a bracket or a bar at the
 * start or the end of a line: dropped, unless its counterpart stands in
 * the line ("（本件於…解密）" keeps its bracket). */
static const char *const frames[][2] = {
    {"(", ")"},	  {"[", "]"},	{"「", "」"}, {"『", "』"}, {"【", "】"},
    {"（", "）"}, {"〔", "〕"}, {"|", "|"},   {"丨", "丨"}, {"│", "│"},
};

static size_t frame_at(const char *p, size_t n, bool at_end, const char *line, size_t len)
{
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const char *me = frames[i][at_end], *other = frames[i][!at_end];
		size_t k = strlen(me);

		if (n < k || memcmp(at_end ? p + n - k : p, me, k) != 0)
			continue;
		/* A bar is never a pair; a bracket pairs with its counterpart. */
		if (strcmp(me, other) != 0 && memmem(line, len, other, strlen(other)) != NULL)
			return 0;
		return k;
	}
	return 0;
}

static void trim_frames(const char *line, size_t *start, size_t *end)
{
	for (;;) {
		size_t k;

		while (*start < *end && line[*start] == ' ')
			(*start)++;
		while (*end > *start && line[*end - 1] == ' ')
			(*end)--;
		if ((k = frame_at(line + *start, *end - *start, false, line + *start,
				  *end - *start)) > 0)
			*start += k;
		else if ((k = frame_at(line + *start, *end - *start, true, line + *start,
				       *end - *start)) > 0)
			*end -= k;
		else
			return;
	}
}

/* Ends the line begun at from: frames trimmed, a newline after it. */
static void line_end(struct lines *l, size_t from)
{
	size_t start = from, end = l->len;

	if (!l->ok || end == from)
		return;
	trim_frames(l->text, &start, &end);
	memmove(l->text + from, l->text + start, end - start);
	l->len = from + (end - start);
	if (l->len > from)
		lines_add(l, "\n", 1);
}

/* The recognised text as lines, word by word: Tesseract's lines, cut
 * where a gap wider than LINE_SPLIT line heights separates two words (a
 * stamp beside a title is a line of its own, as in a PDF); words of CJK
 * joined without a space. */
static char *band_lines(TessBaseAPI *api)
{
	TessResultIterator *it = TessBaseAPIGetIterator(api);
	struct lines l = {.ok = true};
	int line_h = 0, prev_right = 0;
	size_t from = 0;
	bool prev_cjk = false;

	lines_add(&l, "", 0);
	if (it == NULL)
		return l.text;
	const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(it);
	do {
		char *w = TessResultIteratorGetUTF8Text(it, RIL_WORD);
		int x0, y0, x1, y1;

		if (w == NULL || !TessPageIteratorBoundingBox(pi, RIL_WORD, &x0, &y0, &x1, &y1)) {
			TessDeleteText(w);
			continue;
		}
		bool new_line = TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE);
		if (new_line) {
			int lx0, ly0, lx1, ly1;

			if (TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &lx0, &ly0, &lx1, &ly1))
				line_h = ly1 - ly0;
		} else if (x0 - prev_right > LINE_SPLIT * line_h) {
			new_line = true;
		}
		if (new_line) {
			line_end(&l, from);
			from = l.len;
		} else if (l.len > from && !(prev_cjk && cjk_edge(w, false))) {
			lines_add(&l, " ", 1);
		}
		lines_add(&l, w, strlen(w));
		prev_cjk = cjk_edge(w, true);
		prev_right = x1;
		TessDeleteText(w);
	} while (TessResultIteratorNext(it, RIL_WORD));
	line_end(&l, from);
	TessResultIteratorDelete(it);
	if (!l.ok) {
		free(l.text);
		return NULL;
	}
	return l.text;
}

char *ocr_recognize(struct ocr *o, PIX *grey, int ppi, bool sparse, uint64_t deadline, bool *failed)
{
	float scale = (float)OCR_PPI / (float)ppi;
	uint64_t now = monotonic_ms();
	PIX *scaled;
	char *text = NULL;

	if (now >= deadline)
		return NULL;
	/* Down to OCR_PPI, never up: enlarged strokes read worse. */
	scaled = scale < 0.95f ? pixScale(grey, scale, scale) : pixClone(grey);
	if (scaled == NULL) {
		*failed = true;
		return NULL;
	}
	TessBaseAPISetPageSegMode(o->api, sparse ? PSM_SPARSE_TEXT : PSM_AUTO);
	TessBaseAPISetImage2(o->api, scaled);
	TessBaseAPISetSourceResolution(o->api, scale < 0.95f ? OCR_PPI : ppi);
	TessMonitorSetDeadlineMSecs(o->monitor, (int)(deadline - now));
	if (TessBaseAPIRecognize(o->api, o->monitor) == 0 && monotonic_ms() < deadline) {
		text = band_lines(o->api);
		*failed = text == NULL;
	}
	TessBaseAPIClear(o->api);
	pixDestroy(&scaled);
	return text;
}

int ocr_find_lines(struct ocr *o, PIX *small, int ppi, double to_page, int *rows, int max)
{
	BOXA *lines;
	int n = 0;

	TessBaseAPISetPageSegMode(o->api, PSM_AUTO);
	TessBaseAPISetImage2(o->api, small);
	TessBaseAPISetSourceResolution(o->api, ppi);
	lines = TessBaseAPIGetTextlines(o->api, NULL, NULL);
	TessBaseAPIClear(o->api);
	for (int i = 0; lines != NULL && i < boxaGetCount(lines) && n < max; i++) {
		l_int32 x, y, w, h;

		if (boxaGetBoxGeometry(lines, i, &x, &y, &w, &h) != 0)
			continue;
		/* Insertion by top: layout order is by blocks, not rows. */
		int top = (int)(y * to_page), bottom = (int)((y + h) * to_page), k = n;
		while (k > 0 && rows[2 * (k - 1)] > top) {
			rows[2 * k] = rows[2 * (k - 1)];
			rows[2 * k + 1] = rows[2 * (k - 1) + 1];
			k--;
		}
		rows[2 * k] = top;
		rows[2 * k + 1] = bottom;
		n++;
	}
	boxaDestroy(&lines);
	return n;
}

static void quiet_leptonica(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

void ocr_quiet(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, quiet_leptonica);
}

struct ocr *ocr_engine(struct scan *s, const char **why)
{
	struct classify_resources *res = scan_resources(s);

	ocr_quiet();
	*why = "no OCR engine in this classifier";
	if (res == NULL)
		return NULL;
	if (res->ocr == NULL && !res->ocr_tried) {
		res->ocr_tried = true;
		res->ocr = ocr_new(&res->ocr_error);
	}
	if (res->ocr == NULL && res->ocr_error != NULL)
		*why = res->ocr_error;
	return res->ocr;
}
