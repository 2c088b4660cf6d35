/* Supervisor approval tokens: a readable text file whose fields are signed
 * with Ed25519 over a canonical encoding (never over the file's bytes, so
 * comments and spacing do not matter and nothing unsigned can slip in).
 *
 *	# Ward approval token
 *	ward-token 1
 *	approver 王科長
 *	user alice
 *	device-serial 4C530001        (or *)
 *	sha256 <64 hex>               (or: level-max 機密)
 *	from 2022-01-25T08:00+08:00
 *	until 2022-01-25T18:00+08:00
 *	note 出差簡報用
 *	signature <base64 of 64 bytes>
 *
 * The signed message is, byte for byte:
 *	"ward-token-v1\napprover=A\nuser=U\ndevice-serial=S|*\nsha256=HEX|-\n"
 *	"level-max=NAME|-\nfrom=EPOCH\nuntil=EPOCH\nnote=N\n"
 * with level names in English and instants as decimal seconds (UTC). */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/b64.h"
#include "common/cleanup.h"
#include "common/ed25519.h"
#include "common/util.h"
#include "policy/internal.h"

#define TOKEN_MAGIC "ward-token"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int canonical(const struct policy_token_fields *f, char *buf, size_t size)
{
	char sha[65];

	if (f->has_sha256)
		hex_encode(f->sha256, 32, sha);
	else
		str_copy(sha, sizeof(sha), "-");
	return snprintf(buf, size,
			"ward-token-v1\napprover=%s\nuser=%s\ndevice-serial=%s\nsha256=%s\n"
			"level-max=%s\nfrom=%lld\nuntil=%lld\nnote=%s\n",
			f->approver, f->user, f->device_serial[0] ? f->device_serial : "*", sha,
			f->has_sha256 ? "-" : level_name_en(f->level_max), (long long)f->from,
			(long long)f->until, f->note);
}

/* Instants in a token name their UTC offset ("Z" or "+08:00"): the signed
 * value must not depend on the verifying machine's time zone. */
static bool has_offset(const char *s)
{
	size_t len = strlen(s);

	return (len > 0 && s[len - 1] == 'Z') ||
	       (len > 6 && (s[len - 6] == '+' || s[len - 6] == '-') && s[len - 3] == ':');
}

static bool field_text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

enum token_field_bit {
	F_MAGIC = 1,
	F_APPROVER = 2,
	F_USER = 4,
	F_DEVICE = 8,
	F_SHA = 16,
	F_LEVEL = 32,
	F_FROM = 64,
	F_UNTIL = 128,
	F_NOTE = 256,
	F_SIG = 512,
};

#define BAD_VALUE 0u
#define REFUSED (~0u)

/* One field's value (vbuf, NUL-terminated, vlen bytes) into t.  Returns
 * the field's bit; BAD_VALUE for a value that does not parse; REFUSED
 * after writing its own message into err. */
static unsigned token_field(struct policy_token *t, const char *key, size_t klen, const char *vbuf,
			    size_t vlen, unsigned lineno, char *err, size_t errlen)
{
#define KEY(k) (klen == strlen(k) && memcmp(key, k, klen) == 0)
	if (KEY(TOKEN_MAGIC)) {
		if (strcmp(vbuf, "1") == 0)
			return F_MAGIC;
		set_err(err, errlen, "line %u: unsupported token version '%s'", lineno, vbuf);
		return REFUSED;
	}
	if (KEY("approver"))
		return str_copy(t->f.approver, sizeof(t->f.approver), vbuf) && vlen ? F_APPROVER
										    : BAD_VALUE;
	if (KEY("user"))
		return str_copy(t->f.user, sizeof(t->f.user), vbuf) && vlen ? F_USER : BAD_VALUE;
	if (KEY("device-serial"))
		return strcmp(vbuf, "*") == 0 ||
			       (str_copy(t->f.device_serial, sizeof(t->f.device_serial), vbuf) &&
				vlen)
			   ? F_DEVICE
			   : BAD_VALUE;
	if (KEY("sha256")) {
		t->f.has_sha256 = true;
		return hex_decode(vbuf, vlen, t->f.sha256, sizeof(t->f.sha256)) ? F_SHA : BAD_VALUE;
	}
	if (KEY("level-max"))
		return level_parse(vbuf, vlen, &t->f.level_max) ? F_LEVEL : BAD_VALUE;
	if (KEY("from"))
		return has_offset(vbuf) && policy_parse_time(NULL, vbuf, &t->f.from) ? F_FROM
										     : BAD_VALUE;
	if (KEY("until"))
		return has_offset(vbuf) && policy_parse_time(NULL, vbuf, &t->f.until) ? F_UNTIL
										      : BAD_VALUE;
	if (KEY("note"))
		return str_copy(t->f.note, sizeof(t->f.note), vbuf) ? F_NOTE : BAD_VALUE;
	if (KEY("signature"))
		return b64_decode(B64_STD, vbuf, vlen, t->signature, sizeof(t->signature)) ==
			       (ssize_t)sizeof(t->signature)
			   ? F_SIG
			   : BAD_VALUE;
#undef KEY
	set_err(err, errlen, "line %u: unknown field '%.*s'", lineno, (int)klen, key);
	return REFUSED;
}

/* Every field a token needs, given once, and a window that is not empty. */
static bool token_complete(const struct policy_token *t, unsigned seen, char *err, size_t errlen)
{
	static const struct {
		unsigned bit;
		const char *name;
	} required[] = {
	    {F_MAGIC, TOKEN_MAGIC},	 {F_APPROVER, "approver"}, {F_USER, "user"},
	    {F_DEVICE, "device-serial"}, {F_FROM, "from"},	   {F_UNTIL, "until"},
	    {F_SIG, "signature"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		if (!(seen & required[i].bit)) {
			set_err(err, errlen, "missing field '%s'", required[i].name);
			return false;
		}
	}
	if (!!(seen & F_SHA) == !!(seen & F_LEVEL)) {
		set_err(err, errlen, "exactly one of 'sha256' and 'level-max' is required");
		return false;
	}
	if (t->f.until <= t->f.from) {
		set_err(err, errlen, "'until' is not after 'from'");
		return false;
	}
	return true;
}

struct policy_token *policy_token_parse(const char *text, size_t len, char *err, size_t errlen)
{
	_cleanup_free_ struct policy_token *t = calloc(1, sizeof(*t));
	const char *p = text, *end = text + len;
	unsigned lineno = 0, seen = 0;

	if (!t) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* a byte-order mark from a Windows editor */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *line = p, *sp, *val;
		size_t klen, vlen;
		unsigned bit;
		char vbuf[512];

		p = nl ? nl + 1 : end;
		lineno++;
		/* trim \r and trailing blanks */
		while (le > line && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		if (le == line || *line == '#')
			continue;
		sp = memchr(line, ' ', (size_t)(le - line));
		if (!sp) {
			set_err(err, errlen, "line %u: expected 'field value'", lineno);
			return NULL;
		}
		klen = (size_t)(sp - line);
		for (val = sp; val < le && *val == ' ';)
			val++;
		vlen = (size_t)(le - val);
		if (vlen >= sizeof(vbuf) || !field_text_ok(val, vlen)) {
			set_err(err, errlen, "line %u: value too long or has control characters",
				lineno);
			return NULL;
		}
		memcpy(vbuf, val, vlen);
		vbuf[vlen] = '\0';
		bit = token_field(t, line, klen, vbuf, vlen, lineno, err, errlen);
		if (bit == REFUSED)
			return NULL;
		if (bit == BAD_VALUE) {
			set_err(err, errlen, "line %u: bad value for '%.*s'", lineno, (int)klen,
				line);
			return NULL;
		}
		if (seen & bit) {
			set_err(err, errlen, "line %u: field '%.*s' given twice", lineno, (int)klen,
				line);
			return NULL;
		}
		seen |= bit;
	}
	if (!token_complete(t, seen, err, errlen))
		return NULL;
	return TAKE_PTR(t);
}

void policy_token_free(struct policy_token *token)
{
	free(token);
}

const struct policy_token_fields *policy_token_get_fields(const struct policy_token *token)
{
	return &token->f;
}

static bool verify_raw(const struct policy_token *tok, const unsigned char raw[32])
{
	char msg[2048];
	int n = canonical(&tok->f, msg, sizeof(msg));

	if (n < 0 || (size_t)n >= sizeof(msg))
		return false;
	return ed25519_verify_raw(raw, msg, (size_t)n, tok->signature);
}

enum policy_token_status policy_token_attach(const struct policy *policy,
					     struct policy_token *token)
{
	token->signature_checked = false;
	for (size_t i = 0; i < policy->n_keys; i++) {
		if (strcmp(policy->keys[i].name, token->f.approver) != 0)
			continue;
		if (!verify_raw(token, policy->keys[i].raw))
			return POLICY_TOKEN_BAD_SIGNATURE;
		memcpy(token->key, policy->keys[i].raw, 32);
		token->signature_checked = true;
		return POLICY_TOKEN_APPLIED;
	}
	return POLICY_TOKEN_UNTRUSTED;
}

enum policy_token_status token_match(const struct policy *p, const struct policy_token *tok,
				     const struct policy_event *ev, int *progress)
{
	const struct classify_result *ct = ev->content;
	bool trusted = false;

	*progress = 0;
	if (!tok->signature_checked)
		return POLICY_TOKEN_NOT_VERIFIED;
	for (size_t i = 0; i < p->n_keys && !trusted; i++)
		trusted = strcmp(p->keys[i].name, tok->f.approver) == 0 &&
			  CRYPTO_memcmp(p->keys[i].raw, tok->key, 32) == 0;
	if (!trusted)
		return POLICY_TOKEN_UNTRUSTED;
	*progress = 1;
	if (!ev->user || strcmp(ev->user, tok->f.user) != 0)
		return POLICY_TOKEN_WRONG_USER;
	*progress = 2;
	if (tok->f.device_serial[0] &&
	    (!ev->device || strcmp(ev->device->serial, tok->f.device_serial) != 0))
		return POLICY_TOKEN_WRONG_DEVICE;
	*progress = 3;
	if (!ct)
		return POLICY_TOKEN_NO_CONTENT;
	if (tok->f.has_sha256 && CRYPTO_memcmp(ct->sha256, tok->f.sha256, 32) != 0)
		return POLICY_TOKEN_WRONG_FILE;
	if (!tok->f.has_sha256 && ct->level > tok->f.level_max)
		return POLICY_TOKEN_LEVEL_TOO_HIGH;
	*progress = 4;
	if (ev->time < tok->f.from)
		return POLICY_TOKEN_NOT_YET_VALID;
	if (ev->time >= tok->f.until)
		return POLICY_TOKEN_EXPIRED;
	*progress = 5;
	return POLICY_TOKEN_APPLIED;
}

/* ---- the policy's token directory ---- */

#define TOKENS_MAX 10000
#define TOKEN_FILE_MAX 65536

static void add_problem(struct policy *p, const char *path, enum policy_token_status st,
			const char *detail)
{
	struct policy_token_problem *grown;

	if (p->n_token_problems >= TOKENS_MAX)
		return;
	grown = realloc(p->token_problems, (p->n_token_problems + 1) * sizeof(*grown));
	if (!grown)
		return;
	p->token_problems = grown;
	grown[p->n_token_problems].path = arena_strndup(p, path, strlen(path));
	grown[p->n_token_problems].status = st;
	grown[p->n_token_problems].detail = arena_strndup(p, detail, strlen(detail));
	if (grown[p->n_token_problems].path && grown[p->n_token_problems].detail)
		p->n_token_problems++;
}

static struct policy_token *read_token_file(int dirfd, const char *name, char *err, size_t errlen)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = read_file(dirfd, name, TOKEN_FILE_MAX, &buf, &len);

	if (r == -EINVAL || r == -EFBIG || r == -ELOOP)
		set_err(err, errlen, "not a regular file of at most %d bytes", TOKEN_FILE_MAX);
	else if (r < 0)
		set_err(err, errlen, "cannot read: %s", strerror(-r));
	if (r < 0)
		return NULL;
	return policy_token_parse(buf, len, err, errlen);
}

struct policy_token *policy_token_read(const char *path, char *err, size_t errlen)
{
	return read_token_file(AT_FDCWD, path, err, errlen);
}

static int cmp_token_user(const void *a, const void *b)
{
	const struct policy_token *x = *(struct policy_token *const *)a;
	const struct policy_token *y = *(struct policy_token *const *)b;

	return strcmp(x->f.user, y->f.user);
}

size_t tokens_first_of_user(const struct policy *p, const char *user)
{
	size_t lo = 0, hi = p->n_tokens;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(p->tokens[mid]->f.user, user) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void tokens_load_dir(struct policy *p)
{
	_cleanup_closedir_ DIR *d = opendir(p->tokens_dir);
	struct dirent *de;
	char path[4096], err[256];

	if (!d) {
		if (errno != ENOENT)
			add_problem(p, p->tokens_dir, POLICY_TOKEN_MALFORMED, strerror(errno));
		return;
	}
	while ((de = readdir(d)) && p->n_tokens < TOKENS_MAX) {
		size_t len = strlen(de->d_name);
		struct policy_token *t, **grown;
		enum policy_token_status st;

		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".tok") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->tokens_dir, de->d_name);
		t = read_token_file(dirfd(d), de->d_name, err, sizeof(err));
		if (!t) {
			add_problem(p, path, POLICY_TOKEN_MALFORMED, err);
			continue;
		}
		st = policy_token_attach(p, t);
		if (st != POLICY_TOKEN_APPLIED) {
			snprintf(err, sizeof(err), "approver %s: %s", t->f.approver,
				 policy_token_status_text(st));
			add_problem(p, path, st, err);
			policy_token_free(t);
			continue;
		}
		grown = realloc(p->tokens, (p->n_tokens + 1) * sizeof(*grown));
		if (!grown) {
			/* too late to fail the load: say so among the problems */
			add_problem(p, path, POLICY_TOKEN_MALFORMED, "out of memory");
			policy_token_free(t);
			break;
		}
		p->tokens = grown;
		p->tokens[p->n_tokens++] = t;
	}
	/* by user, so a decision looks only at the tokens of its own user */
	if (p->n_tokens > 1)
		qsort(p->tokens, p->n_tokens, sizeof(*p->tokens), cmp_token_user);
}

void tokens_free_all(struct policy *p)
{
	for (size_t i = 0; i < p->n_tokens; i++)
		policy_token_free(p->tokens[i]);
	free(p->tokens);
	free(p->token_problems);
	p->tokens = NULL;
	p->token_problems = NULL;
	p->n_tokens = p->n_token_problems = 0;
}

/* ---- keys and signing (wardctl token) ---- */

int policy_token_keygen(const char *key_path, const char *pub_path, char *err, size_t errlen)
{
	struct ed25519_key key;
	int r = ed25519_generate(&key);

	if (r < 0) {
		set_err(err, errlen, "key generation failed");
		return -1;
	}
	r = ed25519_save_private_pem(&key, key_path);
	if (r < 0)
		set_err(err, errlen, "cannot write %s: %s", key_path, strerror(-r));
	else if ((r = ed25519_save_public_pem(&key, pub_path)) < 0)
		set_err(err, errlen, "cannot write %s: %s", pub_path, strerror(-r));
	ed25519_free(&key);
	return r < 0 ? -1 : 0;
}

static bool fields_ok(const struct policy_token_fields *f, char *err, size_t errlen)
{
	const char *const texts[] = {f->approver, f->user, f->device_serial, f->note};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		size_t len = strlen(texts[i]);

		if (!field_text_ok(texts[i], len)) {
			set_err(err, errlen, "fields may not hold control characters");
			return false;
		}
		/* the file format trims blanks around values: they would not
		 * survive a round trip, and the signature with them */
		if (len && (texts[i][0] == ' ' || texts[i][len - 1] == ' ')) {
			set_err(err, errlen, "fields may not begin or end with a space");
			return false;
		}
	}
	if (!f->approver[0] || !f->user[0]) {
		set_err(err, errlen, "approver and user are required");
		return false;
	}
	if (strcmp(f->device_serial, "*") == 0) {
		set_err(err, errlen,
			"device serial '*' is ambiguous: leave it empty for any device");
		return false;
	}
	if (f->until <= f->from) {
		set_err(err, errlen, "'until' must be after 'from'");
		return false;
	}
	return true;
}

/* The private key of a supervisor, with the message people get. */
static int load_signing_key(const char *key_path, struct ed25519_key *key, char *err, size_t errlen)
{
	int r = ed25519_load_private_pem(key_path, key);

	if (r == -EINVAL)
		set_err(err, errlen, "%s is not an Ed25519 private key in PEM", key_path);
	else if (r < 0)
		set_err(err, errlen, "cannot read %s: %s", key_path, strerror(-r));
	return r;
}

int policy_token_sign(const struct policy_token_fields *fields, const char *key_path, char **out,
		      char *err, size_t errlen)
{
	struct ed25519_key key;
	int r;

	*out = NULL;
	if (!fields_ok(fields, err, errlen))
		return -1;
	if (load_signing_key(key_path, &key, err, errlen) < 0)
		return -1;
	r = policy_token_sign_key(fields, &key, out, err, errlen);
	ed25519_free(&key);
	return r;
}

int policy_token_sign_key(const struct policy_token_fields *fields, const struct ed25519_key *key,
			  char **out, char *err, size_t errlen)
{
	char msg[2048], sha[65] = "", from[40], until[40];
	unsigned char sig[ED25519_SIG_BYTES];
	char b64[96];
	int n;

	*out = NULL;
	if (!fields_ok(fields, err, errlen))
		return -1;
	n = canonical(fields, msg, sizeof(msg));
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		set_err(err, errlen, "fields too long");
		return -1;
	}
	if (ed25519_sign(key, msg, (size_t)n, sig) < 0) {
		set_err(err, errlen, "signing failed");
		return -1;
	}
	b64_encode(B64_STD, sig, sizeof(sig), b64);
	if (fields->has_sha256)
		hex_encode(fields->sha256, 32, sha);
	policy_format_time(NULL, fields->from, from, sizeof(from));
	policy_format_time(NULL, fields->until, until, sizeof(until));
	if (asprintf(out,
		     "# Ward supervisor approval token (主管核准令牌)\n"
		     "ward-token 1\napprover %s\nuser %s\ndevice-serial %s\n%s %s\n"
		     "from %s\nuntil %s\n%s%s%ssignature %s\n",
		     fields->approver, fields->user,
		     fields->device_serial[0] ? fields->device_serial : "*",
		     fields->has_sha256 ? "sha256" : "level-max",
		     fields->has_sha256 ? sha : level_name(fields->level_max), from, until,
		     fields->note[0] ? "note " : "", fields->note, fields->note[0] ? "\n" : "",
		     b64) < 0) {
		*out = NULL;
		set_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

enum policy_token_status policy_token_verify_pub(const struct policy_token *token,
						 const char *pub_path, char *err, size_t errlen)
{
	struct ed25519_key key;
	int r = ed25519_load_public_pem(pub_path, &key);

	if (r < 0) {
		if (r == -EINVAL)
			set_err(err, errlen, "%s is not an Ed25519 public key in PEM", pub_path);
		else
			set_err(err, errlen, "cannot read %s: %s", pub_path, strerror(-r));
		return POLICY_TOKEN_UNTRUSTED;
	}
	if (!verify_raw(token, key.pub)) {
		ed25519_free(&key);
		set_err(err, errlen, "signature does not verify (forged or altered)");
		return POLICY_TOKEN_BAD_SIGNATURE;
	}
	ed25519_free(&key);
	return POLICY_TOKEN_APPLIED;
}
