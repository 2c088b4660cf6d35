/* Outlook messages (.msg) out of their compound file (ole.h): each MAPI
 * property is a stream named __substg1.0_<id><type>.  The subject is the
 * first line of the message's page and the plain body follows (or the
 * HTML body, read as HTML, when there is no plain one); each attachment
 * (__attach_version1.0_#N) is classified as a document of its own under
 * its file name, and an attached message (a storage, type 000D) is read
 * the same way, to a bounded depth. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/charset.h"
#include "classify/ole.h"
#include "common/cleanup.h"

#define PR_SUBJECT 0x0037
#define PR_BODY 0x1000
#define PR_HTML 0x1013
#define PR_ATTACH_DATA 0x3701
#define PR_ATTACH_FILENAME 0x3704
#define PR_ATTACH_LONG_FILENAME 0x3707
#define MSG_MAX_DEPTH 4
#define MSG_MAX_CHILDREN 4096

/* The stream of a property (of the types tried in turn), read whole. */
static uint8_t *property(struct cfb *c, uint32_t storage, unsigned id, const char *const *types,
			 size_t n_types, size_t *len, const char **type)
{
	for (size_t i = 0; i < n_types; i++) {
		char name[32];
		const struct cfb_entry *e;

		snprintf(name, sizeof(name), "__substg1.0_%04X%s", id, types[i]);
		e = cfb_find_in(c, storage, name);
		if (e != NULL && e->type == 2) {
			*type = types[i];
			return cfb_read(c, e, len);
		}
	}
	return NULL;
}

/* A string property as UTF-8 (Unicode, or 8-bit in the sender's code
 * page: UTF-8 or Big5 as the bytes say). */
static char *string_property(struct cfb *c, uint32_t storage, unsigned id, size_t *out_len)
{
	static const char *const types[] = {"001F", "001E"};
	const char *type = NULL;
	size_t len;
	_cleanup_free_ uint8_t *raw = property(c, storage, id, types, 2, &len, &type);
	char *text;

	if (raw == NULL)
		return NULL;
	if (strcmp(type, "001F") == 0)
		text = charset_utf16le_to_utf8(raw, len / 2, out_len);
	else
		text = scan_decode_text(raw, len, out_len);
	if (text != NULL)
		*out_len = strlen(text); /* up to a terminator */
	return text;
}

static void read_attachment(struct cfb *c, uint32_t storage, unsigned number, unsigned depth)
{
	static const char *const binary[] = {"0102"};
	const struct cfb_entry *embedded = cfb_find_in(c, storage, "__substg1.0_3701000D");
	const char *type = NULL, *name;
	char fallback[32];
	size_t len, name_len;
	uint8_t *data;
	char *long_name, *short_name = NULL;

	if (embedded != NULL && embedded->type == 1) {
		ole_extract_msg(c, (uint32_t)(embedded - c->dir), depth + 1);
		return;
	}
	data = property(c, storage, PR_ATTACH_DATA, binary, 1, &len, &type);
	if (data == NULL)
		return;
	long_name = string_property(c, storage, PR_ATTACH_LONG_FILENAME, &name_len);
	if (long_name == NULL || long_name[0] == '\0')
		short_name = string_property(c, storage, PR_ATTACH_FILENAME, &name_len);
	snprintf(fallback, sizeof(fallback), "attachment %u", number);
	name = long_name != NULL && long_name[0] != '\0'     ? long_name
	       : short_name != NULL && short_name[0] != '\0' ? short_name
							     : fallback;
	scan_nested(c->s, data, len, name);
	free(long_name);
	free(short_name);
	free(data);
}

/* The attachments of the message in storage. */
static void read_attachments(struct cfb *c, uint32_t storage, unsigned depth)
{
	uint32_t *kids = malloc(MSG_MAX_CHILDREN * sizeof(uint32_t));
	uint32_t n = kids != NULL ? cfb_children(c, storage, kids, MSG_MAX_CHILDREN) : 0;
	unsigned attachments = 0;

	for (uint32_t i = 0; i < n && !scan_over_budget(c->s); i++) {
		const struct cfb_entry *e = &c->dir[kids[i]];

		if (e->type == 1 && strncmp(e->name, "__attach_version1.0_#", 21) == 0)
			read_attachment(c, kids[i], ++attachments, depth);
	}
	free(kids);
}

/* Subject and body as a page, or the HTML body as HTML. */
static void read_text(struct cfb *c, uint32_t storage, unsigned depth)
{
	static const char *const html_types[] = {"0102", "001F", "001E"};
	size_t subject_len = 0, body_len = 0, html_len = 0;
	char *subject = string_property(c, storage, PR_SUBJECT, &subject_len);
	char *body = string_property(c, storage, PR_BODY, &body_len);
	const char *type = NULL;

	scan_page_begin(c->s, SCAN_ZONE_BODY, depth == 0 ? "Outlook message" : "attached message");
	if (subject != NULL) {
		scan_text(c->s, subject, subject_len, false);
		scan_text(c->s, "\n", 1, false);
	}
	if (body != NULL)
		scan_text(c->s, body, body_len, false);
	scan_page_end(c->s);
	if (body == NULL) {
		uint8_t *html = property(c, storage, PR_HTML, html_types, 3, &html_len, &type);

		if (html != NULL)
			scan_nested(c->s, html, html_len, "body.html");
		free(html);
	}
	free(subject);
	free(body);
}

void ole_extract_msg(struct cfb *c, uint32_t storage, unsigned depth)
{
	if (depth > MSG_MAX_DEPTH) {
		scan_set_uninspectable(c->s, "Outlook messages attached deeper than 4 levels");
		return;
	}
	read_text(c, storage, depth);
	read_attachments(c, storage, depth);
}
