/* Pop-up warnings, the agent's side: the notify socket (docs/protocol.md
 * §5) that each user's ward-notify connects to, and a one-line terminal
 * message for users without a graphical session.
 *
 * One thread of its own (the hub) owns the socket, every client and every
 * terminal.  Other threads only publish: notify_publish() copies the notice
 * into a bounded inbox (the oldest is dropped and counted when it is full)
 * and wakes the hub; it never waits on a client, a terminal or a lock held
 * across I/O, so a worker that has just answered the kernel is never held
 * up by someone's desktop.
 *
 * Who sees what: a client is identified by SO_PEERCRED when it connects
 * (never by what it sends); a notice about a file goes only to clients
 * whose uid is the subject's uid or loginuid.  A notice about a medium (no
 * subject) goes to every connected session, once per insertion. */
#ifndef WARD_AGENT_NOTIFY_H
#define WARD_AGENT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define NOTIFY_SOCKET_NAME "notify.sock"
#define NOTIFY_MAX_PACKET 8192 /* one JSON object per packet, at most */

enum notice_kind {
	NOTICE_EVENT = 0, /* a file was blocked, quarantined, or warned about */
	NOTICE_DEVICE,	  /* a medium was made read-only or blocked */
	NOTICE_APPROVAL,  /* a supervisor's approval arrived: retry the copy */
};

/* What the employee is told about one outcome.  Strings are borrowed for
 * the call to notify_publish (NULL: not known). */
struct notice {
	enum notice_kind kind;
	uid_t uid;		/* the subject, (uid_t)-1 for a device notice */
	uid_t loginuid;		/* the person behind sudo, or (uid_t)-1 */
	bool english;		/* the subject's locale asks for English (terminal line) */
	const char *action;	/* block, quarantine, warn; read-only, block; approval */
	const char *outcome;	/* denied, quarantined, ... */
	const char *ref;	/* XXXX-XXXX (record_ref, common/record_id.h) */
	const char *level;	/* 機密 */
	const char *file;	/* the file's base name */
	const char *device;	/* the medium for people: "SanDisk Cruzer" */
	const char *device_key; /* the medium's identity: vid:pid:serial */
	const char *reason;	/* the rule's reason in plain words */
	const char *message_zh; /* the policy's text, placeholders filled */
	const char *message_en;
	const char *contact; /* the ethics office's contact line */
	const char *approver;
	const char *until;
	struct timespec observed; /* CLOCK_REALTIME */
};

struct notify_options {
	const char *socket_path; /* <runtime_dir>/notify.sock */
	unsigned max_clients;	 /* 0: 64 */
	unsigned queue_len;	 /* per client, 0: 64 notices */
	unsigned burst_ms;	 /* a burst ends this long after its last event; 0: 10 s */
	const char *tty_dir;	 /* where terminals are looked for; NULL: /dev */
};

struct notify_stats {
	uint64_t published;	 /* notices handed to the hub */
	uint64_t inbox_dropped;	 /* dropped before the hub saw them (inbox full) */
	uint64_t client_dropped; /* dropped from a slow client's queue */
	uint64_t sent;		 /* packets delivered to clients */
	uint64_t tty_lines;	 /* terminal lines due */
	uint64_t tty_written;	 /* terminals those lines reached */
	uint64_t tty_held;	 /* events folded into a later line by the rate limit */
	unsigned clients;	 /* connected now */
};

struct notify_hub;

/* Binds the socket (mode 0666 in a directory only root may write: anyone
 * may connect, nobody else may listen there) and starts the hub thread.
 * Returns 0 or -errno. */
int notify_start(const struct notify_options *opts, struct notify_hub **out);
/* Stops the thread, closes every client, removes the socket.  NULL ok. */
void notify_stop(struct notify_hub *hub);

/* Any thread.  Copies n; never blocks on I/O.  hub may be NULL. */
void notify_publish(struct notify_hub *hub, const struct notice *n);
/* The medium is gone: its next insertion is announced again. */
void notify_device_gone(struct notify_hub *hub, const char *device_key);

void notify_get_stats(struct notify_hub *hub, struct notify_stats *out);

#endif
