/* wardctl's sub-commands.  Each returns the process exit status: 0 done,
 * 1 failed (a file unreadable, a policy invalid, the agent down), 2 usage. */
#ifndef WARD_WARDCTL_COMMANDS_H
#define WARD_WARDCTL_COMMANDS_H

#include <stdbool.h>

int cmd_classify(int argc, char **argv); /* cmd_classify.c */
int cmd_policy(int argc, char **argv);	 /* cmd_policy.c: check, explain */
int cmd_token(int argc, char **argv);	 /* cmd_token.c: approval tokens */
int cmd_status(int argc, char **argv);	 /* cmd_agent.c */
int cmd_devices(int argc, char **argv);	 /* cmd_agent.c */
int cmd_known(int argc, char **argv);	 /* cmd_agent.c */
int cmd_events(int argc, char **argv);	 /* cmd_agent.c */
int cmd_verify(int argc, char **argv);	 /* cmd_report.c */
int cmd_enroll(int argc, char **argv);	 /* cmd_sender.c */
int cmd_spool(int argc, char **argv);	 /* cmd_sender.c */

/* `events --mine` (cmd_mine.c): the caller's own notices from wardd. */
int cmd_events_mine(const char *notify_socket, bool json);

#endif
