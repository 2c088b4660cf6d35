#define _GNU_SOURCE
#include "report/heartbeat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/util.h"
#include "common/version.h"
#include "report/segment.h"

static char *heartbeat_payload(const struct record_origin *o, const struct chain_head *head,
			       const struct timespec *when, uint64_t backlog,
			       const char *policy_version, size_t *len)
{
	char hash[SHA256_HEX_CHARS + 1], at[RFC3339_MAX];
	struct timespec now;
	json_t *p = json_object();
	char *text = NULL;
	int r;

	if (!p)
		return NULL;
	if (!when) {
		clock_gettime(CLOCK_REALTIME, &now);
		when = &now;
	}
	rfc3339_ms(when, at);
	hex_encode(head->hash, sizeof(head->hash), hash);
	r = wjson_set_int(p, "v", RECORD_VERSION) | wjson_set_str(p, "kind", "heartbeat") |
	    wjson_set_str(p, "agent_id", o->agent_id) | wjson_set_str(p, "host", o->host) |
	    wjson_set_str(p, "boot_id", o->boot_id) |
	    wjson_set_int(p, "head_seq", (int64_t)head->seq) | wjson_set_str(p, "head_hash", hash) |
	    wjson_set_int(p, "backlog", (int64_t)backlog) | wjson_set_str(p, "observed_at", at) |
	    wjson_set_str(p, "version", WARD_VERSION) |
	    wjson_set_str(p, "policy_version", policy_version);
	if (r == 0)
		text = wjson_canonical(p, len);
	json_decref(p);
	return text;
}

int heartbeat_write(int log_dir_fd, const struct identity *id, const struct record_origin *o,
		    const struct chain_head *head, const struct timespec *at, uint64_t backlog,
		    const char *policy_version, gid_t gid)
{
	_cleanup_free_ char *payload = NULL, *jws = NULL;
	char kid[JWS_KID_MAX];
	size_t len, jws_len;
	int r;

	payload = heartbeat_payload(o, head, at, backlog, policy_version, &len);
	if (!payload)
		return -ENOMEM;
	snprintf(kid, sizeof(kid), "%s/id", id->agent_id);
	r = jws_sign(&id->key, kid, payload, len, &jws, &jws_len);
	if (r < 0)
		return r;
	jws[jws_len] = '\n'; /* the NUL: the file is one line */
	return report_write_file(log_dir_fd, HEARTBEAT_NAME, jws, jws_len + 1, 0640, gid, false);
}
