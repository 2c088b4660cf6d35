/* `wardctl events`: the signed record log read as the decision journal it
 * replaced, one readable line (or one flat JSON object) per record. */
#ifndef WARD_WARDCTL_EVENTS_H
#define WARD_WARDCTL_EVENTS_H

#include <stdbool.h>

/* Prints the records of state_dir/log; with follow, then those to come
 * (never returns).  Returns 0 or 1 (the log unreadable). */
int events_print(const char *state_dir, bool json, bool follow);

#endif
