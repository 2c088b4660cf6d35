/* Reaching wardd's notify socket, and making sure it is wardd's: the
 * socket's directory must be root's and writable by nobody else (so no
 * user can have put a listener there), and the listener must be root
 * (SO_PEERCRED of the connected socket).  Used by ward-notify and by
 * `wardctl events --mine`. */
#ifndef WARD_NOTIFY_LINK_H
#define WARD_NOTIFY_LINK_H

#include <stddef.h>

#define NOTIFY_DEFAULT_SOCKET "/run/ward/notify.sock"

/* Returns a connected, close-on-exec, non-blocking SOCK_SEQPACKET fd, or
 * -errno with the reason in err: -ENOENT / -ECONNREFUSED (wardd is not
 * running), -EPERM (what answers is not wardd). */
int notify_link_connect(const char *path, char *err, size_t errsize);

#endif
