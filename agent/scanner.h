/* The sandboxed classifier: a separate process that reads untrusted
 * documents (by descriptor, passed over a socketpair with SCM_RIGHTS) and
 * answers with a struct classify_result.  It runs without privileges
 * (nobody, or a `ward` user when present), with PR_SET_NO_NEW_PRIVS, no
 * network (own network namespace, socket(2) refused), no file opens or
 * writes, and a seccomp filter that refuses every other syscall with EPERM.
 * A crash, a hang past the caller's timeout or a malformed answer is an
 * `uninspectable` result; the process is then killed and started again, and
 * the agent lives on.
 *
 * One scanner serves one caller at a time (one per worker thread).
 *
 * Starting: with an exec_path (wardd passes its own executable), the child
 * execs `exec_path --scanner FD` right after fork, which is safe from a
 * threaded process; the program's main must then call scanner_child_main().
 * Without exec_path the child runs scanner_child_main() straight after fork:
 * only for single-threaded callers (unit tests). */
#ifndef WARD_AGENT_SCANNER_H
#define WARD_AGENT_SCANNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "classify/classify.h"

/* What runs inside the child.  init() runs before the sandbox closes (it
 * may open files: the magic database); classify() runs inside it. */
struct scanner_ops {
	void *(*init)(const char **err);
	int (*classify)(void *ctx, int fd, const char *name_hint,
			const struct classify_budget *budget, struct classify_result *out);
	/* Validates a result received from the child (classify_result_sane). */
	bool (*sane)(const struct classify_result *res);
};

/* The classifier library's own functions. */
extern const struct scanner_ops scanner_classify_ops;

struct scanner_options {
	const char *exec_path; /* see above; NULL: fork only */
	bool sandbox;	       /* drop privileges and apply seccomp (always in wardd) */
};

struct scanner;

/* Starts the child.  Returns 0 or -errno. */
int scanner_start(const struct scanner_ops *ops, const struct scanner_options *opts,
		  struct scanner **out);
/* Kills the child and frees everything. */
void scanner_stop(struct scanner *s);

/* The child's pid, for the fanotify reader (it answers helpers' events at
 * once); 0 while none runs.  Safe from any thread. */
pid_t scanner_pid(const struct scanner *s);
/* Times the child was restarted after a crash, hang or bad answer. */
uint64_t scanner_restarts(const struct scanner *s);

/* Classifies the file open at fd (the child receives a duplicate).  Waits
 * at most timeout_ms.  Always fills *out: on a crash, hang or malformed
 * answer with uninspectable=true and the reason.  Returns 0 when the child
 * answered, -ETIMEDOUT, -ECHILD (crashed), -EBADMSG (malformed answer), or
 * another -errno when it could not be asked; the child is restarted in
 * every failure case.  The sha256 and size fields are the child's. */
int scanner_classify(struct scanner *s, int fd, const char *name_hint,
		     const struct classify_budget *budget, uint32_t timeout_ms,
		     struct classify_result *out);

/* Child side: sandbox, then serve requests on sock until it closes.
 * Never returns. */
__attribute__((noreturn)) void scanner_child_main(int sock, const struct scanner_ops *ops,
						  bool sandbox);

/* The sandbox alone (tests): drop to the unprivileged user when root,
 * no new privileges, resource limits, seccomp.  Returns 0 or -errno. */
int scanner_enter_sandbox(void);

#endif
