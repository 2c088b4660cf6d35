#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Set once by log_init() before any thread starts; read-only afterwards. */
static struct {
	const char *progname;
	enum log_target target;
	bool verbose;
} log_conf = {"ward", LOG_TO_STDERR, false};

void log_init(const char *progname, enum log_target target, bool verbose)
{
	log_conf.progname = progname;
	log_conf.target = target;
	log_conf.verbose = verbose;
	if (target == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_emit(int priority, const char *errstr, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_conf.target == LOG_TO_SYSLOG) {
		if (errstr)
			syslog(priority, "%s: %s", msg, errstr);
		else
			syslog(priority, "%s", msg);
		return;
	}
	/* One fprintf call per line keeps lines whole between threads. */
	if (errstr)
		fprintf(stderr, "%s: %s: %s\n", log_conf.progname, msg, errstr);
	else
		fprintf(stderr, "%s: %s\n", log_conf.progname, msg);
}

#define LOG_BODY(prio, errstr)                                                                     \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_emit(prio, errstr, fmt, ap);                                                   \
		va_end(ap);                                                                        \
	} while (0)

void log_warn(const char *fmt, ...)
{
	const char *errstr = strerror(errno);

	LOG_BODY(LOG_WARNING, errstr);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, NULL);
}

void log_debug(const char *fmt, ...)
{
	if (!log_conf.verbose)
		return;
	LOG_BODY(LOG_DEBUG, NULL);
}

void fatal(const char *fmt, ...)
{
	const char *errstr = strerror(errno);

	LOG_BODY(LOG_CRIT, errstr);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, NULL);
	exit(1);
}
