/* E-mail (message/rfc822, .eml).
 *
 * The Subject (RFC 2047 encoded-words decoded) is the first line of the
 * message's first body page, so a marking in the subject stands where a
 * marking on a letter's first line would.  The first text part (text/plain,
 * or text/html through html_feed; of a multipart/alternative only the
 * plain alternative, or the HTML one if there is no plain) follows it;
 * further text parts are pages of their own.  Attachments, inline non-text
 * parts and forwarded messages are classified as documents of their own
 * through scan_nested, named by their (RFC 2047 / 2231 decoded) filename.
 * Transfer encodings base64 and quoted-printable; charsets through charset.c
 * (Big5 as CP950).  Nesting of multiparts and the number of parts are
 * bounded. */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/charset.h"
#include "classify/extract.h"
#include "classify/html.h"
#include "classify/scan.h"
#include "common/cleanup.h"
#include "common/util.h"

#define EML_MAX_DEPTH 16
#define EML_MAX_PARTS 1000
#define EML_HEADER_MAX 8192 /* one unfolded header field */
#define EML_SUBJECT_MAX 2048

enum cte { CTE_IDENTITY, CTE_BASE64, CTE_QP };

struct mime_part {
	char type[80]; /* lower case, "text/plain" when absent */
	char boundary[200];
	char charset[48];
	char filename[160]; /* UTF-8, decoded */
	enum cte cte;
	bool attachment;
	bool has_type;
	char *subject; /* decoded UTF-8 (top level only) */
	const char *body;
	size_t body_len;
};

struct eml {
	struct scan *s;
	bool page_open;
	bool first_text_done;
	int parts;
	int text_pages;
};

/* ---- decoding ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 to bytes, skipping anything outside the alphabet; out must hold
 * len * 3 / 4 + 3 bytes.  Returns the count. */
static size_t b64_decode(const char *in, size_t len, unsigned char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (in[i] == '=')
			break;
		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Quoted-printable (q_header: RFC 2047 "Q", where '_' is a space). */
static size_t qp_decode(const char *in, size_t len, unsigned char *out, bool q_header)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '=' && i + 1 < len && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
			/* soft line break */
			i++;
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
				i++;
		} else if (in[i] == '=' && i + 2 < len && hex_value(in[i + 1]) >= 0 &&
			   hex_value(in[i + 2]) >= 0) {
			out[n++] =
			    (unsigned char)(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
			i += 2;
		} else if (q_header && in[i] == '_') {
			out[n++] = ' ';
		} else {
			out[n++] = (unsigned char)in[i];
		}
	}
	return n;
}

/* The body of a part with its transfer encoding undone; malloc'ed. */
static char *decode_body(const struct mime_part *p, size_t *out_len)
{
	char *out = malloc(p->body_len + 4);

	*out_len = 0;
	if (out == NULL)
		return NULL;
	switch (p->cte) {
	case CTE_BASE64:
		*out_len = b64_decode(p->body, p->body_len, (unsigned char *)out);
		break;
	case CTE_QP:
		*out_len = qp_decode(p->body, p->body_len, (unsigned char *)out, false);
		break;
	case CTE_IDENTITY:
		memcpy(out, p->body, p->body_len);
		*out_len = p->body_len;
		break;
	}
	out[*out_len] = '\0';
	return out;
}

/* Appends UTF-8 of text (which may hold RFC 2047 encoded-words) to out.
 * White space between two encoded-words is dropped, as the RFC says. */
static void decode_words(const char *text, size_t len, char *out, size_t outsize)
{
	size_t o = strlen(out);
	bool last_encoded = false;
	size_t i = 0;

	while (i < len && o + 1 < outsize) {
		const char *q1, *end;
		size_t ws = i;

		while (ws < len && (text[ws] == ' ' || text[ws] == '\t'))
			ws++;
		if (ws + 2 < len && text[ws] == '=' && text[ws + 1] == '?' &&
		    (q1 = memchr(text + ws + 2, '?', len - ws - 2)) != NULL &&
		    q1 + 2 < text + len && q1[2] == '?' &&
		    (end = memmem(q1 + 3, (size_t)(text + len - q1 - 3), "?=", 2)) != NULL) {
			const char *charset = text + ws + 2;
			size_t clen = (size_t)(q1 - charset);
			char enc = q1[1];
			const char *payload = q1 + 3;
			size_t plen = (size_t)(end - payload);
			unsigned char *raw = malloc(plen + 4);
			char *utf8;
			size_t rlen, ulen;
			const char *star;

			if (raw == NULL)
				return;
			/* RFC 2231 language suffix: charset*lang */
			star = memchr(charset, '*', clen);
			if (star)
				clen = (size_t)(star - charset);
			if (enc == 'B' || enc == 'b')
				rlen = b64_decode(payload, plen, raw);
			else
				rlen = qp_decode(payload, plen, raw, true);
			utf8 = charset_to_utf8(charset, clen, raw, rlen, &ulen);
			free(raw);
			if (!last_encoded && ws > i) {
				size_t n = ws - i < outsize - 1 - o ? ws - i : outsize - 1 - o;

				memcpy(out + o, text + i, n);
				o += n;
			}
			if (utf8) {
				str_copy_n(out + o, outsize - o, utf8, ulen);
				o = strlen(out);
				free(utf8);
			}
			i = (size_t)(end + 2 - text);
			last_encoded = true;
			continue;
		}
		out[o++] = text[i++];
		if (text[i - 1] != ' ' && text[i - 1] != '\t')
			last_encoded = false;
	}
	out[o] = '\0';
}

/* RFC 2231 filename*=charset'lang'%XX..; into out (UTF-8). */
static void decode_2231(const char *v, size_t len, char *out, size_t outsize)
{
	const char *q1 = memchr(v, '\'', len), *q2;
	_cleanup_free_ unsigned char *raw = malloc(len + 1);
	size_t n = 0, ulen;
	char *utf8;

	if (raw == NULL || q1 == NULL ||
	    (q2 = memchr(q1 + 1, '\'', (size_t)(v + len - q1 - 1))) == NULL) {
		str_copy_n(out, outsize, v, len);
		return;
	}
	for (const char *p = q2 + 1; p < v + len; p++) {
		if (*p == '%' && p + 2 < v + len && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
			raw[n++] = (unsigned char)(hex_value(p[1]) * 16 + hex_value(p[2]));
			p += 2;
		} else {
			raw[n++] = (unsigned char)*p;
		}
	}
	utf8 = charset_to_utf8(v, (size_t)(q1 - v), raw, n, &ulen);
	if (utf8) {
		str_copy_n(out, outsize, utf8, ulen);
		free(utf8);
	}
}

/* ---- headers ---- */

/* Finds parameter name (case-insensitive) in a header value's
 * "; name=value" list.  Returns the value (quotes removed) or NULL. */
static const char *param(const char *v, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	const char *p = v;

	while ((p = strchr(p, ';')) != NULL) {
		const char *start, *end;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nlen) != 0 || (p[nlen] != '=' && p[nlen] != ' '))
			continue;
		p += nlen;
		while (*p == ' ')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			start = ++p;
			end = strchr(start, '"');
			if (end == NULL)
				end = start + strlen(start);
		} else {
			start = p;
			end = start + strcspn(start, "; \t");
		}
		*len = (size_t)(end - start);
		return start;
	}
	return NULL;
}

static void header_field(struct mime_part *part, const char *name, size_t nlen, const char *value,
			 bool top)
{
	const char *v;
	size_t len;

	while (*value == ' ' || *value == '\t')
		value++;
	if (nlen == 12 && strncasecmp(name, "Content-Type", 12) == 0) {
		size_t t = strcspn(value, "; \t");

		part->has_type = true;
		str_copy_n(part->type, sizeof(part->type), value, t);
		for (char *c = part->type; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		if ((v = param(value, "boundary", &len)) != NULL)
			str_copy_n(part->boundary, sizeof(part->boundary), v, len);
		if ((v = param(value, "charset", &len)) != NULL)
			str_copy_n(part->charset, sizeof(part->charset), v, len);
		if (part->filename[0] == '\0' && (v = param(value, "name", &len)) != NULL) {
			char raw[sizeof(part->filename)];

			str_copy_n(raw, sizeof(raw), v, len);
			decode_words(raw, strlen(raw), part->filename, sizeof(part->filename));
		}
	} else if (nlen == 25 && strncasecmp(name, "Content-Transfer-Encoding", 25) == 0) {
		while (*value == ' ')
			value++;
		if (strncasecmp(value, "base64", 6) == 0)
			part->cte = CTE_BASE64;
		else if (strncasecmp(value, "quoted-printable", 16) == 0)
			part->cte = CTE_QP;
	} else if (nlen == 19 && strncasecmp(name, "Content-Disposition", 19) == 0) {
		while (*value == ' ')
			value++;
		if (strncasecmp(value, "attachment", 10) == 0)
			part->attachment = true;
		if ((v = param(value, "filename*", &len)) != NULL) {
			part->filename[0] = '\0';
			decode_2231(v, len, part->filename, sizeof(part->filename));
		} else if ((v = param(value, "filename", &len)) != NULL) {
			char raw[sizeof(part->filename)];

			part->filename[0] = '\0';
			str_copy_n(raw, sizeof(raw), v, len);
			decode_words(raw, strlen(raw), part->filename, sizeof(part->filename));
		}
	} else if (top && nlen == 7 && strncasecmp(name, "Subject", 7) == 0 &&
		   part->subject == NULL) {
		part->subject = calloc(1, EML_SUBJECT_MAX);
		if (part->subject)
			decode_words(value, strlen(value), part->subject, EML_SUBJECT_MAX);
	}
}

/* Reads the header block of an entity: fills part, sets body.  Returns the
 * number of header fields read (0: not a MIME entity's headers). */
static int parse_headers(const char *data, size_t len, struct mime_part *part, bool top)
{
	char *field = malloc(EML_HEADER_MAX);
	size_t flen = 0, i = 0;
	int fields = 0;
	bool bad = false;

	memset(part, 0, sizeof(*part));
	str_copy(part->type, sizeof(part->type), "text/plain");
	if (field == NULL)
		return 0;
	/* An mbox export starts with a "From " separator line. */
	if (top && len > 5 && memcmp(data, "From ", 5) == 0) {
		while (i < len && data[i] != '\n')
			i++;
		i += i < len;
	}
	while (i < len) {
		size_t eol = i;
		size_t next, n;

		while (eol < len && data[eol] != '\n')
			eol++;
		next = eol < len ? eol + 1 : eol;
		n = eol - i;
		if (n > 0 && data[i + n - 1] == '\r')
			n--;
		if (n == 0) {
			/* the blank line: headers end */
			i = next;
			break;
		}
		if ((data[i] == ' ' || data[i] == '\t') && flen > 0) {
			/* folded continuation */
			size_t k = n < EML_HEADER_MAX - 1 - flen ? n : EML_HEADER_MAX - 1 - flen;

			memcpy(field + flen, data + i, k);
			flen += k;
		} else {
			const char *colon;

			if (flen > 0) {
				field[flen] = '\0';
				colon = strchr(field, ':');
				if (colon) {
					header_field(part, field, (size_t)(colon - field),
						     colon + 1, top);
					fields++;
				}
			}
			flen = n < EML_HEADER_MAX - 1 ? n : EML_HEADER_MAX - 1;
			memcpy(field, data + i, flen);
			/* A first line that is not "Name: value" is not a header. */
			colon = memchr(field, ':', flen);
			if (colon == NULL || colon == field ||
			    memchr(field, ' ', (size_t)(colon - field))) {
				if (fields == 0 && !top)
					break; /* a part without headers: all body */
				if (fields == 0) {
					bad = true;
					break;
				}
			}
		}
		i = next;
	}
	if (!bad && flen > 0) {
		const char *colon;

		field[flen] = '\0';
		colon = strchr(field, ':');
		if (colon) {
			header_field(part, field, (size_t)(colon - field), colon + 1, top);
			fields++;
		}
	}
	free(field);
	if (bad)
		return 0;
	if (fields == 0 && !top)
		i = 0;
	part->body = data + i;
	part->body_len = len - i;
	return fields;
}

/* ---- pages ---- */

static void close_page(struct eml *e)
{
	if (e->page_open) {
		scan_page_end(e->s);
		e->page_open = false;
	}
}

static void feed_text(struct eml *e, const struct mime_part *p, const char *utf8, size_t len)
{
	bool html = strcmp(p->type, "text/html") == 0;

	if (!e->page_open) {
		char where[48];

		snprintf(where, sizeof(where), "message part %d", ++e->text_pages);
		scan_page_begin(e->s, SCAN_ZONE_BODY, where);
		e->page_open = true;
	}
	if (html) {
		html_feed(e->s, utf8, len, NULL);
	} else {
		/* CRLF → LF so lines end cleanly. */
		size_t start = 0;

		for (size_t i = 0; i < len; i++) {
			if (utf8[i] == '\r' && i + 1 < len && utf8[i + 1] == '\n') {
				scan_text(e->s, utf8 + start, i - start, false);
				start = i + 1;
			}
		}
		scan_text(e->s, utf8 + start, len - start, false);
		scan_text(e->s, "\n", 1, false);
	}
	e->first_text_done = true;
	close_page(e);
}

static void handle_entity(struct eml *e, const char *data, size_t len, int depth, bool top);

static bool is_text(const struct mime_part *p)
{
	return strcmp(p->type, "text/plain") == 0 || strcmp(p->type, "text/html") == 0;
}

struct mime_slice {
	const char *start;
	size_t len;
};

/* Splits a multipart body at its boundary into at most EML_MAX_PARTS
 * slices; returns their count.  A body without its close delimiter is
 * reported truncated (its last part runs to the end). */
static int split_multipart(struct eml *e, const struct mime_part *p, struct mime_slice *parts)
{
	char delim[sizeof(p->boundary) + 4];
	size_t dlen = (size_t)snprintf(delim, sizeof(delim), "--%s", p->boundary);
	const char *body = p->body, *end = p->body + p->body_len, *cur, *part_start = NULL;
	bool closed = false;
	int n = 0;

	/* Delimiters stand at the start of a line. */
	for (cur = body; cur < end;) {
		const char *hit = memmem(cur, (size_t)(end - cur), delim, dlen);
		const char *after;

		if (hit == NULL)
			break;
		if (hit != body && hit[-1] != '\n') {
			cur = hit + dlen;
			continue;
		}
		if (part_start && n < EML_MAX_PARTS) {
			const char *pend = hit;

			/* The line break before the delimiter belongs to it. */
			if (pend > part_start && pend[-1] == '\n')
				pend--;
			if (pend > part_start && pend[-1] == '\r')
				pend--;
			parts[n].start = part_start;
			parts[n].len = (size_t)(pend - part_start);
			n++;
		}
		after = hit + dlen;
		if (after + 1 < end && after[0] == '-' && after[1] == '-') {
			closed = true; /* close delimiter */
			break;
		}
		while (after < end && *after != '\n')
			after++;
		part_start = after < end ? after + 1 : end;
		cur = part_start;
	}
	if (!closed && part_start && part_start < end && n < EML_MAX_PARTS) {
		parts[n].start = part_start;
		parts[n].len = (size_t)(end - part_start);
		n++;
		scan_set_uninspectable(e->s, "e-mail multipart is truncated (no closing boundary)");
	}
	return n;
}

/* Of a multipart/alternative, the one that is the message: plain text if
 * there is one, else HTML, else the first. */
static int pick_alternative(const struct mime_slice *parts, int n)
{
	int plain = -1, html = -1;

	for (int i = 0; i < n; i++) {
		struct mime_part sub;

		parse_headers(parts[i].start, parts[i].len, &sub, false);
		free(sub.subject);
		if (strcmp(sub.type, "text/plain") == 0 && plain < 0)
			plain = i;
		else if (strcmp(sub.type, "text/html") == 0 && html < 0)
			html = i;
	}
	if (plain >= 0)
		return plain;
	return html >= 0 ? html : (n > 0 ? 0 : -1);
}

static void handle_multipart(struct eml *e, const struct mime_part *p, int depth)
{
	struct mime_slice *parts;
	int n;

	if (p->boundary[0] == '\0') {
		scan_set_uninspectable(e->s, "e-mail multipart without a boundary");
		return;
	}
	parts = calloc(EML_MAX_PARTS, sizeof(*parts));
	if (parts == NULL) {
		scan_set_uninspectable(e->s, "out of memory splitting an e-mail multipart");
		return;
	}
	n = split_multipart(e, p, parts);
	if (strcmp(p->type, "multipart/alternative") == 0) {
		int pick = pick_alternative(parts, n);

		if (pick >= 0)
			handle_entity(e, parts[pick].start, parts[pick].len, depth + 1, false);
	} else {
		for (int i = 0; i < n && !scan_over_budget(e->s); i++)
			handle_entity(e, parts[i].start, parts[i].len, depth + 1, false);
	}
	free(parts);
}

static void handle_entity(struct eml *e, const char *data, size_t len, int depth, bool top)
{
	struct mime_part p;
	_cleanup_free_ char *decoded = NULL;
	size_t dlen = 0;

	if (depth > EML_MAX_DEPTH) {
		scan_set_uninspectable(e->s, "e-mail MIME parts nested too deeply");
		return;
	}
	if (++e->parts > EML_MAX_PARTS) {
		if (e->parts == EML_MAX_PARTS + 1)
			scan_set_uninspectable(e->s, "e-mail has too many MIME parts");
		return;
	}
	parse_headers(data, len, &p, top);
	free(p.subject);
	p.subject = NULL;

	if (strncmp(p.type, "multipart/", 10) == 0) {
		handle_multipart(e, &p, depth);
		return;
	}
	decoded = decode_body(&p, &dlen);
	if (decoded == NULL) {
		scan_set_uninspectable(e->s, "out of memory decoding an e-mail part");
		return;
	}
	if (is_text(&p) && !p.attachment && p.filename[0] == '\0') {
		_cleanup_free_ char *utf8 = NULL;
		size_t ulen;

		utf8 = strcmp(p.type, "text/html") == 0 && p.charset[0] == '\0'
			   ? html_to_utf8(decoded, dlen, &ulen)
			   : charset_to_utf8(p.charset, strlen(p.charset), decoded, dlen, &ulen);
		if (utf8 == NULL) {
			scan_set_uninspectable(e->s, "out of memory decoding an e-mail part");
			return;
		}
		feed_text(e, &p, utf8, ulen);
		return;
	}
	/* An attachment, or an inline part that is not text: a document of its
	 * own.  The open page closes first: pages do not span documents. */
	close_page(e);
	if (p.filename[0] == '\0')
		snprintf(p.filename, sizeof(p.filename), "part %d%s", e->parts,
			 strcmp(p.type, "message/rfc822") == 0 ? ".eml" : "");
	scan_nested(e->s, decoded, dlen, p.filename);
}

int extract_eml(struct scan *s, const void *data, size_t len)
{
	struct eml e = {.s = s};
	struct mime_part top;
	int fields = parse_headers(data, len, &top, true);

	if (fields == 0) {
		free(top.subject);
		return -1;
	}
	/* The message page starts with the subject line. */
	scan_page_begin(s, SCAN_ZONE_BODY, "message body");
	e.page_open = true;
	e.text_pages = 1;
	if (top.subject && top.subject[0]) {
		scan_text(s, top.subject, strlen(top.subject), false);
		scan_text(s, "\n", 1, false);
	}
	free(top.subject);
	handle_entity(&e, data, len, 0, true);
	close_page(&e);
	return 0;
}
