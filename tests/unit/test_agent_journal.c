/* The decision journal: hash chain, recovery after a torn write, a full
 * disk that fails an append without losing the chain, field extraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/journal.h"
#include "common/json.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/ward-journal-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/journal.log", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct journal_record sample(const char *path)
{
	static struct classify_result content;
	struct journal_record rec = {0};

	memset(&content, 0, sizeof(content));
	content.level = WARD_LEVEL_CONFIDENTIAL;
	content.size = 1234;
	content.n_reasons = 1;
	strcpy(content.reasons[0].rule, "header-standalone-level");
	strcpy(content.reasons[0].where, "page 1");
	strcpy(content.reasons[0].text, "機密");
	clock_gettime(CLOCK_REALTIME, &rec.time);
	rec.event = "copy-destination";
	rec.uid = 1000;
	rec.user = "chen";
	rec.loginuid = (uid_t)-1;
	rec.pid = 4242;
	rec.exe = "/usr/bin/cp";
	rec.path = path;
	rec.content = &content;
	rec.rule = "10-county.rules:3";
	rec.action = "block";
	rec.outcome = "denied";
	return rec;
}

static char *read_line(const char *path, int want)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	assert_non_null(f);
	for (int i = 0; i < want; i++)
		assert_true(getline(&line, &cap, f) > 0);
	fclose(f);
	return line;
}

static void chain_of_three_verifies(void **state)
{
	struct fixture *fx = *state;
	struct journal *j;
	struct journal_record rec = sample("/media/usb/a.odt");
	uint64_t bad = 0;
	json_t *o;
	int64_t n;
	char *line;

	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_append(j, &rec, true), 1);
	assert_int_equal(journal_append(j, &rec, false), 2);
	assert_int_equal(journal_append(j, &rec, true), 3);
	assert_int_equal(journal_last_seq(j), 3);
	journal_close(j);
	assert_int_equal(journal_verify(fx->path, &bad), 3);

	line = read_line(fx->path, 1);
	o = wjson_parse(line, strlen(line), NULL, 0);
	assert_non_null(o);
	assert_string_equal(wjson_str(o, "prev"),
			    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(wjson_str(o, "level"), "機密");
	assert_string_equal(wjson_str(o, "rule"), "10-county.rules:3");
	assert_true(wjson_int(o, "pid", &n));
	assert_int_equal(n, 4242);
	json_decref(o);
	free(line);
}

static void reopen_continues_the_chain(void **state)
{
	struct fixture *fx = *state;
	struct journal *j;
	struct journal_record rec = sample("/media/usb/b.odt");

	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_append(j, &rec, true), 1);
	journal_close(j);
	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_last_seq(j), 1);
	assert_int_equal(journal_append(j, &rec, true), 2);
	journal_close(j);
	assert_int_equal(journal_verify(fx->path, NULL), 2);
}

static void tampering_breaks_the_chain(void **state)
{
	struct fixture *fx = *state;
	struct journal *j;
	struct journal_record rec = sample("/media/usb/secret-plan.odt");
	uint64_t bad = 0;
	char buf[65536];
	ssize_t n;
	char *p;
	int fd;

	assert_int_equal(journal_open(fx->dir, &j), 0);
	for (int i = 0; i < 3; i++)
		assert_true(journal_append(j, &rec, false) > 0);
	journal_close(j);

	/* Change one letter of the second record's path. */
	fd = open(fx->path, O_RDWR);
	assert_true(fd >= 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	p = strchr(buf, '\n') + 1;
	p = strstr(p, "secret-plan");
	assert_non_null(p);
	*p = 'S';
	assert_int_equal(pwrite(fd, buf, (size_t)n, 0), n);
	close(fd);
	assert_int_equal(journal_verify(fx->path, &bad), -EBADMSG);
	assert_int_equal(bad, 3); /* the third record no longer chains to the second */
}

static void torn_last_line_is_cut(void **state)
{
	struct fixture *fx = *state;
	struct journal *j;
	struct journal_record rec = sample("/media/usb/c.odt");
	FILE *f;

	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_append(j, &rec, true), 1);
	journal_close(j);
	f = fopen(fx->path, "a");
	fputs("{\"seq\":2,\"prev\":\"abc", f); /* a crash mid-write */
	fclose(f);
	assert_int_equal(journal_verify(fx->path, NULL), -EBADMSG);

	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_append(j, &rec, true), 2);
	journal_close(j);
	assert_int_equal(journal_verify(fx->path, NULL), 2);
}

static void full_disk_fails_append_but_keeps_chain(void **state)
{
	struct fixture *fx = *state;
	struct journal *j;
	struct journal_record rec = sample("/media/usb/d.odt");
	struct rlimit old, tight;
	struct stat st;

	/* RLIMIT_FSIZE makes write(2) fail with EFBIG part-way, as a full
	 * disk fails it with ENOSPC: the same path in the journal. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_append(j, &rec, true), 1);
	assert_int_equal(stat(fx->path, &st), 0);
	getrlimit(RLIMIT_FSIZE, &old);
	tight = old;
	tight.rlim_cur = (rlim_t)st.st_size + 100; /* room for a torn piece only */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &tight), 0);
	assert_true(journal_append(j, &rec, true) < 0);
	assert_true(journal_append(j, &rec, false) < 0);
	assert_int_equal(journal_failures(j), 2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(journal_append(j, &rec, true), 2);
	journal_close(j);
	assert_int_equal(journal_verify(fx->path, NULL), 2);
}

static void field_extraction_is_not_fooled_by_values(void **state)
{
	struct fixture *fx = *state;
	struct journal *j;
	struct journal_record rec = sample("/media/usb/x\",\"seq\":99,\"action\":\"allow\n.txt");
	json_t *o;
	int64_t n;
	char *line;

	assert_int_equal(journal_open(fx->dir, &j), 0);
	assert_int_equal(journal_append(j, &rec, true), 1);
	journal_close(j);
	line = read_line(fx->path, 1);
	assert_non_null(strchr(line, '\n'));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	o = wjson_parse(line, strlen(line), NULL, 0);
	assert_non_null(o);
	assert_true(wjson_int(o, "seq", &n));
	assert_int_equal(n, 1);
	assert_string_equal(wjson_str(o, "action"), "block");
	assert_string_equal(wjson_str(o, "path"),
			    "/media/usb/x\",\"seq\":99,\"action\":\"allow\n.txt");
	assert_null(wjson_str(o, "nonexistent"));
	json_decref(o);
	free(line);
	assert_int_equal(journal_verify(fx->path, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(chain_of_three_verifies, setup, teardown),
	    cmocka_unit_test_setup_teardown(reopen_continues_the_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(tampering_breaks_the_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(torn_last_line_is_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_disk_fails_append_but_keeps_chain, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(field_extraction_is_not_fooled_by_values, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
