#include "notify/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/date.h"
#include "common/i18n.h"

struct out {
	char *buf;
	size_t size, len;
	bool markup;
};

/* Appends text, escaped for markup when asked. */
static void put(struct out *o, const char *text)
{
	for (; *text && o->len + 1 < o->size; text++) {
		const char *rep = NULL;
		size_t n;

		if (o->markup)
			rep = *text == '&'   ? "&amp;"
			      : *text == '<' ? "&lt;"
			      : *text == '>' ? "&gt;"
					     : NULL;
		if (!rep) {
			o->buf[o->len++] = *text;
			continue;
		}
		n = strlen(rep);
		if (o->len + n + 1 > o->size)
			break;
		memcpy(o->buf + o->len, rep, n);
		o->len += n;
	}
	o->buf[o->len] = '\0';
}

/* A translated format with arguments that came from outside (file
 * names, ...): formatted first, then escaped as a whole, so a '%' or '<'
 * in a name is only ever text. */
__attribute__((format(printf, 2, 3))) static void putf(struct out *o, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	put(o, line);
}

static void newline(struct out *o)
{
	if (o->len)
		put(o, "\n");
}

static bool is_block(const struct notify_packet *p)
{
	return strcmp(p->action, "block") == 0;
}

static bool is_quarantine(const struct notify_packet *p)
{
	return strcmp(p->action, "quarantine") == 0 && strcmp(p->outcome, "denied") != 0;
}

static void event_summary(const struct text_notice *t, struct out *o)
{
	const struct notify_packet *p = t->first;
	unsigned n = t->count;

	if (is_quarantine(p)) {
		if (n > 1)
			putf(o,
			     dngettext(WARD_TEXTDOMAIN, "%u file quarantined",
				       "%u files quarantined", n),
			     n);
		else
			putf(o, _("File quarantined: %s"), t->latest->file);
	} else if (is_block(p) || strcmp(p->action, "quarantine") == 0) {
		if (n > 1)
			putf(o,
			     dngettext(WARD_TEXTDOMAIN, "Copy blocked: %u file",
				       "Copy blocked: %u files", n),
			     n);
		else
			putf(o, _("Copy blocked: %s"), t->latest->file);
	} else if (n > 1) {
		putf(o, dngettext(WARD_TEXTDOMAIN, "Warning: %u file", "Warning: %u files", n), n);
	} else {
		putf(o, _("Warning: %s"), t->latest->file);
	}
}

void text_summary(const struct text_notice *t, char *buf, size_t size)
{
	struct out o = {buf, size, 0, false};
	const struct notify_packet *p = t->first;

	if (size)
		buf[0] = '\0';
	switch (p->type) {
	case PACKET_DEVICE:
		if (strcmp(p->action, "block") == 0)
			putf(&o, _("Storage device blocked: %s"), p->device);
		else
			putf(&o, _("Read-only storage device: %s"), p->device);
		break;
	case PACKET_APPROVAL:
		put(&o, _("Approval received"));
		break;
	default:
		event_summary(t, &o);
		break;
	}
}

static const char *message_of(const struct notify_packet *p, bool english)
{
	const char *m = english ? p->message_en : p->message_zh;

	return m[0] ? m : english ? p->message_zh : p->message_en;
}

static void event_facts(const struct text_notice *t, struct out *o)
{
	const struct notify_packet *l = t->latest;
	char ref[128];

	newline(o);
	if (t->count > 1 && l->level[0])
		putf(o, _("Latest file: %s (%s)"), l->file, l->level);
	else if (t->count > 1)
		putf(o, _("Latest file: %s"), l->file);
	else if (l->level[0])
		putf(o, _("File: %s (%s)"), l->file, l->level);
	else
		putf(o, _("File: %s"), l->file);
	if (l->device[0]) {
		newline(o);
		putf(o, _("Device: %s"), l->device);
	}
	if (!t->first->ref[0])
		return;
	/* The first attempt's code; the others are found from it. */
	if (t->count > 1)
		snprintf(ref, sizeof(ref),
			 dngettext(WARD_TEXTDOMAIN, "%s (and %u more attempt)",
				   "%s (and %u more attempts)", t->count - 1),
			 t->first->ref, t->count - 1);
	else
		snprintf(ref, sizeof(ref), "%s", t->first->ref);
	newline(o);
	if (is_block(t->first) || strcmp(t->first->action, "quarantine") == 0)
		putf(
		    o,
		    _("Reference code %s: quote it when you ask your supervisor for an approval or call the ethics office."),
		    ref);
	else
		putf(o, _("Reference code: %s"), ref);
}

static void approval_body(const struct notify_packet *p, struct out *o, bool english)
{
	char until[64] = "";
	time_t t;

	if (date_parse_utc(p->until, &t))
		date_for_people(t, english, until, sizeof(until));
	putf(o, _("%s approved your copy until %s. You may now retry the copy."),
	     p->approver[0] ? p->approver : "?", until[0] ? until : p->until);
	if (p->level[0]) {
		newline(o);
		putf(o, _("Files up to level %s"), p->level);
	}
	if (p->device[0]) {
		newline(o);
		putf(o, _("Only to the device with serial %s"), p->device);
	}
	if (p->reason[0]) {
		newline(o);
		putf(o, _("Note: %s"), p->reason);
	}
}

void text_body(const struct text_notice *t, bool english, bool markup, char *buf, size_t size)
{
	struct out o = {buf, size, 0, markup};
	const struct notify_packet *p = t->first;
	const char *message = message_of(p, english);

	if (size)
		buf[0] = '\0';
	if (p->type == PACKET_APPROVAL)
		approval_body(p, &o, english);
	else
		put(&o, message);
	if (p->type == PACKET_EVENT)
		event_facts(t, &o);
	/* The office's own wording may leave the contact line out. */
	if (p->contact[0] && !strstr(message, p->contact)) {
		newline(&o);
		putf(&o, _("Contact: %s"), p->contact);
	}
	if (t->dropped) {
		newline(&o);
		putf(&o,
		     dngettext(WARD_TEXTDOMAIN,
			       "%llu more notice could not be shown while the system was busy.",
			       "%llu more notices could not be shown while the system was busy.",
			       (unsigned long)t->dropped),
		     (unsigned long long)t->dropped);
	}
}
