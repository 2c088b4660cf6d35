/* wardd's control socket: <runtime_dir>/wardd.sock, SOCK_SEQPACKET,
 * root-only (0600).  One request per connection, one answer: a request is
 * a word ("status"), the answer one JSON object.  The server side runs in
 * the main thread's poll loop; the client side is what `wardctl status`
 * uses. */
#ifndef WARD_AGENT_CONTROL_H
#define WARD_AGENT_CONTROL_H

#include <stddef.h>

#define CONTROL_MAX_MSG 8192

/* Server: bind and listen (non-blocking, close-on-exec), removing a stale
 * socket file.  Returns the fd or -errno. */
int control_listen(const char *path);

/* Server: accept one client, read its request (waiting at most 200 ms),
 * call answer(request, buf, size, arg) to fill the reply, send it.  Never
 * blocks the caller for longer. */
typedef void (*control_answer_fn)(const char *request, char *reply, size_t size, void *arg);
void control_serve_one(int listen_fd, control_answer_fn answer, void *arg);

/* Client: send request, read the reply into buf (NUL-terminated), waiting
 * at most timeout_ms.  Returns the reply length or -errno (-ENOENT or
 * -ECONNREFUSED: the agent is not running). */
int control_query(const char *path, const char *request, char *buf, size_t size, int timeout_ms);

#endif
