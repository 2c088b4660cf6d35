/* ward-sender's own files (docs/protocol.md §3):
 *
 *   <state>/sender/   0700, the sender's: collector.json (url, agent_id,
 *                     collector_key, origin), ca.pem (the pinned CA),
 *                     tls.key / tls.crt (its own TLS key and client
 *                     certificate)
 *   <state>/spool/    0755, the sender writes, wardd and wardctl read:
 *                     acked ("seq sha256hex": delivered, receipts checked),
 *                     checkpoint (the last verified signed note),
 *                     status.json (for `wardctl spool`), alerts (one line
 *                     per collector alert), approvals/ (tokens received)
 *
 * Every write goes through a temporary file and rename. */
#ifndef WARD_SENDER_SPOOL_H
#define WARD_SENDER_SPOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/note.h"
#include "report/record.h"

#define SPOOL_PATH_MAX 4096

struct collector_config {
	char url[1024];
	char agent_id[AGENT_ID_CHARS + 1];
	char origin[NOTE_NAME_MAX]; /* the checkpoints' origin line */
	struct note_verifier key;   /* the collector's checkpoint key */
};

struct spool_paths {
	char state[SPOOL_PATH_MAX];
	char log[SPOOL_PATH_MAX + 8];
	char sender[SPOOL_PATH_MAX + 8];
	char spool[SPOOL_PATH_MAX + 8];
};

int spool_paths_init(struct spool_paths *p, const char *state_dir);

/* sender/collector.json.  Returns 0 or -errno with err set. */
int collector_config_load(const struct spool_paths *p, struct collector_config *c, char *err,
			  size_t errsize);
int collector_config_save(const struct spool_paths *p, const struct collector_config *c);

/* The last checkpoint kept: size 0 and no text when none. */
struct kept_checkpoint {
	struct checkpoint cp;
	char *note; /* heap, NULL when none */
};
int spool_checkpoint_load(const struct spool_paths *p, const struct collector_config *c,
			  struct kept_checkpoint *k);
int spool_checkpoint_save(const struct spool_paths *p, const char *note);
void kept_checkpoint_free(struct kept_checkpoint *k);

/* spool/acked: see report/segment.h (head_file_*). */
int spool_acked_load(const struct spool_paths *p, struct chain_head *acked);
int spool_acked_save(const struct spool_paths *p, const struct chain_head *acked);

/* An approval token received: spool/approvals/<sha256 of the text>.tok,
 * once.  Returns 0 or -errno. */
int spool_approval_save(const struct spool_paths *p, const char *token);

/* An approval revoked at the collector: spool/approvals/<id>.revoked
 * (empty; wardd takes the token out of the policy), and <id>.tok gone.
 * id: the SHA-256 (hex) of the token's text.  Returns 0, -EINVAL (not
 * such an id) or -errno. */
int spool_approval_revoke(const struct spool_paths *p, const char *id);

/* Appends one line to spool/alerts (and logs it). */
void spool_alert(const struct spool_paths *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What `wardctl spool` shows. */
struct sender_status {
	int64_t last_attempt, last_success; /* UTC seconds, 0: never */
	bool reachable;
	char last_error[256];
	uint64_t contiguous_seq; /* the collector's, from the last answer */
	uint64_t tree_size;
	uint64_t backoff_ms;
};
int spool_status_save(const struct spool_paths *p, const struct sender_status *s);
int spool_status_load(const struct spool_paths *p, struct sender_status *s);

/* Writes data to dir/name through name.tmp and rename (mode), fsynced when
 * sync.  Returns 0 or -errno. */
int spool_write_file(const char *dir, const char *name, const void *data, size_t len, int mode,
		     bool sync);

#endif
