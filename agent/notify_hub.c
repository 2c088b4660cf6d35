/* The notify hub: one thread that owns the notify socket, its clients and
 * the terminal writer (agent/notify.h says who sees what).
 *
 *   publishers ──(inbox, bounded, drop-oldest)──► hub thread
 *                                                  ├─ recent list (wardctl events --mine)
 *                                                  ├─ client queues (bounded, drop-oldest,
 *                                                  │  a burst folds into one entry)
 *                                                  └─ terminal writer (no graphical client)
 *
 * The hub never blocks: every socket is non-blocking, a client that does
 * not read loses its oldest notices (counted and told), a terminal that
 * would block loses the line. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/notify.h"
#include "agent/notify_msg.h"
#include "agent/notify_tty.h"
#include "common/log.h"
#include "common/util.h"

#define INBOX_LEN 1024
#define RECENT_LEN 256
#define MAX_ANNOUNCED 64

struct queued {
	struct notify_msg *m; /* NULL: the end of an "events" answer */
	unsigned count;	      /* events folded into this entry */
	bool recent;
};

struct client {
	int fd;
	uid_t uid;
	bool graphical; /* said hello from an x11 or wayland session */
	struct queued *q;
	unsigned head, n;
	uint64_t dropped; /* lost since the last packet sent */
};

struct notify_hub {
	struct notify_options o;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd, wake_fd;
	pthread_t thread;

	pthread_mutex_t lock; /* inbox, stop */
	struct notify_msg *inbox[INBOX_LEN];
	unsigned in_head, in_n;
	bool stop;

	/* The hub thread's own. */
	struct client *clients;
	unsigned n_clients;
	struct notify_msg *recent[RECENT_LEN];
	unsigned recent_head, recent_n;
	char announced[MAX_ANNOUNCED][128]; /* media told of since insertion */
	unsigned n_announced;
	struct tty_writer *tty;

	atomic_uint_fast64_t published, inbox_dropped, client_dropped, sent;
	atomic_uint clients_now;
	atomic_uint_fast64_t tty_lines, tty_written, tty_held;
};

/* ---- publishers (any thread) ---- */

static void inbox_put(struct notify_hub *hub, struct notify_msg *m)
{
	struct notify_msg *old = NULL;

	pthread_mutex_lock(&hub->lock);
	if (hub->in_n == INBOX_LEN) {
		old = hub->inbox[hub->in_head];
		hub->in_head = (hub->in_head + 1) % INBOX_LEN;
		hub->in_n--;
	}
	hub->inbox[(hub->in_head + hub->in_n) % INBOX_LEN] = m;
	hub->in_n++;
	pthread_mutex_unlock(&hub->lock);
	if (old) {
		atomic_fetch_add(&hub->inbox_dropped, 1);
		notify_msg_unref(old); /* only published, never shared yet */
	}
	if (eventfd_write(hub->wake_fd, 1) < 0)
		log_warn("notify: cannot wake the hub");
}

void notify_publish(struct notify_hub *hub, const struct notice *n)
{
	struct notify_msg *m;

	if (!hub)
		return;
	m = notify_msg_new(n, monotonic_ms());
	if (!m) {
		atomic_fetch_add(&hub->inbox_dropped, 1);
		return;
	}
	atomic_fetch_add(&hub->published, 1);
	inbox_put(hub, m);
}

void notify_device_gone(struct notify_hub *hub, const char *device_key)
{
	struct notify_msg *m;

	if (!hub || !device_key)
		return;
	m = notify_msg_gone(device_key);
	if (m)
		inbox_put(hub, m);
}

void notify_get_stats(struct notify_hub *hub, struct notify_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!hub)
		return;
	out->published = atomic_load(&hub->published);
	out->inbox_dropped = atomic_load(&hub->inbox_dropped);
	out->client_dropped = atomic_load(&hub->client_dropped);
	out->sent = atomic_load(&hub->sent);
	out->tty_lines = atomic_load(&hub->tty_lines);
	out->tty_written = atomic_load(&hub->tty_written);
	out->tty_held = atomic_load(&hub->tty_held);
	out->clients = atomic_load(&hub->clients_now);
}

/* ---- client queues (hub thread) ---- */

static void client_push(struct notify_hub *hub, struct client *c, struct notify_msg *m, bool recent)
{
	struct queued *tail = c->n ? &c->q[(c->head + c->n - 1) % hub->o.queue_len] : NULL;

	/* A burst the client has not read yet stays one entry. */
	if (m && tail && tail->m && !recent && !tail->recent && m->kind == NOTICE_EVENT &&
	    tail->m->kind == NOTICE_EVENT && strcmp(tail->m->burst, m->burst) == 0) {
		tail->count++;
		return;
	}
	if (c->n == hub->o.queue_len) {
		struct queued *oldest = &c->q[c->head];

		c->dropped += oldest->count ? oldest->count : 1;
		atomic_fetch_add(&hub->client_dropped, oldest->count ? oldest->count : 1);
		notify_msg_unref(oldest->m);
		c->head = (c->head + 1) % hub->o.queue_len;
		c->n--;
	}
	c->q[(c->head + c->n) % hub->o.queue_len] =
	    (struct queued){m ? notify_msg_ref(m) : NULL, recent ? 0 : 1, recent};
	c->n++;
}

/* Sends what the client's socket takes now.  False: the client is gone. */
static bool client_flush(struct notify_hub *hub, struct client *c)
{
	char buf[NOTIFY_MAX_PACKET + 1];

	while (c->n) {
		struct queued *e = &c->q[c->head];
		int len = e->m ? notify_msg_encode(e->m, e->count ? e->count : 1, c->dropped,
						   e->recent, buf, sizeof(buf))
			       : notify_encode_end(e->count, buf, sizeof(buf));

		if (len >= 0) {
			if (send(c->fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return true;
				return false;
			}
			c->dropped = 0;
			atomic_fetch_add(&hub->sent, 1);
		} else {
			log_warnx("notify: a notice could not be encoded: %s", strerror(-len));
		}
		notify_msg_unref(e->m);
		c->head = (c->head + 1) % hub->o.queue_len;
		c->n--;
	}
	return true;
}

static void client_close(struct notify_hub *hub, unsigned i)
{
	struct client *c = &hub->clients[i];

	while (c->n) {
		notify_msg_unref(c->q[c->head].m);
		c->head = (c->head + 1) % hub->o.queue_len;
		c->n--;
	}
	free(c->q);
	close(c->fd);
	hub->clients[i] = hub->clients[--hub->n_clients];
	atomic_store(&hub->clients_now, hub->n_clients);
}

static void client_accept(struct notify_hub *hub)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		char hello[256];
		struct client *c;
		int n, fd = accept4(hub->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("notify: accept");
			return;
		}
		/* Who it is comes from the kernel, never from what it says. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    hub->n_clients == hub->o.max_clients) {
			close(fd);
			continue;
		}
		c = &hub->clients[hub->n_clients];
		memset(c, 0, sizeof(*c));
		c->q = calloc(hub->o.queue_len, sizeof(*c->q));
		if (!c->q) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cred.uid;
		hub->n_clients++;
		atomic_store(&hub->clients_now, hub->n_clients);
		n = notify_encode_hello(hello, sizeof(hello));
		if (n > 0 && send(fd, hello, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("notify: hello to uid %u: %m", (unsigned)cred.uid);
		log_debug("notify: client of uid %u connected", (unsigned)cred.uid);
	}
}

/* The person's recent notices, oldest first, as many as the client's
 * queue holds, then the end. */
static void answer_events(struct notify_hub *hub, struct client *c)
{
	unsigned space = hub->o.queue_len - c->n - 1, mine = 0, sent = 0;

	if (c->n >= hub->o.queue_len - 1)
		space = 0;
	for (unsigned i = 0; i < hub->recent_n; i++)
		mine += notify_msg_for(hub->recent[(hub->recent_head + i) % RECENT_LEN], c->uid);
	for (unsigned i = 0, seen = 0; i < hub->recent_n; i++) {
		struct notify_msg *m = hub->recent[(hub->recent_head + i) % RECENT_LEN];

		if (!notify_msg_for(m, c->uid) || seen++ + space < mine)
			continue;
		client_push(hub, c, m, true);
		sent++;
	}
	client_push(hub, c, NULL, true);
	c->q[(c->head + c->n - 1) % hub->o.queue_len].count = sent;
}

/* Reads the client's requests.  False: it is gone. */
static bool client_read(struct notify_hub *hub, struct client *c)
{
	char buf[NOTIFY_MAX_PACKET];

	for (;;) {
		struct notify_hello hello;
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		switch (notify_parse_request(buf, (size_t)n, &hello)) {
		case NOTIFY_REQ_HELLO:
			c->graphical = hello.graphical;
			break;
		case NOTIFY_REQ_EVENTS:
			answer_events(hub, c);
			break;
		default:
			log_debug("notify: a malformed request from uid %u ignored",
				  (unsigned)c->uid);
			break;
		}
	}
}

/* ---- routing (hub thread) ---- */

static bool announced_once(struct notify_hub *hub, const char *key)
{
	for (unsigned i = 0; i < hub->n_announced; i++)
		if (strcmp(hub->announced[i], key) == 0)
			return true;
	if (hub->n_announced == MAX_ANNOUNCED) {
		memmove(hub->announced[0], hub->announced[1],
			sizeof(hub->announced[0]) * (MAX_ANNOUNCED - 1));
		hub->n_announced--;
	}
	str_copy(hub->announced[hub->n_announced++], sizeof(hub->announced[0]), key);
	return false;
}

static void forget_announced(struct notify_hub *hub, const char *key)
{
	for (unsigned i = 0; i < hub->n_announced; i++) {
		if (strcmp(hub->announced[i], key) == 0) {
			memmove(hub->announced[i], hub->announced[i + 1],
				sizeof(hub->announced[0]) * (hub->n_announced - i - 1));
			hub->n_announced--;
			return;
		}
	}
}

static void remember_recent(struct notify_hub *hub, struct notify_msg *m)
{
	if (hub->recent_n == RECENT_LEN) {
		notify_msg_unref(hub->recent[hub->recent_head]);
		hub->recent_head = (hub->recent_head + 1) % RECENT_LEN;
		hub->recent_n--;
	}
	hub->recent[(hub->recent_head + hub->recent_n) % RECENT_LEN] = notify_msg_ref(m);
	hub->recent_n++;
}

static void route(struct notify_hub *hub, struct notify_msg *m, uint64_t now_ms)
{
	bool shown = false;

	if (m->gone) {
		forget_announced(hub, m->device_key);
		return;
	}
	if (m->kind == NOTICE_DEVICE && m->device_key[0] && announced_once(hub, m->device_key))
		return;
	if (m->kind != NOTICE_DEVICE)
		remember_recent(hub, m);
	for (unsigned i = 0; i < hub->n_clients; i++) {
		struct client *c = &hub->clients[i];

		if (!notify_msg_for(m, c->uid))
			continue;
		client_push(hub, c, m, false);
		shown = shown || c->graphical;
	}
	/* A medium concerns the desk, not a remote login. */
	if (!shown && m->kind == NOTICE_EVENT)
		tty_writer_push(hub->tty, m, now_ms);
}

/* Takes the whole inbox.  False: the hub is to stop. */
static bool drain_inbox(struct notify_hub *hub)
{
	struct notify_msg *batch[INBOX_LEN];
	unsigned n = 0;
	uint64_t now = monotonic_ms(), ignored;
	bool stop;

	if (eventfd_read(hub->wake_fd, &ignored) < 0 && errno != EAGAIN)
		log_warn("notify: eventfd");
	pthread_mutex_lock(&hub->lock);
	while (hub->in_n) {
		batch[n++] = hub->inbox[hub->in_head];
		hub->in_head = (hub->in_head + 1) % INBOX_LEN;
		hub->in_n--;
	}
	stop = hub->stop;
	pthread_mutex_unlock(&hub->lock);
	for (unsigned i = 0; i < n; i++) {
		route(hub, batch[i], now);
		notify_msg_unref(batch[i]);
	}
	return !stop;
}

static void *hub_main(void *arg)
{
	struct notify_hub *hub = arg;
	struct pollfd *pfd = calloc(hub->o.max_clients + 2, sizeof(*pfd));
	int timeout = -1;
	struct tty_counts tc;

	if (!pfd)
		fatalx("notify: out of memory");
	for (bool running = true; running;) {
		unsigned n = hub->n_clients;

		pfd[0] = (struct pollfd){hub->wake_fd, POLLIN, 0};
		pfd[1] = (struct pollfd){hub->listen_fd, POLLIN, 0};
		for (unsigned i = 0; i < n; i++)
			pfd[i + 2] =
			    (struct pollfd){hub->clients[i].fd,
					    (short)(POLLIN | (hub->clients[i].n ? POLLOUT : 0)), 0};
		if (poll(pfd, n + 2, timeout) < 0 && errno != EINTR)
			log_warn("notify: poll");
		if (pfd[0].revents & POLLIN)
			running = drain_inbox(hub);
		/* Newest first: closing swaps the last client into place i. */
		for (unsigned i = n; i-- > 0;) {
			struct client *c = &hub->clients[i];
			bool alive = true;

			if (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
				alive = client_read(hub, c);
			if (alive && c->n)
				alive = client_flush(hub, c);
			if (!alive)
				client_close(hub, i);
		}
		if (pfd[1].revents & POLLIN)
			client_accept(hub);
		for (unsigned i = n; i < hub->n_clients; i++)
			client_flush(hub, &hub->clients[i]);
		timeout = tty_writer_tick(hub->tty, monotonic_ms());
		tty_writer_counts(hub->tty, &tc);
		atomic_store(&hub->tty_lines, tc.lines);
		atomic_store(&hub->tty_written, tc.written);
		atomic_store(&hub->tty_held, tc.held);
	}
	free(pfd);
	return NULL;
}

/* ---- start and stop ---- */

/* The socket is only as safe as its directory: someone who may write
 * there could put a listener of their own in its place. */
static int check_directory(const char *socket_path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	str_copy(dir, sizeof(dir), socket_path);
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		log_warnx("notify: %s must be a directory of mine that nobody else may write to",
			  dir);
		return -EPERM;
	}
	return 0;
}

static int listen_on(struct notify_hub *hub)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r = check_directory(hub->socket_path);

	if (r < 0)
		return r;
	str_copy(sa.sun_path, sizeof(sa.sun_path), hub->socket_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(hub->socket_path);
	/* Anyone may connect (0666); the directory, writable by root only,
	 * is what keeps others from listening here or replacing it. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(hub->socket_path, 0666) < 0 ||
	    listen(fd, 64) < 0) {
		int e = -errno;

		close(fd);
		unlink(hub->socket_path);
		return e;
	}
	return fd;
}

static void hub_free(struct notify_hub *hub)
{
	while (hub->n_clients)
		client_close(hub, hub->n_clients - 1);
	for (unsigned i = 0; i < hub->recent_n; i++)
		notify_msg_unref(hub->recent[(hub->recent_head + i) % RECENT_LEN]);
	for (unsigned i = 0; i < hub->in_n; i++)
		notify_msg_unref(hub->inbox[(hub->in_head + i) % INBOX_LEN]);
	tty_writer_free(hub->tty);
	if (hub->listen_fd >= 0) {
		close(hub->listen_fd);
		unlink(hub->socket_path);
	}
	if (hub->wake_fd >= 0)
		close(hub->wake_fd);
	pthread_mutex_destroy(&hub->lock);
	free(hub->clients);
	free(hub);
}

int notify_start(const struct notify_options *opts, struct notify_hub **out)
{
	struct notify_hub *hub = calloc(1, sizeof(*hub));
	int r;

	if (!hub)
		return -ENOMEM;
	hub->listen_fd = hub->wake_fd = -1;
	pthread_mutex_init(&hub->lock, NULL);
	hub->o = *opts;
	hub->o.max_clients = opts->max_clients ? opts->max_clients : 64;
	hub->o.queue_len = opts->queue_len ? opts->queue_len : 64;
	hub->o.burst_ms = opts->burst_ms ? opts->burst_ms : 10000;
	if (!str_copy(hub->socket_path, sizeof(hub->socket_path), opts->socket_path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	hub->clients = calloc(hub->o.max_clients, sizeof(*hub->clients));
	r = hub->clients ? tty_writer_new(opts->tty_dir, hub->o.burst_ms, &hub->tty) : -ENOMEM;
	if (r < 0)
		goto fail;
	hub->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hub->wake_fd < 0) {
		r = -errno;
		goto fail;
	}
	hub->listen_fd = listen_on(hub);
	if (hub->listen_fd < 0) {
		r = hub->listen_fd;
		goto fail;
	}
	r = -pthread_create(&hub->thread, NULL, hub_main, hub);
	if (r < 0)
		goto fail;
	*out = hub;
	return 0;
fail:
	hub_free(hub);
	return r;
}

void notify_stop(struct notify_hub *hub)
{
	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->stop = true;
	pthread_mutex_unlock(&hub->lock);
	if (eventfd_write(hub->wake_fd, 1) < 0)
		log_warn("notify: cannot wake the hub to stop it");
	pthread_join(hub->thread, NULL);
	hub_free(hub);
}
