/* ward-notify: Ward's pop-ups in one graphical session, running as the
 * person logged in.  Connects to wardd's notify socket (notify/link.h),
 * which sends this user's events and nobody else's, shows them through
 * the session's notification server (notify/popup.h), and connects again
 * whenever wardd restarts.  One per session: the session bus name
 * WARD_NOTIFY_BUS_NAME is held while it runs, and a second instance
 * (XDG autostart and the systemd user unit both starting it) leaves. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <libnotify/notify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/i18n.h"
#include "notify/link.h"
#include "notify/packet.h"
#include "notify/popup.h"

#define WARD_NOTIFY_BUS_NAME "ward.Notify"
#define RETRY_FIRST_MS 200
#define RETRY_MAX_MS 2000

struct helper {
	const char *socket_path;
	bool verbose;
	GMainLoop *loop;
	struct popups *popups;
	int fd;
	guint watch, retry;
	guint retry_ms;
	bool said_waiting;
};

static void schedule_connect(struct helper *h);

static const char *session_type(void)
{
	const char *t = getenv("XDG_SESSION_TYPE");

	if (t && (strcmp(t, "x11") == 0 || strcmp(t, "wayland") == 0))
		return t;
	if (getenv("WAYLAND_DISPLAY"))
		return "wayland";
	return getenv("DISPLAY") ? "x11" : "tty";
}

static void disconnect(struct helper *h)
{
	if (h->watch)
		g_source_remove(h->watch);
	h->watch = 0;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

/* Reads every packet waiting.  False: wardd went away. */
static bool read_packets(struct helper *h)
{
	char buf[8192 + 1];

	for (;;) {
		struct notify_packet p;
		ssize_t n = recv(h->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		if (notify_packet_parse(buf, (size_t)n, &p) < 0) {
			fprintf(stderr, "ward-notify: a malformed packet from wardd skipped\n");
			continue;
		}
		popups_show(h->popups, &p);
	}
}

static gboolean on_socket(gint fd, GIOCondition cond, gpointer data)
{
	struct helper *h = data;

	(void)fd;
	if ((cond & G_IO_IN) && read_packets(h))
		return G_SOURCE_CONTINUE;
	if (!(cond & G_IO_IN) && !(cond & (G_IO_HUP | G_IO_ERR)))
		return G_SOURCE_CONTINUE;
	fprintf(stderr, "ward-notify: wardd went away; waiting for it to come back\n");
	h->watch = 0; /* removed by returning G_SOURCE_REMOVE */
	close(h->fd);
	h->fd = -1;
	h->retry_ms = RETRY_FIRST_MS;
	h->said_waiting = true;
	schedule_connect(h);
	return G_SOURCE_REMOVE;
}

static bool try_connect(struct helper *h)
{
	char err[512], hello[512];
	int n, fd = notify_link_connect(h->socket_path, err, sizeof(err));

	if (fd < 0) {
		if (!h->said_waiting || fd == -EPERM)
			fprintf(stderr, "ward-notify: %s; trying again\n", err);
		h->said_waiting = true;
		return false;
	}
	n = notify_packet_hello(session_type(), i18n_locale_env(), hello, sizeof(hello));
	if (n < 0 || send(fd, hello, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "ward-notify: cannot greet wardd: %s\n", strerror(errno));
		close(fd);
		return false;
	}
	h->fd = fd;
	h->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_socket, h);
	h->said_waiting = false;
	fprintf(stderr, "ward-notify: connected to wardd at %s\n", h->socket_path);
	return true;
}

static gboolean retry_now(gpointer data)
{
	struct helper *h = data;

	h->retry = 0;
	if (!try_connect(h)) {
		h->retry_ms = h->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : h->retry_ms * 2;
		schedule_connect(h);
	}
	return G_SOURCE_REMOVE;
}

static void schedule_connect(struct helper *h)
{
	if (!h->retry)
		h->retry = g_timeout_add(h->retry_ms, retry_now, h);
}

/* Holds the session's one ward-notify name.  False: another holds it. */
static bool own_bus_name(GDBusConnection **bus)
{
	GError *err = NULL;
	GVariant *reply;
	guint32 result = 0;

	*bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
	if (!*bus) {
		fprintf(stderr, "ward-notify: no session bus: %s\n", err->message);
		g_error_free(err);
		exit(1);
	}
	reply = g_dbus_connection_call_sync(
	    *bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "RequestName", g_variant_new("(su)", WARD_NOTIFY_BUS_NAME, 4 /* DO_NOT_QUEUE */),
	    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &err);
	if (!reply) {
		fprintf(stderr, "ward-notify: cannot claim %s: %s\n", WARD_NOTIFY_BUS_NAME,
			err->message);
		g_error_free(err);
		exit(1);
	}
	g_variant_get(reply, "(u)", &result);
	g_variant_unref(reply);
	return result == 1; /* PRIMARY_OWNER */
}

static gboolean on_signal(gpointer data)
{
	g_main_loop_quit(((struct helper *)data)->loop);
	return G_SOURCE_CONTINUE;
}

static void usage(FILE *out)
{
	fprintf(out, "%s", _("usage: ward-notify [--socket PATH] [--burst-ms MS] [--verbose]\n"));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"burst-ms", required_argument, NULL, 'b'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct helper h = {.socket_path = NOTIFY_DEFAULT_SOCKET, .fd = -1};
	unsigned burst_ms = 10000;
	GDBusConnection *bus;
	bool english = i18n_init_staff();
	int opt;

	while ((opt = getopt_long(argc, argv, "s:b:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			h.socket_path = optarg;
			break;
		case 'b':
			burst_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'v':
			h.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!own_bus_name(&bus)) {
		fprintf(stderr, "ward-notify: already running in this session\n");
		g_object_unref(bus);
		return 0;
	}
	if (!notify_init("Ward")) {
		fprintf(stderr, "ward-notify: cannot initialise libnotify\n");
		return 1;
	}
	h.loop = g_main_loop_new(NULL, FALSE);
	h.popups = popups_new(burst_ms, english, h.verbose);
	h.retry_ms = RETRY_FIRST_MS;
	g_unix_signal_add(SIGTERM, on_signal, &h);
	g_unix_signal_add(SIGINT, on_signal, &h);
	if (!try_connect(&h))
		schedule_connect(&h);
	g_main_loop_run(h.loop);

	disconnect(&h);
	if (h.retry)
		g_source_remove(h.retry);
	popups_free(h.popups);
	notify_uninit();
	g_main_loop_unref(h.loop);
	g_object_unref(bus);
	return 0;
}
