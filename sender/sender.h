/* ward-sender: the unprivileged process that carries the record log to
 * the collector (docs/protocol.md §3).  It reads the log up to the durable
 * marker and never writes it; it writes only its spool.  wardd never waits
 * for it. */
#ifndef WARD_SENDER_SENDER_H
#define WARD_SENDER_SENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/merkle.h"
#include "sender/client.h"
#include "sender/spool.h"

#define BATCH_MAX_RECORDS 500
#define BATCH_MAX_BYTES (4u << 20)

struct sender {
	struct spool_paths paths;
	struct collector_config cfg;
	struct http_client *http;
	struct kept_checkpoint kept;
	struct chain_head acked;
	struct sender_status status;
	size_t batch_records; /* at most BATCH_MAX_RECORDS */
};

/* Records past acked up to durable, in the order the log holds them (a
 * log damaged out of order is sent as it is: the collector sees it). */
struct batch {
	char **text;
	size_t *len;
	uint64_t *seq;
	size_t n;
	size_t bytes;
	bool out_of_order; /* a seq is not the one before it + 1 */
};

/* deliver.c: reads the next batch (none when nothing waits).  Returns 0
 * or -errno. */
int batch_read(const struct sender *s, uint64_t durable_seq, struct batch *b);
void batch_free(struct batch *b);

/* deliver.c: one round: posts the next batch, checks the receipts, moves
 * spool/acked.  Returns the records newly acknowledged (0: nothing waited)
 * with *more when others wait, or -errno with err for people. */
int deliver_once(struct sender *s, bool *more, char *err, size_t errsize);
/* deliver.c: posts log/heartbeat.jws (wardd's, signed with the identity
 * key) and checks the checkpoint that comes back. */
int heartbeat_once(struct sender *s, char *err, size_t errsize);

/* What the collector's answer establishes. */
struct receipt_outcome {
	uint64_t acked_seq; /* every record up to it delivered, receipts checked */
	unsigned char acked_hash[32];
	struct checkpoint cp; /* the new checkpoint, verified */
	const char *note;     /* its text, inside the answer */
	uint64_t contiguous_seq;
	size_t rejected;
	char reject_reason[160];
};

/* receipt.c: checks the checkpoint (the collector's signature, origin,
 * consistency with the one kept) and, with a batch, every record's
 * receipt.  -EBADMSG when the collector's answer contradicts itself or
 * what it said before (an alert), -EPROTO when it is malformed. */
int receipts_check(const struct sender *s, const json_t *answer, const struct batch *b,
		   struct receipt_outcome *out, char *err, size_t errsize);

#endif
