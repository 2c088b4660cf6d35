/* The hub's own copy of a published notice, and the packets of the notify
 * socket (docs/protocol.md §5) made from it and read from clients.
 * Internal to agent/notify_*.c. */
#ifndef WARD_AGENT_NOTIFY_MSG_H
#define WARD_AGENT_NOTIFY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/notify.h"
#include "report/record.h"

/* Immutable once made; shared by the client queues, the terminal writer
 * and the recent list, counted by refs (touched by the hub thread only). */
struct notify_msg {
	unsigned refs;
	enum notice_kind kind;
	bool gone; /* not a notice: "the medium device_key was removed" */
	uid_t uid, loginuid;
	bool english;
	uint64_t published_ms;	       /* CLOCK_MONOTONIC */
	char observed_at[RFC3339_MAX]; /* 2022-01-25T02:00:00.123Z */
	char burst[160];	       /* uid:action:device_key: what folds together */
	const char *action, *outcome, *ref, *level, *file, *device, *device_key, *reason,
	    *message_zh, *message_en, *contact, *approver, *until; /* never NULL */
	char text[];						   /* the strings */
};

/* A copy of n with every string bounded (a file name to 255 bytes, a
 * message to 1.5 KiB, ...), so that one packet always fits.  NULL on no
 * memory. */
struct notify_msg *notify_msg_new(const struct notice *n, uint64_t now_ms);
/* "The medium is gone" (notify_device_gone). */
struct notify_msg *notify_msg_gone(const char *device_key);
struct notify_msg *notify_msg_ref(struct notify_msg *m);
void notify_msg_unref(struct notify_msg *m); /* NULL ok */

/* The subject's login uid when set, else its uid: the person to tell. */
uid_t notify_msg_person(const struct notify_msg *m);
/* Whether a client of uid may see m. */
bool notify_msg_for(const struct notify_msg *m, uid_t uid);

/* The agent's packet for m, standing for count events (a burst folded in
 * a slow client's queue), after dropped notices that client lost; recent:
 * an answer to an "events" request.  Returns the length, or -EMSGSIZE. */
int notify_msg_encode(const struct notify_msg *m, unsigned count, uint64_t dropped, bool recent,
		      char *buf, size_t size);
int notify_encode_hello(char *buf, size_t size);
/* The end of an "events" answer: n notices were sent. */
int notify_encode_end(unsigned n, char *buf, size_t size);

enum notify_request {
	NOTIFY_REQ_BAD = 0,
	NOTIFY_REQ_HELLO,  /* a helper: session x11|wayland|tty, locale */
	NOTIFY_REQ_EVENTS, /* wardctl events --mine */
};

struct notify_hello {
	bool graphical; /* session x11 or wayland */
	char locale[64];
};

enum notify_request notify_parse_request(const char *buf, size_t len, struct notify_hello *hello);

#endif
