/* PDF: poppler-glib reads the document from memory; each page's text is fed
 * as one body page ("page N"), so the scan sees its first and last lines
 * (a PDF has no header or footer structure: the running header is simply the
 * top line of the page text).  The Info dictionary (title, subject,
 * keywords) and the XMP packet go to the metadata zone as "name: value"
 * lines.  Encrypted PDFs, PDFs poppler cannot open and PDFs without a
 * readable page are uninspectable.
 *
 * Bounds: the budget is checked between pages, pages are capped, the XMP
 * packet is read with a non-validating, non-networked, entity-free reader.
 * poppler itself survives loops of objects (it tracks visited references);
 * tests/corpus/hostile/ holds such files. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <libxml/xmlreader.h>
#include <poppler.h>

#include "classify/extract.h"
#include "classify/scan.h"

/* More pages than any office document has; a PDF claiming more is read up
 * to here and marked uninspectable. */
#define PDF_MAX_PAGES 20000
/* Nesting of XMP elements followed; deeper ones are skipped. */
#define XMP_MAX_DEPTH 32
/* Bytes of XMP metadata read at most. */
#define XMP_MAX_BYTES (1u << 20)

/* poppler reports every syntax problem of a hostile file through GLib's
 * log; the classifier runs on untrusted input in a daemon, so those go
 * nowhere (the result says uninspectable when it matters).  The handler is
 * process-wide configuration, installed once. */
static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
		      gpointer data)
{
	(void)domain;
	(void)level;
	(void)message;
	(void)data;
}

static void install_quiet_log(void)
{
	g_log_set_handler("Poppler",
			  G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
			      G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_CRITICAL,
			  quiet_log, NULL);
}

static void meta_line(struct scan *s, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	scan_text(s, name, strlen(name), false);
	scan_text(s, ": ", 2, false);
	scan_text(s, value, strlen(value), false);
	scan_text(s, "\n", 1, false);
}

static bool ns_is(const xmlChar *uri, const char *want)
{
	return uri != NULL && strcmp((const char *)uri, want) == 0;
}

#define RDF_NS "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/* Each text value of the XMP packet as "property: value", the property
 * being the nearest element that is not RDF syntax (so dc:subject's
 * rdf:Bag/rdf:li items come out as "subject: ..."), and each simple
 * property written as an attribute of rdf:Description (custom properties
 * often are) as "name: value". */
static void read_xmp(struct scan *s, const char *xmp, size_t len)
{
	char names[XMP_MAX_DEPTH][64];
	xmlTextReaderPtr reader;
	int ret;

	if (len > XMP_MAX_BYTES)
		len = XMP_MAX_BYTES;
	reader = xmlReaderForMemory(xmp, (int)len, NULL, "UTF-8",
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (reader == NULL)
		return;
	memset(names, 0, sizeof(names));
	while ((ret = xmlTextReaderRead(reader)) == 1) {
		int type = xmlTextReaderNodeType(reader);
		int depth = xmlTextReaderDepth(reader);

		if (depth < 0 || depth >= XMP_MAX_DEPTH)
			continue;
		if (type == XML_READER_TYPE_ELEMENT) {
			const xmlChar *local = xmlTextReaderConstLocalName(reader);
			const xmlChar *uri = xmlTextReaderConstNamespaceUri(reader);

			names[depth][0] = '\0';
			if (local != NULL && !ns_is(uri, RDF_NS))
				snprintf(names[depth], sizeof(names[depth]), "%s",
					 (const char *)local);
			if (local != NULL && ns_is(uri, RDF_NS) &&
			    strcmp((const char *)local, "Description") == 0) {
				while (xmlTextReaderMoveToNextAttribute(reader) == 1) {
					const xmlChar *auri =
					    xmlTextReaderConstNamespaceUri(reader);

					if (ns_is(auri, RDF_NS) ||
					    ns_is(auri, "http://www.w3.org/2000/xmlns/"))
						continue;
					meta_line(s,
						  (const char *)xmlTextReaderConstLocalName(reader),
						  (const char *)xmlTextReaderConstValue(reader));
				}
				xmlTextReaderMoveToElement(reader);
			}
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
			const char *name = NULL;

			for (int d = depth - 1; d >= 0 && name == NULL; d--)
				if (names[d][0] != '\0')
					name = names[d];
			meta_line(s, name != NULL ? name : "xmp",
				  (const char *)xmlTextReaderConstValue(reader));
		}
		if (scan_over_budget(s))
			break;
	}
	xmlFreeTextReader(reader);
}

static void read_metadata(struct scan *s, PopplerDocument *doc)
{
	gchar *title = poppler_document_get_title(doc);
	gchar *subject = poppler_document_get_subject(doc);
	gchar *keywords = poppler_document_get_keywords(doc);
	gchar *xmp = poppler_document_get_metadata(doc);

	scan_page_begin(s, SCAN_ZONE_METADATA, "PDF Info/XMP");
	meta_line(s, "title", title);
	meta_line(s, "subject", subject);
	meta_line(s, "keywords", keywords);
	if (xmp != NULL)
		read_xmp(s, xmp, strlen(xmp));
	scan_page_end(s);
	g_free(title);
	g_free(subject);
	g_free(keywords);
	g_free(xmp);
}

int extract_pdf(struct scan *s, const void *data, size_t len)
{
	static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
	PopplerDocument *doc;
	GBytes *bytes;
	GError *error = NULL;
	int n_pages;
	char where[32], reason[128];

	if (len < 5 || memcmp(data, "%PDF", 4) != 0)
		return -1;
	if (len > (size_t)G_MAXINT32) {
		scan_set_uninspectable(s, "PDF larger than 2 GiB: not read");
		return 0;
	}
	pthread_once(&quiet_once, install_quiet_log);

	/* poppler reads the caller's buffer in place, for this call only. */
	bytes = g_bytes_new_static(data, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &error);
	g_bytes_unref(bytes);
	if (doc == NULL) {
		if (error != NULL && g_error_matches(error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
			scan_set_uninspectable(
			    s, "PDF is encrypted with a password: text not readable");
		else {
			snprintf(reason, sizeof(reason), "PDF could not be opened: %s",
				 error != NULL ? error->message : "unknown error");
			scan_set_uninspectable(s, reason);
		}
		g_clear_error(&error);
		return 0;
	}

	read_metadata(s, doc);

	n_pages = poppler_document_get_n_pages(doc);
	if (n_pages <= 0)
		scan_set_uninspectable(s, "PDF has no readable page (broken or looping page tree)");
	for (int i = 0; i < n_pages; i++) {
		PopplerPage *page;
		char *text;

		if (i >= PDF_MAX_PAGES) {
			snprintf(reason, sizeof(reason),
				 "PDF has %d pages: only the first %d were read", n_pages,
				 PDF_MAX_PAGES);
			scan_set_uninspectable(s, reason);
			break;
		}
		if (scan_over_budget(s)) {
			snprintf(reason, sizeof(reason),
				 "PDF: budget spent after %d of %d pages: rest not read", i,
				 n_pages);
			scan_set_uninspectable(s, reason);
			break;
		}
		page = poppler_document_get_page(doc, i);
		if (page == NULL) {
			snprintf(reason, sizeof(reason), "PDF page %d could not be read", i + 1);
			scan_set_uninspectable(s, reason);
			continue;
		}
		text = poppler_page_get_text(page);
		snprintf(where, sizeof(where), "page %d", i + 1);
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
	g_object_unref(doc);
	return 0;
}
