/* Ward's policy: a small rule language an ethics officer can read, and the
 * engine that turns one event (a medium inserted, a file about to reach a
 * medium, a file closed on a medium) into one action.
 *
 * A policy is loaded once from text (every .rules file in /etc/ward/policy.d, read in
 * name order; the language is in policy/README.md) into an immutable
 * object.  Deciding is pure: no I/O, no allocation, no locks, no global
 * state, safe from any number of threads at once on the same policy.
 *
 * Reloading (SIGHUP) while workers decide: the policy is reference counted.
 * The agent keeps `struct policy *current` under a mutex that guards only
 * the pointer, never a decision:
 *
 *	worker:   lock; p = policy_ref(current); unlock;
 *	          policy_decide(p, &ev, &d); ... use d ...; policy_unref(p);
 *	reload:   next = policy_load(dir, &diag);
 *	          if (!next) { log every diag error; keep current; }
 *	          else { lock; old = current; current = next; unlock;
 *	                 policy_unref(old); }
 *
 * policy_current_* below does exactly this for the agent.
 *
 * Strings in a decision point into the policy: they stay valid while the
 * caller holds its reference.  A broken policy is never half-applied:
 * policy_load returns NULL and the caller keeps the old one.
 *
 * Supervisor approvals (exemptions) are tokens: text files signed with an
 * Ed25519 key the policy trusts (`trust supervisor NAME FILE.pub`).  The
 * signature is checked once, when the policy loads the token files of its
 * `tokens` directory or when the caller attaches one (policy_token_attach),
 * never per decision: per decision only fields are compared.  A valid token
 * turns block or quarantine into audit; the decision names the approver, or
 * says why an offered token did not apply (token_status). */
#ifndef WARD_POLICY_H
#define WARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "classify/classify.h"
#include "common/device.h"
#include "common/level.h"

/* What happens to a file.  Ordered by severity. */
enum policy_action {
	POLICY_ALLOW = 0,  /* allow, nothing recorded beyond the journal */
	POLICY_AUDIT,	   /* allow, record, report */
	POLICY_WARN,	   /* allow, pop-up, report */
	POLICY_BLOCK,	   /* deny, pop-up, report */
	POLICY_QUARANTINE, /* remove from the medium into the evidence store,
			    * pop-up, report.  On a copy event (nothing written
			    * yet) the agent denies, as for block. */
};
#define POLICY_ACTION_MAX POLICY_QUARANTINE

/* What happens to a medium when it is inserted. */
enum policy_device_action {
	POLICY_DEVICE_ALLOW = 0,
	POLICY_DEVICE_READ_ONLY,
	POLICY_DEVICE_BLOCK,
};

enum policy_event_kind {
	POLICY_EVENT_DEVICE = 0,  /* a medium was inserted: device rules */
	POLICY_EVENT_COPY,	  /* a file is about to be written to, or read
				       * while something is open for writing on,
				       * removable media: copy rules */
	POLICY_EVENT_CLOSE_WRITE, /* a file was closed after writing on
				       * removable media: copy rules */
};

/* Why an approval token did or did not lift a block. */
enum policy_token_status {
	POLICY_TOKEN_NONE = 0,	     /* no token offered, or none needed */
	POLICY_TOKEN_APPLIED,	     /* valid and matching: block became audit */
	POLICY_TOKEN_MALFORMED,	     /* not a token file, a field bad or missing */
	POLICY_TOKEN_UNTRUSTED,	     /* approver not trusted by this policy */
	POLICY_TOKEN_BAD_SIGNATURE,  /* forged or altered */
	POLICY_TOKEN_NOT_VERIFIED,   /* never attached to a policy */
	POLICY_TOKEN_EXPIRED,	     /* event time at or after 'until' */
	POLICY_TOKEN_NOT_YET_VALID,  /* event time before 'from' */
	POLICY_TOKEN_WRONG_USER,     /* names another user */
	POLICY_TOKEN_WRONG_DEVICE,   /* names another device serial */
	POLICY_TOKEN_WRONG_FILE,     /* names another file (SHA-256) */
	POLICY_TOKEN_LEVEL_TOO_HIGH, /* the file is above the token's ceiling */
	POLICY_TOKEN_NO_CONTENT,     /* the event carries no content to match */
	POLICY_TOKEN_RULE_STRICT,    /* the rule is marked 'no-exemption' */
};

struct policy;	     /* opaque, immutable after policy_load */
struct policy_token; /* opaque: one parsed approval token */

/* One event to decide.  Pointers are borrowed for the call only; NULL
 * means "not known / not applicable" and a rule condition that needs the
 * missing fact does not match (so `copy block level >= 密` does not match
 * an event without content; put content-independent rules accordingly). */
struct policy_event {
	enum policy_event_kind kind;
	const struct classify_result *content; /* the file's facts; NULL for device
						* events or when not classified */
	const struct ward_device *device;      /* the destination medium */
	uid_t uid;
	gid_t gid;
	const char *user;		/* login name, NULL if unknown */
	const char *const *group_names; /* names of all the user's groups */
	size_t n_group_names;
	const gid_t *groups; /* numeric supplementary groups */
	size_t n_groups;
	const char *exe; /* executable path of the process */
	time_t time;	 /* when it happened (UTC seconds) */
	/* The file shares a significant part of its text with a marked
	 * document the agent classified (classify/winnow.h, agent/fpstore.c):
	 * that document's level; WARD_LEVEL_NONE when none is known. */
	enum ward_level derived;
	uint32_t derived_shared;		  /* fingerprints shared with it */
	const char *derived_from;		  /* its SHA-256 in hex, or NULL */
	const struct policy_token *const *tokens; /* approvals on offer, attached
						   * with policy_token_attach */
	size_t n_tokens;
};

/* The answer.  Strings point into the policy (valid while it is held). */
struct policy_decision {
	enum policy_action action;		 /* final, after any exemption */
	enum policy_action rule_action;		 /* what the matched rule said */
	enum policy_device_action device_action; /* for device events */
	bool matched_default;			 /* no rule matched: the built-in default */
	const char *rule_file;			 /* base name of the .rules file, or "(default)" */
	unsigned rule_line;			 /* 1-based, 0 for the built-in default */
	const char *rule_text;			 /* the rule as written, without the comment */
	const char *rule_reason;		 /* the rule's trailing '# comment', or "" */
	unsigned rule_index;			 /* position in its section, for explain */
	enum policy_token_status token_status;
	const struct policy_token *token; /* applied, or the nearest miss */
	const char *approver;		  /* who approved, when APPLIED */
	bool report;			  /* the policy's 'report' says to report it */
};

/* Administrator-facing errors, collected all at once. */
struct policy_error {
	char file[256]; /* path as given (dir/name.rules) */
	unsigned line;	/* 1-based */
	unsigned col;	/* 1-based, counted in characters (UTF-8 code points) */
	char message[512];
};

struct policy_diag {
	struct policy_error *errors; /* heap, n_errors of them */
	size_t n_errors;
	size_t cap;
};

/* Loads a policy from a directory (every *.rules file in it, in byte order
 * of name) or from one file.  On any error returns NULL and every error is
 * in diag (which the caller frees with policy_diag_free; diag may be NULL).
 * The returned policy has one reference.  Reads trusted keys and fingerprint
 * files it names; the zone file for `timezone`. */
struct policy *policy_load(const char *path, struct policy_diag *diag);

/* The same from text in memory (tests, fuzzing).  name is used in errors;
 * relative paths (keys, fingerprint files) resolve against base_dir, or are
 * refused when base_dir is NULL. */
struct policy *policy_load_buffer(const char *name, const char *text, size_t len,
				  const char *base_dir, struct policy_diag *diag);

struct policy *policy_ref(struct policy *policy);
void policy_unref(struct policy *policy); /* frees on the last reference; NULL ok */

void policy_diag_free(struct policy_diag *diag);
/* Prints each error as "file:line:col: message\n". */
void policy_diag_print(const struct policy_diag *diag, FILE *out);

/* Decides one event.  No I/O, no allocation.  For POLICY_EVENT_DEVICE fills
 * device_action (action is ALLOW); for copy / close-write fills action.
 * Returns 0, or -EINVAL when ev is malformed (the decision then holds the
 * fail mode for ev->device). */
int policy_decide(const struct policy *policy, const struct policy_event *ev,
		  struct policy_decision *out);

/* Writes why the decision was taken, one line, in English with the policy's
 * own names (e.g. "level 機密 >= 密; to usb (removable); token of 王科長
 * expired 2022-01-25T18:00+08:00").  Not for the hot path.  Returns the
 * length it wanted, as snprintf does. */
size_t policy_explain(const struct policy *policy, const struct policy_event *ev,
		      const struct policy_decision *d, char *buf, size_t size);

/* "allow", "audit", "warn", "block", "quarantine". */
const char *policy_action_name(enum policy_action action);
/* "allow", "read-only", "block". */
const char *policy_device_action_name(enum policy_device_action action);
/* "none", "applied", "malformed", "untrusted", "bad-signature", ... */
const char *policy_token_status_name(enum policy_token_status status);
/* A sentence for the administrator, e.g. "signature does not verify
 * (forged or altered)". */
const char *policy_token_status_text(enum policy_token_status status);

/* ---- The policy in force (what the agent swaps on SIGHUP) ---- */

struct policy_current;

/* Holds initial (taking over the caller's reference).  NULL on ENOMEM. */
struct policy_current *policy_current_new(struct policy *initial);
/* A reference to the policy in force: decide with it, then policy_unref.
 * Never blocks on a reload in progress (the load happens outside the
 * lock); the lock is held only to copy the pointer and count. */
struct policy *policy_current_get(struct policy_current *cur);
/* Loads path; on success swaps it in and drops the old one (freed when the
 * last worker lets go of it) and returns 0.  On any error returns -1, the
 * previous policy stays in force, and every error is in diag. */
int policy_current_reload(struct policy_current *cur, const char *path, struct policy_diag *diag);
/* Swaps in an already loaded policy (taking over the reference). */
void policy_current_set(struct policy_current *cur, struct policy *next);
void policy_current_free(struct policy_current *cur);

/* ---- Settings the agent takes from the policy ---- */

enum policy_lang { POLICY_LANG_ZH_TW = 0, POLICY_LANG_EN };

/* Which pop-up to show. */
enum policy_notice {
	POLICY_NOTICE_WARN = 0,
	POLICY_NOTICE_BLOCK,
	POLICY_NOTICE_QUARANTINE,
	POLICY_NOTICE_DEVICE_BLOCK,
	POLICY_NOTICE_DEVICE_READ_ONLY,
	POLICY_NOTICE_EXEMPTED, /* a token turned a block into an allow */
	POLICY_NOTICE_FAIL,	/* no decision in time: the fail mode applied */
};
#define POLICY_NOTICE_MAX POLICY_NOTICE_FAIL

/* The staff-facing text as configured (`message block zh-TW "..."`), with
 * built-in defaults naming the contact line.  May hold placeholders
 * {level} {reason} {rule} {approver} {contact} {device}; see
 * policy_render_notice. */
const char *policy_message(const struct policy *policy, enum policy_notice notice,
			   enum policy_lang lang);
/* The ethics office contact line, default "政風處 (089)320247". */
const char *policy_contact(const struct policy *policy);
/* The message with placeholders filled from the decision and event.
 * Returns the length it wanted, as snprintf does. */
size_t policy_render_notice(const struct policy *policy, enum policy_notice notice,
			    enum policy_lang lang, const struct policy_decision *d,
			    const struct policy_event *ev, char *buf, size_t size);

/* What to do when a file's decision cannot be made before the deadline
 * (`fail-mode removable block`): by destination bus; default block for
 * removable media (usb, mmc, other), allow for internal. */
enum policy_action policy_fail_mode(const struct policy *policy, const struct ward_device *dev);
/* `report-failure removable block|allow`: when the record of a decision
 * about this medium cannot be written (a full disk, an I/O error), the
 * opener is denied (block) or the decision stands (allow).  Default: block
 * for removable media (usb, mmc, other), allow for internal. */
bool policy_report_failure_blocks(const struct policy *policy, const struct ward_device *dev);
/* `deadline 2000ms`: how long the agent may spend classifying before the
 * fail mode applies.  Default 3000. */
uint32_t policy_deadline_ms(const struct policy *policy);
/* `report audit warn block quarantine`: true when decisions with this
 * action are reported with their facts; the record log writes the others
 * as stubs (event, action, outcome), so the chain stays whole and nothing
 * else of them leaves the desk. */
bool policy_reports(const struct policy *policy, enum policy_action action);
/* `report device-events yes|no`: medium insertions are reported. */
bool policy_reports_devices(const struct policy *policy);
/* `report file-names yes|no`: reports carry file names (default yes). */
bool policy_reports_file_names(const struct policy *policy);
/* `tokens DIR`: the directory of approval tokens, or NULL.  policy_load
 * reads every *.tok file there, checks its signature against the trusted
 * supervisors, and decisions consider the good ones on their own (besides
 * any the event offers): dropping a token file in and reloading (SIGHUP)
 * is how an approval takes effect.  A missing directory holds no tokens. */
const char *policy_tokens_dir(const struct policy *policy);
/* How many tokens from the directory were accepted (signature good). */
size_t policy_tokens_loaded(const struct policy *policy);
/* The i-th of them (i < policy_tokens_loaded()), or NULL: the agent tells
 * the person an approval arrived when a reload brings a new one. */
const struct policy_token *policy_token_loaded(const struct policy *policy, size_t i);
/* Whether two tokens are the same approval (the same signature). */
bool policy_token_same(const struct policy_token *a, const struct policy_token *b);
/* The token files that were refused (malformed, untrusted approver, bad
 * signature), for the agent to log and report at load: returns how many,
 * *out the array (valid while the policy is held). */
struct policy_token_problem {
	const char *path;
	enum policy_token_status status;
	const char *detail;
};
size_t policy_token_problems(const struct policy *policy, const struct policy_token_problem **out);

/* One line for `wardctl policy check`: "N files, N device rules, ...". */
void policy_summary(const struct policy *policy, char *buf, size_t size);

/* The policy's version: SHA-256 over its files as loaded, in load order,
 * each as its name (without the directory), a NUL, its length (8 bytes,
 * little-endian) and its bytes.  Equal versions: the same rules. */
#define POLICY_VERSION_LEN 32
void policy_version(const struct policy *policy, unsigned char out[POLICY_VERSION_LEN]);
/* The same for people (`wardctl status`, the log): its first 8 bytes in
 * hex.  Any edit changes it; reloading the same files does not. */
#define POLICY_VERSION_CHARS 16
void policy_version_hex(const struct policy *policy, char out[POLICY_VERSION_CHARS + 1]);

/* ---- Approval tokens ---- */

/* What a supervisor approves.  The token file (text, one field a line) and
 * its canonical signed encoding are described in policy/README.md. */
struct policy_token_fields {
	char approver[128];	 /* must equal a `trust supervisor` name */
	char user[64];		 /* login name the approval is for */
	char device_serial[128]; /* "" means any device */
	bool has_sha256;	 /* approves one file ... */
	unsigned char sha256[32];
	enum ward_level level_max; /* ... or any file up to this level */
	time_t from, until;	   /* valid from <= t < until */
	char note[256];		   /* free text, signed too ("" if none) */
};

/* Parses a token file's text.  NULL on error with a message in err. */
struct policy_token *policy_token_parse(const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a token file: a regular file (not a symbolic link) of at
 * most 64 KiB, as the agent reads the policy's tokens directory. */
struct policy_token *policy_token_read(const char *path, char *err, size_t errlen);
/* Checks the token's signature against the policy's trusted supervisor of
 * the same name and remembers the key.  Returns POLICY_TOKEN_APPLIED when
 * the signature is good (the token can then match events), otherwise the
 * reason it never will.  Decisions re-check that the key is still trusted by
 * the policy deciding, so a token attached before a reload that dropped its
 * key no longer applies. */
enum policy_token_status policy_token_attach(const struct policy *policy,
					     struct policy_token *token);
void policy_token_free(struct policy_token *token);
const struct policy_token_fields *policy_token_get_fields(const struct policy_token *token);

/* For `wardctl token`: an Ed25519 key pair as PEM files (private 0600). */
int policy_token_keygen(const char *key_path, const char *pub_path, char *err, size_t errlen);
/* Signs fields with the private key in key_path; *out is the token file's
 * text (heap, caller frees). */
int policy_token_sign(const struct policy_token_fields *fields, const char *key_path, char **out,
		      char *err, size_t errlen);
/* The same with a key already in memory (the review console opens a
 * supervisor's key with their password and never writes it out). */
struct ed25519_key;
int policy_token_sign_key(const struct policy_token_fields *fields, const struct ed25519_key *key,
			  char **out, char *err, size_t errlen);
/* Checks a parsed token's signature against one public key file. */
enum policy_token_status policy_token_verify_pub(const struct policy_token *token,
						 const char *pub_path, char *err, size_t errlen);
/* Writes an instant as ISO 8601 with the policy's UTC offset
 * ("2022-01-25T10:00+08:00"); policy may be NULL for UTC. */
void policy_format_time(const struct policy *policy, time_t t, char *buf, size_t size);
/* Parses "2022-01-25T10:00[:SS][Z|+08:00]" or "2022-01-25"; without an
 * offset it is local time of the policy's timezone (UTC if policy NULL). */
bool policy_parse_time(const struct policy *policy, const char *text, time_t *out);

#endif
