/* Loading a policy: its files read in byte order of name, each parsed,
 * then the whole-policy checks.  The only part of the parser that does
 * I/O: policy files here, and the files statements name (fingerprint
 * lists, supervisor keys) through load_fingerprint_file and
 * load_trusted_key. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/ed25519.h"
#include "common/util.h"
#include "policy/parser.h"

/* ---- the files a policy names ---- */

/* Opens a file the policy names: only regular files, so a typo naming a
 * device or a FIFO cannot hang the loader (O_NONBLOCK: opening a FIFO does
 * not wait for a writer). */
static int open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

bool load_fingerprint_file(struct parser *ps, const struct token *path_tok, const char *path,
			   unsigned char (**digests)[32], size_t *count)
{
	_cleanup_buf_ struct buf d = BUF_INIT;
	unsigned char digest[32];
	char line[512];
	unsigned lineno = 0;
	int fd = open_regular(path);
	_cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	*digests = NULL;
	if (!f) {
		int e = fd < 0 ? -fd : errno;

		if (fd >= 0)
			close(fd);
		perr(ps, path_tok, "cannot read fingerprint file '%s': %s", path, strerror(e));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t l = strcspn(line, " \t\r\n");

		lineno++;
		if (l == 0 || line[0] == '#')
			continue;
		if (d.len / 32 == MAX_FINGERPRINTS) {
			perr(ps, path_tok, "%s: more than %u digests", path, MAX_FINGERPRINTS);
			return false;
		}
		if (!hex_decode(line, l, digest, sizeof(digest))) {
			perr(ps, path_tok, "%s:%u: not a SHA-256 digest (64 hex digits)", path,
			     lineno);
			return false;
		}
		if (buf_append(&d, digest, sizeof(digest)) < 0) {
			ps->p->oom = true;
			return false;
		}
	}
	if (ferror(f)) {
		perr(ps, path_tok, "cannot read fingerprint file '%s': %s", path, strerror(EIO));
		return false;
	}
	*count = d.len / 32;
	*digests = (unsigned char(*)[32])buf_take(&d);
	return true;
}

/* A PEM public key is a few hundred bytes; anything much larger is not one. */
#define KEY_FILE_MAX (64u << 10)

bool load_trusted_key(struct parser *ps, const struct token *path_tok, const char *path,
		      unsigned char raw[32])
{
	_cleanup_free_ char *pem = NULL;
	struct ed25519_key key;
	size_t len = 0;
	int r = read_file(AT_FDCWD, path, KEY_FILE_MAX, &pem, &len);

	if (r < 0 && r != -EFBIG) {
		perr(ps, path_tok, "cannot read key file '%s': %s", path, strerror(-r));
		return false;
	}
	if (r < 0 || ed25519_parse_public_pem(pem, len, &key) < 0) {
		perr(
		    ps, path_tok,
		    "'%s' is not an Ed25519 public key in PEM (make one with 'wardctl token keygen')",
		    path);
		return false;
	}
	memcpy(raw, key.pub, ED25519_KEY_BYTES);
	ed25519_free(&key);
	return true;
}

/* ---- whole-policy checks and loading ---- */

static void check_sections(struct load *ld)
{
	static const char *const section_names[] = {"device", "copy"};
	static const char *const examples[] = {"device allow *", "copy allow *"};
	struct policy *p = ld->p;

	/* after other errors some rules are missing: the check would mislead */
	if (ld->failed)
		return;
	for (int s = 0; s < SECTION_COUNT; s++) {
		const struct rule *last;

		if (p->n_rules[s] == 0 || ld->catch_all[s])
			continue;
		last = &p->rules[s][p->n_rules[s] - 1];
		struct parser ps = {.ld = ld, .p = p, .path = last->path};

		perr_at(&ps, last->line, 1,
			"the %s rules have no catch-all at the end: add a last rule such as '%s'",
			section_names[s], examples[s]);
	}
}

static struct policy *policy_new(void)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	policy_set_defaults(p);
	return p;
}

static struct policy *finish(struct load *ld)
{
	if (ld->p->oom) {
		struct parser ps = {.ld = ld, .p = ld->p, .path = "(policy)"};

		perr_at(&ps, 0, 0, "out of memory while loading the policy");
	}
	check_sections(ld);
	if (ld->failed) {
		policy_unref(ld->p);
		return NULL;
	}
	if (ld->p->tokens_dir)
		tokens_load_dir(ld->p);
	return ld->p;
}

static bool load_tz_default(struct load *ld, const char *path)
{
	char err[256];

	if (tz_load(&ld->p->tz, NULL, err, sizeof(err)))
		return true;
	struct parser ps = {.ld = ld, .p = ld->p, .path = path};
	perr_at(&ps, 1, 1, "system time zone: %s", err);
	return false;
}

/* One file into the policy's version (policy_version()). */
static void version_add(EVP_MD_CTX *h, const char *path, const char *text, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	unsigned char n[8];

	for (int i = 0; i < 8; i++)
		n[i] = (unsigned char)((uint64_t)len >> (8 * i));
	if (h && (EVP_DigestUpdate(h, name, strlen(name) + 1) != 1 ||
		  EVP_DigestUpdate(h, n, sizeof(n)) != 1 || EVP_DigestUpdate(h, text, len) != 1))
		EVP_MD_CTX_reset(h);
}

static void version_finish(struct policy *p, EVP_MD_CTX *h)
{
	unsigned int n = 0;

	if (!h || EVP_DigestFinal_ex(h, p->version, &n) != 1 || n != sizeof(p->version))
		p->oom = true;
	EVP_MD_CTX_free(h);
}

static EVP_MD_CTX *version_start(void)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();

	if (h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h);
		return NULL;
	}
	return h;
}

void policy_version(const struct policy *policy, unsigned char out[POLICY_VERSION_LEN])
{
	memcpy(out, policy->version, POLICY_VERSION_LEN);
}

void policy_version_hex(const struct policy *policy, char out[POLICY_VERSION_CHARS + 1])
{
	hex_encode(policy->version, POLICY_VERSION_CHARS / 2, out);
}

struct policy *policy_load_buffer(const char *name, const char *text, size_t len,
				  const char *base_dir, struct policy_diag *diag)
{
	struct load ld = {.diag = diag};

	ld.p = policy_new();
	if (!ld.p)
		return NULL;
	ld.p->n_files = 1;
	if (!load_tz_default(&ld, name))
		return finish(&ld);
	EVP_MD_CTX *h = version_start();
	version_add(h, name, text, len);
	version_finish(ld.p, h);
	parse_text(&ld, name, base_dir, text, len);
	return finish(&ld);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool load_file(struct load *ld, const char *path, char **out, size_t *len)
{
	struct parser ps = {.ld = ld, .p = ld->p, .path = path};
	int r = read_file(AT_FDCWD, path, POLICY_FILE_MAX, out, len);

	if (r == -EINVAL)
		perr_at(&ps, 0, 0, "not a regular file");
	else if (r == -EFBIG)
		perr_at(&ps, 0, 0, "file larger than %u bytes", POLICY_FILE_MAX);
	else if (r == -ENOMEM)
		perr_at(&ps, 0, 0, "out of memory");
	else if (r < 0)
		perr_at(&ps, 0, 0, "cannot read: %s", strerror(-r));
	return r == 0;
}

struct policy *policy_load(const char *path, struct policy_diag *diag)
{
	struct load ld = {.diag = diag};
	struct stat st;
	char **names = NULL;
	size_t n_names = 0;
	_cleanup_free_ char *dir = NULL;

	ld.p = policy_new();
	if (!ld.p)
		return NULL;
	if (stat(path, &st) < 0) {
		struct parser ps = {.ld = &ld, .p = ld.p, .path = path};

		perr_at(&ps, 0, 0, "cannot open policy: %s", strerror(errno));
		return finish(&ld);
	}
	if (!load_tz_default(&ld, path))
		return finish(&ld);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_closedir_ DIR *d = opendir(path);
		struct dirent *de;

		if (!d) {
			struct parser ps = {.ld = &ld, .p = ld.p, .path = path};

			perr_at(&ps, 0, 0, "cannot open policy directory: %s", strerror(errno));
			return finish(&ld);
		}
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);

			if (de->d_name[0] == '.' || l < 7 ||
			    strcmp(de->d_name + l - 6, ".rules") != 0)
				continue;
			if (!policy_grow(ld.p, (void **)&names, n_names, sizeof(*names)))
				break;
			names[n_names] = strdup(de->d_name);
			if (names[n_names])
				n_names++;
			else
				ld.p->oom = true;
		}
		if (n_names > 1)
			qsort(names, n_names, sizeof(*names), cmp_str);
		dir = strdup(path);
		if (!dir)
			ld.p->oom = true;
		if (n_names == 0) {
			struct parser ps = {.ld = &ld, .p = ld.p, .path = path};

			perr_at(&ps, 0, 0, "no .rules files in the policy directory");
		}
	} else {
		const char *slash = strrchr(path, '/');

		dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
		if (!dir)
			ld.p->oom = true;
		names = malloc(sizeof(*names));
		if (names && (names[0] = strdup(path)))
			n_names = 1;
		else
			ld.p->oom = true;
	}
	ld.p->n_files = n_names;
	EVP_MD_CTX *h = version_start();
	for (size_t i = 0; i < n_names; i++) {
		char full[PATH_MAX];
		char *text;
		size_t len;

		if (S_ISDIR(st.st_mode))
			snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		else
			str_copy(full, sizeof(full), names[i]);
		if (load_file(&ld, full, &text, &len)) {
			version_add(h, full, text, len);
			parse_text(&ld, full, dir, text, len);
			free(text);
		}
		free(names[i]);
	}
	free(names);
	version_finish(ld.p, h);
	return finish(&ld);
}
