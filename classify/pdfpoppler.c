/* The PDF extractor's second reader: poppler-glib, from memory, for what
 * the content-stream reader (pdf.h) leaves to it: encrypted files,
 * damaged cross-reference tables, fonts without a Unicode map, filters it
 * lacks.  Each page's text is poppler's layout text; the Info dictionary
 * and the XMP packet go to the metadata zone.
 *
 * poppler reports every syntax problem of a hostile file through GLib's
 * log; the classifier runs on untrusted input in a daemon, so those go
 * nowhere (the result says uninspectable when it matters).  poppler
 * itself survives loops of objects (it tracks visited references);
 * tests/corpus/hostile/ holds such files. */
#include "classify/pdfpoppler.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <glib.h>
#include <leptonica/allheaders.h>
#include <poppler.h>

#include "classify/pdf.h"
#include "classify/scan.h"

static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
		      gpointer data)
{
	(void)domain;
	(void)level;
	(void)message;
	(void)data;
}

/* The handler is process-wide configuration, installed once. */
static void install_quiet_log(void)
{
	g_log_set_handler("Poppler",
			  G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
			      G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_CRITICAL,
			  quiet_log, NULL);
}

struct pdf_poppler *pdf_poppler_open(struct scan *s, const void *data, size_t len)
{
	static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
	PopplerDocument *doc;
	GBytes *bytes;
	GError *error = NULL;
	char reason[128];

	pthread_once(&quiet_once, install_quiet_log);
	/* poppler reads the caller's buffer in place, for this call only. */
	bytes = g_bytes_new_static(data, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &error);
	g_bytes_unref(bytes);
	if (doc != NULL)
		return (struct pdf_poppler *)doc;
	if (error != NULL && g_error_matches(error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED)) {
		scan_set_uninspectable(s, "PDF is encrypted with a password: text not readable");
	} else {
		snprintf(reason, sizeof(reason), "PDF could not be opened: %s",
			 error != NULL ? error->message : "unknown error");
		scan_set_uninspectable(s, reason);
	}
	g_clear_error(&error);
	return NULL;
}

void pdf_poppler_close(struct pdf_poppler *p)
{
	if (p != NULL)
		g_object_unref((PopplerDocument *)p);
}

int pdf_poppler_pages(struct pdf_poppler *p)
{
	return poppler_document_get_n_pages((PopplerDocument *)p);
}

void pdf_poppler_metadata(struct scan *s, struct pdf_poppler *p)
{
	PopplerDocument *doc = (PopplerDocument *)p;
	gchar *title = poppler_document_get_title(doc);
	gchar *subject = poppler_document_get_subject(doc);
	gchar *keywords = poppler_document_get_keywords(doc);
	gchar *xmp = poppler_document_get_metadata(doc);

	scan_page_begin(s, SCAN_ZONE_METADATA, "PDF Info/XMP");
	pdf_meta_line(s, "title", title);
	pdf_meta_line(s, "subject", subject);
	pdf_meta_line(s, "keywords", keywords);
	if (xmp != NULL)
		pdf_read_xmp(s, xmp, strlen(xmp));
	scan_page_end(s);
	g_free(title);
	g_free(subject);
	g_free(keywords);
	g_free(xmp);
}

void pdf_poppler_page(struct scan *s, struct pdf_poppler *p, int index, const char *where)
{
	PopplerPage *page = poppler_document_get_page((PopplerDocument *)p, index);
	char reason[64];
	char *text;

	if (page == NULL) {
		snprintf(reason, sizeof(reason), "PDF page %d could not be read", index + 1);
		scan_set_uninspectable(s, reason);
		return;
	}
	text = poppler_page_get_text(page);
	scan_page_begin(s, SCAN_ZONE_BODY, where);
	if (text != NULL) {
		size_t n = strlen(text);

		scan_text(s, text, n, false);
		/* poppler ends the last line without a newline. */
		if (n > 0 && text[n - 1] != '\n')
			scan_text(s, "\n", 1, false);
	}
	scan_page_end(s);
	g_free(text);
	g_object_unref(page);
}

/* The page drawn at dpi in colour (OCR parts coloured stamps from black
 * text), or NULL. */
struct Pix *pdf_poppler_render(struct pdf_poppler *p, int index, int dpi)
{
	PopplerPage *page = poppler_document_get_page((PopplerDocument *)p, index);
	double w, h, scale = dpi / 72.0;
	cairo_surface_t *surface;
	cairo_t *cr;
	PIX *pix = NULL;

	if (page == NULL)
		return NULL;
	poppler_page_get_size(page, &w, &h);
	if (!(w * scale >= 16 && h * scale >= 16 && w * scale * h * scale <= 80e6)) {
		g_object_unref(page);
		return NULL;
	}
	int pw = (int)(w * scale), ph = (int)(h * scale);
	surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
	cr = cairo_create(surface);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, scale, scale);
	poppler_page_render(page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
		pix = pixCreate(pw, ph, 32);
	if (pix != NULL) {
		const unsigned char *data = cairo_image_surface_get_data(surface);
		int stride = cairo_image_surface_get_stride(surface);

		pixSetResolution(pix, dpi, dpi);
		for (int y = 0; y < ph; y++) {
			const uint32_t *src = (const uint32_t *)(data + (size_t)y * stride);
			l_uint32 *dst = pixGetData(pix) + (size_t)y * pixGetWpl(pix);

			/* cairo's 0x00RRGGBB to leptonica's RGBA word. */
			for (int x = 0; x < pw; x++)
				composeRGBPixel((int)(src[x] >> 16 & 0xff),
						(int)(src[x] >> 8 & 0xff), (int)(src[x] & 0xff),
						&dst[x]);
		}
	}
	cairo_surface_destroy(surface);
	g_object_unref(page);
	return pix;
}
