/* The seam between wardd's decisions and the world: every call the
 * decision and act stages make to the kernel (fanotify answers and marks,
 * /proc, block devices, sysfs), to the scanners and to the record log goes
 * through one struct agent_ops.  wardd uses agent_system_ops (ops.c);
 * tests/unit/test_agent_decide.c and test_agent_act.c put stand-ins in,
 * so every decision side, the fail mode, the device rules and the order
 * of an outcome's steps are tested without root.
 *
 * Every function returns 0 (or a count, an fd, an id) or -errno, as the
 * kmod-free/ call it stands for. */
#ifndef WARD_AGENT_OPS_H
#define WARD_AGENT_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/evict.h"
#include "agent/pool.h"
#include "agent/quarantine.h"
#include "classify/classify.h"
#include "kmod-free/fanotify.h"
#include "kmod-free/procfd.h"

struct agent;
struct act_outcome;

/* What the record step says about a record it wrote. */
struct act_receipt {
	uint64_t seq; /* its number in the record log; 0: folded into another, or dropped */
	char ref[16]; /* the reference staff are given: XXXX-XXXX */
};

struct agent_ops {
	/* Who: the opener of an event, from /proc/PID (fan_opener_read), and
	 * the language it reads (procfd_locale; NULL: not known). */
	int (*opener)(pid_t pid, struct fan_opener *out);
	int (*locale)(pid_t pid, char *out, size_t size);
	/* What a process holds open (procfd_scan), and one of those files
	 * opened for reading (procfd_open). */
	int (*held_files)(pid_t pid, const struct procfd_query *query, struct procfd_file *out,
			  size_t max_out, size_t *n_out, bool *truncated);
	int (*open_held)(pid_t pid, const struct procfd_file *file);
	/* The path of one of those files, without opening it (procfd_path). */
	int (*held_path)(pid_t pid, int fd, char *buf, size_t size);
	/* Our own descriptors: the path (fan_fd_path) and the mount id
	 * (fan_fd_mount_id) of an event's fd. */
	int (*fd_path)(int fd, char *buf, size_t size);
	int (*fd_mount_id)(int fd);

	/* A worker's sandboxed scanner (scanner_classify). */
	int (*classify)(struct agent *a, unsigned worker, int fd, const char *name_hint,
			const struct classify_budget *budget, uint32_t timeout_ms,
			struct classify_result *out);

	/* The kernel's answer to a permission event (fan_respond on the
	 * event's group).  Any thread. */
	int (*respond)(struct agent *a, const struct pool_event *ev, enum pool_verdict verdict,
		       bool audit);

	/* The record step (record.c: the signed record log).  With sync,
	 * durable on return. */
	int (*record)(struct agent *a, const struct act_outcome *o, bool sync,
		      struct act_receipt *out);

	/* Side effects (act.c's third step). */
	int (*remove_file)(int fd, const char *path); /* quarantine_remove_original */
	/* The file at fd off its medium: truncated, every name removed
	 * (evict_file from the medium's root in wardd's view). */
	int (*evict)(struct agent *a, int fd, struct evict_result *out);
	int (*quarantine)(struct agent *a, int fd, const struct act_outcome *o,
			  char id[QUARANTINE_ID_LEN]);
	int (*set_read_only)(const char *devnode, bool read_only); /* BLKROSET */
	int (*remount_read_only)(const char *mount_point);	   /* mount_setattr */
	int (*deauthorize)(struct agent *a, const char *syspath, char *usb, size_t size);

	/* Marks: ignore marks on the internal group, the media and internal
	 * filesystems themselves. */
	int (*ignore)(struct agent *a, int fd);
	int (*unignore)(struct agent *a, int fd);
	int (*mark_medium)(struct agent *a, const char *mount_point, enum fan_scope *scope);
	int (*unmark_medium)(struct agent *a, const char *mount_point, enum fan_scope scope);
	int (*mark_internal)(struct agent *a, const char *mount_point);
	int (*unmark_internal)(struct agent *a, const char *mount_point);
};

/* The real ones: kmod-free/, the scanners, the record log. */
extern const struct agent_ops agent_system_ops;

#endif
