/* The client side of the notify socket (docs/protocol.md §5): what
 * ward-notify and `wardctl events --mine` read from wardd and say to it.
 * Parsing goes through common/json (jansson); unknown members are ignored,
 * so the agent may add some without breaking older helpers. */
#ifndef WARD_NOTIFY_PACKET_H
#define WARD_NOTIFY_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum packet_type {
	PACKET_UNKNOWN = 0, /* a type this helper does not know: skipped */
	PACKET_HELLO,
	PACKET_EVENT,	 /* a file was blocked, quarantined or warned about */
	PACKET_DEVICE,	 /* a medium was made read-only or blocked */
	PACKET_APPROVAL, /* an approval arrived: retry */
	PACKET_END,	 /* the end of an "events" answer */
};

struct notify_packet {
	enum packet_type type;
	char action[32], outcome[64], ref[16], level[32], file[256], device[128];
	char reason[512], message_zh[1600], message_en[1600], contact[128];
	char approver[128], until[40], observed_at[32], burst[192];
	unsigned count;	  /* events this packet stands for (>= 1; END: notices sent) */
	uint64_t dropped; /* notices lost before this one */
	bool recent;	  /* part of an "events" answer */
};

/* Returns 0, or -EBADMSG when buf is not a version-1 packet. */
int notify_packet_parse(const char *buf, size_t len, struct notify_packet *out);

/* The helper's hello (session "x11", "wayland" or "tty") and the
 * "events" request.  Return the length, or -errno. */
int notify_packet_hello(const char *session, const char *locale, char *buf, size_t size);
int notify_packet_events(char *buf, size_t size);

#endif
