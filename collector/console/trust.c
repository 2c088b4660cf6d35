/* The policy files that make desks honour the supervisors' approvals:
 * 25-supervisors.rules with a `trust supervisor "NAME" "supervisors/
 * <user>.pub"` line for each supervisor who has a signing key, and those
 * public keys (PEM).  Handed out as an archive by the console and written
 * into a directory by `ward-collector admin supervisors DIR`. */
#define _GNU_SOURCE
#include "collector/console/trust.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/archive.h"
#include "collector/console/pages.h"
#include "collector/console/users.h"
#include "common/i18n.h"

struct gather {
	struct html rules;
	trust_put put;
	void *ctx;
	int error;
};

static void one(void *ctx, const char *name, const char *display,
		const unsigned char pub[ED25519_KEY_BYTES])
{
	struct gather *g = ctx;
	struct ed25519_key key;
	char path[USER_NAME_MAX + 24], *pem = NULL;

	if (g->error || ed25519_from_public(pub, &key) < 0) {
		g->error = g->error ? g->error : -EINVAL;
		return;
	}
	pem = ed25519_public_pem(&key);
	ed25519_free(&key);
	snprintf(path, sizeof(path), "supervisors/%s.pub", name);
	g->error = pem ? g->put(g->ctx, path, pem, strlen(pem)) : -ENOMEM;
	free(pem);
	/* Display names and user names hold no quote, backslash or control
	 * character (users.c), so they stand quoted as they are. */
	html_raw(&g->rules, "trust supervisor \"");
	html_bytes(&g->rules, display, strlen(display));
	html_raw(&g->rules, "\" \"");
	html_bytes(&g->rules, path, strlen(path));
	html_raw(&g->rules, "\"\n");
}

int trust_files(struct db *db, trust_put put, void *ctx)
{
	struct gather g = {.put = put, .ctx = ctx};
	char *text;
	size_t len;
	int r;

	html_raw(&g.rules,
		 "# Written by ward-collector: the supervisors whose approvals desks honour.\n"
		 "# Keep this file and the supervisors/ directory in the policy directory,\n"
		 "# then reload wardd (SIGHUP).  A supervisor whose password an\n"
		 "# administrator reset has a new key: hand these files out again.\n");
	r = users_supervisors(db, one, &g);
	text = html_take(&g.rules, &len);
	if (r == 0)
		r = g.error;
	if (r == 0)
		r = text ? put(ctx, "25-supervisors.rules", text, len) : -ENOMEM;
	free(text);
	return r;
}

static int put_tar(void *ctx, const char *name, const char *data, size_t len)
{
	return tarball_add(ctx, name, data, len);
}

void page_trust(struct page *pg)
{
	struct tarball *t = tarball_new();
	char *data = NULL;
	size_t len = 0;
	int r = t ? trust_files(pg->db, put_tar, t) : -ENOMEM;

	if (t && tarball_finish(t, &data, &len) < 0 && r == 0)
		r = -EIO;
	if (r < 0) {
		free(data);
		page_error(pg, 503, _("The policy files could not be made."));
		return;
	}
	http_reply_header(pg->reply, "Content-Disposition",
			  "attachment; filename=\"ward-supervisors.tar.gz\"");
	pg->reply->status = 200;
	pg->reply->content_type = "application/gzip";
	pg->reply->body = data;
	pg->reply->body_len = len;
}
