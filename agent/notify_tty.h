/* The terminal line for users without a graphical session (SSH, a text
 * console): like write(1), one line on each terminal the person owns, in
 * the hub's thread, never waiting (a terminal that would block is skipped).
 * Bursts fold: the first event of a burst is written at once, the rest are
 * counted and written as one line per repeat interval; each person gets at
 * most a few lines a minute.  Control characters in what users chose (file
 * names, device names) are shown escaped, never sent to the terminal. */
#ifndef WARD_AGENT_NOTIFY_TTY_H
#define WARD_AGENT_NOTIFY_TTY_H

#include <stddef.h>
#include <stdint.h>

#include "agent/notify_msg.h"

#define TTY_REPEAT_MS 10000 /* a burst's further events: one line per interval */
#define TTY_LINES_PER_MINUTE 5

struct tty_writer;

/* dev_dir: where pts/N and ttyN are looked for ("/dev"). */
int tty_writer_new(const char *dev_dir, unsigned burst_ms, struct tty_writer **out);
void tty_writer_free(struct tty_writer *w);

/* Tell m's person on their terminals (takes its own reference). */
void tty_writer_push(struct tty_writer *w, struct notify_msg *m, uint64_t now_ms);
/* Writes what the rate limit held back, once due.  Returns the ms until
 * the next thing is due, or -1. */
int tty_writer_tick(struct tty_writer *w, uint64_t now_ms);
struct tty_counts {
	uint64_t lines;	  /* lines due (first events and folded repeats) */
	uint64_t written; /* terminals each line reached, summed */
	uint64_t held;	  /* events folded into a later line */
};
void tty_writer_counts(const struct tty_writer *w, struct tty_counts *out);

/* The line for m standing for count events, escaped, without the
 * surrounding "\r\n".  Returns its length (truncated to size - 1). */
size_t tty_line(const struct notify_msg *m, unsigned count, char *buf, size_t size);

#endif
