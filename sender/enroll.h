/* Enrollment (docs/protocol.md §3.1), the agent's side, for `wardctl
 * enroll`: a TLS key of the sender's own and its CSR, the request signed
 * with the identity key (ratchet key 1 registered with it), the collector's
 * CA pinned before the first byte is sent (a PEM file, or the SHA-256 of
 * the CA certificate the administrator read out), and the answer kept for
 * ward-sender: sender/ca.pem, tls.key, tls.crt, collector.json, and the
 * first checkpoint in spool/. */
#ifndef WARD_SENDER_ENROLL_H
#define WARD_SENDER_ENROLL_H

#include <stddef.h>

#include "report/identity.h"

struct enroll_request {
	const char *state_dir;
	const char *url;
	const char *token;
	const char *ca_file;   /* PEM of the collector's CA, or NULL with ca_sha256 */
	const char *ca_sha256; /* hex SHA-256 of its certificate (DER) */
	const char *user;      /* the sender's user: owner of sender/ and spool/ */
};

/* Enrolls; agent_id gets this desk's id.  Returns 0 or -errno with err
 * for people. */
int enroll(const struct enroll_request *req, char agent_id[AGENT_ID_CHARS + 1], char *err,
	   size_t errsize);

#endif
