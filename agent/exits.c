/* Recent exits of processes (exits.h). */
#include "agent/exits.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "kmod-free/procexit.h"

struct exit_entry {
	pid_t pid, ppid;
};

struct exits {
	pthread_mutex_t lock; /* the socket's reads and the ring */
	int fd, stop;
	pthread_t thread;
	struct exit_entry ring[EXITS_RING];
	unsigned next;
	uint64_t seen, dropped;
};

static void remember(void *arg, pid_t pid, pid_t ppid)
{
	struct exits *x = arg;

	x->ring[x->next] = (struct exit_entry){pid, ppid};
	x->next = (x->next + 1) % EXITS_RING;
	x->seen++;
}

/* Lock held. */
static void drain(struct exits *x)
{
	int r = procexit_drain(x->fd, remember, x);

	if (r == -ENOBUFS) {
		if (x->dropped++ == 0)
			log_warnx("process exits: the kernel dropped some (lineage may miss "
				  "a reader's parent)");
	} else if (r < 0) {
		log_warnx("process exits: cannot read: %s", strerror(-r));
	}
}

static void *exits_main(void *arg)
{
	struct exits *x = arg;

	for (;;) {
		struct pollfd pfd[2] = {{x->fd, POLLIN, 0}, {x->stop, POLLIN, 0}};

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			log_warn("process exits: poll");
		if (pfd[1].revents)
			break;
		if (pfd[0].revents) {
			pthread_mutex_lock(&x->lock);
			drain(x);
			pthread_mutex_unlock(&x->lock);
		}
	}
	return NULL;
}

int exits_start(struct exits **out)
{
	struct exits *x = calloc(1, sizeof(*x));
	sigset_t all, old;
	int r;

	if (!x)
		return -ENOMEM;
	pthread_mutex_init(&x->lock, NULL);
	x->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x->fd = procexit_open();
	if (x->stop < 0 || x->fd < 0) {
		r = x->stop < 0 ? -errno : x->fd;
		goto fail;
	}
	/* Signals are the main thread's (signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&x->thread, NULL, exits_main, x);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0) {
		*out = x;
		return 0;
	}
fail:
	if (x->fd >= 0)
		close(x->fd);
	if (x->stop >= 0)
		close(x->stop);
	pthread_mutex_destroy(&x->lock);
	free(x);
	return r;
}

void exits_stop(struct exits *x)
{
	if (!x)
		return;
	if (eventfd_write(x->stop, 1) == 0)
		pthread_join(x->thread, NULL);
	close(x->fd);
	close(x->stop);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

pid_t exits_parent(struct exits *x, pid_t pid)
{
	pid_t ppid = 0;

	if (!x)
		return 0;
	pthread_mutex_lock(&x->lock);
	drain(x);
	/* The newest first: a pid the kernel reused exited last. */
	for (unsigned i = 1; i <= EXITS_RING && ppid == 0; i++) {
		const struct exit_entry *e = &x->ring[(x->next + EXITS_RING - i) % EXITS_RING];

		if (e->pid == pid)
			ppid = e->ppid;
	}
	pthread_mutex_unlock(&x->lock);
	return ppid;
}

void exits_get_stats(struct exits *x, struct exits_stats *out)
{
	pthread_mutex_lock(&x->lock);
	out->seen = x->seen;
	out->dropped = x->dropped;
	pthread_mutex_unlock(&x->lock);
}
