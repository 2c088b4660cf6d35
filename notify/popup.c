#include "notify/popup.h"

#include <libnotify/notify.h>
#include <stdio.h>
#include <string.h>

#include "notify/text.h"

#define MAX_BURSTS 32
#define SUMMARY_BYTES 512
#define BODY_BYTES 6144

struct burst {
	struct popups *owner;
	struct notify_packet first, latest;
	NotifyNotification *n;
	unsigned count;
	guint64 dropped;
	gint64 last_event_us, last_shown_us;
	guint pending; /* a throttled update waiting */
	bool closed;
};

struct popups {
	struct burst *bursts[MAX_BURSTS];
	unsigned n_bursts;
	unsigned burst_ms;
	bool english, verbose;
	int markup; /* the server renders body markup: -1 not asked yet */
	gint64 last_error_us;
};

struct popups *popups_new(unsigned burst_ms, bool english, bool verbose)
{
	struct popups *p = g_new0(struct popups, 1);

	p->burst_ms = burst_ms;
	p->english = english;
	p->verbose = verbose;
	p->markup = -1;
	return p;
}

static void burst_free(struct burst *b)
{
	if (b->pending)
		g_source_remove(b->pending);
	if (b->n) {
		g_signal_handlers_disconnect_by_data(b->n, b);
		g_object_unref(b->n);
	}
	g_free(b);
}

void popups_free(struct popups *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_bursts; i++)
		burst_free(p->bursts[i]);
	g_free(p);
}

static bool server_reads_markup(struct popups *p)
{
	GList *caps;

	if (p->markup >= 0)
		return p->markup;
	caps = notify_get_server_caps();
	if (!caps)
		return false; /* no server yet: ask again next time */
	p->markup = g_list_find_custom(caps, "body-markup", (GCompareFunc)strcmp) != NULL;
	g_list_free_full(caps, g_free);
	return p->markup;
}

static void on_closed(NotifyNotification *n, gpointer data)
{
	struct burst *b = data;

	(void)n;
	b->closed = true;
}

static NotifyUrgency urgency_of(const struct notify_packet *p)
{
	if (p->type == PACKET_EVENT &&
	    (strcmp(p->action, "block") == 0 || strcmp(p->action, "quarantine") == 0))
		return NOTIFY_URGENCY_CRITICAL;
	if (p->type == PACKET_DEVICE && strcmp(p->action, "block") == 0)
		return NOTIFY_URGENCY_CRITICAL;
	return NOTIFY_URGENCY_NORMAL;
}

/* Creates or updates b's notification with its current text. */
static void burst_show(struct burst *b)
{
	struct popups *p = b->owner;
	struct text_notice t = {&b->first, &b->latest, b->count, b->dropped};
	char summary[SUMMARY_BYTES], body[BODY_BYTES];
	const char *icon =
	    b->first.type == PACKET_APPROVAL ? "dialog-information" : "dialog-warning";
	GError *err = NULL;

	text_summary(&t, summary, sizeof(summary));
	text_body(&t, p->english, server_reads_markup(p), body, sizeof(body));
	if (!b->n) {
		b->n = notify_notification_new(summary, body, icon);
		notify_notification_set_urgency(b->n, urgency_of(&b->first));
		notify_notification_set_app_name(b->n, "Ward");
		notify_notification_set_category(
		    b->n, b->first.type == PACKET_DEVICE ? "device" : "transfer.error");
		notify_notification_set_hint(b->n, "desktop-entry",
					     g_variant_new_string("ward-notify"));
		g_signal_connect(b->n, "closed", G_CALLBACK(on_closed), b);
	} else {
		notify_notification_update(b->n, summary, body, icon);
	}
	b->last_shown_us = g_get_monotonic_time();
	if (!notify_notification_show(b->n, &err)) {
		if (b->last_shown_us - p->last_error_us > 10 * G_USEC_PER_SEC) {
			fprintf(stderr, "ward-notify: cannot show a notification: %s\n",
				err ? err->message : "?");
			p->last_error_us = b->last_shown_us;
		}
		g_clear_error(&err);
		return;
	}
	if (p->verbose) {
		gint id = 0;

		g_object_get(b->n, "id", &id, NULL);
		fprintf(stderr, "ward-notify: shown id=%d count=%u summary=%s\n", id, b->count,
			summary);
	}
}

static gboolean update_now(gpointer data)
{
	struct burst *b = data;

	b->pending = 0;
	burst_show(b);
	return G_SOURCE_REMOVE;
}

static void schedule_update(struct burst *b)
{
	gint64 since_ms = (g_get_monotonic_time() - b->last_shown_us) / 1000;

	if (b->pending)
		return;
	if (since_ms >= POPUP_UPDATE_MS)
		burst_show(b);
	else
		b->pending = g_timeout_add((guint)(POPUP_UPDATE_MS - since_ms), update_now, b);
}

/* Drops bursts that are over, and the oldest when the table is full. */
static void forget_old(struct popups *p, gint64 now)
{
	for (unsigned i = 0; i < p->n_bursts;) {
		struct burst *b = p->bursts[i];
		bool over = b->closed || now - b->last_event_us > (gint64)p->burst_ms * 1000;

		if (over && !b->pending) {
			burst_free(b);
			p->bursts[i] = p->bursts[--p->n_bursts];
			continue;
		}
		i++;
	}
	if (p->n_bursts == MAX_BURSTS) {
		burst_free(p->bursts[0]);
		p->bursts[0] = p->bursts[--p->n_bursts];
	}
}

static struct burst *find_open(struct popups *p, const char *key, gint64 now)
{
	for (unsigned i = 0; key[0] && i < p->n_bursts; i++) {
		struct burst *b = p->bursts[i];

		if (!b->closed && b->first.type == PACKET_EVENT &&
		    strcmp(b->first.burst, key) == 0 &&
		    now - b->last_event_us <= (gint64)p->burst_ms * 1000)
			return b;
	}
	return NULL;
}

void popups_show(struct popups *p, const struct notify_packet *packet)
{
	gint64 now = g_get_monotonic_time();
	struct burst *b;

	if (packet->recent || (packet->type != PACKET_EVENT && packet->type != PACKET_DEVICE &&
			       packet->type != PACKET_APPROVAL))
		return;
	b = packet->type == PACKET_EVENT ? find_open(p, packet->burst, now) : NULL;
	if (b) {
		b->count += packet->count;
		b->dropped += packet->dropped;
		b->latest = *packet;
		b->last_event_us = now;
		schedule_update(b);
		return;
	}
	forget_old(p, now);
	b = g_new0(struct burst, 1);
	b->owner = p;
	b->first = b->latest = *packet;
	b->count = packet->count;
	b->dropped = packet->dropped;
	b->last_event_us = now;
	p->bursts[p->n_bursts++] = b;
	burst_show(b);
}
