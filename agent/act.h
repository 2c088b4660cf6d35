/* The act stage: the one place where a decision is carried out.  "Where do
 * I change what happens after a block?" — here.
 *
 * Every outcome goes through act_carry_out(): a denial, an allow with
 * audit, a warning, a quarantine, a medium made read-only or blocked, a
 * mount made read-only, an answer by the fail mode at the deadline or when
 * the queues are full.  Always in this order:
 *
 *   1. record   the decision, through the record step (a->ops->record:
 *               today the journal, record.c).  Durable before step 2 when
 *               it denies or has a side effect.
 *   2. answer   the kernel's verdict for a permission event (pool_answer).
 *   3. effect   remove the empty file a denied create left, quarantine,
 *               BLKROSET, deauthorize the USB device, remount read-only.
 *   4. outcome  a second record saying what the effect really achieved
 *               (or that the deadline answered before us), when it differs
 *               from what the decision record could say.
 *   5. notify   every subscriber, with the final act_outcome.
 *
 * The reader's own answers cannot wait for a worker: the fail mode at a
 * full queue is written to the kernel first (act_respond, the pool's
 * respond callback) and its record is handed to a worker (act_drain);
 * the deadline's answer is recorded by the worker that held the event.
 *
 * Threads: act_carry_out() runs on a worker (file events) or the main
 * thread (device and mount outcomes); act_respond() on any thread.
 * Subscribers are called on those threads, one after another, and must
 * never block them: copy what you need from the outcome into a queue of
 * your own and return (a pop-up, a report sender, a terminal message are
 * all done elsewhere). */
#ifndef WARD_AGENT_ACT_H
#define WARD_AGENT_ACT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "agent/ops.h"
#include "agent/pool.h"
#include "classify/classify.h"
#include "common/device.h"
#include "policy/policy.h"

struct act;
struct agent;
struct subject;

/* Event names, as records carry them. */
#define ACT_EVENT_COPY_DESTINATION "copy-destination"
#define ACT_EVENT_COPY_SOURCE "copy-source"
#define ACT_EVENT_CLOSE_WRITE "close-write"
#define ACT_EVENT_WRITTEN_OPEN "written-open" /* written, paused, still held open */
#define ACT_EVENT_OVERFLOW "overflow"	      /* notifications lost, the media walked */
#define ACT_EVENT_NAME "name"		      /* a name with a marking created on a medium */
#define ACT_EVENT_DEVICE "device"
#define ACT_EVENT_DEVICE_BLOCK "device-block" /* an open on a blocked medium */
#define ACT_EVENT_MOUNT "mount"		      /* a mount of a read-only medium */

/* The action of a record no rule decided. */
#define ACT_ACTION_FAIL_MODE "fail-mode"

enum act_effect {
	ACT_EFFECT_NONE = 0,
	ACT_EFFECT_REMOVE_CREATE, /* the empty file a denied O_CREAT left (fd, path) */
	ACT_EFFECT_QUARANTINE,	/* into the evidence store, then off the medium (fd, read-write) */
	ACT_EFFECT_READ_ONLY,	/* BLKROSET on the device node (target) */
	ACT_EFFECT_DEAUTHORIZE, /* USB authorized=0 above the block device (target: syspath) */
	ACT_EFFECT_REMOUNT_RO,	/* one mount read-only (target: mount point) */
};

enum act_stage {
	ACT_STAGE_DECISION = 0, /* step 1: what was decided */
	ACT_STAGE_OUTCOME,	/* step 4: what the effect achieved */
};

/* Everything a pop-up or a signed report needs about one outcome.
 * Immutable once handed to the record step or a subscriber; strings are
 * borrowed and valid only during that call (copy what you keep).  NULL
 * strings and (uid_t)-1 ids mean "not known". */
struct act_outcome {
	/* The record. */
	enum act_stage stage;
	char record_id[37];   /* UUID v4 of this record */
	char decision_id[37]; /* ACT_STAGE_OUTCOME: the decision record's id */
	char ref[16];	      /* the reference code staff see, "XXXX-XXXX": the decision
			       * record's (record_ref, docs/protocol.md §2.3) */
	uint64_t seq;	      /* the decision record's number in the log; 0: not written */
	struct timespec time; /* when it was decided (CLOCK_REALTIME) */

	/* What happened. */
	const char *event;  /* ACT_EVENT_* */
	const char *action; /* "allow" "audit" "warn" "block" "quarantine" "read-only"
				     * or ACT_ACTION_FAIL_MODE */
	enum policy_action file_action;
	enum policy_device_action device_action;
	bool answered;		   /* a permission event the kernel got an answer to */
	enum pool_verdict verdict; /* that answer */
	enum pool_answerer by;	   /* who gave it: a worker, the deadline, a full queue */
	const char *outcome;	   /* "allowed" "denied" "kept" "quarantined" "read-only" ... */
	const char *detail;	   /* free text: a quarantine id, why the fail mode applied */
	enum act_effect effect;	   /* the side effect asked for */
	int effect_result;	   /* 0 or -errno, once step 3 ran */

	/* Why. */
	const struct classify_result *content; /* level, reasons, pii, size, sha256, mime */
	const char *rule_file;		       /* "50-copy.rules", "(default)" */
	unsigned rule_line;		       /* 0: the built-in default or no rule */
	const char *rule_reason;	       /* the rule's comment, "" if none */
	const char *approver;		       /* whose approval lifted a block */
	bool has_notice;		       /* staff are told (warn, block, ...) */
	enum policy_notice notice;
	const char *message_zh; /* the policy's text for staff, rendered */
	const char *message_en;
	const char *contact; /* the ethics office's contact line */

	/* Who. */
	uid_t uid;
	uid_t loginuid;
	const char *user;
	pid_t pid; /* 0: not a process event */
	const char *exe;
	bool english; /* with a notice: the subject's locale asks for English
		       * (read while the opener waits for its answer) */

	/* What and where. */
	const char *path;   /* the file decided on */
	const char *name;   /* its last component */
	const char *source; /* destination side: the marked file held open */
	const struct ward_device *device;
};

/* What a decider hands to act_carry_out(). */
struct act_request {
	const char *event;	   /* ACT_EVENT_* */
	struct pool_event *ev;	   /* the permission event to answer, or NULL */
	enum pool_verdict verdict; /* the answer, for ev */
	/* false: a plain allow; recorded only when the fail mode answered
	 * the event before us (the fail mode's answer is a decision too). */
	bool record;
	struct subject *subject; /* who; read only when a record needs it */
	int fd;			 /* the file (-1: none) */
	const char *path;	 /* NULL: taken from fd when needed */
	const char *source;
	const struct classify_result *content;
	const struct ward_device *device;

	/* The rule: from a decision taken now, or as stored (devices). */
	struct policy *policy; /* held by the caller during the call (may be NULL) */
	const struct policy_event *pe;
	const struct policy_decision *decision;
	const char *action; /* without a decision: the action's name */
	const char *rule_file;
	unsigned rule_line;

	enum act_effect effect;
	const char *target; /* device node, syspath or mount point */
	const char *detail;
};

struct act_subscriber {
	const char *name; /* for logs */
	/* Called once per outcome; must not block (see above). */
	void (*notify)(void *arg, const struct act_outcome *o);
	void *arg;
};

#define ACT_MAX_SUBSCRIBERS 8

int act_new(struct act **out);
void act_free(struct act *act);

/* Adds a subscriber.  Before the threads start only.  Returns 0 or
 * -ENOSPC. */
int act_subscribe(struct act *act, const struct act_subscriber *sub);

/* Carries out one decision: steps 1 to 5 above. */
void act_carry_out(struct agent *a, const struct act_request *req);

/* The pool's respond callback (pool_ops.respond): writes the answer to the
 * kernel; an answer given because every queue was full also hands its
 * record to a worker.  Never blocks beyond a short mutex. */
void act_respond(void *arg, const struct pool_event *ev, enum pool_verdict verdict, bool audit);

/* Reader thread: answer an event at once, with no record (our own and our
 * scanners' opens, the source side's fast path). */
void act_answer_now(struct agent *a, int fd, pid_t pid, uint64_t mask, enum pool_verdict verdict);

/* Worker: write the records the reader handed over (cheap when none). */
void act_drain(struct agent *a);

/* Records handed over but dropped because too many waited. */
uint64_t act_dropped(struct act *act);

#endif
