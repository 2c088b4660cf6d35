/* Logging with the OpenBSD err/log discipline: log_warn() appends the
 * errno text, log_warnx() does not.  Output goes to stderr (foreground) or
 * syslog/journal; one context, set once at start. */
#ifndef WARD_LOG_H
#define WARD_LOG_H

#include <stdbool.h>

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

void log_init(const char *progname, enum log_target target, bool verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit with status 1 after logging (startup errors only). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
