/* The fanotify reader thread: reads both groups, answers at once what
 * must not wait (our own and our scanners' opens, the source side's fast
 * path), hands everything else to the pool, and runs the pool's deadline
 * timer.  It never blocks on anything but its fds, and never touches a file
 * on a marked filesystem except through an event's own descriptor. */
#ifndef WARD_AGENT_READER_H
#define WARD_AGENT_READER_H

#include <stdatomic.h>
#include <stdint.h>

struct agent;
struct reader;

/* Starts the thread on a's groups.  Returns 0 or -errno. */
int reader_start(struct agent *a, struct reader **out);
/* Stops it and waits for it; frees. */
void reader_stop(struct reader *r);
/* Counts every turn of the loop: the watchdog's sign of life. */
uint64_t reader_heartbeat(struct reader *r);

#endif
