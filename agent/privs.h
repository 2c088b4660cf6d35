/* Least privilege for wardd after setup: the capabilities it keeps, and
 * why, are listed in privs.c. */
#ifndef WARD_AGENT_PRIVS_H
#define WARD_AGENT_PRIVS_H

/* Shrinks the bounding set, then the permitted and effective sets, to
 * what the running daemon needs.  Returns 0 or -errno. */
int privs_drop(void);

#endif
