/* wardctl events --mine: what wardd told you, or would have told you in a
 * pop-up, since it started: for anyone, without privileges, and only your
 * own events.  Asked over the notify socket, where wardd knows who asks
 * from the kernel (SO_PEERCRED), never from an argument; the same texts
 * as the pop-ups (notify/text.h), in Traditional Chinese unless your
 * locale asks for English. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/date.h"
#include "common/i18n.h"
#include "common/termsafe.h"
#include "notify/link.h"
#include "notify/packet.h"
#include "notify/text.h"
#include "wardctl/commands.h"

#define ANSWER_TIMEOUT_MS 3000
#define PACKET_BYTES 8193

/* The next packet, waiting at most ANSWER_TIMEOUT_MS.  -ETIMEDOUT, -EPIPE
 * (wardd closed), or the length. */
static int next_packet(int fd, char *buf, size_t size, struct notify_packet *p)
{
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;
		int r = poll(&pfd, 1, ANSWER_TIMEOUT_MS);

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0 && errno != EINTR)
			return -errno;
		n = recv(fd, buf, size - 1, MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		buf[n] = '\0';
		if (notify_packet_parse(buf, (size_t)n, p) == 0)
			return (int)n;
	}
}

/* Prints text with every line after the first indented, made safe for
 * the terminal (file names are anyone's choosing). */
static void print_indented(const char *text, const char *indent)
{
	char line[4096], safe[8192];
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		term_escape(line, safe, sizeof(safe));
		printf("%s%s\n", indent, safe);
		p += n + (p[n] == '\n');
	}
}

static void print_notice(const struct notify_packet *p, bool english)
{
	struct text_notice t = {p, p, p->count, 0};
	char when[64] = "", summary[512], body[6144], safe[1024];
	time_t at;

	if (date_parse_utc(p->observed_at, &at))
		date_for_people(at, english, when, sizeof(when));
	text_summary(&t, summary, sizeof(summary));
	text_body(&t, english, false, body, sizeof(body));
	term_escape(summary, safe, sizeof(safe));
	printf("%s  %s\n", when, safe);
	print_indented(body, "    ");
}

int cmd_events_mine(const char *socket_path, bool json)
{
	bool english = i18n_init_staff();
	char err[512], buf[PACKET_BYTES];
	struct notify_packet p;
	unsigned shown = 0;
	int n, fd;

	fd = notify_link_connect(socket_path, err, sizeof(err));
	if (fd < 0) {
		if (fd == -ENOENT || fd == -ECONNREFUSED)
			fprintf(stderr, _("wardctl: wardd is not running (%s)\n"), err);
		else
			fprintf(stderr, "wardctl: %s\n", err);
		return 1;
	}
	n = notify_packet_events(buf, sizeof(buf));
	if (n < 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "wardctl: %s: %s\n", socket_path, strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = next_packet(fd, buf, sizeof(buf), &p)) > 0 && p.type != PACKET_END) {
		if (!p.recent)
			continue; /* something that happened just now: not part of the answer */
		shown++;
		if (json)
			printf("%s\n", buf);
		else
			print_notice(&p, english);
	}
	close(fd);
	if (n < 0) {
		fprintf(stderr, _("wardctl: no complete answer from wardd: %s\n"), strerror(-n));
		return 1;
	}
	if (!json && shown == 0)
		printf("%s\n",
		       _("Nothing to show: wardd has stopped none of your copies and warned "
			 "you of none since it started."));
	return 0;
}
