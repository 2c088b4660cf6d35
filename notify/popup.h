/* Pop-ups through libnotify (org.freedesktop.Notifications), with no
 * storms: the events of one burst (same person, action and medium, each
 * within burst_ms of the last) are one notification, updated in place
 * (the same id: replaces_id) with the count, at most every
 * POPUP_UPDATE_MS.  A burst ends when its notification is closed or it
 * goes quiet.  Block and quarantine are critical (they stay until
 * dismissed), warnings and approvals normal. */
#ifndef WARD_NOTIFY_POPUP_H
#define WARD_NOTIFY_POPUP_H

#include <stdbool.h>

#include "notify/packet.h"

#define POPUP_UPDATE_MS 250

struct popups;

struct popups *popups_new(unsigned burst_ms, bool english, bool verbose);
void popups_free(struct popups *p);

/* An event, device or approval packet from wardd. */
void popups_show(struct popups *p, const struct notify_packet *packet);

#endif
