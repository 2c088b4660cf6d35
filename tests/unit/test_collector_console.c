/* The review console's parts that need no browser: escaping, dates in the
 * ROC calendar, accounts (Argon2id hashes, lockout, a supervisor's key
 * sealed under the password and kept across password changes), review
 * actions as leaves of the log (and nothing appended when the change
 * is stale), approvals handed to desks, archives, the supervisors' policy
 * files.  On a real SQLite store in a scratch directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/console/archive.h"
#include "collector/console/review.h"
#include "collector/console/trust.h"
#include "collector/console/users.h"
#include "common/util.h"
#include "common/json.h"
#include "common/jws.h"

struct fixture {
	char dir[64];
	struct collector c;
	struct console con;
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-console-unit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/c.db", f->dir);
	f->c.store = store_open(DB_SQLITE, path, 2, err, sizeof(err));
	assert_non_null(f->c.store);
	assert_int_equal(collector_log_key(&f->c, f->dir, "ward-collector/unit"), 0);
	f->con.c = &f->c;
	pthread_mutex_init(&f->con.lock, NULL);
	pthread_cond_init(&f->con.hashed, NULL);
	assert_int_equal(users_decoy(&f->con), 0);
	f->db = store_acquire(f->c.store);
	assert_int_equal(tlog_first_checkpoint(f->db, &f->c.log, 1000), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_release(f->c.store, f->db);
	store_close(f->c.store);
	ed25519_free(&f->c.log.key);
	pthread_cond_destroy(&f->con.hashed);
	pthread_mutex_destroy(&f->con.lock);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t count(struct db *db, const char *sql)
{
	struct db_rows *rows = db_query(db, sql, NULL, 0);
	int64_t n = -1;

	if (rows && db_next(rows))
		n = db_col_int(rows, 0);
	db_rows_free(rows);
	return n;
}

static void test_escaping(void **state)
{
	struct html h = {0};
	char *out;

	(void)state;
	html_text(&h, "<script>alert(1)</script>.odt");
	html_attr(&h, "title", "o'brien \"x\" & <y>");
	html_url_value(&h, "王 a/b?c=d&e");
	out = html_take(&h, NULL);
	assert_string_equal(out, "&lt;script&gt;alert(1)&lt;/script&gt;.odt"
				 " title=\"o&#39;brien &quot;x&quot; &amp; &lt;y&gt;\""
				 "%E7%8E%8B%20a%2Fb%3Fc%3Dd%26e");
	free(out);
}

static void test_dates(void **state)
{
	struct html h = {0};
	char *page;
	int64_t ms;

	(void)state;
	/* 2022-01-25 10:00 in Taipei is 02:00 UTC. */
	assert_true(rfc3339_parse_ms("2022-01-25T02:00:00.123Z", &ms));
	assert_int_equal(ms, 1643076000123);
	assert_false(rfc3339_parse_ms("2022-01-25T02:00:00+08:00", &ms));
	assert_false(rfc3339_parse_ms("yesterday", &ms));
	html_time(&h, ms, false);
	html_time(&h, ms, true);
	page = html_take(&h, NULL);
	assert_non_null(page);
	/* The day for people, the ISO form with its offset on hover. */
	assert_string_equal(
	    page, "<time datetime=\"2022-01-25T10:00:00+08:00\" "
		  "title=\"2022-01-25T10:00:00+08:00\">民國 111 年 1 月 25 日 10:00</time>"
		  "<time datetime=\"2022-01-25T10:00:00+08:00\" "
		  "title=\"2022-01-25T10:00:00+08:00\">2022-01-25 10:00</time>");
	free(page);
	assert_true(local_time_ms("2022-01-25T10:00", &ms));
	assert_int_equal(ms, 1643076000000);
	assert_true(local_time_ms("2022-01-24", &ms));
	assert_int_equal(ms, 1642953600000);
	assert_false(local_time_ms("2022-01-24 junk", &ms));
	assert_false(local_time_ms("' OR 1=1", &ms));
}

static void test_accounts(void **state)
{
	struct fixture *f = *state;
	char otp[OTP_CHARS];
	struct user u;

	assert_true(users_name_ok("chen.li-2"));
	assert_true(users_name_ok("王小明"));
	assert_false(users_name_ok("a b"));
	assert_false(users_name_ok("x'--"));
	assert_false(users_display_ok("王\"科長"));
	assert_false(users_display_ok(" 王科長"));
	assert_int_equal(users_add(f->db, "admin", "管理員", ROLE_ADMIN, true, otp), 0);
	assert_int_equal(users_add(f->db, "other", "x", ROLE_ADMIN, true, otp), -EEXIST);
	assert_int_equal(users_add(f->db, "rev", "審查員", ROLE_REVIEWER, false, otp), 0);
	assert_int_equal(
	    count(f->db, "SELECT count(*) FROM users WHERE pw_hash LIKE '$argon2id$%'"), 2);
	assert_int_equal(users_check_password(&f->con, f->db, "rev", otp, &u), 0);
	assert_true(u.must_change);
	assert_int_equal(users_check_password(&f->con, f->db, "nobody", otp, &u), -EACCES);
	assert_int_equal(users_set_password(&f->con, f->db, "rev", otp, "short"), -EINVAL);
	assert_int_equal(users_set_password(&f->con, f->db, "rev", "wrong", "long enough pw"),
			 -EACCES);
	assert_int_equal(users_set_password(&f->con, f->db, "rev", otp, "long enough pw"), 0);
	/* Five failures lock the account, the right password then fails too. */
	for (int i = 0; i < LOCKOUT_FAILURES; i++)
		assert_int_equal(users_check_password(&f->con, f->db, "rev", "bad", &u), -EACCES);
	assert_int_equal(users_check_password(&f->con, f->db, "rev", "long enough pw", &u),
			 -EACCES);
	assert_int_equal(users_unlock(f->db, "rev"), 0);
	assert_int_equal(users_check_password(&f->con, f->db, "rev", "long enough pw", &u), 0);
	assert_false(u.must_change);
	assert_int_equal(users_set_disabled(f->db, "rev", true), 0);
	assert_int_equal(users_check_password(&f->con, f->db, "rev", "long enough pw", &u),
			 -EACCES);
}

static void test_supervisor_key(void **state)
{
	struct fixture *f = *state;
	unsigned char pub[ED25519_KEY_BYTES];
	struct ed25519_key key;
	char otp[OTP_CHARS];
	struct user u;

	assert_int_equal(users_add(f->db, "wang", "王科長", ROLE_SUPERVISOR, false, otp), 0);
	assert_int_equal(users_open_key(&f->con, f->db, "wang", otp, &key), -ENOENT);
	/* The first password of a supervisor makes the key, sealed under it. */
	assert_int_equal(users_set_password(&f->con, f->db, "wang", otp, "first password!"), 0);
	assert_int_equal(users_get(f->db, "wang", &u), 0);
	assert_true(u.has_key);
	assert_int_equal(users_open_key(&f->con, f->db, "wang", "wrong password", &key), -EACCES);
	assert_int_equal(users_open_key(&f->con, f->db, "wang", "first password!", &key), 0);
	memcpy(pub, key.pub, sizeof(pub));
	ed25519_free(&key);
	/* A new password reseals the same key. */
	assert_int_equal(
	    users_set_password(&f->con, f->db, "wang", "first password!", "second password"), 0);
	assert_int_equal(users_open_key(&f->con, f->db, "wang", "first password!", &key), -EACCES);
	assert_int_equal(users_open_key(&f->con, f->db, "wang", "second password", &key), 0);
	assert_memory_equal(key.pub, pub, sizeof(pub));
	ed25519_free(&key);
	/* A reset by an administrator cannot open it: it is gone. */
	assert_int_equal(users_reset(f->db, "wang", otp), 0);
	assert_int_equal(users_open_key(&f->con, f->db, "wang", "second password", &key), -ENOENT);
}

static void test_review_leaf(void **state)
{
	struct fixture *f = *state;
	struct review_actor who = {&f->c, f->db, "rev", "審查員", "reviewer"};
	static const char sql[] = "UPDATE users SET display = ? WHERE name = ?";
	struct db_val good[] = {DBV_TEXT("x"), DBV_TEXT("admin")};
	struct db_val stale[] = {DBV_TEXT("x"), DBV_TEXT("nobody")};
	struct review_change ch = {sql, good, 2}, none = {sql, stale, 2};
	int64_t before, leaf = -1;
	struct ed25519_key pub;
	struct jws j = {0};
	const char *why;
	char *raw;
	size_t len;

	assert_int_equal(
	    users_add(f->db, "admin", "管理員", ROLE_ADMIN, true, (char[OTP_CHARS]){0}), 0);
	before = count(f->db, "SELECT size FROM tlog");
	assert_int_equal(review_append_as(&who, -1, "test", json_pack("{ss}", "reason", "因為"),
					  &ch, NULL, &leaf),
			 0);
	assert_int_equal(leaf, before);
	assert_int_equal(count(f->db, "SELECT size FROM tlog"), before + 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM review_actions"), 1);
	/* The leaf is a JWS of the collector's key. */
	assert_int_equal(store_leaf_raw(f->db, (uint64_t)leaf, &raw, &len), 0);
	assert_int_equal(jws_parse(raw, len, &j, &why), 0);
	assert_string_equal(j.kid, "collector/ward-collector/unit");
	assert_int_equal(ed25519_from_public(f->c.log.key.pub, &pub), 0);
	assert_true(jws_verify(&j, &pub));
	assert_non_null(strstr(j.payload, "\"reason\":\"因為\""));
	assert_non_null(strstr(j.payload, "\"actor\":\"rev\""));
	ed25519_free(&pub);
	jws_free(&j);
	free(raw);
	/* A change that finds nothing to change appends nothing. */
	assert_int_equal(review_append_as(&who, -1, "test", json_object(), &none, NULL, NULL),
			 -ESTALE);
	assert_int_equal(count(f->db, "SELECT size FROM tlog"), before + 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM review_actions"), 1);
}

static void add_approval(struct db *db, const char *id, const char *agent, int64_t until,
			 bool revoked)
{
	static const char sql[] =
	    "INSERT INTO approvals (id, incident, agent_id, approver, approver_display, username,"
	    " from_ms, until_ms, reason, token, created_ms, revoked_ms) VALUES (?, 1, ?, 'wang',"
	    " '王科長', 'alice', 0, ?, 'r', ?, 0, ?)";
	struct db_val p[] = {DBV_TEXT(id), DBV_TEXT(agent), DBV_INT(until), DBV_TEXT(id),
			     revoked ? DBV_INT(5) : DBV_NULL};

	assert_int_equal(db_exec(db, sql, p, 5, NULL), 0);
}

static void test_deliver(void **state)
{
	struct fixture *f = *state;
	json_t *o = json_object();
	int64_t now = 1000000;

	add_approval(f->db, "live", "a1", now + 10, false);
	add_approval(f->db, "old", "a1", now - 10, false);
	add_approval(f->db, "gone", "a1", now + 10, true);
	add_approval(f->db, "theirs", "a2", now + 10, false);
	assert_int_equal(console_approvals_deliver(f->db, "a1", now, o), 0);
	assert_int_equal(json_array_size(json_object_get(o, "approvals")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "approvals"), 0)),
			    "live");
	assert_int_equal(json_array_size(json_object_get(o, "revoked_approvals")), 1);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(o, "revoked_approvals"), 0)), "gone");
	assert_int_equal(count(f->db, "SELECT count(*) FROM approvals WHERE delivered_ms IS NOT"
				      " NULL"),
			 1);
	json_decref(o);
}

static void test_archive(void **state)
{
	struct tarball *t = tarball_new();
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *data, buf[64];
	size_t len;
	int n = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(tarball_add(t, "ward-evidence/a.txt", "hello", 5), 0);
	assert_int_equal(tarball_add(t, "ward-evidence/紀錄.jws", "", 0), 0);
	assert_int_equal(tarball_finish(t, &data, &len), 0);
	assert_true(len < 512); /* compressed, not padded to a tape block */
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, data, len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (n++ == 0) {
			assert_string_equal(archive_entry_pathname(e), "ward-evidence/a.txt");
			assert_int_equal(archive_read_data(a, buf, sizeof(buf)), 5);
			assert_memory_equal(buf, "hello", 5);
		}
	}
	assert_int_equal(n, 2);
	archive_read_free(a);
	free(data);
}

struct files {
	char rules[1024], pub_name[64];
	size_t n;
};

static int collect(void *ctx, const char *name, const char *data, size_t len)
{
	struct files *fs = ctx;

	fs->n++;
	if (strcmp(name, "25-supervisors.rules") == 0)
		snprintf(fs->rules, sizeof(fs->rules), "%.*s", (int)len, data);
	else
		snprintf(fs->pub_name, sizeof(fs->pub_name), "%s", name);
	return 0;
}

static void test_trust(void **state)
{
	struct fixture *f = *state;
	struct files fs = {0};
	char otp[OTP_CHARS], other[OTP_CHARS];

	assert_int_equal(users_add(f->db, "wang", "王科長", ROLE_SUPERVISOR, false, otp), 0);
	assert_int_equal(users_add(f->db, "rev", "審查員", ROLE_REVIEWER, false, other), 0);
	assert_int_equal(trust_files(f->db, collect, &fs), 0);
	assert_int_equal(fs.n, 1); /* no key yet: no line */
	assert_int_equal(users_set_password(&f->con, f->db, "wang", otp, "a good password"), 0);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(trust_files(f->db, collect, &fs), 0);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.pub_name, "supervisors/wang.pub");
	assert_non_null(strstr(fs.rules, "trust supervisor \"王科長\" \"supervisors/wang.pub\"\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_supervisor_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_review_leaf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deliver, setup, teardown),
	    cmocka_unit_test(test_archive),
	    cmocka_unit_test_setup_teardown(test_trust, setup, teardown),
	};

	/* What the console's times are in, whatever this machine's. */
	setenv("TZ", "Asia/Taipei", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
