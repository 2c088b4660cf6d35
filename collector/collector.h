/* The running collector's context: what every handler and admin command
 * shares.  One of these per process; no other mutable global state. */
#ifndef WARD_COLLECTOR_COLLECTOR_H
#define WARD_COLLECTOR_COLLECTOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/pki.h"
#include "collector/store.h"
#include "collector/tlog.h"

#define MAX_BATCH_RECORDS 500
#define MAX_BATCH_BYTES (4u << 20)

struct collector {
	struct store *store;
	struct pki pki;
	struct tlog_key log;
	char vkey[NOTE_VKEY_MAX]; /* the checkpoint key's verifier string */
	int64_t dark_after_ms;	  /* silent this long: a dark desk */
	int64_t token_ttl_ms;
};

/* Wall clock in milliseconds since the epoch. */
int64_t collector_now_ms(void);

/* Loads or creates the checkpoint key (state_dir/checkpoint.key) and
 * sets c->log and c->vkey.  Returns 0 or -errno. */
int collector_log_key(struct collector *c, const char *state_dir, const char *origin);

/* A one-time enrollment token "<16 hex>.<43 base64url>" (protocol §3.1)
 * valid for ttl_ms, into out; only the secret's SHA-256 is kept.  Returns
 * 0 or -EIO. */
/* 16 + 1 + 43 + NUL, with room for the 48-byte buffer the secret is
 * encoded into (the compiler sizes the copy by the buffer). */
#define ENROLL_TOKEN_MAX 72
int enroll_token_new(struct db *db, int64_t ttl_ms, const char *label, char out[ENROLL_TOKEN_MAX]);

/* The agent API's handlers (api.c, enroll.c): POST to v1/enroll, v1/records,
 * v1/heartbeat. */
struct http_request;
struct http_reply;
void api_enroll(void *ctx, const struct http_request *req, struct http_reply *reply);
void api_records(void *ctx, const struct http_request *req, struct http_reply *reply);
void api_heartbeat(void *ctx, const struct http_request *req, struct http_reply *reply);

/* Ingests a batch for agent_id on db (ingest.c).  On success *out is the
 * response object and the status 200; else an HTTP status with
 * *code and *message set and nothing stored. */
int ingest_batch(struct collector *c, struct db *db, const char *agent_id, json_t *records,
		 int64_t known_size, json_t **out, const char **code, const char **message);

/* The latest checkpoint and the consistency proof from known_size into
 * obj (members "checkpoint", "consistency"); b bound to the read. */
int receipt_tail(struct tlog_batch *b, const char *note, int64_t known_size, json_t *obj);
/* receipt_tail for the latest checkpoint, read on db. */
int receipt_latest(struct collector *c, struct db *db, int64_t known, json_t *obj);

/* Marks agents silent past c->dark_after_ms dark (an alert each). */
int collector_dark_sweep(struct collector *c);

#endif
