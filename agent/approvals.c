#include "agent/approvals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "report/segment.h"

#define TOKEN_FILE_MAX (64 * 1024)
#define ID_CHARS 64
#define REFUSED_MAX 256

struct approvals {
	char spool[PATH_MAX];
	/* Tokens already refused, so each is logged once. */
	char refused[REFUSED_MAX][ID_CHARS + 1];
	size_t n_refused;
	bool told_no_dir;
};

struct approvals *approvals_new(const char *state_dir)
{
	struct approvals *ap = calloc(1, sizeof(*ap));

	if (ap)
		snprintf(ap->spool, sizeof(ap->spool), "%s/spool/approvals", state_dir);
	return ap;
}

void approvals_free(struct approvals *ap)
{
	free(ap);
}

/* "<64 hex>.<suffix>": the id into id. */
static bool id_of(const char *name, const char *suffix, char id[ID_CHARS + 1])
{
	unsigned char raw[ID_CHARS / 2];

	if (strlen(name) != ID_CHARS + strlen(suffix) || strcmp(name + ID_CHARS, suffix) != 0 ||
	    !hex_decode(name, ID_CHARS, raw, sizeof(raw)))
		return false;
	memcpy(id, name, ID_CHARS);
	id[ID_CHARS] = '\0';
	return true;
}

static bool refused(const struct approvals *ap, const char *id)
{
	for (size_t i = 0; i < ap->n_refused; i++)
		if (strcmp(ap->refused[i], id) == 0)
			return true;
	return false;
}

static void refuse(struct approvals *ap, const char *id)
{
	if (!refused(ap, id) && ap->n_refused < REFUSED_MAX)
		str_copy(ap->refused[ap->n_refused++], ID_CHARS + 1, id);
}

static bool installed(const char *tokens, const char *id)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.tok", tokens, id);
	return lstat(path, &st) == 0;
}

/* One token from the spool: checked against the policy, installed under
 * the SHA-256 of its own text (the sender's file name is not trusted). */
static bool install(struct approvals *ap, struct policy *p, const char *tokens, const char *file)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char path[PATH_MAX + 256], id[2 * SHA256_DIGEST_LENGTH + 1], name[ID_CHARS + 16], err[200];
	struct policy_token *tok;
	enum policy_token_status st;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/%s", ap->spool, file);
	if (read_file(AT_FDCWD, path, TOKEN_FILE_MAX, &text, &len) < 0)
		return false;
	SHA256((const unsigned char *)text, len, md);
	hex_encode(md, sizeof(md), id);
	if (installed(tokens, id) || refused(ap, id))
		return false;
	tok = policy_token_parse(text, len, err, sizeof(err));
	st = tok ? policy_token_attach(p, tok) : POLICY_TOKEN_MALFORMED;
	policy_token_free(tok);
	if (st != POLICY_TOKEN_APPLIED) {
		refuse(ap, id);
		log_warnx("approval %s from the collector refused: %s", id,
			  tok ? policy_token_status_text(st) : err);
		return false;
	}
	snprintf(name, sizeof(name), "%s.tok", id);
	dfd = open(tokens, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? -errno : report_write_file(dfd, name, text, len, 0644, (gid_t)-1, true);
	if (r < 0) {
		log_warnx("cannot install approval %s in %s: %s", id, tokens, strerror(-r));
		return false;
	}
	log_info("approval %s installed in %s", id, tokens);
	return true;
}

static bool take_out(const char *tokens, const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.tok", tokens, id);
	if (unlink(path) < 0) {
		if (errno != ENOENT)
			log_warn("cannot remove revoked approval %s", path);
		return false;
	}
	log_info("approval %s revoked at the collector: removed", id);
	return true;
}

bool approvals_sync(struct approvals *ap, struct policy_current *policy)
{
	_cleanup_closedir_ DIR *dir = opendir(ap->spool);
	struct policy *p;
	const char *tokens;
	struct dirent *e;
	char id[ID_CHARS + 1];
	bool changed = false;

	if (!dir)
		return false;
	p = policy_current_get(policy);
	tokens = policy_tokens_dir(p);
	if (!tokens) {
		if (!ap->told_no_dir)
			log_warnx("approvals wait in %s, but the policy names no tokens directory",
				  ap->spool);
		ap->told_no_dir = true;
		policy_unref(p);
		return false;
	}
	if (mkdir(tokens, 0755) < 0 && errno != EEXIST)
		log_warn("%s", tokens);
	/* Revocations first: a token revoked before it was installed never is. */
	while ((e = readdir(dir)))
		if (id_of(e->d_name, ".revoked", id)) {
			changed |= take_out(tokens, id);
			refuse(ap, id);
		}
	rewinddir(dir);
	while ((e = readdir(dir)))
		if (id_of(e->d_name, ".tok", id) && !installed(tokens, id))
			changed |= install(ap, p, tokens, e->d_name);
	policy_unref(p);
	return changed;
}
