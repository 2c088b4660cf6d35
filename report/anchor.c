#include "report/anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "report/record.h"
#include "report/segment.h"

int anchor_read(const char *log_dir, struct anchor *a)
{
	_cleanup_free_ char *text = NULL;
	char path[4096 + 16];
	json_t *v;
	const char *prev;
	int64_t seq, index;
	size_t n;
	int r;

	snprintf(path, sizeof(path), "%s/" ANCHOR_NAME, log_dir);
	r = read_file(AT_FDCWD, path, 4096, &text, &n);
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	v = wjson_parse(text, n, NULL, 0);
	prev = wjson_str(v, "prev");
	r = v && wjson_int(v, "seq", &seq) && seq > 1 && wjson_int(v, "ratchet", &index) &&
		    index >= 1 && prev && hex_decode(prev, strlen(prev), a->prev, 32) &&
		    ed25519_jwk_parse(json_object_get(v, "key"), a->key) == 0
		? 0
		: -EBADMSG;
	if (r == 0) {
		a->seq = (uint64_t)seq;
		a->key_index = (uint64_t)index;
	}
	json_decref(v);
	return r;
}

int anchor_write(int log_dir_fd, const struct anchor *a, gid_t gid)
{
	char jwk[ED25519_JWK_MAX], prev[SHA256_HEX_CHARS + 1];
	json_t *v = json_object();
	char *text = NULL;
	size_t len;
	int r;

	ed25519_jwk(a->key, jwk);
	hex_encode(a->prev, sizeof(a->prev), prev);
	r = v ? 0 : -ENOMEM;
	if (r == 0 &&
	    (json_object_set_new(v, "key", wjson_parse(jwk, strlen(jwk), NULL, 0)) ||
	     wjson_set_str(v, "prev", prev) || wjson_set_int(v, "ratchet", (int64_t)a->key_index) ||
	     wjson_set_int(v, "seq", (int64_t)a->seq) || !(text = wjson_canonical(v, &len))))
		r = -ENOMEM;
	json_decref(v);
	if (r < 0)
		return r;
	text[len] = '\n'; /* the NUL: the file is one line */
	r = report_write_file(log_dir_fd, ANCHOR_NAME, text, len + 1, 0640, gid, true);
	free(text);
	return r;
}
