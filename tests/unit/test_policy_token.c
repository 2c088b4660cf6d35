/* Supervisor approval tokens: signing, parsing, and every way a token can
 * fail to lift a block (forged, altered, untrusted, expired, not yet valid,
 * wrong user, wrong device, wrong file, level too high, strict rule). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "policy/policy.h"

/* 2022-01-25 10:00 +08:00 */
#define T0 ((time_t)1643076000)

struct env {
	char dir[64];
	char wang_key[128], wang_pub[128], mallory_key[128], mallory_pub[128];
	struct policy *policy;
	struct classify_result content;
	struct ward_device dev;
	struct policy_event ev;
};

static const char policy_text[] = "trust supervisor \"王科長\" keys/wang.pub\n"
				  "report warn\n" /* exemptions are reported regardless */
				  "copy block level >= 極機密 to removable no-exemption\n"
				  "copy block level >= 密 to removable # 公務機密\n"
				  "copy allow *\n";

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char keys[96], err[256];
	struct policy_diag diag = {0};

	assert_non_null(e);
	str_copy(e->dir, sizeof(e->dir), "/tmp/ward-token-test-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(keys, sizeof(keys), "%s/keys", e->dir);
	assert_int_equal(mkdir(keys, 0700), 0);
	snprintf(e->wang_key, sizeof(e->wang_key), "%s/wang.key", keys);
	snprintf(e->wang_pub, sizeof(e->wang_pub), "%s/wang.pub", keys);
	snprintf(e->mallory_key, sizeof(e->mallory_key), "%s/mallory.key", keys);
	snprintf(e->mallory_pub, sizeof(e->mallory_pub), "%s/mallory.pub", keys);
	assert_int_equal(policy_token_keygen(e->wang_key, e->wang_pub, err, sizeof(err)), 0);
	assert_int_equal(policy_token_keygen(e->mallory_key, e->mallory_pub, err, sizeof(err)), 0);
	e->policy = policy_load_buffer("t.rules", policy_text, strlen(policy_text), e->dir, &diag);
	if (!e->policy)
		policy_diag_print(&diag, stderr);
	assert_non_null(e->policy);
	policy_diag_free(&diag);

	e->content.level = WARD_LEVEL_CONFIDENTIAL;
	memset(e->content.sha256, 0xab, 32);
	e->dev.bus = DEVICE_BUS_USB;
	str_copy(e->dev.serial, sizeof(e->dev.serial), "4C530001");
	e->ev.kind = POLICY_EVENT_COPY;
	e->ev.content = &e->content;
	e->ev.device = &e->dev;
	e->ev.user = "alice";
	e->ev.time = T0;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char path[128];

	policy_unref(e->policy);
	unlink(e->wang_key);
	unlink(e->wang_pub);
	unlink(e->mallory_key);
	unlink(e->mallory_pub);
	snprintf(path, sizeof(path), "%s/keys", e->dir);
	rmdir(path);
	rmdir(e->dir);
	free(e);
	return 0;
}

static void base_fields(struct policy_token_fields *f)
{
	memset(f, 0, sizeof(*f));
	str_copy(f->approver, sizeof(f->approver), "王科長");
	str_copy(f->user, sizeof(f->user), "alice");
	str_copy(f->device_serial, sizeof(f->device_serial), "4C530001");
	f->has_sha256 = true;
	memset(f->sha256, 0xab, 32);
	f->from = T0 - 3600;
	f->until = T0 + 3600;
	str_copy(f->note, sizeof(f->note), "出差簡報用");
}

/* Signs fields with key, parses the text back. */
static struct policy_token *make_token(const struct policy_token_fields *f, const char *key,
				       char **text_out)
{
	char *text = NULL, err[256];
	struct policy_token *t;

	assert_int_equal(policy_token_sign(f, key, &text, err, sizeof(err)), 0);
	t = policy_token_parse(text, strlen(text), err, sizeof(err));
	if (!t)
		fprintf(stderr, "parse: %s\n%s", err, text);
	assert_non_null(t);
	if (text_out)
		*text_out = text;
	else
		free(text);
	return t;
}

/* Decides with one attached token; returns the decision. */
static struct policy_decision decide_with(struct env *e, const struct policy_token *t)
{
	struct policy_decision d;
	const struct policy_token *offered[1] = {t};

	e->ev.tokens = offered;
	e->ev.n_tokens = 1;
	assert_int_equal(policy_decide(e->policy, &e->ev, &d), 0);
	e->ev.tokens = NULL;
	e->ev.n_tokens = 0;
	return d;
}

static void valid_token_turns_block_into_audit(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	struct policy_token *t;
	struct policy_decision d;
	char *text, why[512];

	base_fields(&f);
	t = make_token(&f, e->wang_key, &text);
	/* the file is readable and round-trips every field */
	assert_non_null(strstr(text, "approver 王科長\n"));
	assert_non_null(strstr(text, "from 2022-01-25T01:00Z\n"));
	assert_non_null(strstr(text, "note 出差簡報用\n"));
	assert_memory_equal(policy_token_get_fields(t), &f, sizeof(f));
	free(text);

	assert_int_equal(policy_decide(e->policy, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_false(d.report); /* the policy reports only warn */

	d = decide_with(e, t);
	assert_int_equal(d.action, POLICY_BLOCK); /* not attached: not trusted */
	assert_int_equal(d.token_status, POLICY_TOKEN_NOT_VERIFIED);

	assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_APPLIED);
	d = decide_with(e, t);
	assert_int_equal(d.action, POLICY_AUDIT);
	assert_int_equal(d.rule_action, POLICY_BLOCK);
	assert_int_equal(d.token_status, POLICY_TOKEN_APPLIED);
	assert_string_equal(d.approver, "王科長");
	assert_true(d.report);
	policy_explain(e->policy, &e->ev, &d, why, sizeof(why));
	assert_non_null(strstr(why, "approved by 王科長 for alice"));

	/* a token is not needed where nothing is blocked */
	e->content.level = WARD_LEVEL_NONE;
	d = decide_with(e, t);
	assert_int_equal(d.action, POLICY_ALLOW);
	assert_int_equal(d.token_status, POLICY_TOKEN_NONE);
	policy_token_free(t);
}

static void forged_and_altered_tokens_are_rejected(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	struct policy_token *t;
	char *text, *at, err[256];

	/* signed by a key the policy does not trust, claiming 王科長 */
	base_fields(&f);
	t = make_token(&f, e->mallory_key, NULL);
	assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_BAD_SIGNATURE);
	assert_int_equal(decide_with(e, t).action, POLICY_BLOCK);
	assert_int_equal(decide_with(e, t).token_status, POLICY_TOKEN_NOT_VERIFIED);
	assert_int_equal(policy_token_verify_pub(t, e->wang_pub, err, sizeof(err)),
			 POLICY_TOKEN_BAD_SIGNATURE);
	assert_int_equal(policy_token_verify_pub(t, e->mallory_pub, err, sizeof(err)),
			 POLICY_TOKEN_APPLIED);
	policy_token_free(t);

	/* a good token edited after signing: another user, a longer window */
	static const char *const edits[][2] = {
	    {"user alice", "user bobby"},
	    {"until 2022-01-25T03:00Z", "until 2022-12-25T03:00Z"},
	    {"device-serial 4C530001", "device-serial *       "},
	    {"note 出差簡報用", "note 出差簡報甲"},
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		t = make_token(&f, e->wang_key, &text);
		policy_token_free(t);
		at = strstr(text, edits[i][0]);
		assert_non_null(at);
		assert_int_equal(strlen(edits[i][0]), strlen(edits[i][1]));
		memcpy(at, edits[i][1], strlen(edits[i][1]));
		t = policy_token_parse(text, strlen(text), err, sizeof(err));
		assert_non_null(t);
		assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_BAD_SIGNATURE);
		assert_int_equal(decide_with(e, t).action, POLICY_BLOCK);
		policy_token_free(t);
		free(text);
	}

	/* an approver the policy does not name */
	str_copy(f.approver, sizeof(f.approver), "李課長");
	t = make_token(&f, e->wang_key, NULL);
	assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_UNTRUSTED);
	policy_token_free(t);
}

struct mismatch {
	const char *name;
	void (*edit_fields)(struct policy_token_fields *f);
	void (*edit_event)(struct env *e);
	enum policy_token_status expected;
};

static void f_wrong_user(struct policy_token_fields *f)
{
	str_copy(f->user, sizeof(f->user), "bob");
}
static void f_wrong_device(struct policy_token_fields *f)
{
	str_copy(f->device_serial, sizeof(f->device_serial), "AA00017");
}
static void f_wrong_file(struct policy_token_fields *f)
{
	f->sha256[31] ^= 1;
}
static void f_expired(struct policy_token_fields *f)
{
	f->from = T0 - 7200;
	f->until = T0; /* until is exclusive */
}
static void f_not_yet(struct policy_token_fields *f)
{
	f->from = T0 + 1;
	f->until = T0 + 7200;
}
static void f_level_restricted(struct policy_token_fields *f)
{
	f->has_sha256 = false;
	f->level_max = WARD_LEVEL_RESTRICTED;
}
static void f_nothing(struct policy_token_fields *f)
{
	(void)f;
}
static void e_nothing(struct env *e)
{
	(void)e;
}
static void e_no_user(struct env *e)
{
	e->ev.user = NULL;
}
static void e_top_secret(struct env *e)
{
	e->content.level = WARD_LEVEL_SECRET;
}
static void e_no_content(struct env *e)
{
	e->ev.content = NULL;
}

static const struct mismatch mismatches[] = {
    {"wrong user", f_wrong_user, e_nothing, POLICY_TOKEN_WRONG_USER},
    {"unknown user", f_nothing, e_no_user, POLICY_TOKEN_WRONG_USER},
    {"wrong device", f_wrong_device, e_nothing, POLICY_TOKEN_WRONG_DEVICE},
    {"wrong file", f_wrong_file, e_nothing, POLICY_TOKEN_WRONG_FILE},
    {"expired", f_expired, e_nothing, POLICY_TOKEN_EXPIRED},
    {"not yet valid", f_not_yet, e_nothing, POLICY_TOKEN_NOT_YET_VALID},
    {"level too high", f_level_restricted, e_nothing, POLICY_TOKEN_LEVEL_TOO_HIGH},
    {"strict rule", f_nothing, e_top_secret, POLICY_TOKEN_RULE_STRICT},
};

static void mismatched_tokens_change_nothing(void **state)
{
	struct env *e = *state;

	for (size_t i = 0; i < sizeof(mismatches) / sizeof(mismatches[0]); i++) {
		const struct mismatch *m = &mismatches[i];
		struct policy_token_fields f;
		struct policy_token *t;
		struct policy_decision d;
		char why[512];

		base_fields(&f);
		m->edit_fields(&f);
		t = make_token(&f, e->wang_key, NULL);
		assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_APPLIED);
		m->edit_event(e);
		d = decide_with(e, t);
		if (d.action != POLICY_BLOCK || d.token_status != m->expected) {
			fprintf(stderr, "%s: got %s/%s\n", m->name, policy_action_name(d.action),
				policy_token_status_name(d.token_status));
			fail();
		}
		assert_null(d.approver);
		assert_ptr_equal(d.token, t);
		assert_true(d.report); /* 'report warn' only: reported for the token */
		policy_explain(e->policy, &e->ev, &d, why, sizeof(why));
		assert_non_null(strstr(why, "not applied"));
		policy_token_free(t);
		e->ev.user = "alice";
		e->content.level = WARD_LEVEL_CONFIDENTIAL;
	}
}

static void level_ceiling_and_any_device(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	struct policy_token *t;

	base_fields(&f);
	f.has_sha256 = false;
	f.level_max = WARD_LEVEL_CONFIDENTIAL;
	f.device_serial[0] = '\0';
	t = make_token(&f, e->wang_key, NULL);
	assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_APPLIED);
	str_copy(e->dev.serial, sizeof(e->dev.serial), "ANY-STICK");
	assert_int_equal(decide_with(e, t).action, POLICY_AUDIT);
	e->content.level = WARD_LEVEL_RESTRICTED;
	assert_int_equal(decide_with(e, t).action, POLICY_AUDIT);
	memset(e->content.sha256, 0, 32); /* any file */
	assert_int_equal(decide_with(e, t).action, POLICY_AUDIT);
	e->ev.time = T0 + 3600;
	assert_int_equal(decide_with(e, t).token_status, POLICY_TOKEN_EXPIRED);

	policy_token_free(t);

	/* no content to compare (an open for writing, blocked by a rule that
	 * needs no content): the token cannot say which file it approves */
	static const char text[] = "trust supervisor \"王科長\" keys/wang.pub\n"
				   "copy block * to removable\ncopy allow *\n";
	struct policy *p = policy_load_buffer("t.rules", text, strlen(text), e->dir, NULL);
	struct policy_decision d;
	const struct policy_token *offered[1];

	assert_non_null(p);
	base_fields(&f);
	t = make_token(&f, e->wang_key, NULL);
	assert_int_equal(policy_token_attach(p, t), POLICY_TOKEN_APPLIED);
	e->ev.time = T0;
	str_copy(e->dev.serial, sizeof(e->dev.serial), "4C530001");
	e_no_content(e);
	offered[0] = t;
	e->ev.tokens = offered;
	e->ev.n_tokens = 1;
	assert_int_equal(policy_decide(p, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_int_equal(d.token_status, POLICY_TOKEN_NO_CONTENT);
	e->ev.tokens = NULL;
	e->ev.n_tokens = 0;
	policy_token_free(t);
	policy_unref(p);
}

static void nearest_miss_is_reported(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	struct policy_token *wrong_user, *expired;
	const struct policy_token *offered[2];
	struct policy_decision d;

	base_fields(&f);
	f_wrong_user(&f);
	wrong_user = make_token(&f, e->wang_key, NULL);
	base_fields(&f);
	f_expired(&f);
	expired = make_token(&f, e->wang_key, NULL);
	policy_token_attach(e->policy, wrong_user);
	policy_token_attach(e->policy, expired);
	offered[0] = wrong_user;
	offered[1] = expired;
	e->ev.tokens = offered;
	e->ev.n_tokens = 2;
	assert_int_equal(policy_decide(e->policy, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_int_equal(d.token_status, POLICY_TOKEN_EXPIRED);
	assert_ptr_equal(d.token, expired);
	e->ev.tokens = NULL;
	e->ev.n_tokens = 0;
	policy_token_free(wrong_user);
	policy_token_free(expired);
}

static void reload_without_the_key_drops_the_token(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	struct policy_token *t;
	struct policy *next;
	struct policy_decision d;
	const struct policy_token *offered[1];
	static const char text[] = "copy block level >= 密 to removable\ncopy allow *\n";

	base_fields(&f);
	t = make_token(&f, e->wang_key, NULL);
	assert_int_equal(policy_token_attach(e->policy, t), POLICY_TOKEN_APPLIED);
	next = policy_load_buffer("next.rules", text, strlen(text), NULL, NULL);
	assert_non_null(next);
	offered[0] = t;
	e->ev.tokens = offered;
	e->ev.n_tokens = 1;
	assert_int_equal(policy_decide(next, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_int_equal(d.token_status, POLICY_TOKEN_UNTRUSTED);
	e->ev.tokens = NULL;
	e->ev.n_tokens = 0;
	policy_unref(next);
	policy_token_free(t);
}

static void malformed_token_files(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"", "missing field 'ward-token'"},
	    {"ward-token 2\n", "line 1: unsupported token version '2'"},
	    {"ward-token 1\nward-token 1\n", "line 2: field 'ward-token' given twice"},
	    {"ward-token 1\nfavourite-colour blue\n", "line 2: unknown field 'favourite-colour'"},
	    {"ward-token 1\nsha256 abc\n", "line 2: bad value for 'sha256'"},
	    {"ward-token 1\nfrom tomorrow\n", "line 2: bad value for 'from'"},
	    {"ward-token 1\nfrom 2022-01-25T08:00\n", "line 2: bad value for 'from'"},
	    {"ward-token 1\nsignature AAAA\n", "line 2: bad value for 'signature'"},
	    /* 64 bytes end in one byte: its second character's low bits must be 0 */
	    {"ward-token 1\nsignature "
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB==\n",
	     "line 2: bad value for 'signature'"},
	    {"ward-token 1\nsignature "
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	     "line 2: bad value for 'signature'"},
	    {"ward-token 1\nlevel-max 秘密\n", "line 2: bad value for 'level-max'"},
	    {"ward-token\n", "line 1: expected 'field value'"},
	    {"ward-token 1\napprover a\nuser u\ndevice-serial *\nlevel-max 密\nsha256 "
	     "abababababababababababababababababababababababababababababababab\nfrom "
	     "2022-01-01T00:00Z\nuntil 2022-01-02T00:00Z\nsignature "
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
	     "exactly one of 'sha256' and 'level-max' is required"},
	    {"ward-token 1\napprover a\nuser u\ndevice-serial *\nlevel-max 密\nfrom "
	     "2022-01-02T00:00Z\nuntil 2022-01-01T00:00Z\nsignature "
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
	     "'until' is not after 'from'"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_token *t =
		    policy_token_parse(cases[i].text, strlen(cases[i].text), err, sizeof(err));

		assert_null(t);
		if (strcmp(err, cases[i].error) != 0) {
			fprintf(stderr, "case %zu: expected '%s', got '%s'\n", i, cases[i].error,
				err);
			fail();
		}
	}
}

static void signing_refuses_bad_fields(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	char *text = NULL, err[256];

	base_fields(&f);
	str_copy(f.user, sizeof(f.user), "alice\nuser bob");
	assert_int_equal(policy_token_sign(&f, e->wang_key, &text, err, sizeof(err)), -1);
	assert_null(text);
	base_fields(&f);
	str_copy(f.user, sizeof(f.user), " alice");
	assert_int_equal(policy_token_sign(&f, e->wang_key, &text, err, sizeof(err)), -1);
	base_fields(&f);
	f.until = f.from;
	assert_int_equal(policy_token_sign(&f, e->wang_key, &text, err, sizeof(err)), -1);
	base_fields(&f);
	assert_int_equal(policy_token_sign(&f, e->wang_pub, &text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an Ed25519 private key"));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Tokens dropped in the policy's `tokens` directory take effect at load:
 * good ones apply without the event offering them, bad ones are listed. */
static void tokens_directory(void **state)
{
	struct env *e = *state;
	struct policy_token_fields f;
	char dir[128], path[192], *good, *bob, *forged, err[256], text[512];
	const struct policy_token_problem *problems;
	struct policy *p;
	struct policy_decision d;
	struct policy_diag diag = {0};
	size_t n;

	snprintf(dir, sizeof(dir), "%s/tokens.d", e->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	base_fields(&f);
	policy_token_free(make_token(&f, e->wang_key, &good));
	f_wrong_user(&f);
	policy_token_free(make_token(&f, e->wang_key, &bob));
	base_fields(&f);
	policy_token_free(make_token(&f, e->mallory_key, &forged));
	snprintf(path, sizeof(path), "%s/alice.tok", dir);
	write_file(path, good);
	snprintf(path, sizeof(path), "%s/bob.tok", dir);
	write_file(path, bob);
	snprintf(path, sizeof(path), "%s/forged.tok", dir);
	write_file(path, forged);
	snprintf(path, sizeof(path), "%s/junk.tok", dir);
	write_file(path, "ward-token 1\n");
	snprintf(path, sizeof(path), "%s/notes.txt", dir); /* not a token: ignored */
	write_file(path, "hello\n");
	free(good);
	free(bob);
	free(forged);

	snprintf(text, sizeof(text), "%stokens tokens.d\n", policy_text);
	p = policy_load_buffer("t.rules", text, strlen(text), e->dir, &diag);
	assert_non_null(p);
	assert_int_equal(policy_tokens_loaded(p), 2);
	n = policy_token_problems(p, &problems);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (strstr(problems[i].path, "/forged.tok")) {
			assert_int_equal(problems[i].status, POLICY_TOKEN_BAD_SIGNATURE);
			assert_string_equal(
			    problems[i].detail,
			    "approver 王科長: signature does not verify (forged or altered)");
		} else {
			assert_non_null(strstr(problems[i].path, "/junk.tok"));
			assert_int_equal(problems[i].status, POLICY_TOKEN_MALFORMED);
			assert_string_equal(problems[i].detail, "missing field 'approver'");
		}
	}
	policy_summary(p, err, sizeof(err));
	assert_non_null(strstr(err, "2 approval tokens (2 refused)"));

	/* alice's approval applies on its own */
	assert_int_equal(policy_decide(p, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_AUDIT);
	assert_string_equal(d.approver, "王科長");
	/* carol has none; bob's and alice's are not her business */
	e->ev.user = "carol";
	assert_int_equal(policy_decide(p, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_int_equal(d.token_status, POLICY_TOKEN_NONE);
	/* bob's names another file: reported as his near miss */
	e->ev.user = "bob";
	e->content.sha256[0] ^= 1;
	assert_int_equal(policy_decide(p, &e->ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_int_equal(d.token_status, POLICY_TOKEN_WRONG_FILE);
	policy_unref(p);

	/* a missing directory holds no tokens and is no error */
	snprintf(text, sizeof(text), "%stokens nowhere.d\n", policy_text);
	p = policy_load_buffer("t.rules", text, strlen(text), e->dir, &diag);
	assert_non_null(p);
	assert_int_equal(policy_tokens_loaded(p), 0);
	assert_int_equal(policy_token_problems(p, &problems), 0);
	policy_unref(p);

	static const char *const names[] = {"alice.tok", "bob.tok", "forged.tok", "junk.tok",
					    "notes.txt"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(valid_token_turns_block_into_audit, setup, teardown),
	    cmocka_unit_test_setup_teardown(forged_and_altered_tokens_are_rejected, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(mismatched_tokens_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(level_ceiling_and_any_device, setup, teardown),
	    cmocka_unit_test_setup_teardown(nearest_miss_is_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(reload_without_the_key_drops_the_token, setup,
					    teardown),
	    cmocka_unit_test(malformed_token_files),
	    cmocka_unit_test_setup_teardown(tokens_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(signing_refuses_bad_fields, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
