/* What a person reads: the summary and body of a pop-up, and the lines
 * of `wardctl events --mine`, from the agent's packets.  Words come from
 * gettext (Traditional Chinese first, common/i18n.h), the policy's own
 * message in the matching language, and names and codes as they are.
 * No GLib here: the same text in a pop-up and on a terminal. */
#ifndef WARD_NOTIFY_TEXT_H
#define WARD_NOTIFY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify/packet.h"

/* One notice as shown: a packet, or a burst folded into one. */
struct text_notice {
	const struct notify_packet *first;  /* its message and reference code */
	const struct notify_packet *latest; /* its latest file */
	unsigned count;			    /* events in it */
	uint64_t dropped;		    /* notices lost (the agent said so) */
};

/* english: the policy's message_en rather than message_zh (gettext
 * follows the process's locale; i18n_init_staff() keeps both in step).
 * markup: escape for a notification server that reads body markup. */
void text_summary(const struct text_notice *t, char *buf, size_t size);
void text_body(const struct text_notice *t, bool english, bool markup, char *buf, size_t size);

#endif
